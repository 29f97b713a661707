/**
 * Two links to the district, one preferred: frames go out on the primary (MQTT over cellular) while it is up and
 * on the fallback (a serial radio) otherwise. Frames and announcements are taken from both; the uplink's replay
 * check drops a frame heard twice. `up` and `down` describe the pair: up while either is up.
 */
import { EventEmitter } from 'node:events';
import { emitRecoverableError } from '../../hardware/events.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { LinkDownError, type LinkTransport, type LinkTransportEventMap } from './transport.js';

export interface FailoverTransportOptions {
  primary: LinkTransport;
  fallback: LinkTransport;
  logger?: Logger;
}

export class FailoverTransport extends EventEmitter<LinkTransportEventMap> implements LinkTransport {
  readonly #primary: LinkTransport;
  readonly #fallback: LinkTransport;
  readonly #log: Logger;
  #up = false;
  #started = false;
  readonly #detach: (() => void)[] = [];

  constructor(options: FailoverTransportOptions) {
    super();
    if (!options.primary || !options.fallback || options.primary === options.fallback) {
      throw new TypeError('primary and fallback must be two different LinkTransports');
    }
    this.#primary = options.primary;
    this.#fallback = options.fallback;
    this.#log = options.logger ?? silentLogger;
  }

  get isUp(): boolean {
    return this.#primary.isUp || this.#fallback.isUp;
  }

  /** The link a frame would go out on now, or null when both are down. */
  get active(): LinkTransport | null {
    if (this.#primary.isUp) return this.#primary;
    if (this.#fallback.isUp) return this.#fallback;
    return null;
  }

  get maxFrameBytes(): number {
    return this.active?.maxFrameBytes ?? Math.min(this.#primary.maxFrameBytes, this.#fallback.maxFrameBytes);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const [name, t] of [['primary', this.#primary], ['fallback', this.#fallback]] as const) {
      const onUp = (): void => {
        this.#log.info(`${name} link up`);
        this.#changed(null);
      };
      const onDown = (reason: Error | null): void => {
        this.#log.info(`${name} link down`);
        this.#changed(reason);
      };
      const onFrame = (bytes: Buffer): void => void this.emit('frame', bytes);
      const onAnnouncement = (bytes: Buffer): void => void this.emit('announcement', bytes);
      const onError = (error: Error): void => emitRecoverableError(this, error);
      t.on('up', onUp);
      t.on('down', onDown);
      t.on('frame', onFrame);
      t.on('announcement', onAnnouncement);
      t.on('error', onError);
      this.#detach.push(() => {
        t.off('up', onUp);
        t.off('down', onDown);
        t.off('frame', onFrame);
        t.off('announcement', onAnnouncement);
        t.off('error', onError);
      });
    }
    await Promise.all([this.#primary.start(), this.#fallback.start()]);
    this.#changed(null);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await Promise.all([this.#primary.stop(), this.#fallback.stop()]);
    for (const d of this.#detach.splice(0)) d();
    if (this.#up) {
      this.#up = false;
      this.emit('down', null);
    }
  }

  async send(bytes: Buffer): Promise<void> {
    const first = this.active;
    if (!first) throw new LinkDownError('Both links to the district are down; the frame will be sent again when one is back.');
    try {
      await first.send(bytes);
    } catch (error) {
      // The primary dropped under us: the same frame may go on the fallback at once.
      const second = first === this.#primary && this.#fallback.isUp ? this.#fallback : null;
      if (!(error instanceof LinkDownError) || !second) throw error;
      await second.send(bytes);
    }
  }

  #changed(reason: Error | null): void {
    const up = this.isUp;
    if (up === this.#up) return;
    this.#up = up;
    if (up) this.emit('up');
    else this.emit('down', reason);
  }
}
