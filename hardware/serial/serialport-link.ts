// The real serial link: a serial port (radio modem, USB cable) through serialport, reopened when it comes back.
import { EventEmitter } from 'node:events';
import { emitRecoverableError } from '../events.js';
import { ReconnectingPort, type ReconnectingPortOptions } from './reconnecting-port.js';
import type { SerialLink, SerialLinkEventMap } from './serial-link.js';

export type SerialPortLinkOptions = ReconnectingPortOptions;

export class SerialPortLink extends EventEmitter<SerialLinkEventMap> implements SerialLink {
  readonly #port: ReconnectingPort;

  constructor(options: SerialPortLinkOptions) {
    super();
    this.#port = new ReconnectingPort(options);
    this.#port.on('data', (bytes) => this.emit('data', bytes));
    this.#port.on('open', () => this.emit('open'));
    this.#port.on('close', (reason) => this.emit('close', reason));
    this.#port.on('error', (error) => emitRecoverableError(this, error));
  }

  get path(): string {
    return this.#port.path;
  }

  get isOpen(): boolean {
    return this.#port.isOpen;
  }

  open(): Promise<void> {
    return this.#port.open();
  }

  close(): Promise<void> {
    return this.#port.close();
  }

  write(bytes: Buffer): Promise<void> {
    if (!Buffer.isBuffer(bytes)) {
      return Promise.reject(new TypeError(`bytes must be a Buffer, got ${typeof bytes}`));
    }
    return this.#port.write(bytes);
  }
}
