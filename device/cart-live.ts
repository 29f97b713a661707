/**
 * What the cart knows of itself right now, and the live messages (telemetry, fix) and the status built from it.
 */
import type { GnssFix } from '../hardware/gnss/gnss.js';
import type { PowerReading } from '../hardware/power/power.js';
import type { Fix, FixQuality, PlayerState, Telemetry } from '../protocol/index.js';
import type { EnergySnapshot } from './energy/monitor.js';
import type { PolicyDecision } from './logic/policy.js';
import type { PlayerStateName } from './player/player.js';

export interface LiveState {
  fix: GnssFix | null;
  /** When `fix` arrived, ms on the monotonic clock (performance.now()). */
  fixAt: number;
  power: PowerReading | null;
  relayOn: boolean;
  faults: Set<string>;
  lastError: string | null;
  decision: PolicyDecision | null;
}

const QUALITY: Record<string, FixQuality> = {
  none: 'none',
  gps: 'gps',
  dgps: 'dgps',
  pps: 'pps',
  rtk: 'rtk',
  'float-rtk': 'float-rtk',
  estimated: 'estimated',
  manual: 'manual',
  simulation: 'simulated',
  simulated: 'simulated',
};

/**
 * A fix older than this is not sent: on the wire a fix time is only its low 16 bits, placed by the district within
 * ±9 h of its own clock (SPEC.md, 0x03), and an hour-old position is no longer where the cart is.
 */
export const FIX_MAX_AGE_MS = 3_600_000;

/** The fix to send now, or none when there is no fix or it is too old. */
export function freshFix(live: Pick<LiveState, 'fix' | 'fixAt'>, nowMs: number): Fix | null {
  return live.fix && nowMs - live.fixAt <= FIX_MAX_AGE_MS ? fixMessage(live.fix) : null;
}

export function fixMessage(f: GnssFix): Fix {
  const m: Fix = {
    type: 'fix',
    time: Math.floor((f.time?.getTime() ?? Date.now()) / 1000),
    lat: Math.round(f.latitude * 1e7) / 1e7,
    lon: Math.round(f.longitude * 1e7) / 1e7,
    speed: Math.round((f.speedMps ?? 0) * 10) / 10,
    course: Math.round(f.courseDeg ?? 0) % 360,
    satellites: Math.min(255, f.satellites ?? 0),
    quality: QUALITY[f.quality] ?? 'gps',
  };
  if (f.hdop !== null) m.hdop = Math.min(25.4, Math.round(f.hdop * 10) / 10);
  return m;
}

export function telemetryMessage(
  live: LiveState,
  player: { state: PlayerStateName; volume: number },
  extra: {
    runtime: { uptimeS: number; amplifierS: number; audioS: number };
    outboxDepth: number;
    manifestVersion: number;
    clipsMissing: number;
    bytesToGo: number;
    /** The energy monitor's state of charge (the board's voltage gauge is used while it has none). */
    socPercent?: number | null;
    energy?: EnergySnapshot;
  },
): Telemetry {
  const t: Telemetry = {
    type: 'telemetry',
    state: { amplifierOn: live.relayOn, relayOn: live.relayOn, player: player.state as PlayerState },
    volume: Math.round(player.volume),
    runtime: { uptimeS: Math.floor(extra.runtime.uptimeS), amplifierS: Math.floor(extra.runtime.amplifierS), audioS: Math.floor(extra.runtime.audioS) },
    faults: [...live.faults],
    outboxDepth: extra.outboxDepth,
    sync: { manifestVersion: extra.manifestVersion, clipsMissing: extra.clipsMissing, bytesToGo: Math.min(0xffff_ffff, extra.bytesToGo) },
  };
  const p = live.power;
  if (p !== null) {
    t.batteryMv = clamp(Math.round(p.batteryMv), 0, 0xffff);
    t.batteryMa = Math.round(p.batteryMa);
    t.solarMv = clamp(Math.round(p.solarMv), 0, 0xffff);
    t.solarMa = Math.max(0, Math.round(p.solarMa));
    t.soc = clamp(Math.round(extra.socPercent ?? p.socPercent), 0, 100);
  }
  const energy = extra.energy && energyTelemetry(extra.energy);
  if (energy) t.energy = energy;
  return t;
}

/** The monitor's forecast at the player's volume (the snapshot's first), health and reserve, in whole minutes. */
export function energyTelemetry(s: EnergySnapshot): Telemetry['energy'] | null {
  const f = s.forecasts[0];
  if (!f || f.minutesLeft === null || f.minutesLeftNoSun === null) return null;
  const minutes = (m: number): number => clamp(Math.round(m), 0, MINUTES_CAP);
  return {
    minutesLeft: minutes(f.minutesLeft),
    minutesLeftNoSun: minutes(f.minutesLeftNoSun),
    reserveMinutes: minutes(s.reserveMinutes ?? 0),
    minutesToFull: s.minutesToFull === null ? null : minutes(s.minutesToFull),
    healthPercent: s.health === null ? null : clamp(Math.round(s.health.percent), 0, 254),
  };
}

/** Minutes on the wire stop at a day (SPEC.md 0x02): "a day or more". */
const MINUTES_CAP = 1440;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
