/**
 * The per-day SQL of the reports: for a time range [?1, ?2) of Unix seconds, what each local day in it contributes,
 * per unit, written into the rollup tables of a schema ('main' to keep, 'temp' for one report). The figures are those
 * of the former period-wide queries, split by the local day of the row that a figure belongs to (a play's start, a
 * track segment's end, a telemetry sample's minute), so that adding up the days of a period gives the period's figure:
 *
 * - amplifier time: the counter `amplifier_s` is the cart's running total (kept in its store across reboots), so the
 *   amplifier time between two samples is the difference of their counters; when the counter (or the uptime) went
 *   down, the cart's store was replaced in between (re-provisioned, or an older cart program that counted from boot)
 *   and the new value is the time since then. A delta belongs to the day of the later sample; the previous sample is
 *   looked up however old (usually the minute before, by primary key), so consecutive days add up with nothing
 *   counted twice; a unit's first sample ever counts its whole counter.
 * - track: haversine between consecutive points, for the segments that end in the day; a segment faster than the
 *   glitch speed is left out (a lone bad point drops both its segments). Points are taken in the cart's order —
 *   record number, then index — which is time order; the point before index 0 is the last point of the unit's
 *   previous track record, however old.
 * - sessions: a play starts a new session when it begins more than the gap after every earlier play of the unit has
 *   ended (the running maximum of start + seconds, so an overlapping emergency clip does not split one). Per day only
 *   the plays of that day are looked at; the reader then drops the day's first "starts" that the previous days'
 *   latest end (column `e` of report_plays) covers — exact, as start − max(a, b) > gap ⇔ start − a > gap and
 *   start − b > gap (also in floating point: rounding is monotonic).
 * - online days: an online interval of `status_changes` touched the day, or a durable record arrived that day
 *   (`records.server_time`, which also covers carts on a serial link that have no MQTT status); ?2 may be any time.
 * - plays left out: a play whose start is before its unit's registration, or more than `maxAheadS` after the
 *   controller received it (its record's `server_time`), was stamped by a cart clock that was wrong. It stays stored
 *   but counts in no figure (its day would be a guess); it is counted instead, per reason, on the local day it
 *   arrived, so that the report of the period it arrived in says how many it left out. Both tests are fixed when the
 *   play is stored (its record comes in the same transaction; a registration time never changes), so a day's plays
 *   and its left-out counts stay as rolled up. A play with no record (made by hand, not by ingest) is never "ahead".
 */
import type { SqlValue } from '../../lib/sqlite.js';
import { sqlHaversineM } from './geo.js';
import { DAY_S, VN_OFFSET_S } from './period.js';

/** The local day number of a time expression, in SQL (integer division: Vietnam is UTC+7 all year). */
export const DAY = (t: string): string => `((${t} + ${VN_OFFSET_S}) / ${DAY_S})`;

/** The local calendar year of a day number expression, in SQL. */
const YEAR = (day: string): string => `CAST(strftime('%Y', ${day} * ${DAY_S}, 'unixepoch') AS INTEGER)`;

/** Every unit: lets SQLite read each unit's range of a (unit_id, time) key instead of scanning a whole table. */
const UNITS = (column = 'unit_id') => `${column} IN (SELECT id FROM units)`;

export interface DayStatement {
  sql: string;
  params: SqlValue[];
}

export interface DayConstants {
  /** A new session starts after a gap of more than this between plays, seconds. */
  sessionGapS: number;
  /** Track segments faster than this are GNSS glitches, m/s. */
  maxSpeedMs: number;
  /** A play that starts more than this after the controller received it is left out (a wrong cart clock), s. */
  maxAheadS: number;
}

