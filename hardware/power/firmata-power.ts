/**
 * The real power board: an Arduino running StandardFirmata whose analog pins read the battery and solar panel
 * through dividers and current sensors, reached through johnny-five `Sensor`s on a shared {@link FirmataConnection}.
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import type { FirmataConnection } from './firmata-connection.js';
import type { J5Board, J5Sensor } from './johnny-five.js';
import {
  applyCalibration,
  PowerBoardError,
  type BatterySpec,
  type ChannelCalibration,
  type PowerBoard,
  type PowerBoardEvents,
  type PowerCalibration,
  type PowerReading,
} from './power.js';
import { estimateSoc } from './soc.js';

export interface FirmataPowerOptions {
  connection: FirmataConnection;
  calibration: PowerCalibration;
  battery: BatterySpec;
  /** The ADC reference, mV (default 5000: an Uno or Nano on USB power; measure it for accuracy). */
  vrefMv?: number;
  /** How long `read()` waits for the first sample of every channel after open (default 2000 ms). */
  firstSampleTimeoutMs?: number;
  /** How often johnny-five reports the median of the samples, ms (default 100). */
  sampleEveryMs?: number;
  now?: () => number;
  logger?: Logger;
}

type Quantity = keyof PowerCalibration;
const quantities: readonly Quantity[] = ['batteryVoltage', 'batteryCurrent', 'solarVoltage', 'solarCurrent'];

export class FirmataPowerBoard extends EventEmitter<PowerBoardEvents> implements PowerBoard {
  readonly #connection: FirmataConnection;
  readonly #calibration: PowerCalibration;
  readonly #battery: BatterySpec;
  readonly #vrefMv: number;
  readonly #firstSampleTimeoutMs: number;
  readonly #sampleEveryMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  #board: J5Board | undefined;
  /** One sensor per analog pin (two quantities may share a pin in a test rig). */
  #sensors = new Map<string, J5Sensor>();
  /** Latest median raw value per pin. */
  #latest = new Map<string, number>();
  #onLinkError = (error: PowerBoardError): void => {
    this.emit('error', error);
  };

  constructor(options: FirmataPowerOptions) {
    super();
    this.#connection = options.connection;
    this.#calibration = options.calibration;
    this.#battery = options.battery;
    this.#vrefMv = options.vrefMv ?? 5000;
    if (!(this.#vrefMv > 0)) throw new RangeError(`FirmataPowerBoard: vrefMv must be positive, got ${options.vrefMv}`);
    this.#firstSampleTimeoutMs = options.firstSampleTimeoutMs ?? 2000;
    this.#sampleEveryMs = options.sampleEveryMs ?? 100;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger;
    for (const q of quantities) {
      const channel = this.#calibration[q];
      if (!/^A[0-7]$/.test(channel.pin)) {
        throw new RangeError(`FirmataPowerBoard: calibration.${q}.pin must be "A0"…"A7", got ${JSON.stringify(channel.pin)}`);
      }
    }
  }

  #opening: Promise<void> | undefined;

  async open(): Promise<void> {
    if (this.#board) return;
    this.#opening ??= this.#open().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #open(): Promise<void> {
    const board = await this.#connection.acquire();
    this.#board = board;
    this.#connection.on('error', this.#onLinkError);
    const five = this.#connection.five;
    for (const q of quantities) {
      const pin = this.#calibration[q].pin;
      if (this.#sensors.has(pin)) continue;
      const sensor = new five.Sensor({ board, pin, freq: this.#sampleEveryMs });
      // Before its first sample a sensor reports a median of 0: only count reports once a real sample came.
      sensor.on('data', (value) => {
        if (sensor.value !== null) this.#latest.set(pin, value);
      });
      this.#sensors.set(pin, sensor);
    }
    this.#log.debug(() => `power board sensors on ${[...this.#sensors.keys()].join(', ')}`);
  }

  async read(): Promise<PowerReading> {
    if (!this.#board) throw new PowerBoardError('LOA_POWER_NOT_OPEN', 'The power board is not open: call open() first.');
    await this.#firstSamples();
    const adcMax = this.#board.io.RESOLUTION.ADC ?? 1023;
    const value = (q: Quantity): number => {
      const channel: ChannelCalibration = this.#calibration[q];
      const raw = this.#latest.get(channel.pin) ?? 0;
      return applyCalibration((raw / adcMax) * this.#vrefMv, channel);
    };
    const batteryMv = value('batteryVoltage');
    const batteryMa = value('batteryCurrent');
    const reading: PowerReading = {
      batteryMv: Math.round(batteryMv),
      batteryMa: Math.round(batteryMa),
      solarMv: Math.round(Math.max(0, value('solarVoltage'))),
      solarMa: Math.round(Math.max(0, value('solarCurrent'))),
      socPercent: estimateSoc({
        chemistry: this.#battery.chemistry,
        batteryMv,
        batteryMa,
        internalResistanceMilliohm: this.#battery.internalResistanceMilliohm,
      }),
      chemistry: this.#battery.chemistry,
      at: this.#now(),
    };
    this.emit('reading', reading);
    return reading;
  }

  async close(): Promise<void> {
    if (!this.#board) return;
    this.#board = undefined;
    for (const sensor of this.#sensors.values()) sensor.disable();
    this.#sensors.clear();
    this.#latest.clear();
    this.#connection.removeListener('error', this.#onLinkError);
    await this.#connection.release();
  }

  /** Waits (bounded) until every channel has reported at least once. */
  async #firstSamples(): Promise<void> {
    const deadline = Date.now() + this.#firstSampleTimeoutMs;
    while (this.#latest.size < this.#sensors.size) {
      if (Date.now() >= deadline) {
        const silent = [...this.#sensors.keys()].filter((pin) => !this.#latest.has(pin));
        throw new PowerBoardError(
          'LOA_POWER_NO_DATA',
          `The Arduino at ${this.#connection.path} sent no value for ${silent.join(', ')} within ${this.#firstSampleTimeoutMs} ms. ` +
            'Check that StandardFirmata (not another sketch) is running and that analog reporting works.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, this.#sampleEveryMs)));
    }
  }
}
