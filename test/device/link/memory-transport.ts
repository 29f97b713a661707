// A LinkTransport held in memory, for uplink tests with fake timers: it records what is sent, and the test
// delivers district frames and switches the link up and down.
import { EventEmitter } from 'node:events';
import { LinkDownError, type LinkTransport, type LinkTransportEventMap } from '../../../device/link/transport.js';

export class MemoryTransport extends EventEmitter<LinkTransportEventMap> implements LinkTransport {
  readonly sent: Buffer[] = [];
  maxFrameBytes = 65_536;
  /** Called for every frame sent (after it is recorded); may throw to make the send fail. */
  onSend: (bytes: Buffer) => void = () => {};
  #up = false;
  #started = false;

  constructor(private readonly upOnStart = true) {
    super();
  }

  get isUp(): boolean {
    return this.#up;
  }

  start(): Promise<void> {
    this.#started = true;
    if (this.upOnStart) this.setUp(true);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#started = false;
    this.#up = false;
    return Promise.resolve();
  }

  setUp(up: boolean): void {
    if (!this.#started || up === this.#up) return;
    this.#up = up;
    if (up) this.emit('up');
    else this.emit('down', new Error('test pulled the link'));
  }

  send(bytes: Buffer): Promise<void> {
    if (!this.#up) return Promise.reject(new LinkDownError('memory transport is down'));
    this.sent.push(bytes);
    try {
      this.onSend(bytes);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return Promise.resolve();
  }

  /** Delivers a district frame to the cart. */
  deliver(bytes: Buffer): void {
    this.emit('frame', bytes);
  }

  announce(bytes: Buffer): void {
    this.emit('announcement', bytes);
  }
}
