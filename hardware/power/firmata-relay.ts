/**
 * The amplifier relay wired to the Arduino instead of the Pi, switched through johnny-five's `Relay` on the shared
 * {@link FirmataConnection}. Like every relay in Loa it is switched off when opened and when closed.
 */
import { silentLogger, type Logger } from '../logger.js';
import type { FirmataConnection } from './firmata-connection.js';
import type { J5Relay } from './johnny-five.js';
import { PowerBoardError } from './power.js';

/** A relay on the Arduino. */
export interface ArduinoRelay {
  /** Connects and switches the relay off. */
  open(): Promise<void>;
  on(): Promise<void>;
  off(): Promise<void>;
  isOn(): boolean;
  /** Switches the relay off and lets the connection go. Safe to call twice. */
  close(): Promise<void>;
}

export interface FirmataRelayOptions {
  connection: FirmataConnection;
  /** Arduino digital pin (2–13) or `"A0"`…`"A5"`. */
  pin: number | string;
  /** True for the common relay modules that close on LOW. */
  activeLow: boolean;
  logger?: Logger;
}

export class FirmataRelay implements ArduinoRelay {
  readonly #connection: FirmataConnection;
  readonly #pin: number | string;
  readonly #activeLow: boolean;
  readonly #log: Logger;
  #relay: J5Relay | undefined;

  constructor(options: FirmataRelayOptions) {
    const { pin } = options;
    if (!(typeof pin === 'number' ? Number.isInteger(pin) && pin >= 2 && pin <= 13 : /^A[0-5]$/.test(pin))) {
      throw new RangeError(`FirmataRelay: pin must be a digital pin 2–13 or "A0"…"A5", got ${JSON.stringify(pin)}`);
    }
    this.#connection = options.connection;
    this.#pin = pin;
    this.#activeLow = options.activeLow;
    this.#log = options.logger ?? silentLogger;
  }

  async open(): Promise<void> {
    if (this.#relay) return;
    const board = await this.#connection.acquire();
    const relay = new this.#connection.five.Relay({ board, pin: this.#pin, type: this.#activeLow ? 'NC' : 'NO' });
    // johnny-five sets the mode of analog pins only; StandardFirmata starts digital pins as OUTPUT, but say it.
    if (typeof this.#pin === 'number') board.io.pinMode(this.#pin, board.io.MODES.OUTPUT);
    relay.open();
    this.#relay = relay;
    this.#log.debug(`relay on Arduino pin ${this.#pin} open, off`);
  }

  async on(): Promise<void> {
    this.#require().close();
  }

  async off(): Promise<void> {
    this.#require().open();
  }

  isOn(): boolean {
    return this.#relay?.isClosed ?? false;
  }

  async close(): Promise<void> {
    const relay = this.#relay;
    if (!relay) return;
    relay.open();
    this.#relay = undefined;
    await this.#connection.release();
  }

  #require(): J5Relay {
    if (!this.#relay) throw new PowerBoardError('LOA_POWER_NOT_OPEN', 'The Arduino relay is not open: call open() first.');
    return this.#relay;
  }
}