/** Why a stored play is left out of the figures (see above): `future`, it was in the future when it arrived. */
export const LEFT_OUT_REASONS = ['before-registration', 'future'] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/** True for a play of the `plays` table that the figures count; `ahead` is the SQL of `maxAheadS`. */
const COUNTED = (ahead: string): string => `plays.start >= (SELECT u.provisioned_at FROM units u WHERE u.id = plays.unit_id)
  AND NOT EXISTS (SELECT 1 FROM records r WHERE r.unit_id = plays.unit_id AND r.record = plays.record AND plays.start > r.server_time + ${ahead})`;

/**
 * The statements that write the plays of [from, to) into `schema`'s report_plays, _clips, _sessions and _cells (the
 * plays that count: see "plays left out" above).
 */
export function playStatements(schema: string, from: number, to: number, c: DayConstants): DayStatement[] {
  // The plays' key is (unit, record), not time: `+unit_id` keeps SQLite on plays_by_start for the time range instead of
  // reading every play of each unit (a day rewritten after a late play: 365 ms → 7 ms for 100 carts).
  const range = `start >= ?1 AND start < ?2 AND ${UNITS('+unit_id')} AND ${COUNTED('?3')}`;
  return [
    {
      sql: `INSERT INTO ${schema}.report_plays (unit_id, day, n, s, e)
            SELECT unit_id, ${DAY('start')} d, count(*), total(seconds), max(start + seconds) FROM plays WHERE ${range} GROUP BY unit_id, d`,
      params: [from, to, c.maxAheadS],
    },
    {
      sql: `INSERT INTO ${schema}.report_clips (unit_id, year, day, clip, n, s)
            SELECT unit_id, ${YEAR(DAY('start'))}, ${DAY('start')} d, clip, count(*), total(seconds) FROM plays WHERE ${range} GROUP BY unit_id, d, clip`,
      params: [from, to, c.maxAheadS],
    },
    {
      sql: `INSERT INTO ${schema}.report_sessions (unit_id, day, start, record)
            SELECT u, d, start, record FROM (
              SELECT unit_id u, ${DAY('start')} d, start, record, max(start + seconds) OVER (PARTITION BY unit_id, ${DAY('start')}
                     ORDER BY start, record ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) prev_end
                FROM plays WHERE ${range})
             WHERE prev_end IS NULL OR start - prev_end > ?4`,
      params: [from, to, c.maxAheadS, c.sessionGapS],
    },
    {
      sql: `INSERT INTO ${schema}.report_cells (unit_id, year, day, cy, cx, lat0, lat1, lon0, lon1)
            SELECT unit_id, ${YEAR(DAY('start'))}, ${DAY('start')} d, CAST(floor(lat * 1000) AS INTEGER) cy, CAST(floor(lon * 1000) AS INTEGER) cx,
                   min(lat), max(lat), min(lon), max(lon)
              FROM plays WHERE ${range} AND lat IS NOT NULL AND lon IS NOT NULL GROUP BY unit_id, d, cy, cx`,
      params: [from, to, c.maxAheadS],
    },
  ];
}

/**
 * The statement that writes the track of [from, to) into `schema`.report_track. Besides the day's points (n) and
 * metres (m) it keeps `lo` (the unit's track record just before the day's first one, −1 if none), `hi` (the day's
 * last record) and `span` (how many points records lo..hi had): the day's metres depend only on the day's points and
 * on which records lie between lo and hi, so they stay right as long as n and span do (rollup.ts checks both).
 */
