/**
 * A province hub's replica of one area: a SQLite file with the tables of an area controller's database (fleet and
 * report rollup migrations, plus the `replica` area below), filled only from the area's signed summaries. The hub runs
 * the area's own report on it, `computeReport(replica, { period, now, rollup: 'replica' })`, which takes the rows of
 * the days summarised as they are: so the hub's report of an area is the area's report, by construction.
 *
 * A day summary replaces that day's rows in one transaction (a version 2 after late records never adds to version 1);
 * a registry summary replaces the units, teams and communes. The fleet tables of records, plays, events, track and
 * telemetry stay empty.
 */
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import { SummaryError } from '../../protocol/summary.js';
import { migrateArea, openControllerDb } from '../db/database.js';
import { vnDayRange, vnDay } from '../reports/period.js';
import { migrateRollup } from '../reports/rollup.js';
import { DAY_BODY_FORMAT, DAY_BODY_TABLES, FAULT_COLUMNS, REGISTRY_BODY_FORMAT, REGISTRY_COLUMNS, yearOf, type ColumnType } from './area-summary.js';

/** The `replica` area: what a replica holds besides an area's own tables. */
export const REPLICA_MIGRATIONS: readonly string[] = [
  `-- The faults of each summarised day (an area reads them from its events, which a replica does not have).
CREATE TABLE replica_faults (unit_id TEXT NOT NULL, day INTEGER NOT NULL, code TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (unit_id, day, code)) WITHOUT ROWID;
-- The units that had rows on each summarised day: a newer version of the day deletes by unit and day, through the
-- tables' own keys, instead of reading whole tables.
CREATE TABLE replica_day_units (day INTEGER NOT NULL, unit_id TEXT NOT NULL, PRIMARY KEY (day, unit_id)) WITHOUT ROWID;
-- The same for the tables keyed (unit, year, …, day), whose day comes last: the middle of each row's key (a, b: the
-- clip; the cell's cy, cx; the state of charge), so that a newer version deletes those rows by their whole key.
CREATE TABLE replica_day_keys (day INTEGER NOT NULL, tbl TEXT NOT NULL, unit_id TEXT NOT NULL, a NOT NULL, b NOT NULL,
  PRIMARY KEY (day, tbl, unit_id, a, b)) WITHOUT ROWID;`,
];

/** The middle of the key of the tables keyed (unit, year, …, day), as kept in replica_day_keys (b = 0 when unused). */
const MIDDLE_KEYS: Readonly<Record<string, readonly string[]>> = {
  report_clips: ['clip'],
  report_cells: ['cy', 'cx'],
  report_soc: ['soc'],
};

/** Opens (creating if needed) a replica file: the fleet, report rollup and replica tables. */
export async function openReplica(path: string): Promise<SqliteDb> {
  const db = await openControllerDb(path);
  try {
    await migrateRollup(db);
    await migrateArea(db, 'replica', REPLICA_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

const bad = (message: string): never => {
  throw new SummaryError('bad-format', message);
};

const dayTextOf = (body: unknown): string => String((body as { day?: unknown }).day);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkValue(v: unknown, type: ColumnType, where: string): SqlValue {
  if (type === 'text' ? typeof v === 'string' : (typeof v === 'number' && Number.isFinite(v)) || (type === 'num?' && v === null)) return v as SqlValue;
  return bad(`${where}: ${JSON.stringify(v)} is not a ${type === 'text' ? 'text' : 'number'}`);
}

/** The rows of one table of a body, checked against its columns. */
function checkRows(rows: unknown, columns: readonly [string, ColumnType][], where: string): SqlValue[][] {
  if (!Array.isArray(rows)) return bad(`${where} must be an array of rows`);
  return rows.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) return bad(`${where}[${i}] must have ${columns.length} values`);
    return row.map((v, j) => checkValue(v, columns[j]![1], `${where}[${i}].${columns[j]![0]}`));
  });
}

/** Registry rows: text, numbers and nulls (the tables' own constraints check the rest when they are inserted). */
function registryRows(rows: unknown, width: number, where: string): SqlValue[][] {
  if (!Array.isArray(rows)) return bad(`${where} rows must be an array`);
  return rows.map((row, i) => {
    if (!Array.isArray(row) || row.length !== width) return bad(`${where}[${i}] must have ${width} values`);
    for (const v of row) if (!(typeof v === 'string' || v === null || (typeof v === 'number' && Number.isFinite(v)))) bad(`${where}[${i}]: ${JSON.stringify(v)} is not a value`);
    return row as SqlValue[];
  });
}

