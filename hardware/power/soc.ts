/**
 * State-of-charge estimation from the battery voltage, pure. Voltage is a coarse gauge: it is read at rest
 * (open-circuit voltage, OCV) in the tables below, so the terminal voltage is first corrected for the current that
 * flows through the battery's internal resistance: while discharging the terminal sags below the OCV, while charging
 * it rises above it (`ocv = terminal − current × resistance`, current positive when charging). Between table points
 * the estimate is interpolated linearly; outside the table it is clamped to 0 or 100 %.
 */
import type { BatteryChemistry } from './power.js';

/** One point of an OCV table: battery millivolts at rest → percent. Tables are sorted by rising voltage. */
export interface OcvPoint {
  mv: number;
  percent: number;
}

/**
 * 12 V flooded / AGM deep-cycle lead-acid, as *usable* charge. Source: the resting-voltage chart that Trojan Battery
 * publishes for its deep-cycle batteries (about 27 °C; 12.73 V = 100 %, 12.62 = 90, 12.50 = 80, 12.37 = 70,
 * 12.24 = 60, 12.10 = 50, 11.96 = 40, 11.81 = 30 %). A deep-cycle battery should not go below about 11.9 V at
 * rest (≈ 36 % real charge, deeper discharge shortens its life), so 11.90 V is shown as 0 % usable and each real
 * percentage r is shown as (r − 36) / 64 × 100. Temperature is not corrected (about −10 mV per 5 °C colder).
 */
export const leadAcidOcvTable: readonly OcvPoint[] = [
  { mv: 11_900, percent: 0 },
  { mv: 11_960, percent: 6.3 },
  { mv: 12_100, percent: 21.9 },
  { mv: 12_240, percent: 37.5 },
  { mv: 12_370, percent: 53.1 },
  { mv: 12_500, percent: 68.8 },
  { mv: 12_620, percent: 84.4 },
  { mv: 12_730, percent: 100 },
];

/**
 * 12.8 V LiFePO4 (4 cells in series). Source: the widely reproduced LiFePO4 resting-voltage chart (per cell 2.50 V =
 * 0 %, 3.00 = 9, 3.125 = 14, 3.20 = 17, 3.225 = 20, 3.25 = 30, 3.275 = 40, 3.30 = 70, 3.325 = 90, 3.35 = 99,
 * 3.40 = 100 %) times four. LOW ACCURACY between about 20 and 90 %: that whole range spans 0.4 V of battery voltage
 * (≈ 13 mV per percent near 50 %, and only 3 mV per percent between 40 and 70 %), less than the error of a 10-bit ADC
 * behind a divider, so there the estimate says "somewhere in the middle" and only the knees at either end are sharp.
 */
export const lifepo4OcvTable: readonly OcvPoint[] = [
  { mv: 10_000, percent: 0 },
  { mv: 12_000, percent: 9 },
  { mv: 12_500, percent: 14 },
  { mv: 12_800, percent: 17 },
  { mv: 12_900, percent: 20 },
  { mv: 13_000, percent: 30 },
  { mv: 13_100, percent: 40 },
  { mv: 13_200, percent: 70 },
  { mv: 13_300, percent: 90 },
  { mv: 13_400, percent: 99 },
  { mv: 13_600, percent: 100 },
];

export const ocvTables: Readonly<Record<BatteryChemistry, readonly OcvPoint[]>> = {
  'lead-acid': leadAcidOcvTable,
  lifepo4: lifepo4OcvTable,
};

/** Percent for a resting voltage, by linear interpolation in `table`, clamped to the table's ends. */
export function interpolateOcv(table: readonly OcvPoint[], mv: number): number {
  const first = table[0];
  const last = table[table.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('interpolateOcv: table is empty');
  if (Number.isNaN(mv)) throw new RangeError(`interpolateOcv: mv must be a number, got ${mv}`);
  if (mv <= first.mv) return first.percent;
  if (mv >= last.mv) return last.percent;
  for (let i = 1; i < table.length; i++) {
    const hi = table[i]!;
    if (mv <= hi.mv) {
      const lo = table[i - 1]!;
      return lo.percent + ((mv - lo.mv) / (hi.mv - lo.mv)) * (hi.percent - lo.percent);
    }
  }
  return last.percent;
}

/** Resting voltage for a percent: the inverse of {@link interpolateOcv} (used by the simulator). */
export function ocvForPercent(table: readonly OcvPoint[], percent: number): number {
  const first = table[0];
  const last = table[table.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('ocvForPercent: table is empty');
  if (percent <= first.percent) return first.mv;
  if (percent >= last.percent) return last.mv;
  for (let i = 1; i < table.length; i++) {
    const hi = table[i]!;
    if (percent <= hi.percent) {
      const lo = table[i - 1]!;
      return lo.mv + ((percent - lo.percent) / (hi.percent - lo.percent)) * (hi.mv - lo.mv);
    }
  }
  return last.mv;
}

export interface SocInput {
  chemistry: BatteryChemistry;
  /** Battery terminal voltage, mV. */
  batteryMv: number;
  /** Battery current, mA, positive while charging. Omit (0) for a battery at rest. */
  batteryMa?: number;
  /** Internal resistance, milliohms (a 12 V 7–100 Ah battery: roughly 5–40 mΩ; give the pack's wiring too). */
  internalResistanceMilliohm?: number;
}

/** The terminal voltage corrected to a resting voltage: `ocv = terminal − I × R` (mA × mΩ / 1000 = mV). */
export function restingMv(batteryMv: number, batteryMa: number, internalResistanceMilliohm: number): number {
  return batteryMv - (batteryMa * internalResistanceMilliohm) / 1000;
}

/** Estimated state of charge, 0–100 %, rounded to 0.1. */
export function estimateSoc(input: SocInput): number {
  const { chemistry, batteryMv, batteryMa = 0, internalResistanceMilliohm = 0 } = input;
  if (!Number.isFinite(batteryMv)) throw new RangeError(`estimateSoc: batteryMv must be a finite number, got ${batteryMv}`);
  if (!Number.isFinite(batteryMa)) throw new RangeError(`estimateSoc: batteryMa must be a finite number, got ${batteryMa}`);
  if (!(internalResistanceMilliohm >= 0)) {
    throw new RangeError(`estimateSoc: internalResistanceMilliohm must be 0 or more, got ${internalResistanceMilliohm}`);
  }
  const table = ocvTables[chemistry];
  if (table === undefined) throw new RangeError(`estimateSoc: unknown chemistry ${JSON.stringify(chemistry)}`);
  const percent = interpolateOcv(table, restingMv(batteryMv, batteryMa, internalResistanceMilliohm));
  return Math.round(percent * 10) / 10;
}