export function trackStatement(schema: string, from: number, to: number, c: DayConstants): DayStatement {
  const prev = (col: string) => `CASE WHEN t.idx > 0 THEN p.${col} ELSE (SELECT q.${col} FROM track_points q
       WHERE q.unit_id = t.unit_id AND q.record < t.record ORDER BY q.record DESC, q.idx DESC LIMIT 1) END`;
  return {
    sql: `WITH pts AS (SELECT unit_id u, ${DAY('time')} d, count(*) n, min(record) rmin, max(record) hi
                        FROM track_points WHERE time >= ?1 AND time < ?2 AND ${UNITS()} GROUP BY unit_id, d),
               seg AS (SELECT u, ${DAY('t')} d, t - pt dt, ${sqlHaversineM('plat', 'plon', 'lat', 'lon')} dist FROM (
                        SELECT t.unit_id u, t.time t, t.lat lat, t.lon lon, ${prev('time')} pt, ${prev('lat')} plat, ${prev('lon')} plon
                          FROM track_points t LEFT JOIN track_points p ON p.unit_id = t.unit_id AND p.record = t.record AND p.idx = t.idx - 1
                         WHERE t.time >= ?1 AND t.time < ?2 AND ${UNITS('t.unit_id')})),
               met AS (SELECT u, d, total(dist) m FROM seg WHERE dist <= dt * ?3 GROUP BY u, d),
               b AS (SELECT pts.u u, pts.d d, pts.n n, coalesce(met.m, 0) m, pts.hi hi,
                            coalesce((SELECT q.record FROM track_points q WHERE q.unit_id = pts.u AND q.record < pts.rmin
                                       ORDER BY q.record DESC LIMIT 1), -1) lo
                       FROM pts LEFT JOIN met ON met.u = pts.u AND met.d = pts.d)
          INSERT INTO ${schema}.report_track (unit_id, day, n, m, lo, hi, span)
          SELECT u, d, n, m, lo, hi, (SELECT count(*) FROM track_points z WHERE z.unit_id = b.u AND z.record BETWEEN b.lo AND b.hi) FROM b`,
    params: [from, to, c.maxSpeedMs],
  };
}

/**
 * The statements that write the telemetry of [from, to) (whole minutes) into report_amplifier, report_soc and
 * report_energy. A day's energy row: its samples with a forecast, the lowest minutes left, the median (the mean of the
 * middle two for an even count), whether any was 0 (the reserve reached), and the last health the cart had learned.
 */
export function telemetryStatements(schema: string, from: number, to: number): DayStatement[] {
  const prev = (col: string) => `CASE WHEN p.amplifier_s IS NOT NULL THEN p.${col} ELSE (SELECT q.${col} FROM telemetry_samples q
       WHERE q.unit_id = t.unit_id AND q.minute < t.minute AND q.amplifier_s IS NOT NULL ORDER BY q.minute DESC LIMIT 1) END`;
  return [
    {
      sql: `INSERT INTO ${schema}.report_amplifier (unit_id, day, v, n)
            SELECT u, d, total(CASE WHEN pa IS NOT NULL AND a >= pa AND coalesce(up >= pup, 1) THEN a - pa ELSE a END), count(*) FROM (
              SELECT t.unit_id u, ${DAY('t.minute * 60')} d, t.amplifier_s a, t.uptime_s up, ${prev('amplifier_s')} pa, ${prev('uptime_s')} pup
                FROM telemetry_samples t LEFT JOIN telemetry_samples p ON p.unit_id = t.unit_id AND p.minute = t.minute - 1
               WHERE t.amplifier_s IS NOT NULL AND t.minute >= ?1 / 60 AND t.minute < ?2 / 60 AND ${UNITS('t.unit_id')})
             GROUP BY u, d`,
      params: [from, to],
    },
    {
      sql: `INSERT INTO ${schema}.report_soc (unit_id, year, day, soc, n)
            SELECT unit_id, ${YEAR(DAY('minute * 60'))}, ${DAY('minute * 60')} d, soc, count(*) FROM telemetry_samples
             WHERE soc IS NOT NULL AND minute >= ?1 / 60 AND minute < ?2 / 60 AND ${UNITS()} GROUP BY unit_id, d, soc`,
      params: [from, to],
    },
    {
      // One sort (by unit, day and minutes left) gives the rank and count of the median; the day's last health is
      // read by primary key, per day.
      sql: `WITH s AS (SELECT unit_id u, ${DAY('minute * 60')} d, minutes_left v,
                    row_number() OVER w k, count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) c
               FROM telemetry_samples WHERE minutes_left IS NOT NULL AND minute >= ?1 / 60 AND minute < ?2 / 60 AND ${UNITS()}
             WINDOW w AS (PARTITION BY unit_id, ${DAY('minute * 60')} ORDER BY minutes_left))
          INSERT INTO ${schema}.report_energy (unit_id, day, n, lo, med, reserve, health)
          SELECT u, d, max(c), min(v), avg(CASE WHEN k IN ((c + 1) / 2, (c + 2) / 2) THEN v END), max(v = 0),
                 (SELECT q.health_percent FROM telemetry_samples q
                   WHERE q.unit_id = s.u AND q.minute >= max(?1, s.d * ${DAY_S} - ${VN_OFFSET_S}) / 60
                     AND q.minute < min(?2, (s.d + 1) * ${DAY_S} - ${VN_OFFSET_S}) / 60
                     AND q.minutes_left IS NOT NULL AND q.health_percent IS NOT NULL ORDER BY q.minute DESC LIMIT 1)
            FROM s GROUP BY u, d`,
      params: [from, to],
    },
  ];
}

