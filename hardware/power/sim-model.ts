/**
 * A solar cart's battery as a forecast has to face it, pure (no timers, no events): a panel under the seeded weather
 * of `sim-weather.ts`, a PWM charge controller, the amplifier's load and a battery whose truth differs from what the
 * technician configured and from what the power board measures.
 *
 * - The battery's true capacity and resistance may be those of an aged battery (less capacity, more resistance).
 * - Not every coulomb that goes in is stored (charge efficiency); lead-acid gives less at high current (Peukert).
 * - The terminal voltage is the rest voltage plus I·R plus a polarisation that lags the current with the chemistry's
 *   time constant, so the voltage just after the amplifier stops is not yet the rest voltage.
 * - The amplifier's draw follows its content: speech and music differ by ±15 %, changing every few minutes.
 * - `reading()` is what a 10-bit ADC behind a divider and an ACS712-class current sensor see: quantised and noisy
 *   voltages, currents with a per-unit gain error and noise. `truth` is the model's own state, for tests and scoring.
 *
 * Every random thing comes from the seed, in separate streams (weather, content, sensor), so reading more often
 * changes neither the sky nor the load. The usable scale is the one of `soc.ts` (lead-acid 0 % = 11.90 V at rest).
 */
import type { BatterySpec, PowerReading } from './power.js';
import { estimateSoc, ocvForPercent, ocvTables, type OcvPoint } from './soc.js';
import { irradianceAt, localDayOf, localHoursOf, SeededRandom, subSeed, sunTimes, Weather, type DayKind, type WeatherOption } from './sim-weather.js';

export interface SolarBatteryOptions {
  /** Simulated start, ms since the epoch. */
  startMs: number;
  /** Every random thing (weather, noise, content) comes from it; default 1. */
  seed?: number;
  /** Rated panel power, W (default 80). */
  panelWatts?: number;
  /** The NOMINAL battery (what the technician configures); default 40 Ah lead-acid, 20 mΩ. */
  battery?: BatterySpec;
  /** The TRUE capacity is nominal × this (default 1; an aged battery ≈ 0.7). */
  agedCapacityFraction?: number;
  /** The true internal resistance is nominal × this (default 1; aged ≈ 2). */
  agedResistanceFactor?: number;
  /** True usable state of charge at the start, % (default 80). */
  initialSocPercent?: number;
  /** Default `'dry'`. */
  weather?: WeatherOption;
  /** Day length that follows the season (default true); false keeps 06:00–17:30 all year. */
  seasonal?: boolean;
  baseLoadW?: number;
  amplifierIdleW?: number;
  amplifierMaxW?: number;
  /** Default true: readings are quantised and noisy like a real power board's. */
  measurementNoise?: boolean;
}

/** What the simulator is told about the load. */
export interface SimLoad {
  amplifierOn: boolean;
  /** 0–100. */
  volumePercent: number;
}

/** The model's own state: for tests and the bench's scoring only, never for what a cart would know. */
export interface SimTruth {
  at: number;
  socPercent: number;
  capacityAh: number;
  cloud: number;
  rain: boolean;
  irradianceWm2: number;
  solarW: number;
  loadW: number;
  batteryMa: number;
  restMv: number;
  terminalMv: number;
  dayKind: string;
}

const STEP_MS = 60_000;
const CONTROLLER_EFFICIENCY = 0.95;
const PANEL_DERATE = 0.85; // heat, dust, wiring
const PANEL_VOC_MV = 21_600; // a "12 V" 36-cell panel

interface Chemistry {
  /** Share of the charging coulombs that are stored (the rest goes to heat and, for lead-acid, gassing). */
  chargeEfficiency: number;
  /** Peukert exponent against the C/20 rate; 1 = no loss. */
  peukert: number;
  /** Polarisation voltage, mV, that a steady C/20 current builds up. */
  polarisationMvAtC20: number;
  /** How fast the polarisation follows the current. */
  relaxationMs: number;
}

const CHEMISTRIES: Readonly<Record<BatterySpec['chemistry'], Chemistry>> = {
  'lead-acid': { chargeEfficiency: 0.85, peukert: 1.15, polarisationMvAtC20: 80, relaxationMs: 40 * 60_000 },
  lifepo4: { chargeEfficiency: 0.97, peukert: 1, polarisationMvAtC20: 20, relaxationMs: 10 * 60_000 },
};

