/**
 * The area controller's side of the province roll-up: its daily summaries and its registry summary, made from the
 * report rollup (controller/reports/rollup.ts) and signed with the area's district key (protocol/summary.ts).
 *
 * A day summary is exactly the rollup rows of one local day for every unit, the day's report_days row and the day's
 * fault events per unit and code (a report counts faults from `events`, which a hub does not have). A hub that puts
 * these rows into a replica with the same tables and runs the same report in its 'replica' mode gets the area's own
 * figures (replica.ts). A day is summarised once it is final (over by SETTLE_S) and checked again on every pass for
 * a window of days: late plays, track or faults make its body change, and a changed body goes out as version + 1.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import { keyId } from '../../protocol/signed.js';
import { MAX_RECEIPT_DAYS, resealSummary, readSummaryHeader, sealSummary, summaryTopic, type SummaryKind, type SummaryReceipt } from '../../protocol/summary.js';
import { migrateArea } from '../db/database.js';
import { CONSTANTS } from '../reports/compute.js';
import { DAY } from '../reports/day-sql.js';
import { dayStart, vnDay } from '../reports/period.js';
import { freshenRollup } from '../reports/rollup.js';
import { SUMMARY_MIGRATIONS } from './summary-schema.js';

/** A column of a summarised table: its name and what a value may be (`num?`: a number or null). */
export type ColumnType = 'text' | 'num' | 'num?';

interface BodyTable {
  /** The columns carried, in this order; `day` (and `year`) are not: every row is of the body's day. */
  columns: readonly [string, ColumnType][];
  /** The table has a `year` column (the day's local calendar year). */
  year: boolean;
  /** The row order (the primary key without the day): the same rows always give the same bytes. */
  order: string;
}

const UNIT: [string, ColumnType] = ['unit_id', 'text'];

/** The rollup tables a day summary carries (every table of rollup-schema.ts `DAY_TABLES`; a test checks it). */
export const DAY_BODY_TABLES: Readonly<Record<string, BodyTable>> = {
  report_plays: { columns: [UNIT, ['n', 'num'], ['s', 'num'], ['e', 'num']], year: false, order: 'unit_id' },
  report_clips: { columns: [UNIT, ['clip', 'text'], ['n', 'num'], ['s', 'num']], year: true, order: 'unit_id, clip' },
  report_sessions: { columns: [UNIT, ['start', 'num'], ['record', 'num']], year: false, order: 'unit_id, start, record' },
  report_cells: {
    columns: [UNIT, ['cy', 'num'], ['cx', 'num'], ['lat0', 'num'], ['lat1', 'num'], ['lon0', 'num'], ['lon1', 'num']],
    year: true,
    order: 'unit_id, cy, cx',
  },
  report_track: { columns: [UNIT, ['n', 'num'], ['m', 'num'], ['lo', 'num'], ['hi', 'num'], ['span', 'num']], year: false, order: 'unit_id' },
  report_amplifier: { columns: [UNIT, ['v', 'num'], ['n', 'num']], year: false, order: 'unit_id' },
  report_soc: { columns: [UNIT, ['soc', 'num'], ['n', 'num']], year: true, order: 'unit_id, soc' },
  report_online: { columns: [UNIT], year: false, order: 'unit_id' },
  report_left_out: { columns: [UNIT, ['reason', 'text'], ['n', 'num']], year: false, order: 'unit_id, reason' },
  report_energy: {
    columns: [UNIT, ['n', 'num'], ['lo', 'num'], ['med', 'num'], ['reserve', 'num'], ['health', 'num?']],
    year: false,
    order: 'unit_id',
  },
};

/** The local calendar year of a day number expression, in SQL (as day-sql.ts computes the `year` columns). */
const SQL_YEAR = (day: string): string => `CAST(strftime('%Y', ${day} * 86400, 'unixepoch') AS INTEGER)`;

/**
 * For the tables keyed (unit, year, …, day), whose day comes last in the key: the keys their rows of the days of
 * [?1, ?2) (Unix seconds) can have, from the fleet rows those days were rolled up from (by the same expressions as
 * day-sql.ts), so that each row is read by its whole key instead of reading every row of the unit's year. A key
 * without a rolled-up row (a play left out of the figures) finds nothing.
 */