interface CheckedDay {
  day: number;
  method: string;
  plays: number;
  tables: Map<string, SqlValue[][]>;
  faults: SqlValue[][];
}

function checkDayBody(body: unknown): CheckedDay {
  if (!isObject(body) || body.format !== DAY_BODY_FORMAT) return bad(`a day summary body has format ${DAY_BODY_FORMAT}`);
  const range = typeof body.day === 'string' ? vnDayRange(body.day) : undefined;
  if (range === undefined) return bad(`day summary day ${JSON.stringify(body.day)} is not YYYY-MM-DD`);
  if (typeof body.method !== 'string' || typeof body.plays !== 'number' || !Number.isInteger(body.plays)) return bad('day summary needs method and plays');
  if (!isObject(body.tables)) return bad('day summary needs tables');
  const names = Object.keys(body.tables).sort();
  const expected = Object.keys(DAY_BODY_TABLES).sort();
  if (names.join() !== expected.join()) return bad(`day summary tables are ${names.join(', ')}, expected ${expected.join(', ')}`);
  const tables = new Map<string, SqlValue[][]>();
  for (const [t, spec] of Object.entries(DAY_BODY_TABLES)) tables.set(t, checkRows(body.tables[t], spec.columns, t));
  return { day: vnDay(range.start), method: body.method, plays: body.plays, tables, faults: checkRows(body.faults, FAULT_COLUMNS, 'faults') };
}

/**
 * Runs `work` in one transaction; a row the tables' constraints refuse (a duplicate key, a unit of an unknown commune)
 * makes the whole body `bad-format`, and nothing of it is kept.
 */
