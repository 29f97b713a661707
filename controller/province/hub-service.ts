/**
 * The hub's MQTT side (`loa province run`): a client of the hub's broker that takes every area's summaries (carried
 * there by the areas' Mosquitto bridges, or sent by an area's own client), hands each to the hub's one ingest path,
 * and answers with the area's receipt (retained): what the hub holds, so that the area re-sends what it lacks.
 *
 * At least once, never twice: the session is kept (`clean: false`, a fixed client id) and a summary is acknowledged
 * to the broker only after the hub has stored or refused it, one at a time (mqtt.js `handleMessage` holds the
 * PUBACK and the next message until it calls back). A summary the hub already holds is a harmless duplicate there.
 * Receipts are debounced per area: a bridge that comes back with 60 queued days gets one receipt, not 60.
 */
import { readFile } from 'node:fs/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/logger.js';
import { encodeReceipt, parseSummaryTopic, receiptTopic, type SummaryReceipt } from '../../protocol/summary.js';
import { HUB_USER } from './bridge-conf.js';

/** What the service needs of the hub (hub.ts ProvinceHub). */
export interface HubIngest {
  ingest(topic: string, bytes: Uint8Array): Promise<string>;
  receipt(area: string): Promise<SummaryReceipt>;
}

export interface HubServiceOptions {
  hub: HubIngest;
  /** The hub's broker and its account there (the hub config's `broker`). */
  broker: { url: string; username: string; password: string; caFile?: string | null };
  logger?: Logger;
  /** The session's client id at the broker (default `loa-hub`: the broker keeps what arrived while it was away). */
  clientId?: string;
  /** How long receipts of an area wait for more of its summaries, ms (default 1000). */
  receiptDelayMs?: number;
}

/** Every area's day summaries and registry. */
export const HUB_SUBSCRIPTIONS = ['loa/v1/+/summary/day/+', 'loa/v1/+/summary/registry'] as const;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class HubService {
  readonly #o: HubServiceOptions;
  readonly #log: Logger;
  #client: MqttClient | null = null;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Receipts being published, so that stop() waits for them. */
  readonly #sending = new Set<Promise<void>>();

  constructor(options: HubServiceOptions) {
    this.#o = options;
    this.#log = options.logger ?? quiet;
  }

  /** Connects and subscribes; rejects when the broker cannot be reached or refuses the account. */
  async start(): Promise<void> {
    if (this.#client) return;
    const b = this.#o.broker;
    const options: IClientOptions = {
      protocolVersion: 4,
      clientId: this.#o.clientId ?? HUB_USER.replace('_', '-'),
      clean: false,
      username: b.username,
      password: b.password,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(b.caFile ? { ca: [await readFile(b.caFile, 'utf8')], rejectUnauthorized: true } : {}),
    };
    const client = mqtt.connect(b.url, options);
    // Set before the first packet: queued summaries arrive right after CONNACK.
    client.handleMessage = (packet, done) => {
      void this.#take(packet.topic, packet.payload).then(() => done());
    };
    this.#client = client;
    try {
      await firstConnect(client);
    } catch (err) {
      this.#client = null;
      await client.endAsync(true);
      throw err;
    }
    client.on('error', (err) => this.#log.warn(`MQTT ${b.url}: ${err.message}`));
    client.on('offline', () => this.#log.warn(`MQTT broker ${b.url} unreachable; trying again`));
    // Subscribed again at every connection: harmless with a kept session, needed when the broker lost it.
    client.on('connect', () => void this.#subscribe(client));
    await this.#subscribe(client);
    this.#log.info(`taking summaries from ${b.url} as ${b.username}`);
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.all(this.#sending);
    if (client) await endSoon(client);
  }

  async #subscribe(client: MqttClient): Promise<void> {
    try {
      await client.subscribeAsync([...HUB_SUBSCRIPTIONS], { qos: 1 });
    } catch (err) {
      this.#log.error(`cannot subscribe to the summaries: ${(err as Error).message}`);
    }
  }

  /** One summary into the hub; never throws (a failure is logged, the area re-sends from the receipt). */
  async #take(topic: string, payload: Buffer | string): Promise<void> {
    const t = parseSummaryTopic(topic);
    if (!t || t.kind === 'receipt') return;
    try {
      const outcome = await this.#o.hub.ingest(topic, typeof payload === 'string' ? Buffer.from(payload) : payload);
      if (outcome === 'stored' || outcome === 'duplicate') this.#receiptSoon(t.area);
      else this.#log.warn(`summary ${topic} refused: ${outcome}`);
    } catch (err) {
      this.#log.error(`summary ${topic} not stored: ${(err as Error).message}`);
    }
  }

  #receiptSoon(area: string): void {
    if (this.#timers.has(area)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(area);
      const sending = this.#sendReceipt(area).finally(() => this.#sending.delete(sending));
      this.#sending.add(sending);
    }, this.#o.receiptDelayMs ?? 1000);
    this.#timers.set(area, timer);
  }

  async #sendReceipt(area: string): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      const receipt = await this.#o.hub.receipt(area);
      await client.publishAsync(receiptTopic(area), encodeReceipt(receipt), { qos: 1, retain: true });
    } catch (err) {
      this.#log.warn(`receipt for ${area} not sent: ${(err as Error).message}`);
    }
  }
}

/** Ends the client, waiting at most 2 s for what it still has in flight (the broker may be gone). */
export async function endSoon(client: MqttClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => void client.endAsync(true).then(resolve, resolve), 2000);
  });
  await Promise.race([client.endAsync(), late]);
  clearTimeout(timer);
}

/** The first CONNACK, or the first error (a refused account, no broker there). */
function firstConnect(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = (): void => {
      client.off('error', fail);
      resolve();
    };
    const fail = (err: Error): void => {
      client.off('connect', ok);
      reject(err);
    };
    client.once('connect', ok);
    client.once('error', fail);
  });
}
