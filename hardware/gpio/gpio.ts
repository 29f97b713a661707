/**
 * The small part of onoff's `Gpio` class that Loa's drivers use. onoff's own class satisfies it structurally, so the
 * real drivers take `Gpio` from onoff and tests hand in a fake that implements the same interface: the compiler keeps
 * both in step. Pin numbers given to the constructor are *sysfs* numbers (BCM number plus the chip base, see
 * `sysfs.ts`); everywhere else Loa speaks BCM numbers.
 */
export type BinaryValue = 0 | 1;
/** `high` and `low` make an output and set its initial (raw) level in the same step, with no glitch. */
export type GpioDirection = 'in' | 'out' | 'high' | 'low';
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';
export type GpioValueCallback = (err: Error | null | undefined, value: BinaryValue) => void;

export interface GpioOptions {
  debounceTimeout?: number;
  activeLow?: boolean;
  reconfigureDirection?: boolean;
}

/** One exported GPIO line, as onoff's `Gpio` instance. */
export interface GpioPin {
  read(): Promise<BinaryValue>;
  readSync(): BinaryValue;
  write(value: BinaryValue): Promise<void>;
  /** Used on exit paths, where nothing asynchronous runs any more. */
  writeSync(value: BinaryValue): void;
  watch(callback: GpioValueCallback): void;
  unwatch(callback?: GpioValueCallback): void;
  unexport(): void;
}

/** onoff's `Gpio` class: construct a pin; `accessible` is false where this machine has no usable sysfs GPIO. */
export interface GpioConstructor {
  new (gpio: number, direction: GpioDirection, edge?: GpioEdge, options?: GpioOptions): GpioPin;
  readonly accessible: boolean;
}

/** This machine has no GPIO that Loa can use (not a Pi, onoff not loadable, or no permission on /sys/class/gpio). */
export class GpioUnavailableError extends Error {
  readonly code = 'GPIO_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GpioUnavailableError';
  }
}

/**
 * Loads onoff's `Gpio` on first use. onoff needs Linux and the `epoll` native module; on any other machine, or
 * where /sys/class/gpio is missing or not writable, this rejects with a `GpioUnavailableError` that says what to do.
 */
export async function loadOnoff(): Promise<GpioConstructor> {
  let Gpio: GpioConstructor;
  try {
    const onoff = await import('onoff');
    Gpio = onoff.Gpio;
  } catch (err) {
    throw new GpioUnavailableError(
      'The GPIO library (onoff) cannot load on this machine: real relay and buttons need a Raspberry Pi running Linux. ' +
        'Choose the simulated hardware in the configuration, or run on the cart.',
      { cause: err },
    );
  }
  if (!Gpio.accessible) {
    throw new GpioUnavailableError(
      'GPIO is not accessible (/sys/class/gpio/export is missing or not writable). On the cart, run Loa as a user ' +
        'in the "gpio" group and check that the kernel has sysfs GPIO; elsewhere choose the simulated hardware.',
    );
  }
  return Gpio;
}

/**
 * Exports one pin, turning onoff's bare fs errors (EACCES, EBUSY…) into a `GpioUnavailableError` that names the
 * pin and says what to check.
 */
export function exportPin(
  Gpio: GpioConstructor,
  bcm: number,
  base: number,
  direction: GpioDirection,
  edge: GpioEdge,
  options: GpioOptions,
): GpioPin {
  try {
    return new Gpio(base + bcm, direction, edge, options);
  } catch (err) {
    throw new GpioUnavailableError(
      `Cannot set up GPIO BCM ${bcm} (sysfs ${base + bcm}) as ${direction}: ${String(err)}. Check that the user is in ` +
        'the "gpio" group and that no other program or overlay uses this pin.',
      { cause: err },
    );
  }
}

/** Checks a BCM pin number from configuration; `what` names the setting in the error. */
export function checkBcmPin(what: string, pin: unknown): number {
  if (typeof pin !== 'number' || !Number.isInteger(pin) || pin < 0 || pin > 53) {
    throw new RangeError(`${what} must be a BCM GPIO number from 0 to 53, got ${JSON.stringify(pin)}`);
  }
  return pin;
}
