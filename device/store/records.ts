/**
 * What the store keeps, as values: the durable records (protocol types, the record number added by the store), the
 * live rows (track points, power samples), and how each maps to its table row.
 */
import type {
  DurableRecord,
  EventKind,
  EventRecord,
  PlayOutcome,
  PlayRecord,
  PlayTrigger,
  TimeSource,
} from '../../protocol/index.js';
import type { SqlValue } from '../../lib/sqlite.js';

/** A protocol durable record without its `record` number: the store assigns it. */
export type DurableRecordInput = {
  [K in DurableRecord['type']]: Omit<Extract<DurableRecord, { type: K }>, 'record'>;
}[DurableRecord['type']];

/** One GNSS position for the local track (written in batches). */
export interface TrackPoint {
  /** Unix seconds, UTC. */
  time: number;
  lat: number;
  lon: number;
  /** Where `time` came from; default `gnss`. */
  source?: TimeSource;
  /** m/s, when the receiver gave it. */
  speed?: number;
  hdop?: number;
}

/** One reading of the power board, kept once a minute (written in batches). */
export interface PowerSample {
  /** Unix seconds, UTC. */
  time: number;
  batteryMv: number;
  /** Positive while charging. */
  batteryMa: number;
  solarMv: number;
  solarMa: number;
  /** State of charge estimate, 0–100 %. */
  socPercent: number;
}

/** A row for `SqliteDb.insertMany`. */
export interface TableRow {
  table: string;
  columns: readonly string[];
  values: SqlValue[];
}

const PLAY_COLUMNS = ['record', 'start', 'source', 'clip', 'manifest_version', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'] as const;
const EVENT_COLUMNS = ['record', 'at', 'source', 'kind', 'code', 'detail'] as const;
const RESULT_COLUMNS = ['record', 'at', 'source', 'counter', 'status', 'detail'] as const;
export const OUTBOX_COLUMNS = ['record', 'type', 'bytes', 'created_ms'] as const;
export const TRACK_COLUMNS = ['time', 'source', 'lat', 'lon', 'speed', 'hdop'] as const;
export const POWER_COLUMNS = ['time', 'battery_mv', 'battery_ma', 'solar_mv', 'solar_ma', 'soc'] as const;

/** The typed row a durable record also gets, or `null` for records kept only in the outbox. */
export function typedRow(r: DurableRecord): TableRow | null {
  switch (r.type) {
    case 'play':
      return {
        table: 'plays',
        columns: PLAY_COLUMNS,
        values: [
          r.record,
          r.start.time,
          r.start.source,
          r.clip,
          r.manifestVersion,
          r.seconds,
          r.outcome,
          r.trigger,
          r.volume,
          r.where?.lat ?? null,
          r.where?.lon ?? null,
        ],
      };
    case 'event':
      return { table: 'events', columns: EVENT_COLUMNS, values: [r.record, r.at.time, r.at.source, r.kind, r.code, r.detail] };
    case 'command-result':
      return { table: 'command_results', columns: RESULT_COLUMNS, values: [r.record, r.at.time, r.at.source, r.counter, r.status, r.detail] };
    case 'hello': // the hello says what the cart is; nothing to query later
    case 'track': // the points themselves are in track_points, written by addTrackPoint
      return null;
  }
}

/** Groups rows by table, keeping their order within each table. */
export function byTable(rows: readonly TableRow[]): TableRow[][] {
  const groups = new Map<string, TableRow[]>();
  for (const row of rows) {
    const group = groups.get(row.table);
    if (group) group.push(row);
    else groups.set(row.table, [row]);
  }
  return [...groups.values()];
}

export function trackValues(p: TrackPoint): SqlValue[] {
  return [p.time, p.source ?? 'gnss', p.lat, p.lon, p.speed ?? null, p.hdop ?? null];
}

export function powerValues(s: PowerSample): SqlValue[] {
  return [s.time, Math.round(s.batteryMv), Math.round(s.batteryMa), Math.round(s.solarMv), Math.round(s.solarMa), s.socPercent];
}

export interface PlayRow {
  record: number;
  start: number;
  source: string;
  clip: string;
  manifest_version: number;
  seconds: number;
  outcome: string;
  trigger: string;
  volume: number;
  lat: number | null;
  lon: number | null;
}

export function playFromRow(row: PlayRow): PlayRecord {
  const play: PlayRecord = {
    type: 'play',
    record: row.record,
    start: { time: row.start, source: row.source as TimeSource },
    clip: row.clip,
    manifestVersion: row.manifest_version,
    seconds: row.seconds,
    outcome: row.outcome as PlayOutcome,
    trigger: row.trigger as PlayTrigger,
    volume: row.volume,
  };
  if (row.lat !== null && row.lon !== null) play.where = { lat: row.lat, lon: row.lon };
  return play;
}

export interface EventRow {
  record: number;
  at: number;
  source: string;
  kind: string;
  code: string;
  detail: string;
}

export function eventFromRow(row: EventRow): EventRecord {
  return {
    type: 'event',
    record: row.record,
    at: { time: row.at, source: row.source as TimeSource },
    kind: row.kind as EventKind,
    code: row.code,
    detail: row.detail,
  };
}

export interface TrackRow {
  time: number;
  source: string;
  lat: number;
  lon: number;
  speed: number | null;
  hdop: number | null;
}

export function trackPointFromRow(row: TrackRow): TrackPoint {
  const point: TrackPoint = { time: row.time, lat: row.lat, lon: row.lon, source: row.source as TimeSource };
  if (row.speed !== null) point.speed = row.speed;
  if (row.hdop !== null) point.hdop = row.hdop;
  return point;
}

export function checkTrackPoint(p: TrackPoint): void {
  if (!Number.isSafeInteger(p.time) || p.time < 0) throw new RangeError(`track point time must be Unix seconds, got ${String(p.time)}`);
  if (!(Math.abs(p.lat) <= 90)) throw new RangeError(`track point lat must be within ±90°, got ${String(p.lat)}`);
  if (!(Math.abs(p.lon) <= 180)) throw new RangeError(`track point lon must be within ±180°, got ${String(p.lon)}`);
  for (const name of ['speed', 'hdop'] as const) {
    const v = p[name];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new RangeError(`track point ${name} must be a number ≥ 0, got ${String(v)}`);
  }
}

export function checkPowerSample(s: PowerSample): void {
  if (!Number.isSafeInteger(s.time) || s.time < 0) throw new RangeError(`power sample time must be Unix seconds, got ${String(s.time)}`);
  for (const name of ['batteryMv', 'batteryMa', 'solarMv', 'solarMa', 'socPercent'] as const) {
    if (!Number.isFinite(s[name])) throw new RangeError(`power sample ${name} must be a finite number, got ${String(s[name])}`);
  }
}
