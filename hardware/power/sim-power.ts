/**
 * A simulated power board: a solar day at Triệu Sơn, Thanh Hóa (19.9° N, 105.6° E, UTC+7), a panel, a PWM charge
 * controller and a battery whose charge follows the sun and the load. Time comes from the injected `now()` (ms,
 * simulated), so a demo can run a day in a minute; the model is integrated in steps of at most one simulated minute
 * between reads. Randomness (the cloud random walk) is seeded.
 *
 * Load model: the board draws `baseLoadW` (≈ 2 W) always; the amplifier, when on, draws `amplifierIdleW` plus
 * `amplifierMaxW × (volume / 100)²`, since the electrical power of a class-D amplifier follows the square of the
 * signal amplitude and the volume percent is taken as a linear amplitude.
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import { PowerBoardError, type BatterySpec, type PowerBoard, type PowerBoardEvents, type PowerReading } from './power.js';
import { estimateSoc, ocvForPercent, ocvTables } from './soc.js';

export interface SimPowerOptions {
  /** Simulated time, ms since the epoch. */
  now: () => number;
  /** Seed of the cloud random walk (default 1). */
  seed?: number;
  /** Rated panel power, W (default 80). */
  panelWatts?: number;
  /** Battery; `capacityAh` is the usable capacity, 0–100 % of the reported charge (default 40 Ah lead-acid, 20 mΩ). */
  battery?: BatterySpec;
  /** Starting state of charge, % (default 80). */
  initialSocPercent?: number;
  /** Fixed cloud cover 0 (clear) – 1 (overcast); omit for a seeded random walk. */
  cloudCover?: number;
  /** Day length that follows the season (default true); false keeps 06:00–17:30 all year. */
  seasonal?: boolean;
  baseLoadW?: number;
  amplifierIdleW?: number;
  amplifierMaxW?: number;
  logger?: Logger;
}

/** What the simulator is told about the load. */
export interface SimLoad {
  amplifierOn: boolean;
  /** 0–100. */
  volumePercent: number;
}

/** The model's own state, for tests and the demo's display. */
export interface SimPowerState {
  socPercent: number;
  cloud: number;
  irradianceWm2: number;
  solarW: number;
  loadW: number;
  batteryMv: number;
  batteryMa: number;
  load: SimLoad;
  at: number;
}

const LATITUDE = 19.9;
const LONGITUDE = 105.6;
const UTC_OFFSET_HOURS = 7;
const STEP_MS = 60_000;
const CONTROLLER_EFFICIENCY = 0.95;
const PANEL_DERATE = 0.85; // heat, dust, wiring
const PANEL_VOC_MV = 21_600; // a "12 V" 36-cell panel

/** mulberry32: a small seeded generator, enough for clouds. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Sunrise and sunset in local hours for the day of `ms`, and the noon sun height factor. */
export function sunTimes(ms: number, seasonal = true): { sunrise: number; sunset: number; noonFactor: number } {
  if (!seasonal) return { sunrise: 6, sunset: 17.5, noonFactor: 0.95 };
  const local = new Date(ms + UTC_OFFSET_HOURS * 3_600_000);
  const start = Date.UTC(local.getUTCFullYear(), 0, 0);
  const dayOfYear = Math.floor((local.getTime() - start) / 86_400_000);
  const rad = Math.PI / 180;
  const declination = 23.44 * Math.sin(((2 * Math.PI) / 365) * (284 + dayOfYear));
  const cosHour = -Math.tan(LATITUDE * rad) * Math.tan(declination * rad);
  const halfDayHours = Math.acos(Math.max(-1, Math.min(1, cosHour))) / rad / 15;
  // The zone's meridian is 105° E: solar noon comes (105.6 − 105) × 4 min earlier than 12:00.
  const solarNoon = 12 - ((LONGITUDE - UTC_OFFSET_HOURS * 15) * 4) / 60;
  return {
    sunrise: solarNoon - halfDayHours,
    sunset: solarNoon + halfDayHours,
    noonFactor: Math.cos((LATITUDE - declination) * rad),
  };
}

