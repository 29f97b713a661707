/**
 * The small state a cart keeps across restarts, stored as JSON in the `settings` table, and its runtime counters.
 * Add a key here (with its type) to keep something new; old databases simply do not have it yet.
 */
import type { ReplayState, Stamp } from '../../protocol/index.js';
import type { EnergyMemory } from '../energy/monitor.js';

export interface CartSettings {
  /** Amplifier volume, 0–100 %. */
  volume: number;
  /** The last time the cart trusted (GNSS or network), to estimate the time when it has neither. */
  lastGoodTime: Stamp;
  /** Counter of the last district command obeyed: a command must be above it (SPEC.md 0x08). */
  lastCommandCounter: number;
  /** Replay window of the district's frames (SPEC.md 2.1); commit it with the data it protects. */
  districtReplay: ReplayState;
  /** Version of the signed manifest the cart plays from. */
  activeManifestVersion: number;
  /** What the energy monitor learned (charge, capacity, harvest, the amplifier's draw): device/energy/. */
  energyMemory: EnergyMemory;
}

export type SettingKey = keyof CartSettings;

/** Runtime counters, totals since the cart was first started (seconds, or counts). */
export const RUNTIME_COUNTERS = ['uptimeS', 'amplifierS', 'audioS', 'relaySwitches', 'buttonPresses'] as const;
export type RuntimeCounterName = (typeof RUNTIME_COUNTERS)[number];
export type RuntimeCounters = Record<RuntimeCounterName, number>;
