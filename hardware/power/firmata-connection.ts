/**
 * One Arduino running StandardFirmata, reached over a serial port through firmata-io and johnny-five. The power board
 * and an Arduino-wired relay share it: each `acquire()`s it and `release()`s it; the port opens on the first acquire
 * and closes on the last release. johnny-five never opens a port itself: it is always handed the `io`.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { silentLogger, type Logger } from '../logger.js';
import {
  loadFirmata,
  loadJohnnyFive,
  type FirmataConstructor,
  type FirmataIo,
  type FirmataTransport,
  type J5Board,
  type JohnnyFive,
} from './johnny-five.js';
import { PowerBoardError } from './power.js';

export interface FirmataConnectionOptions {
  /** Serial device of the Arduino, e.g. `/dev/ttyUSB0` or `/dev/ttyACM0`. */
  path: string;
  /** StandardFirmata's speed (default 57600). */
  baudRate?: number;
  /** How long to wait for the board to be ready after opening (default 10000 ms; an Uno resets on open, ≈ 2 s). */
  readyTimeoutMs?: number;
  /** Opens the byte stream; default a serialport 13 `SerialPort`. */
  openTransport?: (path: string, baudRate: number) => FirmataTransport;
  /** johnny-five and firmata-io themselves; default the installed packages. */
  johnnyFive?: JohnnyFive;
  firmata?: FirmataConstructor;
  logger?: Logger;
}

export interface FirmataConnectionEvents {
  /** The link failed after it was ready (port unplugged, board reset). */
  error: [error: PowerBoardError];
}

function defaultTransport(path: string, baudRate: number): FirmataTransport {
  return new SerialPort({ path, baudRate });
}

export class FirmataConnection extends EventEmitter<FirmataConnectionEvents> {
  readonly path: string;
  readonly baudRate: number;
  readonly #readyTimeoutMs: number;
  readonly #openTransport: (path: string, baudRate: number) => FirmataTransport;
  readonly #five: JohnnyFive | undefined;
  readonly #firmata: FirmataConstructor | undefined;
  readonly #log: Logger;
  #users = 0;
  #opening: Promise<J5Board> | undefined;
  #transport: FirmataTransport | undefined;
  #board: J5Board | undefined;

  constructor(options: FirmataConnectionOptions) {
    super();
    if (typeof options.path !== 'string' || options.path === '') {
      throw new TypeError(`FirmataConnection: path must be a serial device path, got ${JSON.stringify(options.path)}`);
    }
    this.path = options.path;
    this.baudRate = options.baudRate ?? 57_600;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    if (!(this.#readyTimeoutMs > 0)) {
      throw new RangeError(`FirmataConnection: readyTimeoutMs must be positive, got ${options.readyTimeoutMs}`);
    }
    this.#openTransport = options.openTransport ?? defaultTransport;
    this.#five = options.johnnyFive;
    this.#firmata = options.firmata;
    this.#log = options.logger ?? silentLogger;
  }

  /** The johnny-five module in use, to build components (Sensor, Relay) on the board. */
  get five(): JohnnyFive {
    return this.#five ?? loadJohnnyFive();
  }

  /** Opens the link if nobody has yet, and resolves with the ready board. */
  async acquire(): Promise<J5Board> {
    this.#users++;
    this.#opening ??= this.#open();
    try {
      return await this.#opening;
    } catch (error) {
      this.#users--;
      this.#opening = undefined;
      throw error;
    }
  }

  /** Gives the link back; the last user's release closes the port. */
  async release(): Promise<void> {
    if (this.#users === 0) return;
    this.#users--;
    if (this.#users > 0) return;
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening) await opening.catch(() => undefined);
    await this.#shutdown();
  }

  async #open(): Promise<J5Board> {
    const five = this.five;
    const Firmata = this.#firmata ?? loadFirmata();
    this.#log.info(`opening the Arduino at ${this.path} (${this.baudRate} baud)`);
    const transport = this.#openTransport(this.path, this.baudRate);
    this.#transport = transport;
    const io = new Firmata(transport, { reportVersionTimeout: Math.min(5000, Math.max(100, this.#readyTimeoutMs / 2)) });
    // johnny-five has its own connect-to-ready timer; ours (started earlier, with a clearer message) comes first.
    const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: this.#readyTimeoutMs + 1000 });
    this.#board = board;
    try {
      await this.#waitReady(board, io);
    } catch (error) {
      await this.#shutdown();
      throw error;
    }
    this.#log.info(() => `Arduino ready at ${this.path}: ${io.firmware.name ?? 'unknown firmware'}`);
    // From here on a failure is reported as an event; the listeners stay so that a late error never goes unheard.
    const lost = (why: string) => (error?: Error) => {
      if (!this.#board) return;
      this.emit('error', new PowerBoardError('LOA_POWER_IO', `The Arduino at ${this.path} ${why}${error ? `: ${error.message}` : ''}. Check its USB cable.`, { cause: error }));
    };
    io.on('close', lost('closed the link'));
    io.on('disconnect', lost('was disconnected'));
    board.on('error', lost('reported an error'));
    return board;
  }

  #waitReady(board: J5Board, io: FirmataIo): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const fail = (error: PowerBoardError): void => {
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(() => {
        fail(
          new PowerBoardError(
            'LOA_POWER_NOT_READY',
            `The Arduino at ${this.path} did not become ready within ${this.#readyTimeoutMs} ms. Check that it is flashed ` +
              `with StandardFirmata, that ${this.path} is the right port, and that the speed is ${this.baudRate} baud (StandardFirmata uses 57600).`,
          ),
        );
      }, this.#readyTimeoutMs);
      const onError = (error: Error): void => {
        fail(
          new PowerBoardError(
            'LOA_POWER_NOT_READY',
            `Could not open the Arduino at ${this.path}: ${error.message}. Check that it is plugged in, that ${this.path} ` +
              `is the right port and that no other program uses it.`,
            { cause: error },
          ),
        );
      };
      io.on('error', onError);
      board.on('error', onError);
      board.on('fail', (event) => onError(new Error(event.message ?? 'johnny-five reported a failure')));
      board.on('ready', () => {
        clearTimeout(timer);
        board.removeListener('error', onError);
        resolve();
      });
    });
  }

  async #shutdown(): Promise<void> {
    const board = this.#board;
    const transport = this.#transport;
    this.#board = undefined;
    this.#transport = undefined;
    if (board?.timer) {
      clearTimeout(board.timer);
      board.timer = null;
    }
    if (!transport?.isOpen) return;
    // Let the last writes (a relay switched off) leave before the port closes.
    const drain = transport.drain?.bind(transport);
    if (drain) await new Promise<void>((resolve) => drain(() => resolve()));
    await new Promise<void>((resolve) => {
      transport.close((error) => {
        if (error) this.#log.warn(`closing ${this.path} failed: ${error.message}`);
        resolve();
      });
    });
  }
}