/** The statement that writes the online days of [from, to) into report_online (`to` may be any time: "now"). */
export function onlineStatement(schema: string, from: number, to: number): DayStatement {
  return {
    // Of the changes before ?1 only each unit's last one matters (what state the day starts in): reading the whole
    // history made every report's day under way cost more as the months went by.
    sql: `WITH RECURSIVE
            ch AS (SELECT unit_id, time, online, rowid r FROM status_changes WHERE time >= ?1 AND time < ?2 AND ${UNITS()}
                   UNION ALL
                   SELECT s.unit_id, s.time, s.online, s.rowid FROM units JOIN status_changes s ON s.rowid =
                          (SELECT z.rowid FROM status_changes z WHERE z.unit_id = units.id AND z.time < ?1 ORDER BY z.time DESC, z.rowid DESC LIMIT 1)),
            sc AS (SELECT unit_id u, time t, online, lead(time) OVER (PARTITION BY unit_id ORDER BY time, r) nt FROM ch),
            iv AS (SELECT u, max(t, ?1) a, coalesce(nt, ?2) b FROM sc WHERE online = 1 AND coalesce(nt, ?2) > ?1),
            span(u, d, last) AS (SELECT u, ${DAY('a')}, ${DAY('b - 1')} FROM iv WHERE b > a
                                 UNION ALL SELECT u, d + 1, last FROM span WHERE d < last)
          INSERT INTO ${schema}.report_online (unit_id, day)
          SELECT u, d FROM span
          UNION SELECT unit_id, ${DAY('server_time')} FROM records WHERE server_time >= ?1 AND server_time < ?2 AND ${UNITS('+unit_id')}`,
    params: [from, to],
  };
}

/**
 * The statement that writes into `schema`.report_left_out the plays that arrived in [from, to) and are left out of the
 * figures, per unit, local day of arrival and reason (`to` may be any time: "now").
 */
export function leftOutStatement(schema: string, from: number, to: number, c: DayConstants): DayStatement {
  return {
    sql: `INSERT INTO ${schema}.report_left_out (unit_id, day, reason, n)
          SELECT r.unit_id, ${DAY('r.server_time')} d, CASE WHEN p.start < u.provisioned_at THEN 'before-registration' ELSE 'future' END why, count(*)
            FROM records r JOIN units u ON u.id = r.unit_id JOIN plays p ON p.unit_id = r.unit_id AND p.record = r.record
           WHERE r.server_time >= ?1 AND r.server_time < ?2 AND r.type = 'play' AND (p.start < u.provisioned_at OR p.start > r.server_time + ?3)
           GROUP BY r.unit_id, d, why`,
    params: [from, to, c.maxAheadS],
  };
}
