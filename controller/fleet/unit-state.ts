/**
 * What the dashboard and the reports read of each unit's last known state. A unit counts as online when its MQTT
 * status says so (the retained `online`, replaced by its last will `offline` when the link dies) AND it was heard
 * from within `staleAfterSeconds` — or, for a unit on a serial link (no MQTT status), when it was heard from within
 * that time. So a cart whose broker session hangs without a will still turns offline.
 */
import type { SqliteDb } from '../../lib/sqlite.js';

export interface UnitStateView {
  unitId: string;
  number: number;
  online: boolean;
  /** The MQTT status flag as last received. */
  statusOnline: boolean;
  /** Unix seconds (server time) of the last frame, null if never heard. */
  lastSeen: number | null;
  fix: { time: number; lat: number; lon: number } | null;
  batteryMv: number | null;
  soc: number | null;
  playerState: string | null;
  volume: number | null;
  faults: string[];
  outboxDepth: number | null;
}

interface Row {
  unit_id: string;
  number: number;
  online: number;
  last_seen: number | null;
  fix_time: number | null;
  lat: number | null;
  lon: number | null;
  battery_mv: number | null;
  soc: number | null;
  player_state: string | null;
  volume: number | null;
  faults: string | null;
  outbox_depth: number | null;
  ever_status: number;
}

/** The state of every active unit, by number. `now` in Unix seconds. */
export async function listUnitStates(db: SqliteDb, options: { now: number; staleAfterSeconds?: number }): Promise<UnitStateView[]> {
  const stale = options.staleAfterSeconds ?? 15 * 60;
  if (!Number.isInteger(stale) || stale <= 0) throw new RangeError(`staleAfterSeconds must be a positive whole number, got ${String(stale)}`);
  const rows = await db.exclusive(() =>
    db.all<Row>(
      `SELECT s.unit_id, u.number, s.online, s.last_seen, s.fix_time, s.lat, s.lon, s.battery_mv, s.soc, s.player_state, s.volume,
              s.faults, s.outbox_depth, EXISTS (SELECT 1 FROM status_changes c WHERE c.unit_id = s.unit_id) AS ever_status
         FROM unit_state s JOIN units u ON u.id = s.unit_id WHERE u.retired = 0 ORDER BY u.number`,
    ),
  );
  return rows.map((r) => {
    const heard = r.last_seen !== null && options.now - r.last_seen <= stale;
    const statusOnline = r.online !== 0;
    return {
      unitId: r.unit_id,
      number: r.number,
      online: r.ever_status ? statusOnline && heard : heard,
      statusOnline,
      lastSeen: r.last_seen,
      fix: r.fix_time === null || r.lat === null || r.lon === null ? null : { time: r.fix_time, lat: r.lat, lon: r.lon },
      batteryMv: r.battery_mv,
      soc: r.soc,
      playerState: r.player_state,
      volume: r.volume,
      faults: r.faults ? (JSON.parse(r.faults) as string[]) : [],
      outboxDepth: r.outbox_depth,
    };
  });
}