const YEAR_KEYS: Readonly<Record<string, { keys: string; on: string }>> = {
  report_clips: {
    keys: `SELECT DISTINCT unit_id u, ${DAY('start')} d, clip c FROM plays WHERE start >= ?1 AND start < ?2`,
    on: 'r.clip = k.c',
  },
  report_cells: {
    keys: `SELECT DISTINCT unit_id u, ${DAY('start')} d, CAST(floor(lat * 1000) AS INTEGER) cy, CAST(floor(lon * 1000) AS INTEGER) cx
             FROM plays WHERE start >= ?1 AND start < ?2 AND lat IS NOT NULL AND lon IS NOT NULL`,
    on: 'r.cy = k.cy AND r.cx = k.cx',
  },
  report_soc: {
    // `+soc`: no affinity, like report_soc.soc (declared without a type), or SQLite cannot use the key for `soc = s`.
    keys: `SELECT DISTINCT unit_id u, ${DAY('minute * 60')} d, +soc s FROM telemetry_samples
            WHERE unit_id IN (SELECT id FROM units) AND minute >= ?1 / 60 AND minute < ?2 / 60 AND soc IS NOT NULL`,
    on: 'r.soc = k.s',
  },
};

/** The day's fault events per unit and code: [unit_id, code, n]. */
export const FAULT_COLUMNS: readonly [string, ColumnType][] = [UNIT, ['code', 'text'], ['n', 'num']];

export const DAY_BODY_FORMAT = 'loa-day-1';
export const REGISTRY_BODY_FORMAT = 'loa-registry-1';

/** One day of an area: its report_days row, and per table the rows (columns as in {@link DAY_BODY_TABLES}). */
export interface DayBody {
  format: typeof DAY_BODY_FORMAT;
  day: string;
  method: string;
  plays: number;
  tables: Record<string, SqlValue[][]>;
  faults: SqlValue[][];
}

/**
 * The registry tables a registry summary carries, and the columns of each it may carry (those the area's database
 * has): what a report reads of the units, teams and communes. Never the units' keys or passwords.
 */
export const REGISTRY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  communes: ['id', 'name', 'lat', 'lon', 'code', 'kind', 'former_code', 'since_day'],
  teams: ['id', 'commune_id', 'name', 'former_commune_id'],
  units: ['id', 'number', 'commune_id', 'team_id', 'provisioned_at', 'retired'],
  commune_successions: ['former_id', 'current_id', 'from_day'],
  commune_names: ['commune_id', 'from_day', 'name'],
};
const REGISTRY_ORDER: Readonly<Record<string, string>> = {
  communes: 'id',
  teams: 'id',
  units: 'id',
  commune_successions: 'former_id, current_id',
  commune_names: 'commune_id, from_day',
};

export interface RegistryBody {
  format: typeof REGISTRY_BODY_FORMAT;
  tables: Record<string, { columns: string[]; rows: SqlValue[][] }>;
}

/** `YYYY-MM-DD` of a local day number. */
export const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
/** The local calendar year of a local day number (as the rollup's `year` columns). */
export const yearOf = (day: number): number => new Date(day * 86_400_000).getUTCFullYear();

/**
 * Runs `work` in one read transaction, so that every table is read as of the same commit. The rollup tables are
 * always named `main.`: a report on the same connection leaves tables of the same names in `temp`, which SQLite
 * would otherwise read first.
 */
async function reading<T>(db: SqliteDb, work: () => Promise<T>): Promise<T> {
  return db.exclusive(async () => {
    await db.exec('BEGIN');
    try {
      return await work();
    } finally {
      await db.exec('COMMIT');
    }
  });
}

