/**
 * Buttons on GPIO inputs, through onoff, watched on both edges. Buttons usually connect the pin to ground with the
 * pin pulled up, so "pressed" reads LOW (`activeLow`, the default). Sysfs cannot set pull-ups: set them in the Pi's
 * /boot/firmware/config.txt (`gpio=17,27,22,23=ip,pu`) or fit resistors. onoff's own debounce is not used: the
 * shared `PressDetector` debounces, the same way as the simulator.
 */
import { checkBcmPin, exportPin, loadOnoff, type BinaryValue, type GpioPin, type GpioConstructor } from '../gpio/gpio.js';
import { DEFAULT_SYSFS_GPIO, gpioBase } from '../gpio/sysfs.js';
import { silentLogger, type Logger } from '../logger.js';
import { BaseButtons } from './base-buttons.js';
import type { ButtonTiming } from './buttons.js';

export interface GpioButtonsOptions extends ButtonTiming {
  /** Button name → BCM pin number. */
  pins: { readonly [name: string]: number };
  /** Pressed reads LOW (pull-up wiring). Default true. */
  activeLow?: boolean;
  /** onoff's `Gpio` class or one with the same interface; default: onoff, loaded on `open()`. */
  gpio?: GpioConstructor;
  /** Where sysfs GPIO lives, to read the chip base. Default /sys/class/gpio. */
  sysfsRoot?: string;
  now?: () => number;
  logger?: Logger;
}

export class GpioButtons extends BaseButtons {
  readonly #opts: GpioButtonsOptions;
  readonly #logger: Logger;
  readonly #pressedLevel: BinaryValue;
  #pins: { pin: GpioPin; listener: (err: Error | null | undefined, value: BinaryValue) => void }[] = [];

  constructor(options: GpioButtonsOptions) {
    super(Object.keys(options.pins), options, options.now);
    const seen = new Map<number, string>();
    for (const [name, pin] of Object.entries(options.pins)) {
      checkBcmPin(`options.pins.${name}`, pin);
      const other = seen.get(pin);
      if (other !== undefined) throw new RangeError(`options.pins.${name} uses BCM ${pin}, already used by "${other}"`);
      seen.set(pin, name);
    }
    this.#opts = options;
    this.#logger = options.logger ?? silentLogger;
    this.#pressedLevel = options.activeLow === false ? 1 : 0;
  }

  async open(): Promise<void> {
    if (this.#pins.length > 0) return;
    const Gpio = this.#opts.gpio ?? (await loadOnoff());
    const base = await gpioBase(this.#opts.sysfsRoot ?? DEFAULT_SYSFS_GPIO, this.#logger);
    try {
      for (const [name, bcm] of Object.entries(this.#opts.pins)) {
        const pin = exportPin(Gpio, bcm, base, 'in', 'both', { activeLow: false });
        const detector = this.detector(name);
        const listener = (err: Error | null | undefined, value: BinaryValue): void => {
          if (err) {
            this.#logger.warn(() => `button ${name} (BCM ${bcm}): read failed: ${err.message}`);
            return;
          }
          detector.input(value === this.#pressedLevel);
        };
        try {
          detector.reset(pin.readSync() === this.#pressedLevel);
          pin.watch(listener);
        } catch (err) {
          // Not yet in #pins, so close() below would leave it exported.
          pin.unexport();
          throw err;
        }
        this.#pins.push({ pin, listener });
        this.#logger.debug(() => `button ${name} on BCM ${bcm} (sysfs ${base + bcm})`);
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.disposeAll();
    const pins = this.#pins;
    this.#pins = [];
    for (const { pin, listener } of pins) {
      pin.unwatch(listener);
      pin.unexport();
    }
  }
}
