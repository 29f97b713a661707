/**
 * A simulated power board: a thin {@link PowerBoard} around a {@link SolarBatteryModel} (`sim-model.ts`), the solar
 * cart's panel, charge controller, battery and weather at Triệu Sơn, Thanh Hóa. Time comes from the injected `now()`
 * (ms, simulated), so a demo can run a day in a minute; the model is integrated up to `now()` before each read.
 * Readings are what a real board would measure (quantised, noisy); `state` is the model's truth, for tests and the
 * demo's display.
 *
 * Load model: the board draws `baseLoadW` (≈ 2 W) always; the amplifier, when on, draws `amplifierIdleW` plus
 * `amplifierMaxW × (volume / 100)²` (times ±15 % for the content), since the electrical power of a class-D amplifier
 * follows the square of the signal amplitude and the volume percent is taken as a linear amplitude.
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import { PowerBoardError, type PowerBoard, type PowerBoardEvents, type PowerReading } from './power.js';
import { SolarBatteryModel, type SimLoad, type SolarBatteryOptions } from './sim-model.js';

export { clearSkyIrradiance, sunTimes } from './sim-weather.js';
export type { SimLoad } from './sim-model.js';

/** The model's options (sim-model.ts says what each means), with the board's clock and a fixed cloud cover. */
export interface SimPowerOptions extends Omit<SolarBatteryOptions, 'startMs'> {
  /** Simulated time, ms since the epoch. */
  now: () => number;
  /** Fixed cloud cover 0 (clear) – 1 (overcast); when given, it wins over `weather`. */
  cloudCover?: number;
  logger?: Logger;
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

export class SimPowerBoard extends EventEmitter<PowerBoardEvents> implements PowerBoard {
  readonly #now: () => number;
  readonly #model: SolarBatteryModel;
  readonly #log: Logger;
  #load: SimLoad = { amplifierOn: false, volumePercent: 0 };
  #open = false;

  constructor(options: SimPowerOptions) {
    super();
    this.#now = options.now;
    this.#log = options.logger ?? silentLogger;
    const o = options;
    this.#model = new SolarBatteryModel({
      startMs: o.now(),
      seed: o.seed,
      panelWatts: o.panelWatts,
      battery: o.battery,
      agedCapacityFraction: o.agedCapacityFraction,
      agedResistanceFactor: o.agedResistanceFactor,
      initialSocPercent: o.initialSocPercent,
      weather: o.cloudCover === undefined ? (o.weather ?? 'dry') : { cloudCover: fraction('cloudCover', o.cloudCover) },
      seasonal: o.seasonal,
      baseLoadW: o.baseLoadW,
      amplifierIdleW: o.amplifierIdleW,
      amplifierMaxW: o.amplifierMaxW,
      measurementNoise: o.measurementNoise,
    });
  }

  async open(): Promise<void> {
    this.#model.advanceTo(this.#now());
    this.#open = true;
    this.#log.debug('simulated power board open', { soc: this.#model.truth.socPercent });
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  async read(): Promise<PowerReading> {
    if (!this.#open) throw new PowerBoardError('LOA_POWER_NOT_OPEN', 'The power board is not open: call open() first.');
    this.#model.advanceTo(this.#now());
    const reading = this.#model.reading();
    this.emit('reading', reading);
    return reading;
  }

  /** Tells the simulator what the amplifier does from now on (time up to now is integrated with the old load). */
  setLoad(load: SimLoad): void {
    this.#model.advanceTo(this.#now());
    this.#model.setLoad(load);
    this.#load = { amplifierOn: load.amplifierOn, volumePercent: load.volumePercent };
  }

  /** Test control: sets the model's true state of charge (the battery at rest). */
  setSoc(socPercent: number): void {
    this.#model.advanceTo(this.#now());
    this.#model.setSoc(socPercent);
    this.onSocSet?.(socPercent, this.#now());
  }

  /**
   * Told of every `setSoc`: a battery does not jump, so a cart's energy monitor would not follow; the cart's
   * simulation-only feature passes the jump on as a technician would say it (a battery charged or swapped).
   */
  onSocSet: ((socPercent: number, at: number) => void) | null = null;

  /** Test control: fixes the cloud cover (0–1); `undefined` returns to the seeded weather. */
  setCloud(cloud: number | undefined): void {
    this.#model.advanceTo(this.#now());
    this.#model.setCloud(cloud === undefined ? null : fraction('cloud', cloud));
  }

  /** The model's true state at `now()` (integrates up to it first). */
  get state(): SimPowerState {
    this.#model.advanceTo(this.#now());
    const t = this.#model.truth;
    return {
      socPercent: t.socPercent,
      cloud: t.cloud,
      irradianceWm2: t.irradianceWm2,
      solarW: t.solarW,
      loadW: t.loadW,
      batteryMv: t.terminalMv,
      batteryMa: t.batteryMa,
      load: { ...this.#load },
      at: t.at,
    };
  }
}

function fraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`SimPowerBoard: ${name} must be 0–1, got ${value}`);
  return value;
}
