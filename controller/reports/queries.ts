/**
 * The SQL behind a report. Every query aggregates in SQLite (GROUP BY, window functions) and returns at most a row
 * per unit and day, clip, fault code, state-of-charge value or ~100 m cell, never a row per play or sample.
 *
 * Parameters are numbered: ?1 start, ?2 end of the period (Unix seconds), ?3 "stop" = min(end, now), ?5 a constant; ?9 the commune when the report is limited to one (the scope fragment below). Local days
 * are `(t + 25200) / 86400` (integer division: Vietnam is UTC+7 all year).
 */
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import { sqlHaversineM } from './geo.js';
import { DAY_S, VN_OFFSET_S } from './period.js';

/** What a query is asked about. */
export interface Scope {
  start: number;
  end: number;
  /** min(end, now): days after it have not happened yet. */
  stop: number;
  commune: string | null;
}

const DAY = (t: string) => `((${t} + ${VN_OFFSET_S}) / ${DAY_S})`;

/** The scope fragment: `f()` filters on `unit_id`, `f('x.unit_id')` on another column; it is never empty. */
type InScope = (column?: string) => string;

/** Runs `sql` with the numbered parameters, adding the commune as ?9 when the scope has one. */
function all<T>(db: SqliteDb, scope: Scope, sql: (f: InScope) => string, params: SqlValue[]): Promise<T[]> {
  // Without a commune the fragment still names the units: SQLite then reads each unit's range of a (unit_id, time)
  // key instead of scanning the whole table for a time range (telemetry_samples and track_points have no time index).
  if (scope.commune === null) return db.all<T>(sql((column = 'unit_id') => ` AND ${column} IN (SELECT id FROM units)`), params);
  const padded: SqlValue[] = [...params];
  while (padded.length < 8) padded.push(null);
  padded.push(scope.commune);
  return db.all<T>(sql((column = 'unit_id') => ` AND ${column} IN (SELECT id FROM units WHERE commune_id = ?9)`), padded);
}

export interface UnitInfo {
  unitId: string;
  number: number;
  communeId: string;
  teamId: string;
  teamName: string;
  provisionedAt: number;
  retired: number;
}
export const units = (db: SqliteDb, s: Scope) =>
  db.all<UnitInfo>(
    `SELECT u.id unitId, u.number number, u.commune_id communeId, u.team_id teamId, t.name teamName,
            u.provisioned_at provisionedAt, u.retired retired
       FROM units u JOIN teams t ON t.id = u.team_id
      WHERE u.provisioned_at < ?1 ${s.commune === null ? '' : 'AND u.commune_id = ?2'}
      ORDER BY u.commune_id, u.number`,
    s.commune === null ? [s.end] : [s.end, s.commune],
  );

export interface CommuneInfo {
  id: string;
  name: string;
  lat: number | null;
  lon: number | null;
}
export const communes = (db: SqliteDb) => db.all<CommuneInfo>('SELECT id, name, lat, lon FROM communes');

export interface PlayDay {
  u: string;
  day: number;
  n: number;
  s: number;
}
/** Plays and broadcast seconds per unit and local day. */
export const playDays = (db: SqliteDb, s: Scope) =>
  all<PlayDay>(db, s, (f) => `SELECT unit_id u, ${DAY('start')} day, count(*) n, total(seconds) s
       FROM plays WHERE start >= ?1 AND start < ?2${f()} GROUP BY unit_id, day`, [s.start, s.end]);

export interface ClipCount {
  u: string;
  clip: string;
  n: number;
  s: number;
}
export const clipCounts = (db: SqliteDb, s: Scope) =>
  all<ClipCount>(db, s, (f) => `SELECT unit_id u, clip, count(*) n, total(seconds) s
       FROM plays WHERE start >= ?1 AND start < ?2${f()} GROUP BY unit_id, clip`, [s.start, s.end]);

