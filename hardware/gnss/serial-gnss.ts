// The real GNSS receiver: NMEA 0183 on a serial port (Pi UART, USB receiver), reopened when it comes back.
import { EventEmitter } from 'node:events';
import { emitRecoverableError } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { ReconnectingPort, type RetryOptions, type SerialBinding } from '../serial/reconnecting-port.js';
import { publishEpochs, type GnssEventMap, type GnssFix, type GnssReceiver, type GnssStats } from './gnss.js';
import { NmeaStreamParser, type NmeaFix } from './nmea-stream.js';

export interface SerialGnssOptions {
  /** Device path, e.g. `/dev/ttyAMA0` (Pi UART HAT) or `/dev/ttyACM0` (u-blox USB). */
  path: string;
  /** Default 9600, what most receivers start at (the Quectel L76K and some HATs use 115200). */
  baudRate?: number;
  /** Default: the serialport binding for this OS. Tests pass `MockBinding`. */
  binding?: SerialBinding;
  retry?: RetryOptions;
  /** See ReconnectingPortOptions.presenceCheckMs (default 1000 ms). */
  presenceCheckMs?: number;
  /**
   * Quiet time after which the epoch being received is complete and is emitted, ms (default 150). Receivers send
   * an epoch as one burst; without this the epoch would only be emitted when the next one starts.
   */
  epochIdleMs?: number;
  logger?: Logger;
}

export class SerialGnss extends EventEmitter<GnssEventMap> implements GnssReceiver {
  readonly #port: ReconnectingPort;
  readonly #parser = new NmeaStreamParser();
  readonly #idleMs: number;
  readonly #log: Logger;
  #idleTimer: NodeJS.Timeout | null = null;
  #lastFix: GnssFix | null = null;
  #connects = 0;
  #disconnects = 0;

  constructor(options: SerialGnssOptions) {
    super();
    const idle = options.epochIdleMs ?? 150;
    if (!(idle > 0)) throw new RangeError(`epochIdleMs must be a positive number of ms, got ${String(idle)}`);
    this.#idleMs = idle;
    this.#log = options.logger ?? silentLogger;
    const portOptions = { path: options.path, baudRate: options.baudRate ?? 9600, logger: this.#log };
    this.#port = new ReconnectingPort({
      ...portOptions,
      ...(options.binding ? { binding: options.binding } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.presenceCheckMs !== undefined ? { presenceCheckMs: options.presenceCheckMs } : {}),
    });
    this.#port.on('open', () => {
      this.#connects++;
      this.emit('connected');
    });
    this.#port.on('close', (reason) => {
      this.#endInput();
      if (reason) {
        this.#disconnects++;
        this.emit('disconnected');
      }
    });
    this.#port.on('data', (bytes) => this.#received(bytes));
    this.#port.on('error', (error) => emitRecoverableError(this, error));
  }

  get lastFix(): GnssFix | null {
    return this.#lastFix;
  }

  stats(): GnssStats {
    return { ...this.#parser.counts(), connects: this.#connects, disconnects: this.#disconnects };
  }

  open(): Promise<void> {
    return this.#port.open();
  }

  async close(): Promise<void> {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    await this.#port.close();
  }

  #received(bytes: Buffer): void {
    this.#log.debug(() => `read ${bytes.length} bytes: ${JSON.stringify(bytes.toString('latin1'))}`);
    this.#publish(this.#parser.push(bytes));
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      this.#publish(this.#parser.endEpoch());
    }, this.#idleMs);
  }

  /** The port went away: what was half received will not be completed. */
  #endInput(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#publish(this.#parser.flush());
  }

  #publish(epochs: NmeaFix[]): void {
    publishEpochs(this, epochs, (fix) => (this.#lastFix = fix));
  }
}
