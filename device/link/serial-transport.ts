/**
 * The cart's serial link to the district (a radio modem or a technician's USB cable), with the protocol's serial
 * framing (SPEC.md section 6: COBS + CRC-16 + 0x00). District frames and district-signed objects (manifest
 * announcements) share the line; the version byte's kind tells them apart. A chunk that fails COBS or CRC is
 * dropped and counted by the deframer.
 */
import { EventEmitter } from 'node:events';
import { Deframer, frameKind, isProtocolError, MAX_SERIAL_FRAME, toSerial, type DeframerStats } from '../../protocol/index.js';
import type { SerialLink } from '../../hardware/serial/serial-link.js';
import { emitRecoverableError } from '../../hardware/events.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { LinkDownError, type LinkTransport, type LinkTransportEventMap } from './transport.js';

export interface SerialTransportOptions {
  /** The serial link (a SerialPortLink on a real port, or one end of a simulated pair). */
  link: SerialLink;
  logger?: Logger;
}

export interface SerialTransportStats extends DeframerStats {
  /** Frames of a kind a cart does not accept (another cart's uplink frames heard on a shared radio channel). */
  wrongKind: number;
}

export class SerialTransport extends EventEmitter<LinkTransportEventMap> implements LinkTransport {
  readonly maxFrameBytes = MAX_SERIAL_FRAME;
  readonly #link: SerialLink;
  readonly #log: Logger;
  readonly #deframer: Deframer;
  #wrongKind = 0;
  #started = false;
  readonly #onData = (bytes: Buffer): void => this.#data(bytes);
  readonly #onOpen = (): void => {
    this.#log.info('serial link up');
    this.emit('up');
  };
  readonly #onClose = (reason: Error | null): void => {
    this.#log.warn(() => `serial link down${reason ? `: ${reason.message}` : ''}`);
    this.emit('down', reason);
  };
  readonly #onError = (error: Error): void => emitRecoverableError(this, error);

  constructor(options: SerialTransportOptions) {
    super();
    if (typeof options.link?.write !== 'function') {
      throw new TypeError(`link must be a SerialLink, got ${String(options.link)}`);
    }
    this.#link = options.link;
    this.#log = options.logger ?? silentLogger;
    this.#deframer = new Deframer(this.#log);
  }

  get isUp(): boolean {
    return this.#started && this.#link.isOpen;
  }

  stats(): SerialTransportStats {
    return { ...this.#deframer.stats, wrongKind: this.#wrongKind };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#link.on('data', this.#onData);
    this.#link.on('open', this.#onOpen);
    this.#link.on('close', this.#onClose);
    this.#link.on('error', this.#onError);
    const wasOpen = this.#link.isOpen;
    await this.#link.open();
    // A link that was already open emits no `open` for us.
    if (wasOpen) this.emit('up');
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#link.off('data', this.#onData);
    this.#link.off('open', this.#onOpen);
    this.#link.off('close', this.#onClose);
    this.#link.off('error', this.#onError);
    await this.#link.close();
  }

  async send(bytes: Buffer): Promise<void> {
    if (!this.isUp) throw new LinkDownError('The serial link is down; the frame will be sent again when it is back.');
    // A leading delimiter resynchronises a receiver that caught half a frame (an empty chunk is ignored).
    const wire = toSerial(bytes);
    try {
      await this.#link.write(Buffer.concat([Buffer.of(0), wire]));
    } catch (error) {
      if (!this.#link.isOpen) throw new LinkDownError(`The serial link dropped while sending: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  #data(chunk: Buffer): void {
    for (const frame of this.#deframer.push(chunk)) {
      try {
        const kind = frameKind(frame);
        if (kind === 'district') this.emit('frame', frame);
        else if (kind === 'signed') this.emit('announcement', frame);
        else this.#wrongKind++;
      } catch (error) {
        if (!isProtocolError(error)) throw error;
        this.#wrongKind++;
        this.#log.debug(() => `serial frame dropped (${error.code}): ${error.message}`);
      }
    }
  }
}