export interface UnitCount {
  u: string;
  n: number;
}
/**
 * Sessions per unit: a play starts a new session when it begins more than `?5` seconds after every earlier play of
 * the unit has ended (the running maximum of start + seconds, so an overlapping emergency clip does not split one).
 */
export const sessions = (db: SqliteDb, s: Scope, gapSeconds: number) =>
  all<UnitCount>(db, s, (f) => `SELECT u, count(*) n FROM (
         SELECT unit_id u, start, max(start + seconds) OVER (PARTITION BY unit_id ORDER BY start, record
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) prev_end
           FROM plays WHERE start >= ?1 AND start < ?2${f()})
      WHERE prev_end IS NULL OR start - prev_end > ?5 GROUP BY u`, [s.start, s.end, null, null, gapSeconds]);

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
  all<PlayCell>(db, s, (f) => `SELECT unit_id u, CAST(floor(lat * 1000) AS INTEGER) cy, CAST(floor(lon * 1000) AS INTEGER) cx,
            min(lat) lat0, max(lat) lat1, min(lon) lon0, max(lon) lon1
       FROM plays WHERE start >= ?1 AND start < ?2 AND lat IS NOT NULL AND lon IS NOT NULL${f()}
      GROUP BY unit_id, cy, cx`, [s.start, s.end]);

export interface UnitSum {
  u: string;
  v: number;
  n: number;
}
/**
 * Metres travelled per unit: haversine between consecutive track points, for the segments that end in the period; a
 * segment faster than ?5 m/s is a GNSS glitch and is left out (a lone bad point drops both its segments). Points are
 * taken in the cart's order — record number, then index — which is time order (points never go back in time and
 * records are numbered as they are made), and lets SQLite find the previous point by primary key instead of sorting:
 * the point before index i is (record, i − 1); before index 0 it is the last point of the unit's previous track
 * record, however old, so consecutive periods add up exactly.
 */
export const trackMetres = (db: SqliteDb, s: Scope, maxSpeedMs: number) => {
  const prev = (col: string) => `CASE WHEN t.idx > 0 THEN p.${col} ELSE (SELECT q.${col} FROM track_points q
       WHERE q.unit_id = t.unit_id AND q.record < t.record ORDER BY q.record DESC, q.idx DESC LIMIT 1) END`;
  return all<UnitSum>(db, s, (f) => `SELECT u, total(d) v, count(*) n FROM (
         SELECT u, t - pt dt, ${sqlHaversineM('plat', 'plon', 'lat', 'lon')} d FROM (
           SELECT t.unit_id u, t.time t, t.lat lat, t.lon lon, ${prev('time')} pt, ${prev('lat')} plat, ${prev('lon')} plon
             FROM track_points t LEFT JOIN track_points p ON p.unit_id = t.unit_id AND p.record = t.record AND p.idx = t.idx - 1
            WHERE t.time >= ?1 AND t.time < ?2${f('t.unit_id')}))
      WHERE d <= dt * ?5 GROUP BY u`, [s.start, s.end, null, null, maxSpeedMs]);
};

/**
 * Amplifier-on seconds per unit from the runtime counters of the telemetry samples. The counter `amplifier_s` counts
 * from the cart's boot, so the amplifier time between two samples is the difference of their counters; when the
 * counter (or the uptime) went down, the cart rebooted in between and the new value is the time since that boot (the
 * amplifier time between the last sample before the reboot and the power cut is lost: seconds when samples come each
 * minute while the cart is out). A delta belongs to the period of the later sample, and the previous sample is looked
 * up however old (usually the minute before, by primary key), so consecutive periods add up with nothing counted
 * twice; a unit's first sample ever counts its whole counter. `n` is the number of samples with a counter in the
 * period: 0 means the amplifier time is not derivable.
 */
