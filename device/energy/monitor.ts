/**
 * The cart's energy model: a state of charge it can trust, the battery's health, what it draws at each volume,
 * what the sun gives at each hour, and from these the minutes of broadcast left and the emergency reserve. It sees
 * only what a real cart measures (the power board's readings) and what the cart did (amplifier on, volume). Pure and
 * synchronous; the cart keeps {@link EnergyMonitor.memory} in its store so that a restart loses nothing.
 *
 * The reserve: ordinary and priority clips stop when the charge reaches the floor = the policy's cut-off plus
 * twice the estimate's uncertainty (1 to 5 points) plus the emergency reserve (e.g. 15 minutes at volume 70) plus
 * what the board itself will take before a pessimistic sun gives it back (a night's base load is several times the
 * reserve: without it an emergency at dawn would find nothing). The reserve and the night are turned into points
 * with a lower bound of the capacity (an aged battery not yet learned holds less than the nominal one); they resume
 * a few points above it. Emergency clips may use the reserve, down to the cut-off, which the policy's low-battery
 * block still enforces. `reserveMinutes` is what is left for emergencies once the night is paid: it falls when the
 * base load eats into the reserve.
 */
import type { BatterySpec, PowerReading } from '../../hardware/power/power.js';
import { localMsOfDay } from '../logic/local-time.js';
import { capacityLearned, capacityLowAh, MAX_GAP_MS, SocEstimator, type EstimatorState } from './estimator.js';
import { FORECAST_CAP_MINUTES, forecastSteps, minutesUntilFloor, needAt, newForecastSteps, nightNeed, type NightNeed } from './forecast.js';
import { HarvestProfile, type HarvestState } from './harvest.js';
import { LoadModel, type LoadState } from './load.js';

export { FORECAST_CAP_MINUTES } from './forecast.js';

export interface EnergyOptions {
  /** hardware/power/power.ts: chemistry, nominal capacityAh, internalResistanceMilliohm. */
  battery: BatterySpec;
  /** Usable-scale SoC where the policy's low-battery block stops everything. */
  cutoffPercent: number;
  /** The emergency reserve kept above the cut-off (default 15 min at 70 %). */
  reserve: { minutes: number; volumePercent: number };
  /** Prior of the load model until measured (default 3 W idle, 22 W at full volume). */
  amplifier?: { idleW: number; maxW: number };
}

export interface EnergyForecast {
  volumePercent: number;
  /** Ordinary broadcast minutes left at this volume before the reserve, with today's expected solar harvest; capped at 1440 (= "a day or more"); null until the first readings. */
  minutesLeft: number | null;
  /** The same from the battery alone (no sun: at night, under rain). */
  minutesLeftNoSun: number | null;
}

export interface EnergySnapshot {
  /** Ms of the last reading. */
  at: number;
  /** The estimate, usable scale 0–100. */
  socPercent: number | null;
  /** One per volume asked for. */
  forecasts: EnergyForecast[];
  /**
   * Emergency minutes at the reserve volume the battery holds above the cut-off now, once the board's own load until
   * the (pessimistic) sun is paid, on a lower bound of the capacity: `reserve.minutes` at the floor, fewer below it.
   */
  reserveMinutes: number | null;
  /** False = only emergency clips may play (the reserve is reached). */
  reserveKept: boolean;
  /** At the current sun; null when not charging. */
  minutesToFull: number | null;
  /** Null until learned. */
  health: { capacityAh: number; percent: number; samples: number } | null;
  /** The SoC where ordinary play stops (cut-off + reserve); null until the first readings. */
  reserveFloorPercent: number | null;
  /** Days of solar harvest learned; 0 = the forecast assumes no sun yet. */
  harvestDays: number;
}

export const ENERGY_MEMORY_VERSION = 1;

/** Everything learned, as plain JSON. */
export interface EnergyMemory {
  version: typeof ENERGY_MEMORY_VERSION;
  battery: { chemistry: BatterySpec['chemistry']; capacityAh: number };
  estimator: EstimatorState;
  harvest: HarvestState;
  load: LoadState;
  reserveReached: boolean;
  /** Battery current smoothed over a few minutes, mA (for the time to full). */
  chargeMa: number | null;
  /** Panel current smoothed over a few minutes, mA (the forecast's first hour), null while tapered or unknown. */
  solarMa: number | null;
}

