/**
 * The report rollup: the per-day figures of day-sql.ts, kept in the `reports` area for the days that are over, so
 * that a year report reads ~36,000 small rows per table instead of millions of samples, points and plays.
 *
 * When a day's rows are right, by source:
 * - telemetry samples, status changes and `records.server_time` are written live, stamped with the server's clock: once
 *   a local day has ended (plus {@link SETTLE_S} for a batch still being written) nothing more can be added to it. A
 *   day is rolled up only after that, measured on min(report's `now`, system clock), and its rows never change. The
 *   plays left out of the figures are counted by the day they arrived, with the online days (source `online`).
 * - plays and track points are durable records that a cart may deliver weeks late (stamped with the cart's time). The
 *   fleet tables only ever gain rows (ingest inserts each record once and never updates or deletes them), and the
 *   triggers of report_changes (rollup-schema.ts) stamp, with a rising number, every rolled-up day such an insert
 *   touches. report_days.checked holds the stamp up to which the day's rows are right, so a report finds the days
 *   touched since in report_changes alone, in the same read transaction as the figures. A day rolled up before the
 *   stamps existed (checked NULL) is checked once against counts kept with it: the plays of the day (all units, from
 *   the `plays_by_start` index), and per unit the day's track points and the points of the records around them
 *   (`span`, see `trackStatement`); an unchanged count is an unchanged set of rows, and equal totals over a range
 *   mean equal counts on every day (each can only have grown). A day found changed is computed afresh for that report
 *   (in `temp`) and rewritten in the rollup afterwards.
 * Days not rolled up (not over yet, or after `now`) are computed for each report into the `temp` tables.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { migrateArea } from '../db/database.js';
import { DAY, leftOutStatement, onlineStatement, playStatements, telemetryStatements, trackStatement, type DayConstants, type DayStatement } from './day-sql.js';
import { dayStart, vnDay } from './period.js';
import { DAY_INDEXED, DAY_TABLES, dayTablesSql, REPORT_MIGRATIONS } from './rollup-schema.js';

/** How long after the end of a local day its live rows (telemetry, status, arrivals) may still be being written, s. */
export const SETTLE_S = 3600;
/** Days rolled up per write transaction: short enough (~2 s for 100 carts) not to hold up ingest on another connection. */
const CHUNK_DAYS = 31;

export type Source = 'plays' | 'track' | 'telemetry' | 'online';
const SOURCES: readonly Source[] = ['plays', 'track', 'telemetry', 'online'];
const TABLES_OF: Record<Source, readonly string[]> = {
  plays: ['report_plays', 'report_clips', 'report_sessions', 'report_cells'],
  track: ['report_track'],
  telemetry: ['report_amplifier', 'report_soc', 'report_energy'],
  online: ['report_online', 'report_left_out'],
};

/**
 * The rollup's version of the constants and of the SQL: days rolled up with other values are rolled up again (v2:
 * plays with a wrong cart clock are left out of the figures and counted in report_left_out; v3: the energy forecasts
 * in report_energy).
 */
const methodOf = (c: DayConstants): string => `v3 gap=${c.sessionGapS} speed=${c.maxSpeedMs} ahead=${c.maxAheadS}`;

/** Contiguous runs of ascending day numbers, as [first, after-last). */
function runs(days: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const d of days) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === d) last[1] = d + 1;
    else out.push([d, d + 1]);
  }
  return out;
}

const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function statements(source: Source, schema: string, from: number, to: number, c: DayConstants): DayStatement[] {
  switch (source) {
    case 'plays':
      return playStatements(schema, from, to, c);
    case 'track':
      return [trackStatement(schema, from, to, c)];
    case 'telemetry':
      return telemetryStatements(schema, from, to);
    case 'online':
      return [onlineStatement(schema, from, to), leftOutStatement(schema, from, to, c)];
  }
}

async function write(db: SqliteDb, source: Source, schema: string, from: number, to: number, c: DayConstants): Promise<void> {
  for (const s of statements(source, schema, from, to, c)) await db.run(s.sql, s.params);
}

/** Plays per local day of [first, after) (all units), as the check count of report_days. */
async function playCounts(db: SqliteDb, first: number, after: number): Promise<Map<number, number>> {
  const rows = await db.all<{ d: number; n: number }>(
    `SELECT ${DAY('start')} d, count(*) n FROM plays WHERE start >= ? AND start < ? GROUP BY d`,
    [dayStart(first), dayStart(after)],
  );
  return new Map(rows.map((r) => [r.d, r.n]));
}

