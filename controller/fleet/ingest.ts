/**
 * The ingest: every frame a cart sends, over MQTT or a serial gateway, checked and stored.
 *
 * Arrivals (frames and MQTT statuses) wait in a bounded queue, one FIFO per unit taken round-robin (ingest-flow.ts), so
 * a cart that floods fills only its own share and the others' frames go round it; an arrival over a bound is dropped
 * (`queue-full`). The queue is taken into a batch until the batch is full (frames, bytes or durable records); while a
 * commit runs, the next batch fills and the rest waits in the queue.
 *
 * For each frame of a unit, in arrival order: `peekHeader` → the unit by number (the link's unit name, when it
 * vouches for one, must be that unit) → tag verified with the unit's key (`decodeFrame`; fixes are read from the
 * unit's stored origin and placed next to the ingest's clock) → `checkReplay` against the unit's replay state → the
 * unit's rate limit (ingest-flow.ts: token buckets on frames/s and bytes/s, one pair for live frames, one for frames
 * with durable records). On MQTT, whose topic the broker vouches for, the limit is charged as the frame arrives,
 * before anything else, so that a flood costs little. A frame over it is dropped (`rate-limited`), counted in the
 * unit's `rate-limited` alert and logged at most once a minute per unit; its records are not acknowledged, so the
 * cart sends them again. Anything refused is dropped and counted in `ingest_counters` (by day, Asia/Ho_Chi_Minh).
 * Accepted frames gather for `batchDelayMs` (or until the batch is full) and are written in ONE transaction
 * (ingest-batch.ts); only after the commit does each unit get an ack covering every durable record of its frames
 * that is stored, duplicates included, on the link the frames came by — never a record that was not (a dropped
 * frame's, or one whose number the cart reused). While a batch commits the next one gathers, up to its bounds, so
 * batches grow by themselves when the disk is slow.
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
import { DEFAULT_QUEUE_LIMITS, DEFAULT_RATE_LIMITS, FairQueue, UnitRateLimiter, type QueueLimits, type RateLimits } from './ingest-flow.js';
import { bootWentBack, mergeAlert, rateLimited, type UnitAlert } from './unit-alerts.js';

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
  | 'replay-too-old'
  | 'queue-full'
  | 'rate-limited';

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
  /** Commit at once when this many frames and statuses are waiting (default 2,000). */
  maxBatchFrames?: number;
  /** Commit at once when frames of this many bytes are waiting (default 4 MiB). */
  maxBatchBytes?: number;
  /** Bounds of the queue before the batch (ingest-flow.ts). */
  queueLimits?: QueueLimits;
  /** Per-unit rate limits (ingest-flow.ts). */
  rateLimits?: RateLimits;
  /** A monotonic clock in ms for the rate limits (default `performance.now`). */
  monotonic?: () => number;
  logger?: Logger;
}

interface UnitEntry {
  unit: Unit;
  loadedAt: number;
  /** Replay state including frames accepted but not yet committed. */
  replay: ReplayState;
}

/** What waits in the queue: a frame from any link, or an MQTT status. `done` resolves a caller's promise. */
type Arrival =
  | { frame: Uint8Array; origin: FrameOrigin; done?: () => void; /** The unit's rate limit was charged on arrival. */ charged?: true }
  | { status: string; unitName: string; done?: () => void };

/** Live (telemetry and fixes only) or durable, from the message types alone (before the tag is checked). */
function frameClass(frame: Uint8Array): 'live' | 'durable' {
  try {
    return frameMessageParts(frame).every((p) => p[0] === 0x02 || p[0] === 0x03) ? 'live' : 'durable';
  } catch {
    return 'live';
  }
}