export const DEFAULT_AMPLIFIER = { idleW: 3, maxW: 22 } as const;
/** The reserve the issue names: 15 minutes at volume 70 (for the cart's configuration default). */
export const DEFAULT_RESERVE = { minutes: 15, volumePercent: 70 } as const;
/** Ordinary play resumes this many points above the reserve floor (a reading's noise must not toggle it). */
export const RESUME_ABOVE_FLOOR = 3;
/** Above this estimated SoC the charger tapers: the harvest measured then is not what the panel could give. */
const TAPER_PERCENT = 90;
const CHARGE_SMOOTH_MS = 120_000;
/** Before any day of sun is learned, the floor keeps a night's base load (12 h) above the reserve. */
const UNKNOWN_SUN_HOURS = 12;
const CHARGING_MA = 50;
const HOUR_MS = 3_600_000;

export class EnergyMonitor {
  readonly #o: EnergyOptions;
  readonly #estimator: SocEstimator;
  readonly #harvest: HarvestProfile;
  readonly #load: LoadModel;
  #reserveReached: boolean;
  #chargeMa: number | null;
  #solarMa: number | null;
  readonly #rates = new Float64Array(48);
  readonly #lowRates = new Float64Array(48);
  readonly #withSun = newForecastSteps();
  readonly #noSun = newForecastSteps();
  /** What the base load will take before the pessimistic sun gives it back, from now's slot on. */
  readonly #need: NightNeed = { atSlot: new Float64Array(49), lowA: this.#lowRates, baseA: 0, efficiency: 1 };
  /** The hour (ms / 1 h) and the learned days the arrays above were computed for. */
  #ratesKey = '';

  constructor(options: EnergyOptions, memory?: EnergyMemory | null) {
    checkOptions(options);
    this.#o = options;
    const m = memory !== undefined && memory !== null && dropReason(options, memory) === null ? structuredClone(memory) : null;
    this.#estimator = new SocEstimator(options.battery, m?.estimator);
    this.#harvest = new HarvestProfile(m?.harvest);
    this.#load = new LoadModel(options.battery.chemistry, options.amplifier ?? DEFAULT_AMPLIFIER, m?.load);
    this.#reserveReached = m?.reserveReached ?? false;
    this.#chargeMa = m?.chargeMa ?? null;
    this.#solarMa = m?.solarMa ?? null;
  }

  /** A monitor from a stored memory, or a fresh one with the reason the memory was dropped (for the log). */
  static restore(options: EnergyOptions, memory: unknown): { monitor: EnergyMonitor; dropped: string | null } {
    const dropped = memory === null || memory === undefined ? null : dropReason(options, memory);
    return { monitor: new EnergyMonitor(options, dropped === null ? (memory as EnergyMemory | null | undefined) : null), dropped };
  }

  observe(reading: PowerReading, load: { amplifierOn: boolean; volumePercent: number }): void {
    const before = this.#estimator.s.last?.at ?? null;
    if (before !== null && reading.at <= before) return;
    const dt = before === null ? Infinity : reading.at - before;
    this.#estimator.observe(reading, load.amplifierOn);
    const soc = this.#estimator.s.soc;
    const tapered = soc !== null && soc >= TAPER_PERCENT && reading.solarMa > 0;
    this.#harvest.observe(reading.at, reading.solarMa, dt, tapered);
    this.#load.observe(reading.solarMa, reading.batteryMa, load.amplifierOn, load.volumePercent);
    const alpha = dt > MAX_GAP_MS || this.#chargeMa === null ? 1 : 1 - Math.exp(-dt / CHARGE_SMOOTH_MS);
    this.#chargeMa = this.#chargeMa === null ? reading.batteryMa : this.#chargeMa + alpha * (reading.batteryMa - this.#chargeMa);
    // Near full the charger holds the panel back: its current then says nothing of the sun.
    if (tapered) this.#solarMa = null;
    else this.#solarMa = this.#solarMa === null ? reading.solarMa : this.#solarMa + alpha * (reading.solarMa - this.#solarMa);
    this.#updateReserve(reading.at);
  }

  get socPercent(): number | null {
    return this.#estimator.s.soc;
  }

  /** A state of charge told from outside (SocEstimator.told): the reserve is judged again at once. */
  told(percent: number, at: number): void {
    this.#estimator.told(percent);
    this.#updateReserve(at);
  }

  /** Whether a clip of this priority may play now (hysteresis kept inside). Unknown charge: the policy warns, not this. */
  allows(priority: 'emergency' | 'priority' | 'ordinary'): boolean {
    const soc = this.socPercent;
    if (soc === null) return true;
    if (priority === 'emergency') return soc > this.#o.cutoffPercent;
    return !this.#reserveReached;
  }

