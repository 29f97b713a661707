// A fake district peer for the uplink tests: it checks every frame a cart sends with the cart's key, keeps the
// exact bytes of every record copy, acknowledges (when told to), and sends commands. It is transport-neutral:
// MQTT and serial adapters hand it the frame bytes and give it a way to send.
import type { KeyObject } from 'node:crypto';
import { decodeFrame, encodeFrame, frameMessageParts, isDurable, recordRanges, signObject, type Command, type Message } from '../../../protocol/index.js';

export interface FakeDistrictOptions {
  unitKey: Buffer;
  unit: number;
  /** The cart's district origin: its fixes are read from it. */
  origin: { lat: number; lon: number };
  signingKey: KeyObject;
  /** Sends one district frame to the cart. */
  send: (bytes: Buffer) => Promise<void>;
  /** Delay before each ack, ms (default 0). */
  ackDelayMs?: number;
}

export class FakeDistrict {
  /** Whether frames are acknowledged. */
  acking = true;
  /** Record numbers in the order they first arrived. */
  readonly firstSeen: number[] = [];
  /** Every copy of every record, as the bytes that travelled. */
  readonly copies = new Map<number, Buffer[]>();
  /** Arrival times (Date.now()) of frames that carried live messages. */
  readonly liveAt: number[] = [];
  readonly frames: { boot: number; seq: number; bytes: Buffer }[] = [];
  readonly results: Message[] = [];
  badFrames = 0;
  #seq = 0;
  readonly #o: FakeDistrictOptions;
  readonly boot = 3;

  constructor(options: FakeDistrictOptions) {
    this.#o = options;
  }

  /** Handles one frame from the cart. */
  async receive(bytes: Buffer): Promise<void> {
    let frame;
    try {
      frame = decodeFrame(bytes, this.#o.unitKey, { origin: this.#o.origin });
    } catch {
      this.badFrames++;
      return;
    }
    this.frames.push({ boot: frame.boot, seq: frame.seq, bytes });
    const raw = frameMessageParts(bytes);
    const durable: number[] = [];
    frame.messages.forEach((m, i) => {
      if (isDurable(m)) {
        if (!this.copies.has(m.record)) {
          this.firstSeen.push(m.record);
          this.copies.set(m.record, []);
        }
        this.copies.get(m.record)!.push(raw[i]!);
        durable.push(m.record);
        if (m.type === 'command-result') this.results.push(m);
      }
    });
    if (frame.messages.some((m) => m.type === 'telemetry' || m.type === 'fix')) this.liveAt.push(Date.now());
    if (durable.length > 0 && this.acking) {
      if (this.#o.ackDelayMs) await new Promise((r) => setTimeout(r, this.#o.ackDelayMs));
      await this.sendMessages([{ type: 'ack', ranges: recordRanges(durable) }]).catch(() => undefined);
    }
  }

  /** A district frame with these messages, tagged with `key` (default: the unit key). */
  frame(messages: Message[], key: Buffer = this.#o.unitKey): Buffer {
    return encodeFrame({ kind: 'district', unit: this.#o.unit, boot: this.boot, seq: this.#seq++, messages }, key);
  }

  sendMessages(messages: Message[]): Promise<void> {
    return this.#o.send(this.frame(messages));
  }

  /** A command signed by `key` (default: the district key). */
  signedCommand(command: Command, key: KeyObject = this.#o.signingKey): Buffer {
    return signObject({ type: 'command', command }, key);
  }

  sendCommand(command: Command, key?: KeyObject): Promise<void> {
    return this.sendMessages([{ type: 'command', signed: this.signedCommand(command, key) }]);
  }
}
