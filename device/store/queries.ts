/**
 * What the cart asks of its history (plays of the day for the policy's daily maximum, recent events, a piece of the
 * track), its runtime counters, and retention by age. `CartStore` delegates here; every function takes its turn on
 * the shared connection.
 */
import type { EventRecord, PlayRecord } from '../../protocol/index.js';
import { eventFromRow, playFromRow, trackPointFromRow, type EventRow, type PlayRow, type PowerSample, type TrackPoint, type TrackRow } from './records.js';
import { RUNTIME_COUNTERS, type RuntimeCounterName, type RuntimeCounters } from './settings.js';
import type { SqliteDb } from '../../lib/sqlite.js';

const DAY_S = 86_400;

/** Plays that started at or after `time` (Unix s), oldest first. */
export function playsSince(db: SqliteDb, time: number): Promise<PlayRecord[]> {
  checkTime('time', time);
  return db.exclusive(async () => (await db.all<PlayRow>('SELECT * FROM plays WHERE start >= ? ORDER BY start, record', [time])).map(playFromRow));
}

/** Events at or after `time` (Unix s), oldest first. */
export function eventsSince(db: SqliteDb, time: number): Promise<EventRecord[]> {
  checkTime('time', time);
  return db.exclusive(async () => (await db.all<EventRow>('SELECT * FROM events WHERE at >= ? ORDER BY at, record', [time])).map(eventFromRow));
}

/** Track points with `from ≤ time ≤ to` (Unix s), in time order. */
export function trackBetween(db: SqliteDb, from: number, to: number): Promise<TrackPoint[]> {
  checkTime('from', from);
  checkTime('to', to);
  return db.exclusive(async () =>
    (await db.all<TrackRow>('SELECT time, source, lat, lon, speed, hdop FROM track_points WHERE time BETWEEN ? AND ? ORDER BY time, id', [from, to])).map(
      trackPointFromRow,
    ),
  );
}

/** Power samples at or after `time` (Unix s), in time order. */
export function powerSince(db: SqliteDb, time: number): Promise<PowerSample[]> {
  checkTime('time', time);
  return db.exclusive(() =>
    db.all<PowerSample>(
      `SELECT time, battery_mv AS batteryMv, battery_ma AS batteryMa, solar_mv AS solarMv, solar_ma AS solarMa, soc AS socPercent
       FROM power_samples WHERE time >= ? ORDER BY time, id`,
      [time],
    ),
  );
}

/** Seconds of audio played by plays that started in the day beginning at `dayStart` (Unix s, the local midnight). */
export function playSecondsOfDay(db: SqliteDb, dayStart: number): Promise<number> {
  checkTime('dayStart', dayStart);
  return db.exclusive(async () => {
    const row = await db.get<{ s: number | null }>('SELECT sum(seconds) AS s FROM plays WHERE start >= ? AND start < ?', [dayStart, dayStart + DAY_S]);
    return row?.s ?? 0;
  });
}

/** Every runtime counter (0 for one never added to). */
export function runtimeCounters(db: SqliteDb): Promise<RuntimeCounters> {
  return db.exclusive(async () => {
    const counters = Object.fromEntries(RUNTIME_COUNTERS.map((name) => [name, 0])) as RuntimeCounters;
    for (const row of await db.all<{ name: string; value: number }>('SELECT name, value FROM runtime_counters')) {
      if ((RUNTIME_COUNTERS as readonly string[]).includes(row.name)) counters[row.name as RuntimeCounterName] = row.value;
    }
    return counters;
  });
}

/** Adds to runtime counters, in one transaction. */
export function addRuntime(db: SqliteDb, deltas: Partial<RuntimeCounters>): Promise<void> {
  const entries = Object.entries(deltas);
  for (const [name, value] of entries) {
    if (!(RUNTIME_COUNTERS as readonly string[]).includes(name)) throw new RangeError(`deltas: ${name} is not a runtime counter (${RUNTIME_COUNTERS.join(', ')})`);
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new RangeError(`deltas.${name} must be a number ≥ 0, got ${String(value)}`);
  }
  return db.transaction(async () => {
    for (const [name, value] of entries) {
      await db.run('INSERT INTO runtime_counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value', [
        name,
        value ?? 0,
      ]);
    }
  });
}

/** How long to keep each kind of row, in days; a kind left out is kept forever. */
export interface RetentionOptions {
  trackDays?: number;
  samplesDays?: number;
  /** Encoded bytes of acknowledged records (their typed rows stay). */
  ackedDays?: number;
  playsDays?: number;
  eventsDays?: number;
}

export interface PruneResult {
  trackPoints: number;
  powerSamples: number;
  ackedRecords: number;
  plays: number;
  events: number;
}

/** Rows deleted per transaction, so other work gets its turn during a long prune. */
const PRUNE_CHUNK = 5000;

/** Deletes rows older than their retention, measured from `nowMs` (the store's clock). */
export async function prune(db: SqliteDb, nowMs: number, retention: RetentionOptions): Promise<PruneResult> {
  for (const [name, days] of Object.entries(retention)) {
    if (days !== undefined && !(typeof days === 'number' && days >= 0 && Number.isFinite(days))) {
      throw new RangeError(`retention.${name} must be a number of days ≥ 0, got ${String(days)}`);
    }
  }
  const nowS = Math.floor(nowMs / 1000);
  const before = (days: number): number => nowS - Math.round(days * DAY_S);
  const r = retention;
  return {
    trackPoints: r.trackDays === undefined ? 0 : await chunked(db, 'track_points', 'id', 'time < ?', before(r.trackDays)),
    powerSamples: r.samplesDays === undefined ? 0 : await chunked(db, 'power_samples', 'id', 'time < ?', before(r.samplesDays)),
    ackedRecords:
      r.ackedDays === undefined
        ? 0
        : await chunked(db, 'outbox', 'record', 'acked_ms IS NOT NULL AND acked_ms < ?', nowMs - Math.round(r.ackedDays * DAY_S * 1000)),
    plays: r.playsDays === undefined ? 0 : await chunked(db, 'plays', 'record', 'start < ?', before(r.playsDays)),
    events: r.eventsDays === undefined ? 0 : await chunked(db, 'events', 'record', 'at < ?', before(r.eventsDays)),
  };
}

async function chunked(db: SqliteDb, table: string, key: string, where: string, cutoff: number): Promise<number> {
  const sql = `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${where} LIMIT ${PRUNE_CHUNK})`;
  let total = 0;
  for (;;) {
    const { changes } = await db.transaction(() => db.run(sql, [cutoff]));
    total += changes;
    if (changes < PRUNE_CHUNK) return total;
  }
}

function checkTime(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be Unix seconds (a whole number), got ${String(value)}`);
}
