/**
 * A guard between a client's socket and aedes: it reads the MQTT fixed header of every packet as the bytes pass
 * (the type byte and the remaining-length varint, MQTT 3.1.1 §2.2) and closes the socket as soon as a packet
 * declares more than it may carry, before anything buffers it. Payload bytes are passed on chunk by chunk and never
 * held. aedes 1.2 and mqtt-packet 9 have no size limit: mqtt-packet keeps every byte of a packet until the whole of
 * it has arrived, up to the 268,435,455 bytes the varint can declare, even before the client has logged in.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Why a connection was closed by the guard. */
export interface Oversize {
  /** The packet type (1 CONNECT, 3 PUBLISH, …). */
  type: number;
  /** The remaining length declared, or the least it can be when the varint is not finished. */
  declared: number;
  limit: number;
  /** The varint is longer than 4 bytes: not MQTT. */
  malformed: boolean;
  /** The packet was not admitted (its sender's rate of such packets is spent), whatever its size. */
  refused?: true;
}

/** Asked once per packet, at its type (1 CONNECT, 3 PUBLISH, …): false closes the connection. */
export type Admit = (type: number) => boolean;

/** Reads fixed headers from a byte stream without keeping any of it. */
export class FixedHeaderScanner {
  #inHeader = true;
  #type = 0;
  #typeRead = false;
  #length = 0;
  #lengthBytes = 0;
  /** Bytes of the current packet's body still to pass. */
  #left = 0;

  /**
   * Follows `chunk`; the refusal when a packet in it declares more than `limit()` bytes (asked at each header), or
   * when `admit` refuses its type.
   */
  scan(chunk: Uint8Array, limit: () => number, admit?: Admit): Oversize | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (!this.#inHeader) {
        const n = Math.min(this.#left, chunk.length - i);
        i += n;
        this.#left -= n;
        if (this.#left === 0) this.#startHeader();
        continue;
      }
      const b = chunk[i++]!;
      if (!this.#typeRead) {
        this.#type = b >> 4;
        this.#typeRead = true;
        if (admit && !admit(this.#type)) return { type: this.#type, declared: 0, limit: limit(), malformed: false, refused: true };
        continue;
      }
      this.#length += (b & 0x7f) * 128 ** this.#lengthBytes;
      this.#lengthBytes++;
      const max = limit();
      const more = (b & 0x80) !== 0;
      if (this.#length > max || (more && this.#lengthBytes === 4)) {
        return { type: this.#type, declared: this.#length, limit: max, malformed: more && this.#lengthBytes === 4 };
      }
      if (more) continue;
      this.#inHeader = false;
      this.#left = this.#length;
      if (this.#left === 0) this.#startHeader();
    }
    return undefined;
  }

  #startHeader(): void {
    this.#inHeader = true;
    this.#typeRead = false;
    this.#length = 0;
    this.#lengthBytes = 0;
  }
}

/**
 * The connection aedes is handed: reads come from the socket through a {@link FixedHeaderScanner}, writes go
 * straight to the socket, and closing either closes both. `limit()` is asked at each packet header, so it may grow
 * once the client has logged in; `admit` at each packet's type. `onOversize` is called once, just before the socket
 * is destroyed.
 */
export class GuardedConnection extends Duplex {
  readonly socket: Socket;
  readonly #scanner = new FixedHeaderScanner();
  readonly #limit: () => number;
  readonly #onOversize: (o: Oversize) => void;
  readonly #admit: Admit | undefined;

  constructor(socket: Socket, limit: () => number, onOversize: (o: Oversize) => void, admit?: Admit) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.#limit = limit;
    this.#onOversize = onOversize;
    this.#admit = admit;
    socket.on('data', (chunk: Buffer) => {
      const over = this.#scanner.scan(chunk, this.#limit, this.#admit);
      if (over) {
        this.#onOversize(over);
        // Destroyed, not ended: nothing more is read, and the bytes already queued are dropped.
        socket.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket.write(chunk)) return done();
    const go = (): void => {
      this.socket.off('drain', go);
      this.socket.off('close', go);
      done();
    };
    this.socket.on('drain', go);
    this.socket.on('close', go);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
