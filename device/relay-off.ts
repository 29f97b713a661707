/**
 * `loa unit relay off`: switches the amplifier relay off with no cart program running, for systemd's
 * `ExecStartPre=` and `ExecStopPost=` (a cart that crashed or was killed may have left the amplifier on).
 *
 * It takes no data lock (the crashed cart may still hold it) and opens nothing but the one GPIO line: the real relay
 * driver's `open()` drives the line to the OFF level, `close()` writes OFF again and releases the line. The relay
 * is never switched on here.
 */
import type { HardwareConfig } from '../hardware/board/config.js';
import type { GpioConstructor } from '../hardware/gpio/gpio.js';
import type { Logger } from '../hardware/logger.js';
import type { ExitGuard } from '../hardware/relay/exit-guard.js';
import { GpioRelay } from '../hardware/relay/gpio-relay.js';

export type RelayOffResult = { simulated: true } | { simulated: false; pin: number; activeLow: boolean };

export interface RelayOffOptions {
  /** onoff's `Gpio` or a fake with its interface; default onoff. */
  gpio?: GpioConstructor;
  /** Default /sys/class/gpio. */
  sysfsRoot?: string;
  exitGuard?: ExitGuard;
  logger?: Logger;
}

/** The GPIO line could not be driven; `pin` is the BCM number from the configuration. */
export class RelayOffError extends Error {
  readonly code = 'RELAY_OFF_FAILED';
  constructor(
    readonly pin: number,
    options: { cause: unknown },
  ) {
    super(`cannot drive the amplifier relay on BCM ${pin}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = 'RelayOffError';
  }
}

/** Switches the configured relay off; a simulated configuration has no relay to switch. */
export async function switchRelayOff(hardware: HardwareConfig, options: RelayOffOptions = {}): Promise<RelayOffResult> {
  if (hardware.simulate) return { simulated: true };
  const { pin, activeLow } = hardware.relay;
  const relay = new GpioRelay({
    pin,
    activeLow,
    ...(options.gpio === undefined ? {} : { gpio: options.gpio }),
    ...(options.sysfsRoot === undefined ? {} : { sysfsRoot: options.sysfsRoot }),
    ...(options.exitGuard === undefined ? {} : { exitGuard: options.exitGuard }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  try {
    await relay.open();
    await relay.close();
  } catch (err) {
    throw new RelayOffError(pin, { cause: err });
  }
  return { simulated: false, pin, activeLow };
}
