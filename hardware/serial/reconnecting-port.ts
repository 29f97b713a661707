// A serial port that comes back: opens a path with serialport, and when the device goes away (USB receiver or
// cable unplugged, radio modem power-cycled) retries with a bounded exponential backoff until it is back or
// `close()` is called. Shared by the GNSS driver and the serial link.
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { SerialPortStream } from '@serialport/stream';
import { emitRecoverableError } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { SerialPortError } from './serial-link.js';

export { SerialPortError, type SerialErrorCode } from './serial-link.js';

/** The serialport binding (how the port reaches the OS). Tests pass `MockBinding` from @serialport/binding-mock. */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

export interface RetryOptions {
  /** First delay after a failure, ms (default 250). */
  initialDelayMs?: number;
  /** Longest delay between attempts, ms (default 5000). */
  maxDelayMs?: number;
  /** Growth of the delay after each failed attempt (default 2). */
  factor?: number;
  /** Attempts in a row before giving up with `SERIAL_GAVE_UP` (default: never give up). */
  maxAttempts?: number;
}

export interface ReconnectingPortOptions {
  /** Device path, e.g. `/dev/ttyAMA0`, `/dev/ttyUSB0`, `/dev/serial/by-id/...`. */
  path: string;
  baudRate: number;
  /** Default: the binding serialport detects for this OS. */
  binding?: SerialBinding;
  retry?: RetryOptions;
  /**
   * How often to check that the device path still leads to the device that was opened, ms (default 1000; 0: never).
   * Some devices do not report their removal through reads (a pty whose other end went away reads as endless
   * end-of-file); a path that vanished or now names another device is treated as an unplug.
   */
  presenceCheckMs?: number;
  logger?: Logger;
}

export interface ReconnectingPortEventMap {
  open: [];
  /** `reason` is null after `close()`, else the error that took the port away (a retry follows). */
  close: [reason: Error | null];
  data: [bytes: Buffer];
  error: [error: Error];
}

/** Device and inode the path leads to (following links), or null when there is nothing there. */
async function deviceId(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.rdev}:${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, retry: Required<RetryOptions>): number {
  return Math.min(retry.maxDelayMs, retry.initialDelayMs * retry.factor ** Math.max(0, attempt - 1));
}

export class ReconnectingPort extends EventEmitter<ReconnectingPortEventMap> {
  readonly path: string;
  readonly baudRate: number;
  readonly #binding: SerialBinding;
  readonly #retry: Required<RetryOptions>;
  readonly #log: Logger;
  #port: SerialPortStream | null = null;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;
  readonly #presenceCheckMs: number;
  #presenceTimer: NodeJS.Timeout | null = null;

