// Synthetic power-board readings for the energy model's tests: what a cart would measure, made by hand.
import type { EnergyMonitor } from '../../../device/energy/monitor.js';
import type { BatterySpec, PowerReading } from '../../../hardware/power/power.js';
import { ocvForPercent, ocvTables } from '../../../hardware/power/soc.js';

/** 2026-03-10 00:00 local time (UTC+7): a fixed date, so nothing depends on when the tests run. */
export const T0 = Date.UTC(2026, 2, 9, 17, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;

export const leadAcid: BatterySpec = { chemistry: 'lead-acid', capacityAh: 40, internalResistanceMilliohm: 20 };
export const lifepo4: BatterySpec = { chemistry: 'lifepo4', capacityAh: 40, internalResistanceMilliohm: 20 };

/** The terminal voltage of `battery` at a true usable `percent` with `ma` flowing (I·R only). */
export function terminalMv(battery: BatterySpec, percent: number, ma: number): number {
  return ocvForPercent(ocvTables[battery.chemistry], percent) + (ma * battery.internalResistanceMilliohm) / 1000;
}

export function reading(battery: BatterySpec, at: number, batteryMv: number, batteryMa: number, solarMa = 0): PowerReading {
  return { batteryMv, batteryMa, solarMv: solarMa > 0 ? batteryMv + 300 : 0, solarMa, socPercent: 0, chemistry: battery.chemistry, at };
}

export interface Step {
  mv: number;
  ma: number;
  solarMa?: number;
  amplifierOn?: boolean;
  volumePercent?: number;
}

/** Readings every `stepMs` from `from` (included) to `to` (excluded); returns `to`. */
export function feed(monitor: EnergyMonitor, battery: BatterySpec, from: number, to: number, step: (at: number) => Step, stepMs = 5_000): number {
  for (let at = from; at < to; at += stepMs) {
    const s = step(at);
    monitor.observe(reading(battery, at, s.mv, s.ma, s.solarMa ?? 0), { amplifierOn: s.amplifierOn ?? false, volumePercent: s.volumePercent ?? 0 });
  }
  return to;
}

/** Charging, tapered, at the top of the table for 15 minutes: the full anchor. Returns the end time. */
export function fullCharge(monitor: EnergyMonitor, battery: BatterySpec, from: number): number {
  return feed(monitor, battery, from, from + 15 * MIN, () => ({ mv: terminalMv(battery, 100, 400), ma: 400, solarMa: 700 }));
}