/** Clear-sky irradiance on the panel, W/m², a bell between sunrise and sunset peaking near 1000 × noonFactor. */
export function clearSkyIrradiance(ms: number, seasonal = true): number {
  const { sunrise, sunset, noonFactor } = sunTimes(ms, seasonal);
  const localHours = (((ms / 3_600_000 + UTC_OFFSET_HOURS) % 24) + 24) % 24;
  if (localHours <= sunrise || localHours >= sunset) return 0;
  const x = (localHours - sunrise) / (sunset - sunrise);
  return 1000 * noonFactor * Math.pow(Math.sin(Math.PI * x), 1.5);
}

export class SimPowerBoard extends EventEmitter<PowerBoardEvents> implements PowerBoard {
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #panelWatts: number;
  readonly #battery: BatterySpec;
  readonly #seasonal: boolean;
  readonly #baseLoadW: number;
  readonly #ampIdleW: number;
  readonly #ampMaxW: number;
  readonly #log: Logger;
  #fixedCloud: number | undefined;
  #cloud: number;
  #soc: number;
  #load: SimLoad = { amplifierOn: false, volumePercent: 0 };
  #at: number;
  #open = false;

  constructor(options: SimPowerOptions) {
    super();
    this.#now = options.now;
    this.#random = seededRandom(options.seed ?? 1);
    this.#panelWatts = positive('panelWatts', options.panelWatts ?? 80);
    this.#battery = options.battery ?? { chemistry: 'lead-acid', capacityAh: 40, internalResistanceMilliohm: 20 };
    positive('battery.capacityAh', this.#battery.capacityAh);
    this.#seasonal = options.seasonal ?? true;
    this.#baseLoadW = options.baseLoadW ?? 2;
    this.#ampIdleW = options.amplifierIdleW ?? 3;
    this.#ampMaxW = options.amplifierMaxW ?? 22;
    this.#log = options.logger ?? silentLogger;
    this.#soc = percent('initialSocPercent', options.initialSocPercent ?? 80);
    this.#fixedCloud = options.cloudCover === undefined ? undefined : fraction('cloudCover', options.cloudCover);
    this.#cloud = this.#fixedCloud ?? 0.3;
    this.#at = this.#now();
  }

  async open(): Promise<void> {
    this.#at = this.#now();
    this.#open = true;
    this.#log.debug('simulated power board open', { soc: this.#soc });
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  async read(): Promise<PowerReading> {
    if (!this.#open) throw new PowerBoardError('LOA_POWER_NOT_OPEN', 'The power board is not open: call open() first.');
    const s = this.state;
    const reading: PowerReading = {
      batteryMv: Math.round(s.batteryMv),
      batteryMa: Math.round(s.batteryMa),
      solarMv: Math.round(this.#solarMv(s)),
      solarMa: s.solarW > 0 ? Math.round((s.solarW / this.#solarMv(s)) * 1e6) : 0,
      socPercent: estimateSoc({
        chemistry: this.#battery.chemistry,
        batteryMv: s.batteryMv,
        batteryMa: s.batteryMa,
        internalResistanceMilliohm: this.#battery.internalResistanceMilliohm,
      }),
      chemistry: this.#battery.chemistry,
      at: s.at,
    };
    this.emit('reading', reading);
    return reading;
  }

  /** Tells the simulator what the amplifier does from now on (time up to now is integrated with the old load). */
  setLoad(load: SimLoad): void {
    this.#advance();
    this.#load = { amplifierOn: load.amplifierOn, volumePercent: percent('volumePercent', load.volumePercent) };
  }

  /** Test control: sets the model's state of charge. */
  setSoc(socPercent: number): void {
    this.#advance();
    this.#soc = percent('socPercent', socPercent);
  }

  /** Test control: fixes the cloud cover (0–1); `undefined` returns to the seeded random walk. */
  setCloud(cloud: number | undefined): void {
    this.#advance();
    this.#fixedCloud = cloud === undefined ? undefined : fraction('cloud', cloud);
    if (this.#fixedCloud !== undefined) this.#cloud = this.#fixedCloud;
  }

  /** The model's state at `now()` (integrates up to it first). */
  get state(): SimPowerState {
    this.#advance();
    const flows = this.#flows(this.#at);
    return {
      socPercent: this.#soc,
      cloud: this.#cloud,
      ...flows,
      batteryMv: this.#ocv() + (flows.batteryMa * this.#battery.internalResistanceMilliohm) / 1000,
      load: { ...this.#load },
      at: this.#at,
    };
  }

  #loadW(): number {
    const amp = this.#load.amplifierOn ? this.#ampIdleW + this.#ampMaxW * (this.#load.volumePercent / 100) ** 2 : 0;
    return this.#baseLoadW + amp;
  }

  #solarMv(s: SimPowerState): number {
    if (s.irradianceWm2 <= 0) return 0;
    // A PWM controller pulls the panel down to the battery while it charges; otherwise the panel sits open.
    return s.solarW > 0 && s.socPercent < 100 ? s.batteryMv + 300 : PANEL_VOC_MV * Math.min(1, 0.85 + s.irradianceWm2 / 2000);
  }

  #advance(): void {
    const target = this.#now();
    while (this.#at < target) {
      const dt = Math.min(STEP_MS, target - this.#at);
      this.#step(this.#at + dt / 2, dt);
      this.#at += dt;
    }
  }

  #ocv(): number {
    return ocvForPercent(ocvTables[this.#battery.chemistry], this.#soc);
  }

  /** Power flows at `ms` for the present charge, cloud and load. */
  #flows(ms: number): { irradianceWm2: number; solarW: number; loadW: number; batteryMa: number } {
    const irradianceWm2 = clearSkyIrradiance(ms, this.#seasonal) * (1 - 0.75 * this.#cloud);
    const available = this.#panelWatts * (irradianceWm2 / 1000) * PANEL_DERATE;
    const loadW = this.#soc <= 0 ? 0 : this.#loadW(); // the low-voltage disconnect drops the load when empty
    // The controller tapers the charge as the battery fills (absorption), down to nothing at 100 %, but still
    // feeds the load from the panel.
    const taper = this.#soc >= 100 ? 0 : Math.min(1, (100 - this.#soc) / 10);
    const solarW = Math.min(available, loadW / CONTROLLER_EFFICIENCY + available * taper);
    const netW = solarW * CONTROLLER_EFFICIENCY - loadW;
    return { irradianceWm2, solarW, loadW, batteryMa: (netW / (this.#ocv() / 1000)) * 1000 };
  }

  #step(midMs: number, dtMs: number): void {
    if (this.#fixedCloud === undefined) {
      // A random walk of the cloud cover, about ±0.1 per simulated 10 minutes, kept inside 0–1.
      const step = (this.#random() - 0.5) * 0.2 * Math.sqrt(dtMs / 600_000);
      this.#cloud = Math.min(1, Math.max(0, this.#cloud + step));
    }
    const { batteryMa } = this.#flows(midMs);
    const hours = dtMs / 3_600_000;
    this.#soc = Math.min(100, Math.max(0, this.#soc + ((batteryMa / 1000) * hours * 100) / this.#battery.capacityAh));
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`SimPowerBoard: ${name} must be a positive number, got ${value}`);
  return value;
}
function percent(name: string, value: number): number {
  if (!(value >= 0 && value <= 100)) throw new RangeError(`SimPowerBoard: ${name} must be 0–100, got ${value}`);
  return value;
}
function fraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`SimPowerBoard: ${name} must be 0–1, got ${value}`);
  return value;
}
