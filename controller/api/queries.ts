/**
 * What the API reads from the fleet tables beyond what the registry and `listUnitStates` give: the rest of each
 * unit's last state, a day's track, plays and events in a time range. Read only, each in one statement.
 */
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import type { TrackPoint } from './track.js';

export interface UnitStateExtra {
  manifestVersion: number | null;
  clipsMissing: number | null;
  telemetryTime: number | null;
  batteryMa: number | null;
  solarMv: number | null;
  solarMa: number | null;
  amplifierOn: boolean | null;
  relayOn: boolean | null;
  fixQuality: string | null;
  speed: number | null;
  boot: number | null;
}

interface ExtraRow {
  unit_id: string;
  manifest_version: number | null;
  clips_missing: number | null;
  telemetry_time: number | null;
  battery_ma: number | null;
  solar_mv: number | null;
  solar_ma: number | null;
  amplifier_on: number | null;
  relay_on: number | null;
  fix_quality: string | null;
  speed: number | null;
  boot: number | null;
}

const flag = (v: number | null): boolean | null => (v === null ? null : v !== 0);

/** The unit_state columns the dashboard shows beside `listUnitStates`, by unit id. */
export async function unitStateExtras(db: SqliteDb): Promise<Map<string, UnitStateExtra>> {
  const rows = await db.exclusive(() =>
    db.all<ExtraRow>('SELECT unit_id, manifest_version, clips_missing, telemetry_time, battery_ma, solar_mv, solar_ma, amplifier_on, relay_on, fix_quality, speed, boot FROM unit_state'),
  );
  return new Map(
    rows.map((r) => [
      r.unit_id,
      {
        manifestVersion: r.manifest_version,
        clipsMissing: r.clips_missing,
        telemetryTime: r.telemetry_time,
        batteryMa: r.battery_ma,
        solarMv: r.solar_mv,
        solarMa: r.solar_ma,
        amplifierOn: flag(r.amplifier_on),
        relayOn: flag(r.relay_on),
        fixQuality: r.fix_quality,
        speed: r.speed,
        boot: r.boot,
      },
    ]),
  );
}

/** The unit's track points in [start, end), by time. */
export function trackPoints(db: SqliteDb, unitId: string, start: number, end: number): Promise<TrackPoint[]> {
  return db.exclusive(() =>
    db.all<TrackPoint>('SELECT time, lat, lon FROM track_points WHERE unit_id = ? AND time >= ? AND time < ? ORDER BY time, record, idx', [unitId, start, end]),
  );
}

export interface RangeFilter {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
  unit?: string;
  limit: number;
}

export interface PlayRow {
  unitId: string;
  record: number;
  clip: string;
  manifestVersion: number;
  start: number;
  timeSource: string;
  seconds: number;
  outcome: string;
  trigger: string;
  volume: number;
  lat: number | null;
  lon: number | null;
}

function where(column: string, f: RangeFilter, extra: [string, SqlValue][] = []): { sql: string; params: SqlValue[] } {
  const parts = [`${column} >= ?`, `${column} < ?`];
  const params: SqlValue[] = [f.from, f.to];
  if (f.unit !== undefined) (parts.push('unit_id = ?'), params.push(f.unit));
  for (const [clause, value] of extra) (parts.push(clause), params.push(value));
  return { sql: parts.join(' AND '), params };
}

/** Plays started in the range, oldest first, at most `limit`. */
export function listPlays(db: SqliteDb, f: RangeFilter): Promise<PlayRow[]> {
  const w = where('start', f);
  return db.exclusive(() =>
    db.all<PlayRow>(
      `SELECT unit_id AS unitId, record, clip, manifest_version AS manifestVersion, start, time_source AS timeSource, seconds, outcome,
              trigger, volume, lat, lon FROM plays WHERE ${w.sql} ORDER BY start, unit_id, record LIMIT ?`,
      [...w.params, f.limit],
    ),
  );
}

export interface EventRow {
  unitId: string;
  record: number;
  time: number;
  timeSource: string;
  kind: string;
  code: string;
  detail: string;
}

/** Events in the range (of one kind when given), oldest first, at most `limit`. */
export function listEvents(db: SqliteDb, f: RangeFilter & { kind?: string }): Promise<EventRow[]> {
  const w = where('time', f, f.kind === undefined ? [] : [['kind = ?', f.kind]]);
  return db.exclusive(() =>
    db.all<EventRow>(
      `SELECT unit_id AS unitId, record, time, time_source AS timeSource, kind, code, detail FROM events WHERE ${w.sql} ORDER BY time, unit_id, record LIMIT ?`,
      [...w.params, f.limit],
    ),
  );
}
