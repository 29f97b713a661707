/**
 * The SQL behind a report. The heavy figures are read from the per-day tables of the rollup (rollup-schema.ts):
 * `main` rows for the days that rollup.ts found right, `temp` rows for the days it computed for this report; both
 * hold the same per-day figures (day-sql.ts), so each query adds up days. Every query aggregates in SQLite and
 * returns at most a row per unit and day, clip, fault code, state-of-charge value or ~100 m cell.
 *
 * Parameters are numbered: ?1 the first day, ?2 the day after the last (local day numbers), ?3 the JSON array of
 * the days to take from `main`, ?4 a constant, ?5 and ?6 the first and after-last of those days when they follow each
 * other; ?7 the JSON array of the registered commune ids when
 * the report is limited to one commune (itself and the communes merged into it).
 */
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import { DAY } from './day-sql.js';
import { DAY_INDEXED } from './rollup-schema.js';
import type { Source } from './rollup.js';

/** What a query is asked about. */
export interface Scope {
  /** Period start and end, Unix seconds. */
  start: number;
  end: number;
  /** Its local days: the first and the one after the last. */
  firstDay: number;
  afterDay: number;
  /** JSON array of the registered commune ids the report is limited to (reports/communes.ts `membersOf`), or null. */
  commune: string | null;
  /** Per source, the days to read from the rollup (`main`); every other day is in `temp`. */
  mainDays: Readonly<Record<Source, readonly number[]>>;
}

const inScope = (s: Scope): string =>
  s.commune === null ? 'unit_id IN (SELECT id FROM units)' : 'unit_id IN (SELECT id FROM units WHERE commune_id IN (SELECT value FROM json_each(?7)))';

/** The rows of a per-day table in `schema` that the report takes (`main` ones through the index by day if it has one). */
function part(s: Scope, source: Source, schema: 'main' | 'temp', table: string): string {
  const days = schema === 'main' ? mainDaysSql(s.mainDays[source]) : '';
  const via = schema === 'main' && table in DAY_INDEXED ? ` INDEXED BY ${table}_by_day` : '';
  return `${schema}.${table}${via} WHERE ${inScope(s)}${days}`;
}

/** The first and after-last of `days` (ascending, distinct) when they are one run of days, else null. */
function oneRun(days: readonly number[]): [number, number] | null {
  const first = days[0];
  if (first === undefined || days[days.length - 1] !== first + days.length - 1) return null;
  return [first, first + days.length];
}

/**
 * The condition on `day` for the `main` rows: a range when the days follow each other (the usual case: the whole
 * period rolled up), which spares SQLite a look-up of every row's day in the JSON list (a third of the time of the
 * largest reads of a year report).
 */
function mainDaysSql(days: readonly number[]): string {
  return oneRun(days) === null ? ' AND day >= ?1 AND day < ?2 AND day IN (SELECT value FROM json_each(?3))' : ' AND day >= ?5 AND day < ?6';
}

/** The rows of a per-day table for the report, `main` and `temp` together, as a subquery. */
function days(s: Scope, source: Source, table: string, columns: string): string {
  const temp = `SELECT ${columns} FROM ${part(s, source, 'temp', table)}`;
  if (s.mainDays[source].length === 0) return `(${temp})`;
  return `(SELECT ${columns} FROM ${part(s, source, 'main', table)} UNION ALL ${temp})`;
}

/**
 * `SELECT keys, outer FROM <main and temp rows> GROUP BY keys`, grouped in each schema first (`inner`, with the
 * same column names) so that the many `main` rows are grouped in key order.
 */
function grouped(s: Scope, source: Source, table: string, keys: string, inner: string, outer: string, where = ''): string {
  const one = (schema: 'main' | 'temp') => `SELECT ${keys}, ${inner} FROM ${part(s, source, schema, table)}${where} GROUP BY ${keys}`;
  if (s.mainDays[source].length === 0) return one('temp');
  return `SELECT ${keys}, ${outer} FROM (${one('main')} UNION ALL ${one('temp')}) GROUP BY ${keys}`;
}

/**
 * Runs `sql` with the numbered parameters (the main days of `source` as ?3 and, when they are one run, ?5 and ?6;
 * `constant` as ?4, the commune as ?7).
 */
