/**
 * A serial gateway: carts on a serial link (a radio modem, a USB cable) feed the same ingest as MQTT. Bytes from the
 * port go through the protocol's `Deframer` (COBS + CRC-16, resynchronising on 0x00) into `ingestFrame`; acks go
 * back on the same port with `toSerial`. Any unit may speak on the port: the tag tells who it is. When the port
 * goes away (cable pulled) the gateway opens it again every `retryMs` until stopped.
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { Deframer, toSerial } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import type { FrameOrigin } from './ingest.js';
import type { Unit } from './registry.js';

/** Where frames go (FleetIngest implements it). */
export interface FrameSink {
  ingestFrame(bytes: Uint8Array, origin: FrameOrigin): Promise<void>;
}

export interface SerialGatewayOptions {
  path: string;
  baudRate: number;
  ingest: FrameSink;
  /** Wait before opening the port again after it failed or closed (default 1000 ms). */
  retryMs?: number;
  logger?: Logger;
}

export interface SerialGatewayEvents {
  open: [];
  close: [];
}

export interface SerialGatewayStats {
  frames: number;
  badCrc: number;
  badCobs: number;
  tooLong: number;
  acksSent: number;
}

export class SerialGateway extends EventEmitter<SerialGatewayEvents> {
  readonly #o: SerialGatewayOptions;
  readonly #log: Logger;
  #deframer: Deframer | undefined;
  #port: SerialPort | undefined;
  #running = false;
  #retry: NodeJS.Timeout | undefined;
  #acksSent = 0;
  readonly #origin: FrameOrigin;

  constructor(options: SerialGatewayOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#origin = { link: `serial:${options.path}`, reply: (unit, frame) => this.#write(unit, frame) };
  }

  get isOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  stats(): SerialGatewayStats {
    const d = this.#deframer?.stats ?? { frames: 0, badCrc: 0, badCobs: 0, tooLong: 0 };
    return { frames: d.frames, badCrc: d.badCrc, badCobs: d.badCobs, tooLong: d.tooLong, acksSent: this.#acksSent };
  }

  /** Opens the port (resolves after the first attempt; a failed open is retried in the background). */
  async start(): Promise<void> {
    if (this.#running) return;
    if (typeof this.#o.path !== 'string' || this.#o.path === '') throw new TypeError(`path must be a serial port path, got ${JSON.stringify(this.#o.path)}`);
    if (!Number.isInteger(this.#o.baudRate) || this.#o.baudRate <= 0) throw new RangeError(`baudRate must be a positive whole number, got ${String(this.#o.baudRate)}`);
    this.#running = true;
    this.#deframer ??= new Deframer(this.#log);
    await this.#open();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retry);
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async #open(): Promise<void> {
    const port = new SerialPort({ path: this.#o.path, baudRate: this.#o.baudRate, autoOpen: false });
    port.on('data', (chunk: Buffer) => {
      for (const frame of this.#deframer!.push(chunk)) {
        this.#o.ingest.ingestFrame(frame, this.#origin).catch((err: unknown) => this.#log.error(`ingest failed on a serial frame: ${String(err)}`));
      }
    });
    port.on('error', (err: Error) => this.#log.warn(`serial port ${this.#o.path}: ${err.message}`));
    port.on('close', () => {
      if (this.#port !== port) return;
      this.#port = undefined;
      this.emit('close');
      this.#later();
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.#log.warn(`cannot open serial port ${this.#o.path}: ${String(err)}; trying again`);
      this.#later();
      return;
    }
    if (!this.#running) {
      port.close();
      return;
    }
    this.#port = port;
    // A leading delimiter resynchronises the far side's deframer.
    port.write(Buffer.from([0]));
    this.emit('open');
  }

  #later(): void {
    if (!this.#running) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#open(), this.#o.retryMs ?? 1000);
  }

  async #write(unit: Unit, frame: Buffer): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) throw new Error(`serial port ${this.#o.path} is closed; the ack for ${unit.id} is dropped (the cart will resend)`);
    const bytes = toSerial(frame);
    await new Promise<void>((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : resolve())));
    this.#acksSent++;
  }
}