/** 10-bit ADC on a 5 V reference: 4.89 mV per step at the pin, ×4 behind the battery divider, ×5.7 behind the panel's. */
const ADC_STEP_MV = 5000 / 1023;
const BATTERY_STEP_MV = ADC_STEP_MV * 4;
const SOLAR_STEP_MV = ADC_STEP_MV * 5.7;
const VOLTAGE_NOISE_MV = 10;
const CURRENT_NOISE_MA = 40;
const GAIN_ERROR = 0.02;

/** The content's share of the amplifier's draw: ±15 % around 1, a new level every 2–6 minutes. */
const PROGRAMME_SPREAD = 0.15;

/** The low-voltage disconnect drops the loads at 0 % and gives them back at this charge (no chatter at the edge). */
const RECONNECT_PERCENT = 2;

export class SolarBatteryModel {
  readonly #options: SolarBatteryOptions;
  readonly #nominal: BatterySpec;
  readonly #chem: Chemistry;
  readonly #table: readonly OcvPoint[];
  readonly #capacityAh: number;
  readonly #c20A: number;
  readonly #rOhm: number;
  readonly #rpOhm: number;
  readonly #decayPerStep: number;
  readonly #panelWatts: number;
  readonly #seasonal: boolean;
  readonly #baseLoadW: number;
  readonly #ampIdleW: number;
  readonly #ampMaxW: number;
  readonly #noise: boolean;
  readonly #batteryGain: number;
  readonly #solarGain: number;

  #at: number;
  #soc: number;
  #vp = 0; // polarisation, V, positive while charging
  #disconnected = false;
  #amplifierOn = false;
  #volumePercent = 0;
  #weather: Weather;
  #programme: SeededRandom;
  #programmeFactor = 1;
  #programmeUntil: number; // minute index
  #sensor: SeededRandom;

  // The sun of the current local day, computed once a day.
  #sunDay = Number.NaN;
  #sunrise = 0;
  #sunset = 0;
  #noonFactor = 0;
  // Flows at the last evaluated instant (fields, not an object: the step loop allocates nothing).
  #irradiance = 0;
  #solarW = 0;
  #loadW = 0;
  #batteryA = 0;
  #terminalV = 0;