function all<T>(db: SqliteDb, s: Scope, source: Source, sql: string, constant: SqlValue = null): Promise<T[]> {
  const run = oneRun(s.mainDays[source]);
  const params: SqlValue[] = [s.firstDay, s.afterDay, JSON.stringify(s.mainDays[source]), constant];
  params.push(run?.[0] ?? null, run?.[1] ?? null);
  if (s.commune !== null) params.push(s.commune);
  // SQLite refuses parameters that a statement does not use: keep only up to the highest one it names.
  const used = Math.max(0, ...[...sql.matchAll(/\?(\d)/g)].map((m) => Number(m[1])));
  return db.all<T>(sql, params.slice(0, used));
}

export interface UnitInfo {
  unitId: string;
  number: number;
  /** The commune the unit was registered in (what its cart carries), and its team's. */
  communeId: string;
  teamCommuneId: string;
  teamId: string;
  teamName: string;
  provisionedAt: number;
  retired: number;
}
export const units = (db: SqliteDb, s: Scope) =>
  db.all<UnitInfo>(
    `SELECT u.id unitId, u.number number, u.commune_id communeId, t.commune_id teamCommuneId, u.team_id teamId, t.name teamName,
            u.provisioned_at provisionedAt, u.retired retired
       FROM units u JOIN teams t ON t.id = u.team_id
      WHERE u.provisioned_at < ?1 ${s.commune === null ? '' : 'AND u.commune_id IN (SELECT value FROM json_each(?2))'}
      ORDER BY u.commune_id, u.number`,
    s.commune === null ? [s.end] : [s.end, s.commune],
  );

export interface PlayDay {
  u: string;
  day: number;
  n: number;
  s: number;
  /** The latest end of the day's plays (start + seconds). */
  e: number;
}
/** Plays, broadcast seconds and the latest end per unit and local day, in unit and day order. */
export const playDays = (db: SqliteDb, s: Scope) =>
  all<PlayDay>(db, s, 'plays', `SELECT unit_id u, day, n, s, e FROM ${days(s, 'plays', 'report_plays', 'unit_id, day, n, s, e')} ORDER BY u, day`);

export interface ClipCount {
  u: string;
  clip: string;
  n: number;
  s: number;
}
export const clipCounts = (db: SqliteDb, s: Scope) =>
  all<ClipCount>(db, s, 'plays', `SELECT unit_id u, clip, n, s
       FROM (${grouped(s, 'plays', 'report_clips', 'unit_id, clip', 'sum(n) n, total(s) s', 'sum(n) n, total(s) s')}) ORDER BY u, clip`);

export interface UnitCount {
  u: string;
  n: number;
}

export interface SessionStart {
  u: string;
  start: number;
}
/**
 * The plays that start a session when only the plays of the scope are looked at, per unit in start order: each day's
 * own session starts (day-sql.ts) that also begin more than ?4 seconds after the latest end of the unit's plays on the
 * scope's earlier days. compute.ts counts them across the months of a period.
 */
export const sessionStarts = (db: SqliteDb, s: Scope, gapSeconds: number) =>
  all<SessionStart>(db, s, 'plays', `SELECT st.unit_id u, st.start start
       FROM ${days(s, 'plays', 'report_sessions', 'unit_id, day, start')} st
       JOIN (SELECT unit_id, day, max(e) OVER (PARTITION BY unit_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) before
               FROM ${days(s, 'plays', 'report_plays', 'unit_id, day, e')}) pd ON pd.unit_id = st.unit_id AND pd.day = st.day
      WHERE pd.before IS NULL OR st.start - pd.before > ?4 ORDER BY u, start`, gapSeconds);

export interface PlayCell {
  u: string;
  cy: number;
  cx: number;
  lat0: number;
  lat1: number;
  lon0: number;
  lon1: number;
}
/** Play positions per unit, gathered into 0.001° cells (~110 m) with the box of the actual positions in each. */
export const playCells = (db: SqliteDb, s: Scope) =>
  all<PlayCell>(db, s, 'plays', `SELECT unit_id u, cy, cx, lat0, lat1, lon0, lon1 FROM (${grouped(s, 'plays', 'report_cells', 'unit_id, cy, cx',
       'min(lat0) lat0, max(lat1) lat1, min(lon0) lon0, max(lon1) lon1', 'min(lat0) lat0, max(lat1) lat1, min(lon0) lon0, max(lon1) lon1')})`);

