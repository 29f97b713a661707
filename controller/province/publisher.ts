/**
 * The area controller's feature that sends its signed summaries to the province hub (issue 17). Every
 * `summary.intervalSeconds` it runs the summary pass (area-summary.ts: the final days whose figures changed, and the
 * registry when it changed, each with a new version) and publishes what comes out at QoS 1:
 * - through the controller's own MQTT client when its broker is Mosquitto, whose bridge carries the summaries to the
 *   hub (store-and-forward while the link is down);
 * - through a client of its own to the hub's broker when the controller runs the embedded broker, which cannot
 *   bridge (aedes has no outgoing bridge): the same client id, account, topics and kept session a bridge would use,
 *   so the hub cannot tell the two apart.
 * Either way the area's database is the real store: the hub's retained receipt says which versions it holds, and
 * whatever it lacks is sealed again from the database and re-sent (a queue lost with a broker, a cut longer than the
 * broker keeps messages). A version sent a moment ago is not re-sent: it is on its way.
 */
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/logger.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { decodeReceipt, receiptTopic, type SummaryReceipt } from '../../protocol/summary.js';
import { missingFor, summaryPass, type SealedOut, type SummaryPassOptions } from './area-summary.js';
import { areaClientId } from './bridge-conf.js';
import { endSoon } from './hub-service.js';

export interface SummaryPublisherOptions {
  db: SqliteDb;
  /** The area's network name (config `district.id`). */
  area: string;
  /** The key that signs the summaries (the district key's current one; the hub has its public half). */
  key: () => KeyObject;
  /** The controller's own client (config `summary.hub` null: its Mosquitto bridges to the hub). */
  client?: MqttClient;
  /** The hub's broker, when this controller sends there itself (config `summary.hub`). */
  hub?: { url: string; username: string; password: string; caFile: string | null } | null;
  /** Seconds between passes (config `summary.intervalSeconds`). */
  intervalSeconds: number;
  /** Unix seconds. */
  now: () => number;
  /** Days back from today that a pass looks at (area-summary.ts default when absent). */
  windowDays?: number;
  /** A version sent less than this long ago is not re-sent for a receipt that lacks it, ms (default 60 s). */
  resendAfterMs?: number;
  logger?: Logger;
}

export interface SummaryPublisherEvents {
  /** Summaries handed to MQTT by a pass or for a receipt. */
  published: [{ reason: 'pass' | 'receipt'; out: SealedOut[] }];
  /** A pass or a receipt's re-send failed; the next pass tries again. */
  failed: [Error];
}