async function replacing(db: SqliteDb, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await db.transaction(work);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT') bad(`${what} refused by the replica's tables: ${(err as Error).message}`);
    throw err;
  }
}

/** Inserts rows in chunks (one statement per chunk). */
async function insert(db: SqliteDb, table: string, columns: readonly string[], rows: readonly SqlValue[][]): Promise<void> {
  if (rows.length > 0) await db.insertMany(table, columns, rows);
}

/**
 * Replaces the rows of the body's day with the body's (one transaction). Refuses a body that is not a day summary
 * body of this program's tables with `SummaryError('bad-format')`, changing nothing.
 */
export async function applyDayBody(replica: SqliteDb, body: unknown): Promise<void> {
  const d = checkDayBody(body);
  const year = yearOf(d.day);
  const units = new Set<string>();
  for (const rows of [...d.tables.values(), d.faults]) for (const r of rows) units.add(r[0] as string);
  await replacing(replica, `day summary ${dayTextOf(body)}`, async () => {
    const had = await replica.get<{ n: number }>('SELECT count(*) n FROM report_days WHERE day = ?', [d.day]);
    if (had!.n > 0) {
      const byUnit = 'unit_id IN (SELECT unit_id FROM replica_day_units WHERE day = ?1) AND day = ?1';
      for (const t of Object.keys(DAY_BODY_TABLES)) {
        const middle = MIDDLE_KEYS[t];
        if (middle === undefined) await replica.run(`DELETE FROM main.${t} WHERE ${byUnit}`, [d.day]);
        else {
          const key = ['unit_id', 'year', ...middle, 'day'];
          const from = ['unit_id', '?2', ...['a', 'b'].slice(0, middle.length), 'day'];
          await replica.run(`DELETE FROM main.${t} WHERE (${key.join(', ')}) IN (SELECT ${from.join(', ')} FROM replica_day_keys WHERE day = ?1 AND tbl = '${t}')`, [d.day, year]);
        }
      }
      await replica.run(`DELETE FROM replica_faults WHERE ${byUnit}`, [d.day]);
      await replica.run('DELETE FROM replica_day_units WHERE day = ?', [d.day]);
      await replica.run('DELETE FROM replica_day_keys WHERE day = ?', [d.day]);
      await replica.run('DELETE FROM report_days WHERE day = ?', [d.day]);
    }
    await replica.run('INSERT INTO report_days (day, method, plays) VALUES (?, ?, ?)', [d.day, d.method, d.plays]);
    // A report keeps the months it read (reports/months.ts): stamping the day makes it read this day's month again.
    await replica.run('INSERT INTO report_changes (day, seq) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM report_changes)) ON CONFLICT (day) DO UPDATE SET seq = excluded.seq', [d.day]);
    for (const [t, spec] of Object.entries(DAY_BODY_TABLES)) {
      const extra = spec.year ? [d.day, year] : [d.day];
      const columns = [...spec.columns.map(([c]) => c), 'day', ...(spec.year ? ['year'] : [])];
      await insert(replica, `main.${t}`, columns, d.tables.get(t)!.map((r) => [...r, ...extra]));
    }
    await insert(replica, 'replica_faults', ['unit_id', 'code', 'n', 'day'], d.faults.map((r) => [...r, d.day]));
    await insert(replica, 'replica_day_units', ['day', 'unit_id'], [...units].map((u) => [d.day, u]));
    for (const [t, middle] of Object.entries(MIDDLE_KEYS)) {
      const at = middle.map((c) => DAY_BODY_TABLES[t]!.columns.findIndex(([name]) => name === c));
      const keys = d.tables.get(t)!.map((r) => [d.day, t, r[0]!, r[at[0]!]!, at.length > 1 ? r[at[1]!]! : 0]);
      await insert(replica, 'replica_day_keys', ['day', 'tbl', 'unit_id', 'a', 'b'], keys);
    }
  });
}

/** Columns a replica needs in `units` that a registry summary never carries (the carts' secrets stay at the area). */
const UNIT_PLACEHOLDERS: readonly [string, SqlValue][] = [
  ['profile', ''],
  ['unit_key', Buffer.alloc(0)],
  ['password_hash', ''],
];
/** Deleted in this order, inserted in the reverse (foreign keys). */
const DELETE_ORDER = ['units', 'commune_names', 'commune_successions', 'teams', 'communes'];
const INSERT_ORDER = ['communes', 'teams', 'units', 'commune_successions', 'commune_names'];

/**
 * Replaces the replica's units, teams and communes (with their successions and names) with the registry summary's
 * (one transaction). Refuses with `SummaryError('bad-format')` a body that is not a registry body, or that carries a
 * column this replica does not have (the hub's program is older than the area's: update it).
 */
export async function applyRegistryBody(replica: SqliteDb, body: unknown): Promise<void> {
  if (!isObject(body) || body.format !== REGISTRY_BODY_FORMAT || !isObject(body.tables)) return bad(`a registry summary body has format ${REGISTRY_BODY_FORMAT}`);
  const given = body.tables;
  const tables = new Map<string, { columns: string[]; rows: SqlValue[][] }>();
  for (const [t, value] of Object.entries(given)) {
    const allowed = REGISTRY_COLUMNS[t];
    if (allowed === undefined) return bad(`registry summary table ${t} is not one a replica keeps`);
    if (!isObject(value) || !Array.isArray(value.columns) || value.columns.some((c) => typeof c !== 'string' || !allowed.includes(c))) {
      return bad(`registry summary table ${t} has columns outside ${allowed.join(', ')}`);
    }
    const columns = value.columns as string[];
    tables.set(t, { columns, rows: registryRows(value.rows, columns.length, t) });
  }
  await replacing(replica, 'registry summary', async () => {
    for (const [t, { columns }] of tables) {
      const have = new Set((await replica.all<{ name: string }>(`SELECT name FROM pragma_table_info('${t}')`)).map((r) => r.name));
      const unknown = columns.filter((c) => !have.has(c));
      if (unknown.length > 0) bad(`this hub's replica has no ${t}.${unknown.join(', ')}: update the hub's program`);
    }
    for (const t of DELETE_ORDER) if (tables.has(t)) await replica.run(`DELETE FROM ${t}`);
    for (const t of INSERT_ORDER) {
      const table = tables.get(t);
      if (table === undefined) continue;
      const pad = t === 'units' ? UNIT_PLACEHOLDERS.filter(([c]) => !table.columns.includes(c)) : [];
      await insert(replica, t, [...table.columns, ...pad.map(([c]) => c)], table.rows.map((r) => [...r, ...pad.map(([, v]) => v)]));
    }
  });
}