const arrivalBytes = (a: Arrival): number => ('frame' in a ? a.frame.length : a.status.length + 32);

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
  #batchBytes = 0;
  #origins = new Map<string, { unit: Unit; links: FrameOrigin[] }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  readonly #queue: FairQueue<Arrival>;
  readonly #limiter: UnitRateLimiter;
  #pumping: Promise<void> | undefined;
  /** Ids of the units read from the registry (an alert may name only those). */
  readonly #ids = new Set<string>();
  /** When each flooding unit was last logged (monotonic ms). */
  readonly #floodLogged = new Map<string, number>();
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
    this.#queue = new FairQueue(options.queueLimits ?? DEFAULT_QUEUE_LIMITS);
    this.#limiter = new UnitRateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, options.monotonic ?? (() => performance.now()));
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
    for (;;) {
      if (this.#pumping) await this.#pumping;
      else if (this.#flushing) await this.#flushing;
      else if (this.#queue.size > 0) this.#wake();
      else break;
    }
    if (this.#batch.frames.length > 0 || this.#batch.statuses.length > 0 || this.#batch.counters.size > 0) await this.#flush();
    await Promise.all(this.#acking);
  }

  /** Takes one frame from any link. Resolves once it is accepted into a batch or dropped (not when committed). */
  ingestFrame(bytes: Uint8Array, origin: FrameOrigin): Promise<void> {
    return new Promise((done) => this.#arrive({ frame: bytes, origin, done }));
  }

  /** An MQTT status payload for a unit (`online` / `offline`, the latter usually its last will). */
  ingestStatus(unitName: string, payload: string): Promise<void> {
    return new Promise((done) => this.#arrive({ status: payload, unitName, done }));
  }

  #mqttMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'unit' || parsed.district !== this.#o.district) return;
    if (parsed.channel === 'status') this.#arrive({ status: payload.toString('utf8'), unitName: parsed.unit });
    else if (parsed.channel === 'up') {
      const origin = this.#mqttOrigin(parsed.unit);
      // The broker vouches for the topic's unit: its limit is charged before anything else, so a flood costs little.
      if (!this.#limiter.take(parsed.unit, frameClass(payload), payload.length)) return this.#rateLimited(parsed.unit, origin);
      // Copied: mqtt.js may hand a slice of a larger socket buffer, which a queued frame would keep alive.
      this.#arrive({ frame: Buffer.from(payload), origin, charged: true });
    }
  }

  #rateLimited(unitId: string, origin: FrameOrigin, unit?: number): void {
    if (this.#ids.has(unitId)) this.#flooding(unitId);
    this.#drop('rate-limited', origin, unit);
  }

  /** Queues an arrival under its unit (the link's unit name, else the unit number of the frame's header). */
  #arrive(a: Arrival): void {
    const unitName = 'frame' in a ? a.origin.unitName : a.unitName;
    let key = unitName;
    if (key === undefined && 'frame' in a) {
      try {
        key = `#${peekHeader(a.frame).unit}`;
      } catch {
        key = '#?';
      }
    }
    if (this.#queue.push(key ?? '#?', a, arrivalBytes(a))) return this.#wake();
    if ('frame' in a) this.#drop('queue-full', a.origin, undefined, `${this.#queue.size} frames, ${this.#queue.bytes} bytes queued`);
    else this.#count('dropped:queue-full');
    if (unitName !== undefined && this.#ids.has(unitName)) this.#flooding(unitName);
    a.done?.();
  }

  /** Starts taking the queue into batches, unless it is being taken. */
  #wake(): void {
    if (this.#pumping) return;
    this.#pumping = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#pump()).finally(() => (this.#pumping = undefined));
  }

  /**
   * Takes arrivals round-robin into the batch until the queue is empty or the batch is full while the previous one
   * still commits (the commit wakes it again); yields to I/O every 256 arrivals.
   */
  async #pump(): Promise<void> {
    for (let n = 1; this.#queue.size > 0; n++) {
      if (this.#batchFull()) {
        if (this.#flushing) return;
        void this.#flush();
      }
      const a = this.#queue.shift(arrivalBytes)!;
      try {
        if ('frame' in a) await this.#accept(a.frame, a.origin, a.charged === true);
        else await this.#status(a.unitName, a.status);
      } catch (err) {
        this.#log.error(`ingest failed on ${'frame' in a ? `a frame from ${a.origin.link}` : `a status of ${a.unitName}`}: ${String(err)}`);
      } finally {
        a.done?.();
      }
      if (this.#batchFull() && !this.#flushing) void this.#flush();
      if (n % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #batchFull(): boolean {
    const b = this.#batch;
    return (
      b.frames.length + b.statuses.length >= (this.#o.maxBatchFrames ?? 2000) ||
      this.#batchBytes >= (this.#o.maxBatchBytes ?? 4 * 1024 * 1024) ||
      this.#batchRecords >= (this.#o.maxBatchRecords ?? 4000)
    );
  }

  async #status(unitName: string, payload: string): Promise<void> {
    const online = payload === STATUS_ONLINE ? true : payload === STATUS_OFFLINE ? false : undefined;
    const unit = await this.#o.registry.unitById(unitName);
    if (online === undefined || !unit) {
      this.#count(online === undefined ? 'status-malformed' : 'status-unknown-unit');
      this.#schedule();
      return;
    }
    this.#batch.statuses.push({ unitId: unit.id, online, serverTime: this.#seconds() });
    this.#schedule();
  }

  /** A frame of `unitId` dropped for its rate or its share of the queue: the unit's alert, a log line a minute. */
  #flooding(unitId: string): void {
    const key = `${unitId}|rate-limited`;
    const time = this.#seconds();
    const known = this.#batch.alerts.get(key);
    if (known) {
      known.count++;
      known.time = Math.max(known.time, time);
    } else this.#batch.alerts.set(key, rateLimited(unitId, time));
    const now = this.#limiter.now();
    const logged = this.#floodLogged.get(unitId);
    if (logged !== undefined && now - logged < 60_000) return;
    if (this.#floodLogged.size > 10_000) this.#floodLogged.clear();
    this.#floodLogged.set(unitId, now);
    this.#log.warn(rateLimited(unitId, time).detail, { unit: unitId });
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

  async #accept(bytes: Uint8Array, origin: FrameOrigin, charged: boolean): Promise<void> {
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
    // Over the limit, the frame is dropped like any other: the replay window does not move, no record is acked.
    if (!charged && !this.#limiter.take(entry.unit.id, frame.messages.some(isDurable) ? 'durable' : 'live', bytes.length)) {
      return this.#rateLimited(entry.unit.id, origin, header.unit);
    }
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
    this.#batchBytes += bytes.length;
    this.#count('frames');
    if (records.length > 0) {
      const to = this.#origins.get(entry.unit.id) ?? { unit: entry.unit, links: [] };
      if (!to.links.includes(origin)) to.links.push(origin);
      this.#origins.set(entry.unit.id, to);
    }
    this.#schedule();
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
    this.#ids.add(unit.id);
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
      if (this.#queue.size > 0) this.#wake();
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
    this.#batchBytes = 0;
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
