// A fake district over MQTT for the power-cut test: an mqtt.js client on the cart's `up` and `down` topics that
// checks every frame with the cart's unit key, acknowledges every durable record it receives, and remembers what
// it acknowledged (once the broker has taken the ack) and the exact bytes of every copy of every record.
import type { MqttClient } from 'mqtt';
import { decodeFrame, encodeFrame, frameMessageParts, isDurable, recordRanges, unitTopic } from '../../../protocol/index.js';
import { testClient } from '../link/broker.js';

export interface DistrictOptions {
  url: string;
  district: string;
  unitName: string;
  unitNumber: number;
  unitKey: Buffer;
}

export class AckingDistrict {
  /** Record number → the bytes of its first copy. */
  readonly received = new Map<number, Buffer>();
  /** Record numbers whose ack the broker has taken. */
  readonly acked = new Set<number>();
  /** Copies received per record number (duplicates are normal after a cut). */
  readonly copies = new Map<number, number>();
  /** Everything that must never happen: bad tags, a record number carrying other bytes, a (boot, seq) reused. */
  readonly problems: string[] = [];
  /** Highest boot counter seen in the cart's frames. */
  maxBoot = 0;
  readonly #frames = new Map<string, Buffer>();
  readonly #o: DistrictOptions;
  #client: MqttClient | null = null;
  #seq = 0;

  constructor(options: DistrictOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const up = unitTopic(this.#o.district, this.#o.unitName, 'up');
    const client = await testClient(this.#o.url, `district-${process.pid}`);
    this.#client = client;
    client.on('message', (topic, payload) => {
      if (topic === up) this.#receive(Buffer.from(payload)).catch((err: unknown) => this.problems.push(`district: ${String(err)}`));
    });
    await client.subscribeAsync(up, { qos: 1 });
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync(true);
    this.#client = null;
  }

  async #receive(bytes: Buffer): Promise<void> {
    let frame;
    try {
      frame = decodeFrame(bytes, this.#o.unitKey);
    } catch (err) {
      this.problems.push(`a frame failed its check: ${(err as Error).message}`);
      return;
    }
    const key = `${frame.boot}/${frame.seq}`;
    const before = this.#frames.get(key);
    if (before && !before.equals(bytes)) this.problems.push(`boot ${frame.boot} seq ${frame.seq} came twice with different bytes (the district would drop the second as a replay)`);
    this.#frames.set(key, bytes);
    this.maxBoot = Math.max(this.maxBoot, frame.boot);
    const raw = frameMessageParts(bytes);
    const durable: number[] = [];
    frame.messages.forEach((m, i) => {
      if (!isDurable(m)) return;
      durable.push(m.record);
      this.copies.set(m.record, (this.copies.get(m.record) ?? 0) + 1);
      const first = this.received.get(m.record);
      if (first === undefined) this.received.set(m.record, raw[i]!);
      else if (!first.equals(raw[i]!)) this.problems.push(`record ${m.record} came again with other bytes (a reused record number)`);
    });
    if (durable.length === 0 || this.#client === null) return;
    const ack = encodeFrame({ kind: 'district', unit: this.#o.unitNumber, boot: 1, seq: this.#seq++, messages: [{ type: 'ack', ranges: recordRanges(durable) }] }, this.#o.unitKey);
    await this.#client.publishAsync(unitTopic(this.#o.district, this.#o.unitName, 'down'), ack, { qos: 1 });
    for (const r of durable) this.acked.add(r);
  }
}