/** A version handed to MQTT this recently is on its way: a receipt that lacks it does not send it again. */
const RESEND_AFTER_MS = 60_000;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class SummaryPublisher extends EventEmitter<SummaryPublisherEvents> {
  readonly #o: SummaryPublisherOptions;
  readonly #log: Logger;
  #client: MqttClient | null = null;
  #own = false;
  #timer: NodeJS.Timeout | null = null;
  /** One pass or re-send at a time: both read and write the area's summary bookkeeping. */
  #chain: Promise<unknown> = Promise.resolve();
  /** When each (topic, version) was last handed to MQTT, monotonic ms. */
  readonly #sentAt = new Map<string, number>();
  readonly #onMessage = (topic: string, payload: Buffer): void => {
    if (topic === receiptTopic(this.#o.area)) this.#receipt(payload);
  };

  constructor(options: SummaryPublisherOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? quiet;
  }

  async start(): Promise<void> {
    if (this.#client) return;
    const o = this.#o;
    if (!o.hub && !o.client) throw new Error('SummaryPublisher needs the controller\'s MQTT client or the hub\'s broker (config summary.hub)');
    const client = o.hub ? await connectToHub(o.area, o.hub) : o.client!;
    this.#own = Boolean(o.hub);
    this.#client = client;
    client.on('message', this.#onMessage);
    // Not awaited: a hub out of reach must not hold the controller's start; the session keeps the subscription.
    client.subscribe(receiptTopic(o.area), { qos: 1 }, (err) => {
      if (err) this.#log.warn(`cannot subscribe to the hub's receipts: ${err.message}`);
    });
    this.#timer = setInterval(() => void this.pass(), o.intervalSeconds * 1000);
    void this.pass();
    this.#log.info(`summaries of area ${o.area} go ${o.hub ? `straight to the hub ${o.hub.url}` : 'through this controller\'s broker (bridged to the hub)'}, every ${o.intervalSeconds} s`);
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#chain;
    if (!client) return;
    client.off('message', this.#onMessage);
    if (this.#own) await endSoon(client);
  }

  /** Runs one summary pass now and publishes what changed; resolves with what was published (never rejects). */
  pass(): Promise<SealedOut[]> {
    return this.#serial('pass', () => summaryPass(this.#o.db, this.#passOptions()));
  }

  #passOptions(): SummaryPassOptions {
    const o = this.#o;
    return { area: o.area, key: o.key(), now: o.now(), clock: o.now, ...(o.windowDays === undefined ? {} : { windowDays: o.windowDays }) };
  }

  #receipt(payload: Buffer): void {
    let receipt: SummaryReceipt;
    try {
      receipt = decodeReceipt(payload);
    } catch (err) {
      this.#log.warn(`unreadable receipt from the hub: ${(err as Error).message}`);
      return;
    }
    if (receipt.area !== this.#o.area) return;
    void this.#serial('receipt', async () => {
      const grace = this.#o.resendAfterMs ?? RESEND_AFTER_MS;
      const missing = await missingFor(this.#o.db, receipt, this.#passOptions());
      return missing.filter((s) => performance.now() - (this.#sentAt.get(`${s.topic}#${s.version}`) ?? -Infinity) >= grace);
    });
  }

  /** Runs `make` after whatever runs, then publishes its summaries. */
  #serial(reason: 'pass' | 'receipt', make: () => Promise<SealedOut[]>): Promise<SealedOut[]> {
    const run = this.#chain.then(async () => {
      const client = this.#client;
      if (!client) return [];
      try {
        const out = await make();
        for (const s of out) this.#publish(client, s);
        if (out.length > 0) {
          const named = out.slice(0, 5).map((s) => `${s.day ?? s.kind} v${s.version}`).join(', ');
          this.#log.info(`${out.length} summar${out.length === 1 ? 'y' : 'ies'} sent (${reason}): ${named}${out.length > 5 ? ', …' : ''}`);
          this.emit('published', { reason, out });
        }
        return out;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.#log.error(`summaries (${reason}) not sent: ${error.message}`);
        this.emit('failed', error);
        return [];
      }
    });
    this.#chain = run;
    return run;
  }

  /** Handed to the client, not awaited: offline, mqtt.js keeps QoS 1 messages and sends them on reconnection. */
  #publish(client: MqttClient, s: SealedOut): void {
    const now = performance.now();
    // Only the recent ones matter (a year of days would otherwise stay here).
    if (this.#sentAt.size > 1000) for (const [k, t] of this.#sentAt) if (now - t > (this.#o.resendAfterMs ?? RESEND_AFTER_MS)) this.#sentAt.delete(k);
    this.#sentAt.set(`${s.topic}#${s.version}`, now);
    client.publish(s.topic, s.bytes, { qos: 1, retain: s.retain }, (err) => {
      if (err) this.#log.warn(`summary ${s.topic} v${s.version} not acknowledged: ${err.message}`);
    });
  }
}

/** The area's own client to the hub's broker: the session a Mosquitto bridge would have. */
async function connectToHub(area: string, hub: { url: string; username: string; password: string; caFile: string | null }): Promise<MqttClient> {
  const ca = hub.caFile ? [await readFile(hub.caFile, 'utf8')] : undefined;
  return mqtt.connect(hub.url, {
    protocolVersion: 4,
    clientId: areaClientId(area),
    clean: false,
    username: hub.username,
    password: hub.password,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    ...(ca ? { ca, rejectUnauthorized: true } : {}),
  });
}