export interface UnitSum {
  u: string;
  v: number;
  n: number;
}
/** Metres travelled per unit (see `trackStatement`), n = track points. */
export const trackMetres = (db: SqliteDb, s: Scope) =>
  all<UnitSum>(db, s, 'track', `SELECT unit_id u, v, n FROM (${grouped(s, 'track', 'report_track', 'unit_id', 'total(m) v, sum(n) n', 'total(v) v, sum(n) n')})`);

/** Amplifier-on seconds per unit (see `telemetryStatements`); n = samples with a counter: 0 means not derivable. */
export const amplifierSeconds = (db: SqliteDb, s: Scope) =>
  all<UnitSum>(db, s, 'telemetry', `SELECT unit_id u, v, n FROM (${grouped(s, 'telemetry', 'report_amplifier', 'unit_id', 'total(v) v, sum(n) n', 'total(v) v, sum(n) n')})`);

export interface SocCount {
  u: string;
  soc: number;
  n: number;
}
/** How many samples had each state-of-charge value, per unit (the median and minimum come from this histogram). */
export const socHistogram = (db: SqliteDb, s: Scope) =>
  all<SocCount>(db, s, 'telemetry', `SELECT unit_id u, soc, n FROM (${grouped(s, 'telemetry', 'report_soc', 'unit_id, soc', 'sum(n) n', 'sum(n) n')})`);

/** Local days per unit on which the state of charge was below ?4 % at some sample. */
export const lowSocDays = (db: SqliteDb, s: Scope, threshold: number) =>
  all<UnitCount>(db, s, 'telemetry', `SELECT unit_id u, n FROM (${grouped(s, 'telemetry', 'report_soc', 'unit_id', 'count(DISTINCT day) n', 'sum(n) n', ' AND soc < ?4')})`, threshold);

export interface EnergyDay {
  u: string;
  day: number;
  /** Lowest and median minutes left that day, 1 if the cart was in its reserve, the day's last learned health. */
  lo: number;
  med: number;
  reserve: number;
  health: number | null;
}
/** The carts' energy forecasts per unit and local day (see `telemetryStatements`), in day order. */
export const energyDays = (db: SqliteDb, s: Scope) =>
  all<EnergyDay>(db, s, 'telemetry', `SELECT unit_id u, day, lo, med, reserve, health FROM ${days(s, 'telemetry', 'report_energy', 'unit_id, day, lo, med, reserve, health')} ORDER BY u, day`);

/** Local days per unit, from the period start (or the unit's provisioning) to "stop", on which the unit was online. */
export const onlineDays = (db: SqliteDb, s: Scope) =>
  all<UnitCount>(db, s, 'online', `SELECT o.unit_id u, count(*) n FROM ${days(s, 'online', 'report_online', 'unit_id, day')} o
       JOIN units ON units.id = o.unit_id WHERE o.day >= ${DAY('units.provisioned_at')} GROUP BY o.unit_id`);

export interface LeftOutRow {
  u: string;
  reason: string;
  n: number;
}
/** Plays that arrived from the period start to "stop" and are left out of the figures, per unit and reason (day-sql.ts). */
export const leftOut = (db: SqliteDb, s: Scope) =>
  all<LeftOutRow>(db, s, 'online', `SELECT unit_id u, reason, sum(n) n FROM ${days(s, 'online', 'report_left_out', 'unit_id, day, reason, n')} GROUP BY unit_id, reason ORDER BY u, reason`);

export interface FaultRow {
  u: string;
  code: string;
  n: number;
}
/**
 * Fault events per unit and code: from `events` at an area controller; at a province hub's replica (which has no
 * events), from the faults per unit, day and code that the area's day summaries carried (controller/province/replica.ts).
 */
export const faults = (db: SqliteDb, s: Scope, replica = false) =>
  replica
    ? all<FaultRow>(db, s, 'plays', `SELECT unit_id u, code, sum(n) n FROM replica_faults WHERE day >= ?1 AND day < ?2 AND ${inScope(s)} GROUP BY unit_id, code`)
    : db.all<FaultRow>(`SELECT unit_id u, code, count(*) n FROM events
      WHERE kind = 'fault' AND time >= ?1 AND time < ?2 AND ${inScope(s)} GROUP BY unit_id, code`, s.commune === null ? [s.start, s.end] : [s.start, s.end, null, null, null, null, s.commune]);