  constructor(options: ReconnectingPortOptions) {
    super();
    if (typeof options.path !== 'string' || options.path === '') {
      throw new TypeError(`path must be a device path such as /dev/ttyUSB0, got ${JSON.stringify(options.path)}`);
    }
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
      throw new RangeError(`baudRate must be a positive integer such as 9600, got ${String(options.baudRate)}`);
    }
    const retry = {
      initialDelayMs: options.retry?.initialDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 5000,
      factor: options.retry?.factor ?? 2,
      maxAttempts: options.retry?.maxAttempts ?? Number.POSITIVE_INFINITY,
    };
    for (const [name, value] of Object.entries(retry)) {
      if (!(value > 0)) throw new RangeError(`retry.${name} must be a positive number, got ${String(value)}`);
    }
    if (retry.factor < 1) throw new RangeError(`retry.factor must be at least 1, got ${retry.factor}`);
    this.path = options.path;
    this.baudRate = options.baudRate;
    this.#binding = options.binding ?? SerialPort.binding;
    this.#retry = retry;
    this.#log = options.logger ?? silentLogger;
    const presence = options.presenceCheckMs ?? 1000;
    if (!(presence >= 0)) throw new RangeError(`presenceCheckMs must be 0 or more, got ${String(presence)}`);
    this.#presenceCheckMs = presence;
  }

  get isOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  /**
   * Starts the port. Resolves once the first attempt is over: the port is open, or a retry is scheduled (the
   * failure is logged and emitted as `error`). Calling it again while running does nothing.
   */
  async open(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    await this.#attempt();
  }

  /** Stops retrying and closes the port. */
  async close(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#stopPresenceCheck();
    const port = this.#port;
    this.#port = null;
    if (port?.isOpen) {
      await new Promise<void>((resolve) => {
        port.close(() => resolve());
      });
      this.emit('close', null);
    }
    port?.removeAllListeners();
  }

  /** Writes and waits until the OS has taken the bytes. Rejects with `SERIAL_NOT_OPEN` while the device is away. */
  write(bytes: Buffer): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) {
      return Promise.reject(
        new SerialPortError(
          'SERIAL_NOT_OPEN',
          `The serial port ${this.path} is not open: check that the device is plugged in. It reconnects by itself.`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      port.write(bytes, (error) => {
        if (error) {
          reject(new SerialPortError('SERIAL_WRITE_FAILED', `Writing to ${this.path} failed: ${error.message}`, { cause: error }));
          return;
        }
        port.drain((drainError) => {
          if (drainError) {
            reject(new SerialPortError('SERIAL_WRITE_FAILED', `Writing to ${this.path} failed: ${drainError.message}`, { cause: drainError }));
          } else {
            resolve();
          }
        });
      });
    });
  }

  async #attempt(): Promise<void> {
    this.#timer = null;
    if (!this.#running) return;
    const port = new SerialPortStream({ binding: this.#binding, path: this.path, baudRate: this.baudRate, autoOpen: false });
    const opened = await new Promise<Error | null>((resolve) => {
      port.open((error) => resolve(error));
    });
    if (!this.#running) {
      if (!opened && port.isOpen) port.close(() => {});
      return;
    }
    if (opened) {
      this.#failed(opened);
      return;
    }
    this.#port = port;
    if (this.#failures > 0) this.#log.info(() => `${this.path} is back after ${this.#failures} failed attempt(s)`);
    this.#failures = 0;
    port.on('data', (bytes: Buffer) => this.emit('data', bytes));
    port.on('error', (error: Error) => {
      this.#log.warn(() => `${this.path}: ${error.message}`);
      this.#emitError(error);
    });
    port.on('close', (reason: Error | null) => this.#closed(port, reason));
    this.#log.info(() => `${this.path} open at ${this.baudRate} baud`);
    this.emit('open');
    await this.#startPresenceCheck(port);
  }

  async #startPresenceCheck(port: SerialPortStream): Promise<void> {
    if (this.#presenceCheckMs === 0) return;
    const opened = await deviceId(this.path);
    // A path that is not a file (a mock binding's name) cannot be checked.
    if (opened === null || port !== this.#port) return;
    this.#presenceTimer = setInterval(() => {
      void deviceId(this.path).then((now) => {
        if (port !== this.#port || now === opened) return;
        const reason = new Error(now === null ? 'the device path disappeared' : 'the device path names another device');
        port.close(() => {}, reason);
      });
    }, this.#presenceCheckMs);
  }

  #stopPresenceCheck(): void {
    if (this.#presenceTimer) clearInterval(this.#presenceTimer);
    this.#presenceTimer = null;
  }

  #closed(port: SerialPortStream, reason: Error | null): void {
    if (port !== this.#port) return; // closed by close(), already reported
    this.#port = null;
    this.#stopPresenceCheck();
    port.removeAllListeners();
    port.on('error', () => {});
    const why = reason ?? new Error('closed by the system');
    this.#log.warn(() => `${this.path} went away (${why.message}); reconnecting`);
    this.emit('close', why);
    this.#schedule();
  }

  #failed(error: Error): void {
    this.#failures++;
    const message = `Cannot open ${this.path} (${error.message}): check the cable and the device path.`;
    if (this.#failures >= this.#retry.maxAttempts) {
      this.#running = false;
      this.#log.error(() => `${message} Gave up after ${this.#failures} attempts.`);
      this.#emitError(new SerialPortError('SERIAL_GAVE_UP', `${message} Gave up after ${this.#failures} attempts.`, { cause: error }));
      return;
    }
    // Log the first failure and then every tenth, so an unplugged device does not flood the log.
    const level = this.#failures === 1 || this.#failures % 10 === 0 ? 'warn' : 'debug';
    this.#log[level](() => `${message} Attempt ${this.#failures}; retrying in ${this.#nextDelay()} ms.`);
    this.#emitError(new SerialPortError('SERIAL_OPEN_FAILED', message, { cause: error }));
    this.#schedule();
  }

  #nextDelay(): number {
    return backoffDelay(Math.max(1, this.#failures), this.#retry);
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    this.#timer = setTimeout(() => void this.#attempt(), this.#nextDelay());
  }

  #emitError(error: Error): void {
    emitRecoverableError(this, error);
  }
}