async function deleteDays(db: SqliteDb, tables: readonly string[], days: readonly number[]): Promise<void> {
  const json = JSON.stringify(days);
  for (const t of tables) {
    // Tables keyed (unit, year, …, day) are found by their index by day; `+` keeps SQLite off each unit's whole year.
    const unit = t in DAY_INDEXED ? '+unit_id' : 'unit_id';
    await db.run(`DELETE FROM main.${t} WHERE ${unit} IN (SELECT id FROM units) AND day IN (SELECT value FROM json_each(?))`, [json]);
  }
}

/** The highest stamp of report_changes (0: none yet). */
async function currentStamp(db: SqliteDb): Promise<number> {
  const row = await db.get<{ seq: number }>('SELECT coalesce(max(seq), 0) seq FROM main.report_changes');
  return row!.seq;
}

/** Records that the rows of `days` are right up to stamp `seq` (found right by a check, or just written). */
export async function markChecked(db: SqliteDb, days: readonly number[], seq: number): Promise<void> {
  if (days.length === 0) return;
  await db.transaction(() => db.run('UPDATE main.report_days SET checked = ? WHERE day IN (SELECT value FROM json_each(?)) AND (checked IS NULL OR checked < ?)', [seq, JSON.stringify(days), seq]));
}

/** The days [first, after) that have ended, settled, before `horizon`. */
function finalDays(first: number, after: number, horizon: number): [number, number] {
  return [first, Math.max(first, Math.min(after, vnDay(horizon - SETTLE_S)))];
}

/** Creates or updates the rollup tables (the `reports` area). */
export async function migrateRollup(db: SqliteDb): Promise<void> {
  await migrateArea(db, 'reports', REPORT_MIGRATIONS);
}

/**
 * Rolls up the days of [first, after) that are over by `horizon` and not rolled up yet (or with other constants),
 * CHUNK_DAYS days per write transaction. Returns how many days it rolled up.
 */
export async function fillRollup(db: SqliteDb, first: number, after: number, horizon: number, c: DayConstants): Promise<number> {
  const [a, b] = finalDays(first, after, horizon);
  if (b <= a) return 0;
  const method = methodOf(c);
  const have = await db.exclusive(() => db.all<{ day: number }>('SELECT day FROM report_days WHERE day >= ? AND day < ? AND method = ?', [a, b, method]));
  const done = new Set(have.map((r) => r.day));
  const missing = range(a, b).filter((d) => !done.has(d));
  let built = 0;
  for (let i = 0; i < missing.length; i += CHUNK_DAYS) {
    const chunk = missing.slice(i, i + CHUNK_DAYS);
    built += await db.transaction(async () => {
      // Again inside the write transaction: another report may have rolled up some of these days meanwhile.
      const rows = await db.all<{ day: number; method: string }>('SELECT day, method FROM report_days WHERE day IN (SELECT value FROM json_each(?))', [JSON.stringify(chunk)]);
      const current = new Set(rows.filter((r) => r.method === method).map((r) => r.day));
      const stale = rows.filter((r) => r.method !== method).map((r) => r.day);
      const todo = chunk.filter((d) => !current.has(d));
      if (stale.length > 0) {
        await deleteDays(db, DAY_TABLES, stale);
        await db.run('DELETE FROM report_days WHERE day IN (SELECT value FROM json_each(?))', [JSON.stringify(stale)]);
      }
      const seq = await currentStamp(db);
      for (const [from, to] of runs(todo)) {
        for (const source of SOURCES) await write(db, source, 'main', dayStart(from), dayStart(to), c);
        const counts = await playCounts(db, from, to);
        await db.insertMany('report_days', ['day', 'method', 'plays', 'checked'], range(from, to).map((d) => [d, method, counts.get(d) ?? 0, seq]));
      }
      return todo.length;
    });
  }
  return built;
}

/**
 * Local days of [lo, hi) whose rolled-up track may be out of date: a unit's points of the day are not the count kept
 * (compared day by day only when the totals differ, as for the plays), or the points of the records lo..hi around
 * them changed (a late record between two of the unit's records: see `trackStatement`).
 */
async function changedTrackDays(db: SqliteDb, lo: number, hi: number): Promise<number[]> {
  const [from, to] = [dayStart(lo), dayStart(hi)];
  const units = 'unit_id IN (SELECT id FROM units)';
  const now = await db.all<{ n: number }>(`SELECT count(*) n FROM track_points WHERE time >= ? AND time < ? AND ${units}`, [from, to]);
  const kept = await db.all<{ n: number }>(`SELECT total(n) n FROM main.report_track WHERE day >= ? AND day < ? AND ${units}`, [lo, hi]);
  const counts =
    now[0]!.n === kept[0]!.n
      ? ''
      : `SELECT c.d d FROM (SELECT unit_id u, ${DAY('time')} d, count(*) n FROM track_points WHERE time >= ?1 AND time < ?2 AND ${units} GROUP BY unit_id, d) c
           LEFT JOIN main.report_track r ON r.unit_id = c.u AND r.day = c.d WHERE r.n IS NOT c.n UNION `;
  const rows = await db.all<{ d: number }>(
    `${counts}SELECT r.day d FROM main.report_track r WHERE r.day >= ?3 AND r.day < ?4 AND r.${units}
        AND r.span != (SELECT count(*) FROM track_points z WHERE z.unit_id = r.unit_id AND z.record BETWEEN r.lo AND r.hi)`,
    counts === '' ? [null, null, lo, hi] : [from, to, lo, hi],
  );
  return rows.map((r) => r.d);
}

