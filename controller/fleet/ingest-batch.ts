/**
 * What the ingest writes in one transaction: the frames accepted within a few milliseconds, turned into rows. Durable
 * records go in with `ON CONFLICT DO NOTHING` (a record already committed is skipped, and still acknowledged) — unless
 * its bytes differ from the stored record of that number (or from an earlier copy in the batch): then the cart
 * reused a record number, and the record is written nowhere, reported (`refused`, a `record-reused` alert) and must
 * not be acknowledged, so every table keeps the first record of that number and they all agree; live
 * telemetry and fixes move `unit_state` only forward (fixes by device time, telemetry by arrival); the replay state
 * of each unit is committed with the records it protects.
 */
import { tuples, type SqliteDb, type SqlParams } from '../../lib/sqlite.js';
import { type DurableRecord, type Fix, type ReplayState, type Telemetry, type TelemetryEnergy } from '../../protocol/index.js';
import { mergeAlert, recordReused, writeAlerts, type UnitAlert } from './unit-alerts.js';

/** One durable record of an accepted frame, with its bytes as received (`type | length | payload`). */
export interface IncomingRecord {
  message: DurableRecord;
  bytes: Buffer;
}

/** One accepted frame of one unit. */
export interface AcceptedFrame {
  unitId: string;
  boot: number;
  /** Unix seconds at arrival. */
  serverTime: number;
  records: IncomingRecord[];
  live: (Telemetry | Fix)[];
}

export interface StatusChange {
  unitId: string;
  online: boolean;
  serverTime: number;
}

export interface IngestBatch {
  frames: AcceptedFrame[];
  statuses: StatusChange[];
  /** Replay state to commit, per unit id (the newest). */
  replay: Map<string, ReplayState>;
  /** Counter increments by (day, name). */
  counters: Map<string, number>;
  /** Alerts found while accepting the frames, by unit and kind (unit-alerts.ts). */
  alerts: Map<string, UnitAlert>;
}

export function emptyBatch(): IngestBatch {
  return { frames: [], statuses: [], replay: new Map(), counters: new Map(), alerts: new Map() };
}

/** `unit|record`: a record number of one unit. */
export const recordKey = (unitId: string, record: number): string => `${unitId}|${record}`;

export interface BatchResult {
  records: number;
  /** Records really inserted (the rest were already there). */
  inserted: number;
  /** Units whose online flag changed. */
  statusChanges: StatusChange[];
  /** Record numbers ({@link recordKey}) that came with other content than the stored record: not stored, never to be acknowledged. */
  refused: Set<string>;
  /** The alerts written (those of the batch and the refused records'). */
  alerts: UnitAlert[];
}

function deviceTime(m: DurableRecord): { time: number; source: string } {
  switch (m.type) {
    case 'hello':
      return m.bootTime;
    case 'play':
      return m.start;
    case 'event':
    case 'command-result':
      return m.at;
    case 'track':
      return { time: m.points[0]?.time ?? 0, source: m.source };
  }
}

