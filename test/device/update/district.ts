// A district for the over-the-air tests, over a real MQTT broker: it acknowledges every durable record the cart
// sends (so hellos are acknowledged, as the health check needs), keeps the hellos' firmware versions and the
// `update` events, and sends signed `update` commands.
import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { decodeFrame, encodeFrame, isDurable, recordRanges, signObject, unitTopic, type Command, type Message } from '../../../protocol/index.js';
import { testClient } from '../link/broker.js';

export interface UpdateDistrictOptions {
  url: string;
  district: string;
  unitName: string;
  unitNumber: number;
  unitKey: Buffer;
  districtKey: KeyObject;
}

export class UpdateDistrict {
  /** Firmware of every hello, in the order they came (duplicates after a cut included). */
  readonly hellos: string[] = [];
  /** `code detail` of every distinct `update` event (by record number). */
  readonly events: string[] = [];
  /** Command results: `status detail`. */
  readonly results: string[] = [];
  /** Stops acknowledging (a district that is away). */
  acking = true;
  readonly #seen = new Set<number>();
  readonly #o: UpdateDistrictOptions;
  #client: MqttClient | null = null;
  #seq = 0;
  #counter = 0;

  constructor(options: UpdateDistrictOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const up = unitTopic(this.#o.district, this.#o.unitName, 'up');
    this.#client = await testClient(this.#o.url, `district-update-${process.pid}`);
    this.#client.on('message', (topic, payload) => {
      if (topic === up) void this.#receive(Buffer.from(payload)).catch(() => undefined);
    });
    await this.#client.subscribeAsync(up, { qos: 1 });
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync(true);
  }

  /** A signed `update` command, valid for ten minutes. */
  async sendUpdate(version: string, rollback = false): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const command: Command = { unit: this.#o.unitNumber, counter: ++this.#counter, issued: now, expires: now + 600, action: 'update', version, rollback };
    await this.#send([{ type: 'command', signed: signObject({ type: 'command', command }, this.#o.districtKey) }]);
  }

  async #send(messages: Message[]): Promise<void> {
    const frame = encodeFrame({ kind: 'district', unit: this.#o.unitNumber, boot: 1, seq: this.#seq++, messages }, this.#o.unitKey);
    await this.#client!.publishAsync(unitTopic(this.#o.district, this.#o.unitName, 'down'), frame, { qos: 1 });
  }

  async #receive(bytes: Buffer): Promise<void> {
    const frame = decodeFrame(bytes, this.#o.unitKey);
    const durable: number[] = [];
    for (const m of frame.messages) {
      if (!isDurable(m)) continue;
      durable.push(m.record);
      if (this.#seen.has(m.record)) continue;
      this.#seen.add(m.record);
      if (m.type === 'hello') this.hellos.push(m.firmware);
      if (m.type === 'event' && m.kind === 'update') this.events.push(`${m.code} ${m.detail}`);
      if (m.type === 'command-result') this.results.push(`${m.status} ${m.detail}`);
    }
    if (durable.length > 0 && this.acking) await this.#send([{ type: 'ack', ranges: recordRanges(durable) }]);
  }
}