/** What {@link checkBuilt} found. */
interface Checked {
  builtDays: number[];
  /** Rolled-up days whose plays or track changed since. */
  badPlays: number[];
  badTrack: Set<number>;
  /** Days rolled up before the stamps existed that the counts found right: mark them checked up to `seq`. */
  verified: number[];
  /** The highest stamp seen in the read transaction. */
  seq: number;
}

/**
 * The rolled-up days of [first, after) (with the current method), and those whose plays or track changed since they
 * were rolled up: the days stamped after their `checked`, and, for days rolled up before the stamps existed, those
 * whose counts changed. Call inside a read transaction.
 */
async function checkBuilt(db: SqliteDb, first: number, after: number, c: DayConstants): Promise<Checked> {
  const seq = await currentStamp(db);
  const rows = await db.all<{ day: number; plays: number; checked: number | null; stamp: number | null }>(
    `SELECT d.day, d.plays, d.checked, c.seq stamp FROM main.report_days d LEFT JOIN main.report_changes c ON c.day = d.day
      WHERE d.day >= ? AND d.day < ? AND d.method = ? ORDER BY d.day`,
    [first, after, methodOf(c)],
  );
  const builtDays = rows.map((r) => r.day);
  // A stamp does not say which records touched the day: both its plays and its track are rewritten.
  const stamped = rows.filter((r) => r.checked !== null && r.stamp !== null && r.stamp > r.checked).map((r) => r.day);
  const unchecked = rows.filter((r) => r.checked === null);
  const badPlays = new Set(stamped);
  const badTrack = new Set(stamped);
  const verified: number[] = [];
  if (unchecked.length > 0) {
    const built = new Map(unchecked.map((r) => [r.day, r.plays]));
    const lo = unchecked[0]!.day;
    const hi = unchecked[unchecked.length - 1]!.day + 1;
    const counts = await playCounts(db, lo, hi);
    const track = new Set(await changedTrackDays(db, lo, hi));
    for (const [day, plays] of built) {
      const playsChanged = (counts.get(day) ?? 0) !== plays;
      if (playsChanged) badPlays.add(day);
      if (track.has(day)) badTrack.add(day);
      if (!playsChanged && !track.has(day)) verified.push(day);
    }
  }
  return { builtDays, badPlays: [...badPlays].sort((x, y) => x - y), badTrack, verified, seq };
}

/**
 * Rolls up the days of [first, after) that are over by `horizon` and rewrites those whose plays or track changed
 * since (late records): afterwards every final day's rollup rows are the ones a report reads. Returns the final days
 * [a, b) it covered.
 */
export async function freshenRollup(db: SqliteDb, first: number, after: number, horizon: number, c: DayConstants): Promise<[number, number]> {
  await migrateRollup(db);
  await fillRollup(db, first, after, horizon, c);
  const [a, b] = finalDays(first, after, horizon);
  if (b <= a) return [a, a];
  const checked = await db.exclusive(async () => {
    await db.exec('BEGIN');
    try {
      return await checkBuilt(db, a, b, c);
    } finally {
      await db.exec('COMMIT');
    }
  });
  await refreshRollup(db, { plays: checked.badPlays, track: [...checked.badTrack].sort((x, y) => x - y) }, c);
  await markChecked(db, checked.verified, checked.seq);
  return [a, b];
}

/** Which days of a report come from the rollup (`main`), per source; the others were computed into `temp`. */
export interface DaySelection {
  /** Per source, the rolled-up days whose `main` rows are right for this report. */
  readonly main: Readonly<Record<Source, readonly number[]>>;
  /** Rolled-up days whose plays or track changed since: rewrite them with {@link refreshRollup}. */
  readonly stale: { plays: number[]; track: number[] };
  /** Days found right by counting, and the stamp they are right up to: {@link markChecked} them. */
  readonly verified: { days: number[]; seq: number };
}

/**
 * How a report uses the rollup: `true` checks it and fills the gaps in `temp`, `false` computes every day into `temp`,
 * `'replica'` (a province hub's copy of an area, controller/province/replica.ts) takes the days of report_days as they
 * are, with no fleet rows to check them against or compute from: a day without a row counts as a day without data.
 */
export type RollupUse = boolean | 'replica';

