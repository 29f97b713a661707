// Two simulated serial links joined by a virtual cable: what one end writes, the other receives. Optional latency
// and byte rate make it behave like a slow radio; `disconnect()` / `reconnect()` pull and replug the cable.
import { EventEmitter } from 'node:events';
import { SerialPortError, type SerialLink, type SerialLinkEventMap } from './serial-link.js';

export interface LinkedSerialPairOptions {
  /** Delay added to every chunk, ms (default 0). */
  latencyMs?: number;
  /** Line speed in bytes per second, per direction (default: unlimited). 9600 baud 8N1 is 960 bytes/s. */
  bytesPerSecond?: number;
}

export interface LinkedSerialPair {
  a: SimSerialLink;
  b: SimSerialLink;
  /** Pulls the cable: both open ends emit `close` with an error, bytes in flight are lost, writes reject. */
  disconnect(): void;
  /** Plugs the cable back: both started ends emit `open`. */
  reconnect(): void;
  /** True while the cable is plugged in. */
  readonly connected: boolean;
}

/** Shared state of the cable between the two ends. */
class Wire {
  connected = true;
  /** Bumped on each disconnection: chunks sent before it are dropped. */
  generation = 0;
  readonly latencyMs: number;
  readonly bytesPerSecond: number | null;

  constructor(options: LinkedSerialPairOptions) {
    const latency = options.latencyMs ?? 0;
    if (!Number.isFinite(latency) || latency < 0) {
      throw new RangeError(`latencyMs must be 0 or more, got ${String(latency)}`);
    }
    const rate = options.bytesPerSecond ?? null;
    if (rate !== null && !(rate > 0)) throw new RangeError(`bytesPerSecond must be positive, got ${String(rate)}`);
    this.latencyMs = latency;
    this.bytesPerSecond = rate;
  }
}

export class SimSerialLink extends EventEmitter<SerialLinkEventMap> implements SerialLink {
  readonly name: string;
  /** Every chunk received, in order: a test control. */
  readonly received: Buffer[] = [];
  readonly #wire: Wire;
  #peer: SimSerialLink | null = null;
  #started = false;
  /** When this end's transmitter is free again (Date.now() time, ms). */
  #busyUntil = 0;

  constructor(name: string, wire: Wire) {
    super();
    this.name = name;
    this.#wire = wire;
  }

  /** Joins two ends; used by createLinkedSerialPair. */
  static join(a: SimSerialLink, b: SimSerialLink): void {
    a.#peer = b;
    b.#peer = a;
  }

  get isOpen(): boolean {
    return this.#started && this.#wire.connected;
  }

  open(): Promise<void> {
    if (!this.#started) {
      this.#started = true;
      if (this.#wire.connected) this.emit('open');
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#started) {
      const wasOpen = this.isOpen;
      this.#started = false;
      if (wasOpen) this.emit('close', null);
    }
    return Promise.resolve();
  }

  write(bytes: Buffer): Promise<void> {
    if (!Buffer.isBuffer(bytes)) {
      return Promise.reject(new TypeError(`bytes must be a Buffer, got ${typeof bytes}`));
    }
    if (!this.isOpen) {
      return Promise.reject(
        new SerialPortError('SERIAL_NOT_OPEN', `The simulated serial link ${this.name} is not open (cable pulled?).`),
      );
    }
    const copy = Buffer.from(bytes);
    const wire = this.#wire;
    const generation = wire.generation;
    const deliver = (): void => {
      const peer = this.#peer;
      if (wire.generation === generation && peer) peer.#receive(copy);
    };
    if (wire.bytesPerSecond === null && wire.latencyMs === 0) {
      queueMicrotask(deliver);
      return Promise.resolve();
    }
    const now = Date.now();
    const start = Math.max(now, this.#busyUntil);
    const sentAt = start + (wire.bytesPerSecond === null ? 0 : (copy.length * 1000) / wire.bytesPerSecond);
    this.#busyUntil = sentAt;
    setTimeout(deliver, sentAt + wire.latencyMs - now);
    if (sentAt <= now) return Promise.resolve();
    return new Promise<void>((resolve) => setTimeout(resolve, sentAt - now));
  }

  #receive(bytes: Buffer): void {
    if (!this.isOpen) return;
    this.received.push(bytes);
    this.emit('data', bytes);
  }

  /** Called by the pair when the cable is pulled or plugged. */
  static cable(link: SimSerialLink, plugged: boolean): void {
    if (!link.#started) return;
    if (plugged) {
      link.emit('open');
    } else {
      link.#busyUntil = 0;
      link.emit('close', new SerialPortError('SERIAL_NOT_OPEN', `The simulated cable of ${link.name} was pulled.`));
    }
  }
}

/** Two simulated links, `a` and `b`, joined by a virtual cable. */
export function createLinkedSerialPair(options: LinkedSerialPairOptions = {}): LinkedSerialPair {
  const wire = new Wire(options);
  const a = new SimSerialLink('a', wire);
  const b = new SimSerialLink('b', wire);
  SimSerialLink.join(a, b);
  return {
    a,
    b,
    get connected() {
      return wire.connected;
    },
    disconnect() {
      if (!wire.connected) return;
      wire.connected = false;
      wire.generation++;
      SimSerialLink.cable(a, false);
      SimSerialLink.cable(b, false);
    },
    reconnect() {
      if (wire.connected) return;
      wire.connected = true;
      SimSerialLink.cable(a, true);
      SimSerialLink.cable(b, true);
    },
  };
}
