/**
 * The ingest: every frame a cart sends, over MQTT or a serial gateway, checked and stored.
 *
 * For each frame, in arrival order: `peekHeader` → the unit by number (the link's unit name, when it vouches for
 * one, must be that unit) → tag verified with the unit's key (`decodeFrame`; fixes are read from the unit's stored
 * origin and placed next to the ingest's clock) → `checkReplay` against the unit's replay state. Anything refused
 * is dropped and counted in `ingest_counters` (by day, Asia/Ho_Chi_Minh). Accepted frames gather for `batchDelayMs`
 * (or until `maxBatchRecords`) and are written in ONE transaction (ingest-batch.ts); only after the commit does each
 * unit get an ack covering every durable record of its frames that is stored, duplicates included, on the link the
 * frames came by — never a record that was not (a dropped frame's, or one whose number the cart reused).
 * While a batch commits the next one gathers, so batches grow by themselves when the disk is slow.
 *
 * A cart whose counters went back (a boot at or below one seen, a record number reused with other content) is
 * reported in `unit_alerts` and the log with what to do (unit-alerts.ts), and emitted as `alert`.
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { SqliteDb } from '../../lib/sqlite.js';
import {
  ackMessages,
  checkReplay,
  decodeFrame,
  districtSubscriptions,
  frameMessageParts,
  freshReplayState,
  isDurable,
  isProtocolError,
  parseTopic,
  peekHeader,
  STATUS_OFFLINE,
  STATUS_ONLINE,
  unitTopic,
  type Fix,
  type ReplayState,
  type Telemetry,
} from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import type { DistrictFramer } from './district-frames.js';
import { emptyBatch, recordKey, writeBatch, type AcceptedFrame, type IngestBatch, type IncomingRecord, type StatusChange } from './ingest-batch.js';
import type { FleetRegistry, Unit } from './registry.js';
import { bootWentBack, mergeAlert, type UnitAlert } from './unit-alerts.js';

/** The link a frame came by, and how to answer on it. */
export interface FrameOrigin {
  /** For logs: `mqtt`, `serial:/dev/ttyUSB0`… */
  link: string;
  /** The unit the link vouches for (the MQTT topic's unit); undefined for a link any unit may use (serial). */
  unitName?: string;
  /** Sends a district frame to `unit` on the same link. */
  reply(unit: Unit, frame: Buffer): Promise<void>;
}

export type DropReason =
  | 'malformed'
  | 'wrong-kind'
  | 'unknown-unit'
  | 'retired-unit'
  | 'wrong-topic'
  | 'bad-tag'
  | 'replay-old-boot'
  | 'replay-duplicate'
  | 'replay-too-old';

export interface IngestEvents {
  /** A frame was refused; nothing in it was used. */
  dropped: [{ reason: DropReason; link: string; unit?: number; detail?: string }];
  /** A batch was committed (and its acks sent). */
  committed: [{ frames: number; records: number; inserted: number; ms: number }];
  /** A unit went online or offline (MQTT status / last will). */
  status: [StatusChange];
  /** A batch failed to commit: nothing of it was acknowledged, the carts will send it again. */
  failed: [Error];
  /** A unit's counters went back (committed in `unit_alerts`, merged per unit and kind for the batch). */
  alert: [UnitAlert];
}

export interface FleetIngestOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  district: string;
  /** Frames for acks: the controller's boot counter and per-unit seq (shared with commands). */
  framer: DistrictFramer;
  /** mqtt.js client logged in as the controller account; the ingest subscribes it to every unit's up and status. */
  mqtt?: MqttClient;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
  /** How long accepted frames gather before a commit (default 5 ms). */
  batchDelayMs?: number;
  /** Commit at once when this many records are waiting (default 4,000). */
  maxBatchRecords?: number;
  logger?: Logger;
}

interface UnitEntry {
  unit: Unit;
  loadedAt: number;
  /** Replay state including frames accepted but not yet committed. */
  replay: ReplayState;
}