/** The replica's selection: every day of report_days in [first, after), online days up to `stop`, nothing in `temp`. */
async function replicaDays(db: SqliteDb, p: { start: number; end: number; stop: number }, first: number, after: number): Promise<DaySelection> {
  const rows = await db.all<{ day: number }>('SELECT day FROM main.report_days WHERE day >= ? AND day < ? ORDER BY day', [first, after]);
  const days = rows.map((r) => r.day);
  await db.exec(dayTablesSql('temp'));
  for (const t of DAY_TABLES) await db.run(`DELETE FROM temp.${t}`);
  const main = { plays: days, track: days, telemetry: days, online: days.filter((d) => dayStart(d + 1) <= p.stop) };
  return { main, stale: { plays: [], track: [] }, verified: { days: [], seq: 0 } };
}

/**
 * Inside the report's read transaction: checks the rolled-up days of [first, after) against the fleet tables and
 * computes into `temp` every day that the rollup cannot give, for each source: plays, track and telemetry over
 * [start, end), online days over [start, stop). With `use` false, computes every day into `temp`; with `'replica'`,
 * see {@link RollupUse}.
 */
export async function selectDays(
  db: SqliteDb,
  p: { start: number; end: number; stop: number },
  c: DayConstants,
  use: RollupUse,
): Promise<DaySelection> {
  const first = vnDay(p.start);
  const after = vnDay(p.end - 1) + 1;
  if (use === 'replica') return replicaDays(db, p, first, after);
  const onlineAfter = p.stop > p.start ? vnDay(p.stop - 1) + 1 : first;
  const { builtDays, badPlays, badTrack, verified, seq } = use ? await checkBuilt(db, first, after, c) : { builtDays: [], badPlays: [], badTrack: new Set<number>(), verified: [], seq: 0 };
  const badPlaySet = new Set(badPlays);
  const main: Record<Source, number[]> = {
    plays: builtDays.filter((d) => !badPlaySet.has(d)),
    track: builtDays.filter((d) => !badTrack.has(d)),
    telemetry: builtDays,
    online: builtDays.filter((d) => dayStart(d + 1) <= p.stop),
  };

  await db.exec(dayTablesSql('temp'));
  for (const t of DAY_TABLES) await db.run(`DELETE FROM temp.${t}`);
  for (const source of SOURCES) {
    const inMain = new Set(main[source]);
    const last = source === 'online' ? onlineAfter : after;
    const limit = source === 'online' ? p.stop : p.end;
    for (const [a, b] of runs(range(first, last).filter((d) => !inMain.has(d)))) {
      await write(db, source, 'temp', Math.max(p.start, dayStart(a)), Math.min(limit, dayStart(b)), c);
    }
  }
  return { main, stale: { plays: badPlays, track: [...badTrack].sort((x, y) => x - y) }, verified: { days: verified, seq } };
}

/**
 * Drops the report's `temp` tables. They must not outlive the report: while they exist they hide the `main` tables of
 * the same names from unqualified SQL, and `VACUUM INTO` (a backup: lib/sqlite.ts snapshotTo) then leaves out the
 * indexes of the `main` ones.
 */
export async function dropTempTables(db: SqliteDb): Promise<void> {
  for (const t of DAY_TABLES) await db.run(`DROP TABLE IF EXISTS temp.${t}`);
}

/** Rewrites rolled-up days whose plays or track changed after they were rolled up (late records). */
export async function refreshRollup(db: SqliteDb, stale: DaySelection['stale'], c: DayConstants): Promise<void> {
  const method = methodOf(c);
  // Taken before any rewrite: a stamp after it may come from a record a rewrite did not see, and is found next time.
  const seq = await db.exclusive(() => currentStamp(db));
  for (const source of ['plays', 'track'] as const) {
    const days = stale[source];
    for (let i = 0; i < days.length; i += CHUNK_DAYS) {
      const chunk = days.slice(i, i + CHUNK_DAYS);
      await db.transaction(async () => {
        const rows = await db.all<{ day: number }>('SELECT day FROM report_days WHERE method = ? AND day IN (SELECT value FROM json_each(?))', [method, JSON.stringify(chunk)]);
        const todo = rows.map((r) => r.day).sort((x, y) => x - y);
        await deleteDays(db, TABLES_OF[source], todo);
        for (const [from, to] of runs(todo)) {
          await write(db, source, 'main', dayStart(from), dayStart(to), c);
          if (source === 'plays') {
            const counts = await playCounts(db, from, to);
            for (const d of range(from, to)) await db.run('UPDATE report_days SET plays = ? WHERE day = ?', [counts.get(d) ?? 0, d]);
          }
        }
      });
    }
  }
  await markChecked(db, [...new Set([...stale.plays, ...stale.track])], seq);
}