/** The bodies of `days` (rolled up already), read in one pass over each table. Call inside a read transaction. */
async function dayBodies(db: SqliteDb, days: readonly number[]): Promise<Map<number, DayBody>> {
  const out = new Map<number, DayBody>();
  if (days.length === 0) return out;
  const sorted = [...days].sort((a, b) => a - b);
  const [lo, hi] = [sorted[0]!, sorted[sorted.length - 1]! + 1];
  const json = JSON.stringify(sorted);
  const heads = await db.all<{ day: number; method: string; plays: number }>('SELECT day, method, plays FROM main.report_days WHERE day IN (SELECT value FROM json_each(?))', [json]);
  for (const h of heads) {
    const tables = Object.fromEntries(Object.keys(DAY_BODY_TABLES).map((t) => [t, [] as SqlValue[][]]));
    out.set(h.day, { format: DAY_BODY_FORMAT, day: dayText(h.day), method: h.method, plays: h.plays, tables, faults: [] });
  }
  const missing = sorted.filter((d) => !out.has(d));
  if (missing.length > 0) throw new Error(`days ${missing.map(dayText).join(', ')} are not rolled up: run the rollup first`);
  for (const [table, spec] of Object.entries(DAY_BODY_TABLES)) {
    const cols = spec.columns.map(([c]) => c);
    const keys = YEAR_KEYS[table];
    // Tables keyed (unit, year, …, day) are read through the keys the day's own fleet rows give (see YEAR_KEYS);
    // the others by (unit, day).
    const sql =
      keys === undefined
        ? `SELECT day, ${cols.join(', ')} FROM main.${table} WHERE unit_id IN (SELECT id FROM units)
              AND day >= ?3 AND day < ?4 AND day IN (SELECT value FROM json_each(?5)) ORDER BY day, ${spec.order}`
        : `SELECT r.day day, ${cols.map((c) => `r.${c} ${c}`).join(', ')} FROM (${keys.keys}) k
             JOIN main.${table} r ON r.unit_id = k.u AND r.year = ${SQL_YEAR('k.d')} AND ${keys.on} AND r.day = k.d
            WHERE k.d IN (SELECT value FROM json_each(?5)) ORDER BY r.day, ${spec.order.split(', ').map((c) => `r.${c}`).join(', ')}`;
    const rows = await db.all<Record<string, SqlValue>>(sql, [dayStart(lo), dayStart(hi), lo, hi, json]);
    for (const r of rows) out.get(r.day as number)!.tables[table]!.push(cols.map((c) => r[c] ?? null));
  }
  const faults = await db.all<{ d: number; u: string; code: string; n: number }>(
    `SELECT ${DAY('time')} d, unit_id u, code, count(*) n FROM events
      WHERE kind = 'fault' AND time >= ? AND time < ? AND unit_id IN (SELECT id FROM units) GROUP BY d, u, code ORDER BY d, u, code`,
    [dayStart(lo), dayStart(hi)],
  );
  for (const f of faults) out.get(f.d)?.faults.push([f.u, f.code, f.n]);
  return out;
}

/** The day summary body of local day `day` (rolled up already), as the area's report reads that day. */
export async function makeDayBody(db: SqliteDb, day: number): Promise<DayBody> {
  return (await reading(db, () => dayBodies(db, [day]))).get(day)!;
}

