/**
 * What the API reads from the fleet tables beyond what the registry and `listUnitStates` give: a day's track, plays
 * and events in a time range. Read only, each in one statement.
 */
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import type { TrackPoint } from './track.js';

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