  snapshot(now: number, volumes: readonly number[]): EnergySnapshot {
    const e = this.#estimator.s;
    const soc = e.soc;
    const base = { at: e.last?.at ?? now, socPercent: soc, reserveKept: !this.#reserveReached, health: this.#health(), harvestDays: this.#harvest.days };
    if (soc === null) {
      const forecasts = volumes.map((volumePercent) => ({ volumePercent, minutesLeft: null, minutesLeftNoSun: null }));
      return { ...base, forecasts, reserveMinutes: null, minutesToFull: null, reserveFloorPercent: null };
    }
    const cap = e.capacityAh;
    const low = this.#capacityLow();
    const charge = (soc / 100) * cap;
    const cutoffAh = (this.#o.cutoffPercent / 100) * cap;
    const reserveDrawMa = this.#load.drawMa(this.#o.reserve.volumePercent);
    const reserveAh = (this.#o.reserve.minutes / 60) * (reserveDrawMa / 1000);
    // The reserve and the night are Ah of the real battery: in points of the estimate they weigh cap / low.
    const floorAh = cutoffAh + (this.#margin() / 100) * cap + reserveAh * (cap / low);
    const rates = this.#ratesAt(now);
    const common = {
      chargeAh: charge,
      capacityAh: cap,
      floorAh,
      nightAh: { need: rates === null ? null : this.#need, baseA: this.#load.baseMa / 1000, unknownHours: UNKNOWN_SUN_HOURS, scale: cap / low },
      harvestNowA: this.#solarMa === null ? null : this.#solarMa / 1000,
      msIntoSlot: localMsOfDay(now) % HOUR_MS,
      efficiency: e.efficiency,
    };
    const noSunSteps = forecastSteps({ ...common, rates: null }, this.#noSun);
    const withSunSteps = rates === null ? noSunSteps : forecastSteps({ ...common, rates }, this.#withSun);
    const draws = this.#load.drawsMa(volumes, new Float64Array(volumes.length));
    const forecasts = volumes.map((volumePercent, i): EnergyForecast => {
      if (this.#reserveReached) return { volumePercent, minutesLeft: 0, minutesLeftNoSun: 0 };
      const input = { ...common, drawMa: draws[i]!, rates };
      const noSun = Math.round(minutesUntilFloor(input, noSunSteps));
      const withSun = rates === null ? noSun : Math.round(minutesUntilFloor(input, withSunSteps));
      return { volumePercent, minutesLeft: withSun, minutesLeftNoSun: noSun };
    });
    // What emergencies may still use once the night is paid, on the pessimistic capacity.
    const spareAh = ((soc - this.#o.cutoffPercent - this.#margin()) / 100) * low - this.#nightAh(now);
    const reserveMinutes = Math.min(FORECAST_CAP_MINUTES, Math.round((Math.max(0, spareAh) / (reserveDrawMa / 1000)) * 60));
    const floorPercent = this.#floorPercent(now);
    return { ...base, forecasts, reserveMinutes, minutesToFull: this.#minutesToFull(charge, cap), reserveFloorPercent: floorPercent };
  }

  /** Everything learned, as plain JSON (a copy). */
  memory(): EnergyMemory {
    return structuredClone({
      version: ENERGY_MEMORY_VERSION,
      battery: { chemistry: this.#o.battery.chemistry, capacityAh: this.#o.battery.capacityAh },
      estimator: this.#estimator.s,
      harvest: this.#harvest.s,
      load: this.#load.s,
      reserveReached: this.#reserveReached,
      chargeMa: this.#chargeMa,
      solarMa: this.#solarMa,
    });
  }

  /**
   * The expected harvest per hour slot from now's (cached for the hour, with the night's need on the pessimistic
   * harvest), or null before every daylight hour was measured once (HarvestProfile.covered).
   */
  #ratesAt(now: number): Float64Array | null {
    if (!this.#harvest.covered) return null;
    const key = `${Math.floor(now / HOUR_MS)}/${this.#harvest.days}/${this.#load.s.baseN}`;
    if (key !== this.#ratesKey) {
      this.#harvest.rates(now, this.#rates);
      this.#harvest.lowRates(now, this.#lowRates);
      nightNeed(this.#lowRates, this.#load.baseMa / 1000, this.#estimator.s.efficiency, this.#need);
      this.#ratesKey = key;
    }
    return this.#rates;
  }

  /** Ah the base load will take at `now` before the pessimistic sun gives it back. */
  #nightAh(now: number): number {
    const rates = this.#ratesAt(now);
    if (rates === null) return (this.#load.baseMa / 1000) * UNKNOWN_SUN_HOURS;
    return needAt(this.#need, (localMsOfDay(now) % HOUR_MS) / HOUR_MS);
  }

  /** A lower bound of the capacity (estimator.ts): what the reserve is judged on. */
  #capacityLow(): number {
    return capacityLowAh(this.#estimator.s, this.#o.battery.capacityAh);
  }

  /** The SoC where ordinary play stops at `now`: cut-off, estimate's margin, emergency reserve, the night's need. */
  #floorPercent(now: number): number {
    const reserveAh = (this.#o.reserve.minutes / 60) * (this.#load.drawMa(this.#o.reserve.volumePercent) / 1000);
    return this.#o.cutoffPercent + this.#margin() + ((reserveAh + this.#nightAh(now)) / this.#capacityLow()) * 100;
  }

  /**
   * Points kept for the estimate's own uncertainty (2σ, 1 to 5): the reserve must be there when the estimate is
   * wrong, but a cart that has only just met its battery must still play.
   */
  #margin(): number {
    return Math.min(5, Math.max(1, 2 * this.#estimator.s.sigma));
  }

  #updateReserve(now: number): void {
    const soc = this.socPercent;
    if (soc === null) return;
    const floor = this.#floorPercent(now);
    if (soc <= floor) this.#reserveReached = true;
    else if (soc >= floor + RESUME_ABOVE_FLOOR) this.#reserveReached = false;
  }

  #minutesToFull(charge: number, cap: number): number | null {
    const ma = this.#chargeMa;
    if (ma === null || ma < CHARGING_MA || charge >= cap) return null;
    const hours = (cap - charge) / ((ma / 1000) * this.#estimator.s.efficiency);
    return Math.min(FORECAST_CAP_MINUTES, Math.round(hours * 60));
  }

  #health(): EnergySnapshot['health'] {
    const e = this.#estimator.s;
    if (!capacityLearned(e)) return null;
    const percent = Math.round((e.capacityAh / this.#o.battery.capacityAh) * 100);
    return { capacityAh: Math.round(e.capacityAh * 10) / 10, percent, samples: e.capacitySamples };
  }
}

/** Why a stored memory cannot be used with these options, or null when it can. */
function dropReason(options: EnergyOptions, memory: unknown): string | null {
  const m = memory as Partial<EnergyMemory> | null;
  if (typeof m !== 'object' || m === null) return 'the stored energy memory is not an object';
  if (m.version !== ENERGY_MEMORY_VERSION) return `the stored energy memory has version ${String(m.version)}, this program reads ${ENERGY_MEMORY_VERSION}`;
  const b = m.battery;
  if (b?.chemistry !== options.battery.chemistry || b.capacityAh !== options.battery.capacityAh) {
    return `the battery changed (stored ${b?.chemistry ?? '?'} ${b?.capacityAh ?? '?'} Ah, configured ${options.battery.chemistry} ${options.battery.capacityAh} Ah): what was learned about the old one is dropped`;
  }
  if (typeof m.estimator !== 'object' || typeof m.harvest !== 'object' || typeof m.load !== 'object') return 'the stored energy memory is incomplete';
  return null;
}

function checkOptions(o: EnergyOptions): void {
  const b = o.battery;
  if (!(b.capacityAh > 0)) throw new RangeError(`EnergyMonitor: battery.capacityAh must be a positive number of Ah, got ${String(b.capacityAh)}`);
  if (!(o.cutoffPercent >= 0 && o.cutoffPercent < 100)) throw new RangeError(`EnergyMonitor: cutoffPercent must be 0..100, got ${String(o.cutoffPercent)}`);
  if (!(o.reserve.minutes >= 0 && o.reserve.minutes <= 1440)) throw new RangeError(`EnergyMonitor: reserve.minutes must be 0..1440, got ${String(o.reserve.minutes)}`);
  if (!(o.reserve.volumePercent >= 0 && o.reserve.volumePercent <= 100)) {
    throw new RangeError(`EnergyMonitor: reserve.volumePercent must be 0..100, got ${String(o.reserve.volumePercent)}`);
  }
}

/** Why an ordinary or priority clip does not play: only the emergency reserve is left. Vietnamese first. */
export function reserveReason(s: EnergySnapshot): { code: 'energy-reserve'; vi: string; en: string } {
  const m = s.reserveMinutes;
  return {
    code: 'energy-reserve',
    vi: `Pin chỉ còn phần dự phòng cho bản tin khẩn cấp${m === null ? '' : ` (khoảng ${m} phút)`}: hãy để xe sạc dưới nắng`,
    en: `Only the emergency reserve is left in the battery${m === null ? '' : ` (about ${m} min)`}: leave the cart to charge in the sun`,
  };
}