async function registryBody(db: SqliteDb): Promise<RegistryBody> {
  const tables: RegistryBody['tables'] = {};
  for (const [table, wanted] of Object.entries(REGISTRY_COLUMNS)) {
    const have = new Set((await db.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)).map((r) => r.name));
    if (have.size === 0) continue; // an older database without that table
    const columns = wanted.filter((c) => have.has(c));
    const rows = await db.all<Record<string, SqlValue>>(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${REGISTRY_ORDER[table]!}`);
    tables[table] = { columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) };
  }
  return { format: REGISTRY_BODY_FORMAT, tables };
}

/** The registry summary body: the units, teams and communes (with codes, successions and names) a report reads. */
export async function makeRegistryBody(db: SqliteDb): Promise<RegistryBody> {
  return reading(db, () => registryBody(db));
}

// --- the pass -----------------------------------------------------------------------------------------------------

export interface SummaryPassOptions {
  /** The area's network name (config `district.id`). */
  area: string;
  /** The area's district key. */
  key: KeyObject;
  /** Unix seconds: the pass looks at the final days of [now − windowDays days, now). */
  now: number;
  /** Days looked at again on each pass, for late records (default 62). */
  windowDays?: number;
  /** The real time (default: the system clock): a day is final only when it is over by both it and `now`. */
  clock?: () => number;
}

export interface SealedOut {
  topic: string;
  bytes: Buffer;
  retain: boolean;
  kind: SummaryKind;
  day: string | null;
  version: number;
}

const REGISTRY_DAY = -1;
/** Days whose bodies one read transaction makes. */
const CHUNK_DAYS = 7;
const systemSeconds = (): number => Math.floor(Date.now() / 1000);
const sha256 = (body: unknown): string => createHash('sha256').update(JSON.stringify(body), 'utf8').digest('hex');

/** Creates or updates the `summary` area's table. */
export async function migrateSummary(db: SqliteDb): Promise<void> {
  await migrateArea(db, 'summary', SUMMARY_MIGRATIONS);
}

/**
 * Per final day of [a, b), what its body is made from: the rollup's method and play count (which a late play moves,
 * see rollup.ts), the day's track points and spans (which late track moves) and its fault events. Rows are only ever
 * added to those tables, so an unchanged stamp is an unchanged body. Call inside a read transaction.
 */
async function stamps(db: SqliteDb, a: number, b: number): Promise<Map<number, string>> {
  const days = await db.all<{ day: number; method: string; plays: number; n: number; span: number }>(
    `SELECT d.day day, d.method method, d.plays plays, coalesce(t.n, 0) n, coalesce(t.span, 0) span FROM main.report_days d
       LEFT JOIN (SELECT day, sum(n) n, sum(span) span FROM main.report_track WHERE unit_id IN (SELECT id FROM units) AND day >= ?1 AND day < ?2 GROUP BY day) t
         ON t.day = d.day
      WHERE d.day >= ?1 AND d.day < ?2`,
    [a, b],
  );
  const faults = await db.all<{ d: number; n: number }>(`SELECT ${DAY('time')} d, count(*) n FROM events WHERE kind = 'fault' AND time >= ? AND time < ? GROUP BY d`, [
    dayStart(a),
    dayStart(b),
  ]);
  const faultsOf = new Map(faults.map((f) => [f.d, f.n]));
  return new Map(days.map((d) => [d.day, `${d.method}|${d.plays}|${d.n}|${d.span}|${faultsOf.get(d.day) ?? 0}`]));
}

interface Kept {
  day: number;
  version: number;
  sha256: string;
  stamp: string | null;
}

function out(area: string, kind: SummaryKind, day: number, version: number, bytes: Buffer): SealedOut {
  const text = kind === 'day' ? dayText(day) : null;
  return { topic: summaryTopic(area, kind, text ?? undefined), bytes, retain: kind === 'registry', kind, day: text, version };
}

/**
 * Rolls up and re-checks the final days of the window (days over by SETTLE_S), and returns the summaries whose body
 * changed since last time (new version) plus the registry when it changed. Idempotent: a second pass returns [].
 * Days before the first unit's registration are not summarised (a replica counts a missing day as one without data).
 */
export async function summaryPass(db: SqliteDb, o: SummaryPassOptions): Promise<SealedOut[]> {
  await migrateSummary(db);
  const clock = o.clock ?? systemSeconds;
  const horizon = Math.min(o.now, clock());
  const today = vnDay(o.now);
  const windowDays = o.windowDays ?? 62;
  if (!Number.isInteger(windowDays) || windowDays < 1) throw new RangeError(`windowDays must be a whole number of days ≥ 1, got ${String(o.windowDays)}`);
  const firstUnit = await db.exclusive(() => db.get<{ t: number | null }>('SELECT min(provisioned_at) t FROM units'));
  const sealed: SealedOut[] = [];
  const registry = await makeRegistryBody(db);
  const reg = await changed(db, 'registry', REGISTRY_DAY, registry, null, o);
  if (reg !== undefined) sealed.push(reg);
  if (firstUnit?.t === null || firstUnit?.t === undefined) return sealed;
  const first = Math.max(today - windowDays, vnDay(firstUnit.t));
  const [a, b] = await freshenRollup(db, first, today + 1, horizon, CONSTANTS);
  for (let from = a; from < b; from += CHUNK_DAYS) sealed.push(...(await passDays(db, from, Math.min(b, from + CHUNK_DAYS), o)));
  // Bytes older than a receipt lists are never asked for again.
  await db.exclusive(() => db.run("UPDATE summary_days SET bytes = NULL WHERE kind = 'day' AND day < ? AND bytes IS NOT NULL", [today - MAX_RECEIPT_DAYS]));
  return sealed;
}

/**
 * The summaries of the final days [from, to) whose body changed. Their bodies are made in one read transaction, a few
 * days at a time: the connection is shared with ingest and reports (7 days of 500 carts: ~1 s).
 */
async function passDays(db: SqliteDb, from: number, to: number, o: SummaryPassOptions): Promise<SealedOut[]> {
  const { todo, bodies } = await reading(db, async () => {
    const current = await stamps(db, from, to);
    const kept = await db.all<Kept>("SELECT day, version, sha256, stamp FROM summary_days WHERE kind = 'day' AND day >= ? AND day < ?", [from, to]);
    const keptStamp = new Map(kept.map((k) => [k.day, k.stamp]));
    const todo = [...current].filter(([d, s]) => keptStamp.get(d) !== s);
    return { todo, bodies: await dayBodies(db, todo.map(([d]) => d)) };
  });
  const sealed: SealedOut[] = [];
  for (const [day, stamp] of todo) {
    const s = await changed(db, 'day', day, bodies.get(day)!, stamp, o);
    if (s !== undefined) sealed.push(s);
  }
  return sealed;
}

/**
 * Records `body` as the latest of (kind, day): a new version, sealed, when its SHA-256 differs from the one kept;
 * only the stamp otherwise. Returns the summary to publish, or undefined.
 */
async function changed(db: SqliteDb, kind: SummaryKind, day: number, body: unknown, stamp: string | null, o: SummaryPassOptions): Promise<SealedOut | undefined> {
  const sha = sha256(body);
  const kept = await db.exclusive(() => db.get<Kept>('SELECT day, version, sha256, stamp FROM summary_days WHERE kind = ? AND day = ?', [kind, day]));
  if (kept !== undefined && kept.sha256 === sha) {
    if (kept.stamp !== stamp) await db.exclusive(() => db.run('UPDATE summary_days SET stamp = ? WHERE kind = ? AND day = ?', [stamp, kind, day]));
    return undefined;
  }
  const version = (kept?.version ?? 0) + 1;
  const header = { area: o.area, kind, day: kind === 'day' ? dayText(day) : null, version, madeAt: Math.floor(o.now) };
  const bytes = sealSummary(header, body, o.key); // outside any transaction: brotli takes ~0.1 s for 500 carts
  // Only over the version it was made from: a pass running at the same time may have recorded it already.
  const written = await db.exclusive(() =>
    db.run(
      `INSERT INTO summary_days (kind, day, version, sha256, stamp, made_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, day) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, stamp = excluded.stamp,
         made_at = excluded.made_at, bytes = excluded.bytes WHERE summary_days.version = ?`,
      [kind, day, version, sha, stamp, header.madeAt, bytes, version - 1],
    ),
  );
  return written.changes === 0 ? undefined : out(o.area, kind, day, version, bytes);
}

/**
 * Everything the hub's receipt says it lacks (or holds at a lower version), from summary_days: the bytes as they
 * were published, signed again when the area's key changed since.
 */
export async function missingFor(db: SqliteDb, receipt: SummaryReceipt, o: SummaryPassOptions): Promise<SealedOut[]> {
  if (receipt.area !== o.area) return [];
  await migrateSummary(db);
  const rows = await db.exclusive(() =>
    db.all<{ kind: SummaryKind; day: number; version: number; bytes: Buffer }>(
      "SELECT kind, day, version, bytes FROM summary_days WHERE bytes IS NOT NULL AND (kind = 'registry' OR day >= ?) ORDER BY kind DESC, day",
      [vnDay(o.now) - MAX_RECEIPT_DAYS],
    ),
  );
  const id = keyId(o.key);
  const sealed: SealedOut[] = [];
  for (const r of rows) {
    const held = r.kind === 'registry' ? receipt.registry : (receipt.days[dayText(r.day)] ?? 0);
    if (held >= r.version) continue;
    const bytes = readSummaryHeader(r.bytes).keyId === id ? Buffer.from(r.bytes) : resealSummary(r.bytes, o.key);
    sealed.push(out(o.area, r.kind, r.day, r.version, bytes));
  }
  return sealed;
}
