/**
 * What the dashboard and the reports read of each unit's last known state. A unit counts as online when its MQTT
 * status says so (the retained `online`, replaced by its last will `offline` when the link dies) AND it was heard
 * from within `staleAfterSeconds` — or, for a unit on a serial link (no MQTT status), when it was heard from within
 * that time. So a cart whose broker session hangs without a will still turns offline.
 *
 * The firmware is the one named by the unit's latest hello (highest record number, so a backlog of old hellos
 * delivered late does not turn it back), not the one written at provisioning.
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
  /** The firmware version of the unit's latest hello, null before its first. */
  firmware: string | null;
  fix: { time: number; lat: number; lon: number } | null;
  fixQuality: string | null;
  speed: number | null;
  batteryMv: number | null;
  batteryMa: number | null;
  solarMv: number | null;
  solarMa: number | null;
  soc: number | null;
  playerState: string | null;
  amplifierOn: boolean | null;
  volume: number | null;
  faults: string[];
  manifestVersion: number | null;
  clipsMissing: number | null;
  outboxDepth: number | null;
  /** The cart's last energy forecast (SPEC.md 0x02 bit 11), null until one arrived. Old when `online` is false. */
  energy: UnitEnergyView | null;
}

/** Minutes are whole, capped at 1440 ("a day or more"); `minutesLeft` is at the cart's volume when it was sent. */
export interface UnitEnergyView {
  minutesLeft: number;
  minutesLeftNoSun: number;
  reserveMinutes: number;
  /** Null when the cart was not charging. */
  minutesToFull: number | null;
  /** Learned capacity as % of nominal; null until learned. */
  healthPercent: number | null;
  /** Unix seconds (server time) the forecast arrived. */
  at: number;
}

interface Row {
  unit_id: string;
  number: number;
  online: number;
  last_seen: number | null;
  firmware: string | null;
  fix_time: number | null;
  lat: number | null;
  lon: number | null;
  fix_quality: string | null;
  speed: number | null;
  battery_mv: number | null;
  battery_ma: number | null;
  solar_mv: number | null;
  solar_ma: number | null;
  soc: number | null;
  player_state: string | null;
  amplifier_on: number | null;
  volume: number | null;
  faults: string | null;
  manifest_version: number | null;
  clips_missing: number | null;
  outbox_depth: number | null;
  minutes_left: number | null;
  minutes_left_no_sun: number | null;
  reserve_minutes: number | null;
  minutes_to_full: number | null;
  health_percent: number | null;
  energy_time: number | null;
  ever_status: number;
}

const flag = (v: number | null): boolean | null => (v === null ? null : v !== 0);

function energyOf(r: Row): UnitEnergyView | null {
  if (r.energy_time === null || r.minutes_left === null || r.minutes_left_no_sun === null || r.reserve_minutes === null) return null;
  return {
    minutesLeft: r.minutes_left,
    minutesLeftNoSun: r.minutes_left_no_sun,
    reserveMinutes: r.reserve_minutes,
    minutesToFull: r.minutes_to_full,
    healthPercent: r.health_percent,
    at: r.energy_time,
  };
}

/** The state of every active unit (or of `unitId` alone), by number. `now` in Unix seconds. */
export async function listUnitStates(db: SqliteDb, options: { now: number; staleAfterSeconds?: number; unitId?: string }): Promise<UnitStateView[]> {
  const stale = options.staleAfterSeconds ?? 15 * 60;
  if (!Number.isInteger(stale) || stale <= 0) throw new RangeError(`staleAfterSeconds must be a positive whole number, got ${String(stale)}`);
  const only = options.unitId === undefined ? '' : ' AND s.unit_id = ?';
  const rows = await db.exclusive(() =>
    db.all<Row>(
      `SELECT s.unit_id, u.number, s.online, s.last_seen, s.fix_time, s.lat, s.lon, s.fix_quality, s.speed, s.battery_mv, s.battery_ma,
              s.solar_mv, s.solar_ma, s.soc, s.player_state, s.amplifier_on, s.volume, s.faults, s.manifest_version, s.clips_missing,
              s.outbox_depth, s.minutes_left, s.minutes_left_no_sun, s.reserve_minutes, s.minutes_to_full, s.health_percent, s.energy_time,
              EXISTS (SELECT 1 FROM status_changes c WHERE c.unit_id = s.unit_id) AS ever_status,
              (SELECT h.firmware FROM hellos h WHERE h.unit_id = s.unit_id ORDER BY h.record DESC LIMIT 1) AS firmware
         FROM unit_state s JOIN units u ON u.id = s.unit_id WHERE u.retired = 0${only} ORDER BY u.number`,
      options.unitId === undefined ? [] : [options.unitId],
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
      firmware: r.firmware,
      fix: r.fix_time === null || r.lat === null || r.lon === null ? null : { time: r.fix_time, lat: r.lat, lon: r.lon },
      fixQuality: r.fix_quality,
      speed: r.speed,
      batteryMv: r.battery_mv,
      batteryMa: r.battery_ma,
      solarMv: r.solar_mv,
      solarMa: r.solar_ma,
      soc: r.soc,
      playerState: r.player_state,
      amplifierOn: flag(r.amplifier_on),
      volume: r.volume,
      faults: r.faults ? (JSON.parse(r.faults) as string[]) : [],
      manifestVersion: r.manifest_version,
      clipsMissing: r.clips_missing,
      outboxDepth: r.outbox_depth,
      energy: energyOf(r),
    };
  });
}