/** Writes the batch; call inside a transaction. */
export async function writeBatch(db: SqliteDb, batch: IngestBatch): Promise<BatchResult> {
  const rows = { records: [] as SqlParams[], plays: [] as SqlParams[], events: [] as SqlParams[], points: [] as SqlParams[], hellos: [] as SqlParams[] };
  const results: SqlParams[] = [];
  const lastSeen = new Map<string, { time: number; boot: number }>();
  const trackEnds = new Map<string, { time: number; lat: number; lon: number }>();
  const alerts = new Map(batch.alerts);
  const reused = await reusedRecords(db, batch.frames);
  const refused = new Set<string>();
  for (const f of batch.frames) {
    lastSeen.set(f.unitId, { time: f.serverTime, boot: f.boot });
    for (const record of f.records) {
      const { message: m, bytes } = record;
      const storedType = reused.get(record);
      if (storedType !== undefined) {
        refused.add(recordKey(f.unitId, m.record));
        mergeAlert(alerts, recordReused(f.unitId, f.serverTime, m.record, m.type, storedType));
        continue;
      }
      const at = deviceTime(m);
      rows.records.push([f.unitId, m.record, m.type, at.time, at.source, f.serverTime, bytes]);
      switch (m.type) {
        case 'play':
          rows.plays.push([f.unitId, m.record, m.clip, m.manifestVersion, m.start.time, m.start.source, m.seconds, m.outcome, m.trigger, m.volume, m.where?.lat ?? null, m.where?.lon ?? null]);
          break;
        case 'event':
          rows.events.push([f.unitId, m.record, m.at.time, m.at.source, m.kind, m.code, m.detail]);
          break;
        case 'track': {
          m.points.forEach((p, i) => rows.points.push([f.unitId, m.record, i, p.time, p.lat, p.lon]));
          const end = m.points[m.points.length - 1];
          const known = trackEnds.get(f.unitId);
          if (end && (!known || end.time > known.time)) trackEnds.set(f.unitId, end);
          break;
        }
        case 'hello':
          rows.hellos.push([f.unitId, m.record, m.firmware, m.manifestVersion, JSON.stringify(m.capabilities), m.bootTime.time, m.bootTime.source]);
          break;
        case 'command-result':
          results.push([m.status, m.detail, m.at.time, f.unitId, m.counter]);
          break;
      }
    }
  }
  const inserted = await db.insertMany('records', ['unit_id', 'record', 'type', 'device_time', 'time_source', 'server_time', 'bytes'], rows.records, { ignoreConflicts: true });
  await db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], rows.plays, { ignoreConflicts: true });
  await db.insertMany('events', ['unit_id', 'record', 'time', 'time_source', 'kind', 'code', 'detail'], rows.events, { ignoreConflicts: true });
  await db.insertMany('track_points', ['unit_id', 'record', 'idx', 'time', 'lat', 'lon'], rows.points, { ignoreConflicts: true });
  await db.insertMany('hellos', ['unit_id', 'record', 'firmware', 'manifest_version', 'capabilities', 'boot_time', 'time_source'], rows.hellos, { ignoreConflicts: true });
  for (const r of results) {
    await db.run("UPDATE commands SET status = ?, detail = ?, result_time = ? WHERE unit_id = ? AND counter = ? AND status IN ('sent', 'unsent')", r);
  }
  for (const f of batch.frames) for (const m of f.live) await writeLive(db, f, m);
  for (const [unitId, p] of trackEnds) {
    await db.run('UPDATE unit_state SET fix_time = ?, lat = ?, lon = ?, speed = NULL, fix_quality = NULL WHERE unit_id = ? AND (fix_time IS NULL OR fix_time < ?)', [p.time, p.lat, p.lon, unitId, p.time]);
  }
  // Last seen, boot and replay state of every unit of the batch, in as few statements as possible.
  const seen = [...lastSeen].map(([unitId, s]): SqlParams => [unitId, s.time, s.boot, batch.replay.has(unitId) ? JSON.stringify(batch.replay.get(unitId)) : null]);
  await db.runChunked(
    seen,
    (n) =>
      `UPDATE unit_state SET last_seen = v.column2, boot = v.column3, replay_state = coalesce(v.column4, replay_state)
         FROM (VALUES ${tuples(n, 4)}) AS v WHERE unit_state.unit_id = v.column1`,
  );
  const statusChanges: StatusChange[] = [];
  for (const s of batch.statuses) {
    const changed = await db.run('UPDATE unit_state SET online = ? WHERE unit_id = ? AND online <> ?', [s.online ? 1 : 0, s.unitId, s.online ? 1 : 0]);
    if (changed.changes > 0) {
      await db.run('INSERT INTO status_changes (unit_id, time, online) VALUES (?, ?, ?)', [s.unitId, s.serverTime, s.online ? 1 : 0]);
      statusChanges.push(s);
    }
  }
  for (const [key, count] of batch.counters) {
    const [day, name] = key.split('|') as [string, string];
    await db.run('INSERT INTO ingest_counters (day, name, count) VALUES (?, ?, ?) ON CONFLICT (day, name) DO UPDATE SET count = count + excluded.count', [day, name, count]);
  }
  await writeAlerts(db, alerts.values());
  return { records: rows.records.length, inserted, statusChanges, refused, alerts: [...alerts.values()] };
}

/** Rows read per query when looking for stored records (the sizes `runChunked` uses, so few statements are kept). */
const LOOKUP_CHUNKS = [256, 64, 16, 4, 1] as const;

/**
 * The records of the batch whose number the unit already used for other content — stored, or earlier in the batch —
 * each with the type of that first record. A resend of the same record (same bytes) is not one.
 */
async function reusedRecords(db: SqliteDb, frames: readonly AcceptedFrame[]): Promise<Map<IncomingRecord, string>> {
  const wanted = new Map<string, [string, number]>();
  for (const f of frames) for (const r of f.records) wanted.set(recordKey(f.unitId, r.message.record), [f.unitId, r.message.record]);
  const first = new Map<string, { bytes: Buffer; type: string }>();
  const keys = [...wanted.values()];
  for (let done = 0; done < keys.length; ) {
    const n = LOOKUP_CHUNKS.find((size) => size <= keys.length - done)!;
    const stored = await db.all<{ unit_id: string; record: number; type: string; bytes: Buffer }>(
      `SELECT r.unit_id, r.record, r.type, r.bytes FROM records r JOIN (VALUES ${tuples(n, 2)}) AS v ON r.unit_id = v.column1 AND r.record = v.column2`,
      keys.slice(done, done + n).flat(),
    );
    for (const row of stored) first.set(recordKey(row.unit_id, row.record), { bytes: Buffer.from(row.bytes), type: row.type });
    done += n;
  }
  const reused = new Map<IncomingRecord, string>();
  for (const f of frames) {
    for (const r of f.records) {
      const key = recordKey(f.unitId, r.message.record);
      const known = first.get(key);
      if (known === undefined) first.set(key, { bytes: r.bytes, type: r.message.type });
      else if (!known.bytes.equals(r.bytes)) reused.set(r, known.type);
    }
  }
  return reused;
}