export const amplifierSeconds = (db: SqliteDb, s: Scope) => {
  const prev = (col: string) => `CASE WHEN p.amplifier_s IS NOT NULL THEN p.${col} ELSE (SELECT q.${col} FROM telemetry_samples q
       WHERE q.unit_id = t.unit_id AND q.minute < t.minute AND q.amplifier_s IS NOT NULL ORDER BY q.minute DESC LIMIT 1) END`;
  return all<UnitSum>(db, s, (f) => `SELECT u, total(CASE WHEN pa IS NOT NULL AND a >= pa AND coalesce(up >= pup, 1) THEN a - pa ELSE a END) v,
            count(*) n FROM (
         SELECT t.unit_id u, t.amplifier_s a, t.uptime_s up, ${prev('amplifier_s')} pa, ${prev('uptime_s')} pup
           FROM telemetry_samples t LEFT JOIN telemetry_samples p ON p.unit_id = t.unit_id AND p.minute = t.minute - 1
          WHERE t.amplifier_s IS NOT NULL AND t.minute >= ?1 / 60 AND t.minute < ?2 / 60${f('t.unit_id')})
      GROUP BY u`, [s.start, s.end]);
};

export interface SocCount {
  u: string;
  soc: number;
  n: number;
}
/** How many samples had each state-of-charge value, per unit (the median and minimum come from this histogram). */
export const socHistogram = (db: SqliteDb, s: Scope) =>
  all<SocCount>(db, s, (f) => `SELECT unit_id u, soc, count(*) n FROM telemetry_samples
      WHERE soc IS NOT NULL AND minute >= ?1 / 60 AND minute < ?2 / 60${f()} GROUP BY unit_id, soc`, [s.start, s.end]);

/** Local days per unit on which the state of charge was below ?5 % at some sample. */
export const lowSocDays = (db: SqliteDb, s: Scope, threshold: number) =>
  all<UnitCount>(db, s, (f) => `SELECT u, count(*) n FROM (
         SELECT unit_id u, ${DAY('minute * 60')} day FROM telemetry_samples
          WHERE soc < ?5 AND minute >= ?1 / 60 AND minute < ?2 / 60${f()} GROUP BY unit_id, day)
      GROUP BY u`, [s.start, s.end, null, null, threshold]);

export interface FaultRow {
  u: string;
  code: string;
  n: number;
}
export const faults = (db: SqliteDb, s: Scope) =>
  all<FaultRow>(db, s, (f) => `SELECT unit_id u, code, count(*) n FROM events
      WHERE kind = 'fault' AND time >= ?1 AND time < ?2${f()} GROUP BY unit_id, code`, [s.start, s.end]);

/**
 * Local days per unit, between the period start (or the unit's provisioning) and ?3, on which the unit was online:
 * an online interval of `status_changes` touched the day, or a durable record arrived that day (`records.server_time`,
 * which also covers carts on a serial link that have no MQTT status).
 */
export const onlineDays = (db: SqliteDb, s: Scope) =>
  all<UnitCount>(db, s, (f) => `WITH RECURSIVE
       sc AS (SELECT unit_id u, time t, online, lead(time) OVER (PARTITION BY unit_id ORDER BY time, rowid) nt
                FROM status_changes WHERE time < ?3${f()}),
       iv AS MATERIALIZED (SELECT u, max(t, ?1) a, coalesce(nt, ?3) b FROM sc WHERE online = 1 AND coalesce(nt, ?3) > ?1),
       days(d) AS (SELECT ${DAY('?1')} UNION ALL SELECT d + 1 FROM days WHERE d + 1 < ${DAY('?3 - 1')} + 1),
       od AS (SELECT iv.u u, days.d d FROM iv JOIN days ON days.d BETWEEN ${DAY('iv.a')} AND ${DAY('iv.b - 1')} WHERE iv.b > iv.a
              UNION
              SELECT unit_id, ${DAY('server_time')} FROM records WHERE server_time >= ?1 AND server_time < ?3${f()})
     SELECT od.u u, count(*) n FROM od JOIN units ON units.id = od.u
      WHERE od.d >= ${DAY('units.provisioned_at')} GROUP BY od.u`, [s.start, s.end, s.stop]);