  constructor(o: SolarBatteryOptions) {
    this.#options = o;
    if (!Number.isFinite(o.startMs)) throw new RangeError(`SolarBatteryModel: startMs must be a time in ms, got ${o.startMs}`);
    const seed = o.seed ?? 1;
    this.#nominal = o.battery ?? { chemistry: 'lead-acid', capacityAh: 40, internalResistanceMilliohm: 20 };
    positive('battery.capacityAh', this.#nominal.capacityAh);
    const chem = CHEMISTRIES[this.#nominal.chemistry];
    if (chem === undefined) throw new RangeError(`SolarBatteryModel: battery.chemistry must be lead-acid or lifepo4, got ${String(this.#nominal.chemistry)}`);
    this.#chem = chem;
    this.#table = ocvTables[this.#nominal.chemistry];
    const resistanceFactor = positive('agedResistanceFactor', o.agedResistanceFactor ?? 1);
    this.#capacityAh = this.#nominal.capacityAh * positive('agedCapacityFraction', o.agedCapacityFraction ?? 1);
    this.#c20A = this.#capacityAh / 20;
    this.#rOhm = ((this.#nominal.internalResistanceMilliohm || 0) * resistanceFactor) / 1000;
    // Polarisation resistance: the chemistry's C/20 polarisation for the nominal battery, worse with age.
    this.#rpOhm = ((chem.polarisationMvAtC20 / 1000) * resistanceFactor) / (this.#nominal.capacityAh / 20);
    this.#decayPerStep = Math.exp(-STEP_MS / chem.relaxationMs);
    this.#panelWatts = positive('panelWatts', o.panelWatts ?? 80);
    this.#seasonal = o.seasonal ?? true;
    this.#baseLoadW = notNegative('baseLoadW', o.baseLoadW ?? 2);
    this.#ampIdleW = notNegative('amplifierIdleW', o.amplifierIdleW ?? 3);
    this.#ampMaxW = notNegative('amplifierMaxW', o.amplifierMaxW ?? 22);
    this.#noise = o.measurementNoise ?? true;
    this.#at = o.startMs;
    this.#soc = percent('initialSocPercent', o.initialSocPercent ?? 80);
    this.#weather = new Weather(o.weather ?? 'dry', seed, o.startMs);
    this.#programme = new SeededRandom(subSeed(seed, 2));
    this.#programmeUntil = Math.floor(o.startMs / STEP_MS);
    this.#sensor = new SeededRandom(subSeed(seed, 3));
    // This unit's current sensors: a fixed gain error each, within ±2 %.
    const units = new SeededRandom(subSeed(seed, 4));
    this.#batteryGain = 1 + (units.next() * 2 - 1) * GAIN_ERROR;
    this.#solarGain = 1 + (units.next() * 2 - 1) * GAIN_ERROR;
    this.#advanceProgramme();
  }

  /** Integrates up to `ms` in steps of at most one simulated minute (on the minute grid); earlier times: no-op. */
  advanceTo(ms: number): void {
    while (this.#at < ms) {
      const nextMinute = (Math.floor(this.#at / STEP_MS) + 1) * STEP_MS;
      this.#step(Math.min(ms, nextMinute) - this.#at);
    }
  }

  /** What the amplifier does from now on (advance first: the time before is integrated with the old load). */
  setLoad(load: SimLoad): void {
    this.#volumePercent = percent('volumePercent', load.volumePercent);
    this.#amplifierOn = load.amplifierOn;
  }

  /** Test control: the battery is put at this true charge, at rest (no polarisation left). */
  setSoc(socPercent: number): void {
    this.#soc = percent('socPercent', socPercent);
    this.#vp = 0;
    this.#disconnected = this.#soc <= 0;
  }

  /** Test control: fixes the cloud cover 0–1; `null` returns to the seeded weather. */
  setCloud(cloud: number | null): void {
    this.#weather.override(cloud);
  }

  /** What a real power board measures now. */
  reading(): PowerReading {
    this.#now();
    const trueMv = this.#terminalV * 1000;
    const trueMa = this.#batteryA * 1000;
    const trueSolarMv = this.#solarMvNow(trueMv);
    const trueSolarMa = this.#solarW > 0 ? (this.#solarW / trueSolarMv) * 1e6 : 0;
    // Always four draws, noise or not, so that the sensor stream stays aligned between runs.
    const n1 = this.#sensor.next() * 2 - 1;
    const n2 = this.#sensor.next() * 2 - 1;
    const n3 = this.#sensor.next() * 2 - 1;
    const n4 = this.#sensor.next() * 2 - 1;
    const noise = this.#noise;
    const batteryMv = noise ? adc(trueMv + n1 * VOLTAGE_NOISE_MV, BATTERY_STEP_MV) : Math.round(trueMv);
    const batteryMa = Math.round(noise ? trueMa * this.#batteryGain + n2 * CURRENT_NOISE_MA : trueMa);
    const solarMv = noise ? adc(trueSolarMv + n3 * VOLTAGE_NOISE_MV, SOLAR_STEP_MV) : Math.round(trueSolarMv);
    const solarMa = Math.max(0, Math.round(noise ? trueSolarMa * this.#solarGain + n4 * CURRENT_NOISE_MA : trueSolarMa));
    const socPercent = estimateSoc({
      chemistry: this.#nominal.chemistry,
      batteryMv,
      batteryMa,
      internalResistanceMilliohm: this.#nominal.internalResistanceMilliohm,
    });
    return { batteryMv, batteryMa, solarMv, solarMa, socPercent, chemistry: this.#nominal.chemistry, at: this.#at };
  }

  get truth(): SimTruth {
    this.#now();
    return {
      at: this.#at,
      socPercent: this.#soc,
      capacityAh: this.#capacityAh,
      cloud: this.#weather.cloud,
      rain: this.#weather.rain,
      irradianceWm2: this.#irradiance,
      solarW: this.#solarW,
      loadW: this.#loadW,
      batteryMa: this.#batteryA * 1000,
      restMv: ocvForPercent(this.#table, this.#soc),
      terminalMv: this.#terminalV * 1000,
      dayKind: this.#weather.dayKind,
    };
  }

  /** An independent copy, random generators included: the same future as this one until one of them is changed. */
  clone(): SolarBatteryModel {
    const copy = new SolarBatteryModel(this.#options);
    copy.#at = this.#at;
    copy.#soc = this.#soc;
    copy.#vp = this.#vp;
    copy.#disconnected = this.#disconnected;
    copy.#amplifierOn = this.#amplifierOn;
    copy.#volumePercent = this.#volumePercent;
    copy.#weather = this.#weather.clone();
    copy.#programme = this.#programme.clone();
    copy.#programmeFactor = this.#programmeFactor;
    copy.#programmeUntil = this.#programmeUntil;
    copy.#sensor = this.#sensor.clone();
    return copy;
  }

  /** The flows at the model's own time, with the sky and the content of that minute. */
  #now(): void {
    // Both depend only on the minutes crossed (their own random streams): moving them on early changes nothing.
    this.#weather.advanceTo(this.#at);
    this.#advanceProgramme();
    this.#flows(this.#at);
  }

  #step(dtMs: number): void {
    this.#weather.advanceTo(this.#at);
    this.#advanceProgramme();
    this.#flows(this.#at + dtMs / 2);
    const i = this.#batteryA;
    // In: only part of the charge is stored. Out: above the C/20 rate lead-acid yields less (Peukert).
    const stored = i > 0 ? i * this.#chem.chargeEfficiency : -i > this.#c20A ? i * Math.pow(-i / this.#c20A, this.#chem.peukert - 1) : i;
    const soc = this.#soc + (stored * (dtMs / 3_600_000) * 100) / this.#capacityAh;
    this.#soc = soc < 0 ? 0 : soc > 100 ? 100 : soc;
    // The polarisation relaxes toward I·Rp with the chemistry's time constant (exact for a constant current).
    const target = i * this.#rpOhm;
    const decay = dtMs === STEP_MS ? this.#decayPerStep : Math.exp(-dtMs / this.#chem.relaxationMs);
    this.#vp = target + (this.#vp - target) * decay;
    if (this.#soc <= 0) this.#disconnected = true;
    else if (this.#soc >= RECONNECT_PERCENT) this.#disconnected = false;
    this.#at += dtMs;
  }

  /** The content's factor: a new level every 2–6 minutes, drawn whether the amplifier plays or not. */
  #advanceProgramme(): void {
    const minute = Math.floor(this.#at / STEP_MS);
    while (minute >= this.#programmeUntil) {
      this.#programmeFactor = 1 + (this.#programme.next() * 2 - 1) * PROGRAMME_SPREAD;
      this.#programmeUntil += 2 + Math.floor(this.#programme.next() * 5);
    }
  }

  /** Power flows at `ms` for the present charge, polarisation, weather and load, into the flow fields. */
  #flows(ms: number): void {
    const day = localDayOf(ms);
    if (day !== this.#sunDay) {
      const sun = sunTimes(ms, this.#seasonal);
      this.#sunDay = day;
      this.#sunrise = sun.sunrise;
      this.#sunset = sun.sunset;
      this.#noonFactor = sun.noonFactor;
    }
    this.#irradiance = irradianceAt(localHoursOf(ms), this.#sunrise, this.#sunset, this.#noonFactor) * this.#weather.sunShare();
    const available = this.#panelWatts * (this.#irradiance / 1000) * PANEL_DERATE;
    const amplifierW = this.#amplifierOn ? this.#ampIdleW + this.#ampMaxW * (this.#volumePercent / 100) ** 2 * this.#programmeFactor : 0;
    this.#loadW = this.#disconnected ? 0 : this.#baseLoadW + amplifierW;
    // The controller tapers the charge as the battery fills (absorption), down to nothing at 100 %, but still
    // feeds the load from the panel.
    const taper = this.#soc >= 100 ? 0 : Math.min(1, (100 - this.#soc) / 10);
    this.#solarW = Math.min(available, this.#loadW / CONTROLLER_EFFICIENCY + available * taper);
    const netW = this.#solarW * CONTROLLER_EFFICIENCY - this.#loadW;
    // P = I·(E + I·R) solved for I (the stable root): a weaker battery needs more current for the same power.
    const e = ocvForPercent(this.#table, this.#soc) / 1000 + this.#vp;
    this.#batteryA = (2 * netW) / (e + Math.sqrt(Math.max(0, e * e + 4 * this.#rOhm * netW)));
    this.#terminalV = e + this.#batteryA * this.#rOhm;
  }

  #solarMvNow(batteryMv: number): number {
    if (this.#irradiance <= 0) return 0;
    // A PWM controller pulls the panel down to the battery while it charges; otherwise the panel sits open.
    return this.#solarW > 0 && this.#soc < 100 ? batteryMv + 300 : PANEL_VOC_MV * Math.min(1, 0.85 + this.#irradiance / 2000);
  }
}

/** A 10-bit conversion: the nearest ADC step, never below 0, in whole mV. */
function adc(mv: number, stepMv: number): number {
  return Math.max(0, Math.round(Math.round(mv / stepMv) * stepMv));
}

function positive(name: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`SolarBatteryModel: ${name} must be a positive number, got ${value}`);
  return value;
}
function notNegative(name: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`SolarBatteryModel: ${name} must be 0 or more, got ${value}`);
  return value;
}
function percent(name: string, value: number): number {
  if (!(value >= 0 && value <= 100)) throw new RangeError(`SolarBatteryModel: ${name} must be 0–100, got ${value}`);
  return value;
}

export type { DayKind, WeatherOption };