/** Unit rows are read again after this long, so a retirement takes effect without a restart. */
const UNIT_CACHE_MS = 30_000;
const VN_OFFSET_MS = 7 * 3600 * 1000;

export class FleetIngest extends EventEmitter<IngestEvents> {
  readonly #o: FleetIngestOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #units = new Map<number, UnitEntry>();
  #batch: IngestBatch = emptyBatch();
  #batchRecords = 0;
  #origins = new Map<string, { unit: Unit; links: FrameOrigin[] }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #acking = new Set<Promise<void>>();
  readonly #mqttOrigins = new Map<string, FrameOrigin>();
  /** `unit|boot` of the old boots already logged, so a cart stuck below its boot is logged once per boot. */
  readonly #loggedOldBoots = new Set<string>();
  #running = false;
  readonly #onMessage = (topic: string, payload: Buffer): void => this.#mqttMessage(topic, payload);

  constructor(options: FleetIngestOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const mqtt = this.#o.mqtt;
    if (mqtt) {
      mqtt.on('message', this.#onMessage);
      await mqtt.subscribeAsync(districtSubscriptions(this.#o.district), { qos: 1 });
    }
  }

  /** Stops listening, then commits (and acknowledges) what was accepted. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#o.mqtt?.off('message', this.#onMessage);
    await this.flush();
  }

  /** Commits what is waiting now (the batch timer does this by itself) and waits for the acks to be sent. */
  async flush(): Promise<void> {
    await this.#chain;
    while (this.#flushing) await this.#flushing;
    if (this.#batch.frames.length > 0 || this.#batch.statuses.length > 0 || this.#batch.counters.size > 0) await this.#flush();
    await Promise.all(this.#acking);
  }

  /** Takes one frame from any link. Resolves once it is accepted into a batch or dropped (not when committed). */
  ingestFrame(bytes: Uint8Array, origin: FrameOrigin): Promise<void> {
    const run = this.#chain.then(() => this.#accept(bytes, origin));
    this.#chain = run.catch((err: unknown) => this.#log.error(`ingest failed on a frame from ${origin.link}: ${String(err)}`));
    return run;
  }

  /** An MQTT status payload for a unit (`online` / `offline`, the latter usually its last will). */
  ingestStatus(unitName: string, payload: string): Promise<void> {
    const run = this.#chain.then(async () => {
      const online = payload === STATUS_ONLINE ? true : payload === STATUS_OFFLINE ? false : undefined;
      const unit = await this.#o.registry.unitById(unitName);
      if (online === undefined || !unit) {
        this.#count(online === undefined ? 'status-malformed' : 'status-unknown-unit');
        this.#schedule();
        return;
      }
      this.#batch.statuses.push({ unitId: unit.id, online, serverTime: this.#seconds() });
      this.#schedule();
    });
    this.#chain = run.catch((err: unknown) => this.#log.error(`ingest failed on a status of ${unitName}: ${String(err)}`));
    return run;
  }

  #mqttMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'unit' || parsed.district !== this.#o.district) return;
    // Failures are logged by the chain; the promises are only for callers who wait.
    if (parsed.channel === 'status') this.ingestStatus(parsed.unit, payload.toString('utf8')).catch(() => undefined);
    else if (parsed.channel === 'up') this.ingestFrame(payload, this.#mqttOrigin(parsed.unit)).catch(() => undefined);
  }

  #mqttOrigin(unitName: string): FrameOrigin {
    const known = this.#mqttOrigins.get(unitName);
    if (known) return known;
    const mqtt = this.#o.mqtt!;
    const origin: FrameOrigin = {
      link: 'mqtt',
      unitName,
      reply: async (unit, frame) => {
        await mqtt.publishAsync(unitTopic(this.#o.district, unit.id, 'down'), frame, { qos: 1 });
      },
    };
    if (this.#mqttOrigins.size > 10_000) this.#mqttOrigins.clear();
    this.#mqttOrigins.set(unitName, origin);
    return origin;
  }

  async #accept(bytes: Uint8Array, origin: FrameOrigin): Promise<void> {
    let header;
    try {
      header = peekHeader(bytes);
    } catch (err) {
      return this.#drop(isProtocolError(err) && err.code === 'bad-kind' ? 'wrong-kind' : 'malformed', origin, undefined, String(err));
    }
    if (header.kind !== 'unit') return this.#drop('wrong-kind', origin, header.unit);
    const entry = await this.#unit(header.unit);
    if (!entry) return this.#drop('unknown-unit', origin, header.unit);
    if (entry.unit.retired) return this.#drop('retired-unit', origin, header.unit);
    if (origin.unitName !== undefined && origin.unitName !== entry.unit.id) {
      return this.#drop('wrong-topic', origin, header.unit, `unit ${header.unit} is ${entry.unit.id}, the link says ${origin.unitName}`);
    }
    let frame;
    try {
      // The origin the unit was registered with is the one in its bundle, the one its cart encodes fixes from.
      frame = decodeFrame(bytes, entry.unit.key, { origin: entry.unit.origin, now: this.#seconds() });
    } catch (err) {
      return this.#drop(isProtocolError(err) && err.code === 'bad-tag' ? 'bad-tag' : 'malformed', origin, header.unit, String(err));
    }
    const { verdict, next } = checkReplay(entry.replay, frame.boot, frame.seq);
    if (verdict === 'old-boot' || verdict === 'too-old') this.#bootWentBack(entry, frame);
    if (verdict !== 'new') return this.#drop(`replay-${verdict}`, origin, header.unit);
    entry.replay = next;
    // The records table keeps each record's bytes as received, byte-identical to the cart's outbox; they are copied
    // so that a kept record does not hold on to the whole frame.
    const parts = frameMessageParts(bytes);
    const records: IncomingRecord[] = [];
    const live: (Telemetry | Fix)[] = [];
    frame.messages.forEach((m, i) => {
      if (isDurable(m)) {
        const part = parts[i];
        if (part === undefined) throw new Error(`message ${i} of unit ${frame.unit}'s frame has no bytes: frameMessageParts and decodeFrame disagree`);
        records.push({ message: m, bytes: Buffer.from(part) });
      } else if (m.type === 'telemetry' || m.type === 'fix') live.push(m);
    });
    const accepted: AcceptedFrame = { unitId: entry.unit.id, boot: frame.boot, serverTime: this.#seconds(), records, live };
    this.#batch.frames.push(accepted);
    this.#batch.replay.set(entry.unit.id, next);
    this.#batchRecords += records.length;
    this.#count('frames');
    if (records.length > 0) {
      const to = this.#origins.get(entry.unit.id) ?? { unit: entry.unit, links: [] };
      if (!to.links.includes(origin)) to.links.push(origin);
      this.#origins.set(entry.unit.id, to);
    }
    if (this.#batchRecords >= (this.#o.maxBatchRecords ?? 4000) && !this.#flushing) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
    } else this.#schedule();
  }

  async #unit(number: number): Promise<UnitEntry | undefined> {
    const now = this.#clock();
    const cached = this.#units.get(number);
    if (cached && now - cached.loadedAt < UNIT_CACHE_MS) return cached;
    const unit = await this.#o.registry.unitByNumber(number);
    if (!unit) return undefined;
    if (cached) {
      cached.unit = unit;
      cached.loadedAt = now;
      return cached;
    }
    const row = await this.#o.db.exclusive(() => this.#o.db.get<{ replay_state: string | null }>('SELECT replay_state FROM unit_state WHERE unit_id = ?', [unit.id]));
    const replay = row?.replay_state ? (JSON.parse(row.replay_state) as ReplayState) : freshReplayState();
    const entry = { unit, loadedAt: now, replay };
    this.#units.set(number, entry);
    return entry;
  }

  /** An authentic frame of a boot (or a seq) the district has seen pass: the cart's counters went back. */
  #bootWentBack(entry: UnitEntry, frame: { boot: number; seq: number }): void {
    const alert = bootWentBack(entry.unit.id, this.#seconds(), frame, entry.replay);
    mergeAlert(this.#batch.alerts, alert);
    const key = `${entry.unit.id}|${frame.boot}`;
    if (this.#loggedOldBoots.has(key)) return;
    if (this.#loggedOldBoots.size > 10_000) this.#loggedOldBoots.clear();
    this.#loggedOldBoots.add(key);
    this.#log.warn(alert.detail, { unit: entry.unit.id, boot: frame.boot, seenBoot: entry.replay.boot });
  }

  #drop(reason: DropReason, origin: FrameOrigin, unit: number | undefined, detail?: string): void {
    this.#count(`dropped:${reason}`);
    this.#log.debug(() => `frame from ${origin.link} dropped (${reason})${unit === undefined ? '' : ` unit ${unit}`}${detail ? `: ${detail}` : ''}`);
    this.emit('dropped', { reason, link: origin.link, ...(unit === undefined ? {} : { unit }), ...(detail === undefined ? {} : { detail }) });
    this.#schedule();
  }

  #count(name: string, n = 1): void {
    const day = new Date(this.#clock() + VN_OFFSET_MS).toISOString().slice(0, 10);
    const key = `${day}|${name}`;
    this.#batch.counters.set(key, (this.#batch.counters.get(key) ?? 0) + n);
  }

  #seconds(): number {
    return Math.floor(this.#clock() / 1000);
  }

  #schedule(): void {
    if (this.#timer || this.#flushing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#o.batchDelayMs ?? 5);
  }

  #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#commit().finally(() => {
      this.#flushing = undefined;
      // Frames that arrived during the commit have already waited for it: commit them at once.
      if (this.#batch.frames.length > 0) void this.#flush();
      else if (this.#batch.statuses.length > 0 || this.#batch.counters.size > 0) this.#schedule();
    });
    this.#flushing = run;
    return run;
  }

  async #commit(): Promise<void> {
    const batch = this.#batch;
    const origins = this.#origins;
    if (batch.frames.length === 0 && batch.statuses.length === 0 && batch.counters.size === 0) return;
    this.#batch = emptyBatch();
    this.#batchRecords = 0;
    this.#origins = new Map();
    const started = performance.now();
    let result;
    try {
      result = await this.#o.db.transaction(() => writeBatch(this.#o.db, batch));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error(`could not commit ${batch.frames.length} frame(s); nothing acknowledged, the carts will resend: ${error.message}`);
      this.emit('failed', error);
      return;
    }
    const acks = this.#sendAcks(batch, origins, result.refused);
    this.#acking.add(acks);
    void acks.finally(() => this.#acking.delete(acks));
    for (const a of result.alerts) {
      // Old boots were logged as they arrived.
      if (a.code === 'record-reused') this.#log.warn(a.detail, { unit: a.unitId, records: a.count });
      this.emit('alert', a);
    }
    for (const s of result.statusChanges) this.emit('status', s);
    this.emit('committed', { frames: batch.frames.length, records: result.records, inserted: result.inserted, ms: performance.now() - started });
  }

  /** Acks the stored records of the batch; `refused` ({@link recordKey}) were not stored and are left out. */
  async #sendAcks(batch: IngestBatch, origins: Map<string, { unit: Unit; links: FrameOrigin[] }>, refused: ReadonlySet<string>): Promise<void> {
    const byUnit = new Map<string, number[]>();
    for (const f of batch.frames) {
      const list = byUnit.get(f.unitId) ?? [];
      for (const r of f.records) if (!refused.has(recordKey(f.unitId, r.message.record))) list.push(r.message.record);
      if (list.length > 0) byUnit.set(f.unitId, list);
    }
    const sends: Promise<void>[] = [];
    for (const [unitId, records] of byUnit) {
      const to = origins.get(unitId);
      if (!to) continue;
      for (const ack of ackMessages(records)) {
        for (const origin of to.links) {
          const frame = this.#o.framer.frame(to.unit, [ack]);
          sends.push(origin.reply(to.unit, frame).catch((err: unknown) => this.#log.warn(`ack to ${unitId} over ${origin.link} failed: ${String(err)}`)));
        }
      }
    }
    await Promise.all(sends);
  }
}
