/**
 * The amplifier relay on a GPIO output, through onoff; also any other on/off output (the status LED), named by
 * `name` in the log. The level that means "on" is configurable (relay boards are often active-low). The pin is made
 * an output already at the OFF level (`high`/`low` direction), and the process exit guard switches it off
 * synchronously if the process ends while the relay is open.
 */
import { EventEmitter } from 'node:events';
import { checkBcmPin, exportPin, loadOnoff, type BinaryValue, type GpioConstructor, type GpioPin } from '../gpio/gpio.js';
import { DEFAULT_SYSFS_GPIO, gpioBase } from '../gpio/sysfs.js';
import { silentLogger, type Logger } from '../logger.js';
import { exitGuardFor, type ExitGuard } from './exit-guard.js';
import { RelayNotOpenError, type Relay, type RelayEvents } from './relay.js';

export interface GpioRelayOptions {
  /** BCM number of the relay's control pin. */
  pin: number;
  /** True when the relay board switches on with a LOW level (common on opto-isolated boards). Default false. */
  activeLow?: boolean;
  /** onoff's `Gpio` class or one with the same interface; default: onoff, loaded on `open()`. */
  gpio?: GpioConstructor;
  /** Where sysfs GPIO lives, to read the chip base. Default /sys/class/gpio. */
  sysfsRoot?: string;
  /** The process exit guard; default the one of the real process. */
  exitGuard?: ExitGuard;
  /** What the output drives, for the log messages. Default 'amplifier'. */
  name?: string;
  logger?: Logger;
}

export class GpioRelay implements Relay {
  readonly events = new EventEmitter<RelayEvents>();
  readonly #opts: GpioRelayOptions;
  readonly #onLevel: BinaryValue;
  readonly #offLevel: BinaryValue;
  readonly #logger: Logger;
  readonly #name: string;
  #pin: GpioPin | undefined;
  #release: (() => void) | undefined;
  #state = false;

  constructor(options: GpioRelayOptions) {
    checkBcmPin('options.pin', options.pin);
    this.#opts = options;
    this.#onLevel = options.activeLow ? 0 : 1;
    this.#offLevel = options.activeLow ? 1 : 0;
    this.#logger = options.logger ?? silentLogger;
    this.#name = options.name ?? 'amplifier';
  }

  async open(): Promise<void> {
    if (this.#pin) return;
    const Gpio = this.#opts.gpio ?? (await loadOnoff());
    const base = await gpioBase(this.#opts.sysfsRoot ?? DEFAULT_SYSFS_GPIO, this.#logger);
    // Polarity is handled here, not with onoff's activeLow, so the initial direction level is the raw OFF level.
    const pin = exportPin(Gpio, this.#opts.pin, base, this.#offLevel === 1 ? 'high' : 'low', 'none', { activeLow: false });
    try {
      pin.writeSync(this.#offLevel); // in case the pin was already exported as an output and kept its level
    } catch (err) {
      pin.unexport(); // nothing holds the pin yet, so close() could not release it
      throw err;
    }
    this.#pin = pin;
    this.#state = false;
    this.#release = (this.#opts.exitGuard ?? exitGuardFor(process, this.#logger)).hold(() => pin.writeSync(this.#offLevel));
    this.#logger.info(() => `${this.#name} relay open on BCM ${this.#opts.pin} (sysfs ${base + this.#opts.pin}), switched off`);
  }

  on(): Promise<void> {
    return this.#set(true, 'on');
  }

  off(): Promise<void> {
    return this.#set(false, 'off');
  }

  async isOn(): Promise<boolean> {
    if (!this.#pin) throw new RelayNotOpenError('isOn');
    return (await this.#pin.read()) === this.#onLevel;
  }

  async close(): Promise<void> {
    const pin = this.#pin;
    if (!pin) return;
    try {
      pin.writeSync(this.#offLevel);
      if (this.#state) {
        this.#state = false;
        this.events.emit('changed', { on: false, at: Date.now() });
      }
    } finally {
      this.#release?.();
      this.#release = undefined;
      this.#pin = undefined;
      pin.unexport();
      this.#logger.info(`${this.#name} relay closed, switched off`);
    }
  }

  async #set(on: boolean, action: string): Promise<void> {
    if (!this.#pin) throw new RelayNotOpenError(action);
    await this.#pin.write(on ? this.#onLevel : this.#offLevel);
    if (this.#state !== on) {
      this.#state = on;
      // Debug, not info: an output switched often (the LED blinks several times a second) would flood the journal.
      this.#logger.debug(`${this.#name} ${action}`);
      this.events.emit('changed', { on, at: Date.now() });
    }
  }
}