async function writeLive(db: SqliteDb, f: AcceptedFrame, m: Telemetry | Fix): Promise<void> {
  if (m.type === 'fix') {
    await db.run('UPDATE unit_state SET fix_time = ?, lat = ?, lon = ?, speed = ?, fix_quality = ? WHERE unit_id = ? AND (fix_time IS NULL OR fix_time < ?)', [
      m.time, m.lat, m.lon, m.speed, m.quality, f.unitId, m.time,
    ]);
    return;
  }
  const b = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
  const faults = m.faults === undefined ? null : JSON.stringify(m.faults);
  await db.run(
    `UPDATE unit_state SET telemetry_time = ?,
       battery_mv = coalesce(?, battery_mv), battery_ma = coalesce(?, battery_ma), solar_mv = coalesce(?, solar_mv),
       solar_ma = coalesce(?, solar_ma), soc = coalesce(?, soc), amplifier_on = coalesce(?, amplifier_on),
       relay_on = coalesce(?, relay_on), player_state = coalesce(?, player_state), volume = coalesce(?, volume),
       faults = coalesce(?, faults), outbox_depth = coalesce(?, outbox_depth),
       manifest_version = coalesce(?, manifest_version), clips_missing = coalesce(?, clips_missing)
     WHERE unit_id = ?`,
    [
      f.serverTime, m.batteryMv ?? null, m.batteryMa ?? null, m.solarMv ?? null, m.solarMa ?? null, m.soc ?? null, b(m.state?.amplifierOn),
      b(m.state?.relayOn), m.state?.player ?? null, m.volume ?? null, faults, m.outboxDepth ?? null,
      m.sync?.manifestVersion ?? null, m.sync?.clipsMissing ?? null, f.unitId,
    ],
  );
  if (m.energy !== undefined) await writeEnergy(db, f, m.energy);
  // One sample per unit per minute, from the merged state (a telemetry message carries only what changed). The
  // runtime counters ride on a cart's full refreshes only, which may be the minute's second message: the minute's
  // last counters fill its sample (they only rise, and the first would leave out the rest of the minute). The energy
  // forecast is the minute's latest too, when the message carries it.
  await db.run(
    `INSERT INTO telemetry_samples (unit_id, minute, battery_mv, battery_ma, solar_mv, solar_ma, soc, amplifier_on, player_state, volume,
       uptime_s, amplifier_s, audio_s, faults, minutes_left, minutes_left_no_sun, reserve_minutes, minutes_to_full, health_percent)
     SELECT unit_id, ?, battery_mv, battery_ma, solar_mv, solar_ma, soc, amplifier_on, player_state, volume, ?, ?, ?, faults,
            minutes_left, minutes_left_no_sun, reserve_minutes, minutes_to_full, health_percent
       FROM unit_state WHERE unit_id = ?
     ON CONFLICT (unit_id, minute) DO UPDATE SET
       uptime_s = coalesce(excluded.uptime_s, uptime_s), amplifier_s = coalesce(excluded.amplifier_s, amplifier_s),
       audio_s = coalesce(excluded.audio_s, audio_s), minutes_left = excluded.minutes_left,
       minutes_left_no_sun = excluded.minutes_left_no_sun, reserve_minutes = excluded.reserve_minutes,
       minutes_to_full = excluded.minutes_to_full, health_percent = excluded.health_percent
       WHERE excluded.amplifier_s IS NOT NULL OR ?`,
    [Math.floor(f.serverTime / 60), m.runtime?.uptimeS ?? null, m.runtime?.amplifierS ?? null, m.runtime?.audioS ?? null, f.unitId, m.energy ? 1 : 0],
  );
}

/**
 * The energy group replaces all five values at once: on the wire "not charging" and "health not learned" are values
 * (NULL here), not absent fields, so they must overwrite the previous minutes to full and health.
 */
async function writeEnergy(db: SqliteDb, f: AcceptedFrame, e: TelemetryEnergy): Promise<void> {
  await db.run(
    `UPDATE unit_state SET minutes_left = ?, minutes_left_no_sun = ?, reserve_minutes = ?, minutes_to_full = ?, health_percent = ?,
       energy_time = ? WHERE unit_id = ?`,
    [e.minutesLeft, e.minutesLeftNoSun, e.reserveMinutes, e.minutesToFull, e.healthPercent, f.serverTime, f.unitId],
  );
}
