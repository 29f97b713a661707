/**
 * The protocol conversation of one cart with its district (SPEC.md sections 2–4): it numbers and tags the frames
 * it sends, packs durable records from the outbox into them oldest first (byte-identical on every resend) until
 * they are acknowledged, slips the newest live telemetry in between, and checks everything the district sends
 * (tag, replay window, signatures) before it acts on it.
 *
 * Pacing: at most `maxBacklogInFlight` backlog frames wait for an ack at any time; a pending live set goes out
 * on a `livePeriodMs` cadence, in the next frame (ahead of the backlog records packed with it) and whatever the
 * backlog, so a weeks-long backlog never starves live telemetry. Unacknowledged records go out
 * again after `ackTimeout` (growing with each resend), and at once when the link comes back.
 *
 * A record sent {@link UNACKED_WARN_SENDS} times without an ack is logged (once per start) and emitted as
 * `unacknowledged`: the district is most likely dropping it — frames of a boot below the one it saw, or a record
 * number it stored with other content — which only a fresh provisioning bundle puts right.
 */
import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import {
  decodeFrame,
  encodeFrameFromParts,
  encodeMessage,
  fixContext,
  freshReplayState,
  frameOverhead,
  checkReplay,
  isProtocolError,
  MAX_FRAME,
  openSigned,
  peekHeader,
  type Announcement,
  type DistrictOrigin,
  type Fix,
  type FixContext,
  type FrameHeader,
  type ReplayState,
  type Stamp,
  type Telemetry,
} from '../../protocol/index.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { checkBackoff, type BackoffOptions } from './backoff.js';
import { CommandGate, type CommandHandler, type CommandOutcome, type ResultRecorder } from './commands.js';
import { InFlightRecords } from './inflight.js';
import type { OutboxEntry, OutboxSource, UplinkStateStore } from './outbox-source.js';
import { LinkDownError, type LinkTransport } from './transport.js';
import { LiveDelta } from './live-delta.js';
import { checkUplinkOptions } from './uplink-options.js';
import { emptyUplinkStats, type RefusalReason, type UplinkStats } from './uplink-stats.js';

export type { RefusalReason, UplinkStats } from './uplink-stats.js';

export interface UplinkOptions {
  transport: LinkTransport;
  unit: { number: number; name: string };
  district: string;
  /** The cart's 32-byte secret: tags what it sends, checks what the district sends. */
  unitKey: Buffer;
  /** This start's boot counter, already raised and saved on disk (SPEC.md 2.1). */
  boot: number;
  /** The pinned district public keys. */
  districtKeys: readonly KeyObject[];
  /**
   * The district origin from the cart's identity (its provisioning bundle): live fixes are sent as offsets from it,
   * and the district reads them with the origin it stored for this unit. No default: a wrong one is silent.
   */
  origin: DistrictOrigin;
  outbox: OutboxSource;
  state: UplinkStateStore;
  onCommand: CommandHandler;
  recordResult: ResultRecorder;
  onAnnouncement: (a: Announcement, raw: Buffer) => void;
  /** The cart's best time, with its source. */
  stamp: () => Stamp;
  logger?: Logger;
  /** Largest frame packed, bytes (default 1024, a serial-radio size; never above what the transport carries). */
  maxFrameBytes?: number;
  /**
   * Live cadence, ms (default 1000): while the cart keeps calling `sendLive`, a live frame goes out every period
   * (never two closer than half of it), whatever the backlog.
   */
  livePeriodMs?: number;
  /**
   * Every how many live frames the telemetry carries every field (default 10); in between it carries what changed
   * (live-delta.ts), and after the link comes back every field again. 1 sends every field every time.
   */
  liveRefreshEvery?: number;
  /** Backlog frames waiting for an ack at most (default 4). */
  maxBacklogInFlight?: number;
  /** Resend timeout of unacknowledged records (default 10 s doubling up to 5 min). */
  ackTimeout?: Partial<BackoffOptions>;
  /** How often to look for records appended to the outbox without a `flush()`, ms (default 5000). */
  outboxPollMs?: number;
}

export interface UplinkEventMap {
  /** Something the district sent (or something pretending to be it) was refused. */
  refused: [reason: RefusalReason, detail: string];
  /** A command was handled; its result has been recorded. */
  command: [outcome: CommandOutcome];
  /** Records were acknowledged and removed from the outbox. */
  acked: [count: number];
  /** A record went out {@link UNACKED_WARN_SENDS} times unacknowledged (once per start); `anyAcked`: others were. */
  unacknowledged: [info: { record: number; sends: number; anyAcked: boolean }];
}

/** Sends of one record without an ack (about 5 minutes of link at the default timeouts) before the cart warns. */
export const UNACKED_WARN_SENDS = 6;

/** Pause after a send fails for another reason than the link being down, ms. */
const RETRY_AFTER_FAILURE_MS = 1000;

/** The newest live state waiting to go: the whole telemetry (the delta is taken when it goes) and the fix. */
interface LiveSet {
  telemetry: Telemetry | null;
  /** Encoded messages other than telemetry (the fix), in the order given. */
  others: Buffer[];
  /** Bytes of every message encoded whole: the most the set takes in a frame. */
  bytes: number;
}

export class Uplink extends EventEmitter<UplinkEventMap> {
  readonly #o: Required<Omit<UplinkOptions, 'ackTimeout' | 'logger' | 'liveRefreshEvery'>>;
  readonly #log: Logger;
  readonly #inFlight: InFlightRecords;
  readonly #commands: CommandGate;
  readonly #stats: UplinkStats = emptyUplinkStats();
  /** Header bytes + tag with the largest seq: room left for messages is maxFrameBytes minus this. */
  readonly #overhead: number;
  /** Built once: the origin never changes, and the context's `now` only serves to read fixes, never to write them. */
  readonly #fixContext: FixContext;
  #replay: ReplayState = freshReplayState();
  #seq = 0;
  #running = false;
  #live: LiveSet | null = null;
  readonly #delta: LiveDelta;
  /** When the next live frame may go (Date.now() ms). */
  #liveDueAt = 0;
  #pumping: Promise<void> | null = null;
  #again = false;
  /** After an unexpected send failure, nothing is sent before this time (Date.now() ms). */
  #holdUntil = 0;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #inbox: Promise<void> = Promise.resolve();
  /** An ack came since this start; the unacknowledged warning was given. */
  #anyAcked = false;
  #warnedUnacked = false;
  readonly #listeners = {
    up: (): void => {
      // Live frames sent while the link went down may be lost: the next telemetry carries every field.
      this.#delta.refresh();
      this.#kick();
    },
    down: (): void => this.#inFlight.clear(),
    frame: (bytes: Buffer): void => this.#enqueue(() => this.#receiveFrame(bytes)),
    announcement: (bytes: Buffer): void => this.#enqueue(() => Promise.resolve(this.#receiveAnnouncement(bytes))),
    error: (error: Error): void => this.#log.debug(() => `transport: ${error.message}`),
  };

  constructor(options: UplinkOptions) {
    super();
    checkUplinkOptions(options);
    const { logger, ackTimeout, liveRefreshEvery, ...rest } = options;
    this.#o = { maxFrameBytes: 1024, livePeriodMs: 1000, maxBacklogInFlight: 4, outboxPollMs: 5000, ...rest };
    this.#delta = new LiveDelta({ fullEvery: liveRefreshEvery ?? 10 });
    this.#log = logger ?? silentLogger;
    this.#inFlight = new InFlightRecords(checkBackoff({ initialMs: 10_000, maxMs: 300_000, factor: 2, ...ackTimeout }, 'ackTimeout'));
    this.#commands = new CommandGate({
      unitNumber: options.unit.number,
      districtKeys: options.districtKeys,
      state: options.state,
      onCommand: options.onCommand,
      recordResult: options.recordResult,
      stamp: options.stamp,
    });
    this.#overhead = frameOverhead({ kind: 'unit', unit: options.unit.number, boot: options.boot, seq: 0xffff_ffff });
    this.#fixContext = fixContext({ origin: options.origin });
  }

  /** Counters of what was sent and of everything refused. */
  stats(): UplinkStats {
    return { ...this.#stats, refused: { ...this.#stats.refused } };
  }

  /** Loads the persisted state, starts the transport and the sending loop. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#replay = (await this.#o.state.loadReplay()) ?? freshReplayState();
    await this.#commands.load();
    this.#running = true;
    const t = this.#o.transport;
    t.on('up', this.#listeners.up);
    t.on('down', this.#listeners.down);
    t.on('frame', this.#listeners.frame);
    t.on('announcement', this.#listeners.announcement);
    t.on('error', this.#listeners.error);
    this.#poll = setInterval(() => this.#kick(), this.#o.outboxPollMs);
    await t.start();
    this.#kick();
  }

  /** Stops sending, lets the frame being handled finish, and stops the transport. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
    this.#timer = this.#poll = null;
    await this.#pumping;
    await this.#inbox;
    const t = this.#o.transport;
    await t.stop();
    t.off('up', this.#listeners.up);
    t.off('down', this.#listeners.down);
    t.off('frame', this.#listeners.frame);
    t.off('announcement', this.#listeners.announcement);
    t.off('error', this.#listeners.error);
  }

  /**
   * The newest live state (telemetry and/or a fix). Latest wins: a set not yet sent is replaced. Throws a
   * ProtocolError for a value that does not encode, a RangeError for a set that does not fit in one frame.
   */
  sendLive(messages: readonly (Telemetry | Fix)[]): void {
    if (!Array.isArray(messages) || messages.length === 0 || messages.some((m) => m?.type !== 'telemetry' && m?.type !== 'fix')) {
      throw new TypeError(`messages must be a non-empty array of telemetry and fix messages, got ${JSON.stringify(messages)}`);
    }
    let bytes = 0;
    const others: Buffer[] = [];
    for (const m of messages) {
      const encoded = encodeMessage(m, this.#fixContext);
      bytes += encoded.length;
      if (m.type !== 'telemetry') others.push(encoded);
    }
    if (bytes > this.#frameLimit() - this.#overhead) {
      throw new RangeError(`messages take ${bytes} bytes, more than one frame of ${this.#frameLimit()} bytes carries`);
    }
    const telemetry = messages.findLast((m): m is Telemetry => m.type === 'telemetry') ?? null;
    this.#live = { telemetry, others, bytes };
    this.#kick();
  }

  /** Sends what can be sent now (outbox records, the pending live set); resolves when the loop is idle again. */
  async flush(): Promise<void> {
    this.#kick();
    await this.#pumping;
  }

  // --- sending ----------------------------------------------------------------------------------------------------

  #frameLimit(): number {
    return Math.min(this.#o.maxFrameBytes, this.#o.transport.maxFrameBytes);
  }

  #kick(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = null;
      this.#arm();
    });
  }

  async #pump(): Promise<void> {
    try {
      do {
        this.#again = false;
        while (this.#running && (await this.#step()));
      } while (this.#again && this.#running);
    } catch (error) {
      this.#log.error(() => `uplink send loop: ${(error as Error).message}`);
      this.#holdUntil = Date.now() + RETRY_AFTER_FAILURE_MS;
    }
  }

  /** Sends one frame if there is something to send; false when there is nothing (now). */
  async #step(): Promise<boolean> {
    const transport = this.#o.transport;
    if (!transport.isUp) return false;
    const now = Date.now();
    if (now < this.#holdUntil) return false;
    this.#inFlight.expire(now);
    const live = this.#live !== null && now >= this.#liveDueAt ? this.#live : null;
    const room = this.#frameLimit() - this.#overhead - (live?.bytes ?? 0);
    const batch = this.#inFlight.frames < this.#o.maxBacklogInFlight ? await this.#nextBatch(room, live === null) : [];
    if ((live === null && batch.length === 0) || !transport.isUp) return false;

    const header: FrameHeader = { kind: 'unit', unit: this.#o.unit.number, boot: this.#o.boot, seq: this.#seq++ };
    // The telemetry goes as what changed since it last went (live-delta.ts), settled only once the frame is sent.
    const telemetry = live?.telemetry ? this.#delta.compose(live.telemetry) : null;
    const liveParts = live ? [...(telemetry ? [encodeMessage(telemetry.message)] : []), ...live.others] : [];
    const frame = encodeFrameFromParts(header, [...liveParts, ...batch.map((e) => e.bytes)], this.#o.unitKey);
    const records = batch.map((e) => e.record);
    if (live) this.#live = null;
    if (records.length > 0) this.#inFlight.reserve(header.seq, records);
    try {
      await transport.send(frame);
    } catch (error) {
      this.#inFlight.release(header.seq);
      if (live && this.#live === null) this.#live = live;
      if (!(error instanceof LinkDownError)) {
        this.#stats.sendFailures++;
        this.#log.warn(() => `sending frame ${header.seq} failed: ${(error as Error).message}`);
        this.#holdUntil = Date.now() + RETRY_AFTER_FAILURE_MS;
      }
      return false;
    }
    for (const r of records) if (this.#inFlight.sends(r) > 0) this.#stats.recordsResent++;
    this.#inFlight.sent(header.seq, Date.now());
    this.#warnIfUnacked(records);
    this.#stats.framesSent++;
    this.#stats.bytesSent += frame.length;
    this.#stats.recordsSent += records.length;
    telemetry?.commit();
    if (live) {
      this.#stats.liveFramesSent++;
      // Keep the cadence (a late frame does not push every later one back), never closer than half a period.
      const period = this.#o.livePeriodMs;
      const late = now - this.#liveDueAt;
      this.#liveDueAt = late >= period ? now + period : Math.max(this.#liveDueAt + period, now + period / 2);
    }
    return true;
  }

  /** Warns once per start when a record has gone out too often without an ack: the district is dropping it. */
  #warnIfUnacked(records: readonly number[]): void {
    if (this.#warnedUnacked) return;
    const record = records.find((r) => this.#inFlight.sends(r) >= UNACKED_WARN_SENDS);
    if (record === undefined) return;
    this.#warnedUnacked = true;
    const sends = this.#inFlight.sends(record);
    const why = this.#anyAcked
      ? `the district acknowledged other records, so it refuses this one: this cart reused a record number the district stored`
      : `the district acknowledged nothing since this start (boot ${this.#o.boot}): it drops this cart's frames (a boot at or below one it saw) or refuses its record numbers (reused)`;
    this.#log.warn(
      `record ${record} went out ${sends} times without an acknowledgement; ${why} (a cart provisioned again into an empty data folder with an old bundle?). ` +
        `Ask the district for a fresh bundle (loa controller unit bundle ${this.#o.unit.name}) and provision the cart with it`,
    );
    this.emit('unacknowledged', { record, sends, anyAcked: this.#anyAcked });
  }

  /** The oldest records not in flight that fit in `room` bytes, in record order. */
  async #nextBatch(room: number, alone: boolean): Promise<OutboxEntry[]> {
    const budget = (this.#o.maxBacklogInFlight + 1) * this.#frameLimit();
    const entries = await this.#o.outbox.pending(budget);
    const batch: OutboxEntry[] = [];
    let used = 0;
    for (const e of entries) {
      if (this.#inFlight.has(e.record)) continue;
      if (used + e.bytes.length <= room) {
        batch.push(e);
        used += e.bytes.length;
        continue;
      }
      if (batch.length > 0 || !alone) break;
      // A record bigger than the packing size travels alone, if the link carries it at all.
      if (e.bytes.length + this.#overhead <= Math.min(this.#o.transport.maxFrameBytes, MAX_FRAME)) return [e];
      this.#stats.oversizeSkipped++;
      this.#log.warn(() => `record ${e.record} (${e.bytes.length} bytes) is too big for this link; it waits for a bigger one`);
    }
    return batch;
  }

  /** Wakes the loop for the next live slot, resend deadline or retry. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#running || !this.#o.transport.isUp) return;
    let next = this.#inFlight.nextDeadline();
    if (this.#live) next = Math.min(next, this.#liveDueAt);
    if (next === Number.POSITIVE_INFINITY) return;
    next = Math.max(next, this.#holdUntil);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#kick();
    }, Math.max(0, next - Date.now()));
  }

  // --- receiving --------------------------------------------------------------------------------------------------

  #enqueue(work: () => Promise<void>): void {
    this.#inbox = this.#inbox.then(work).catch((error: unknown) => {
      this.#log.error(() => `handling a district frame failed: ${(error as Error).message}`);
    });
  }

  #refuse(reason: RefusalReason, detail: string): void {
    this.#stats.refused[reason]++;
    this.#log.warn(() => `refused (${reason}): ${detail}`);
    this.emit('refused', reason, detail);
  }

  async #receiveFrame(bytes: Buffer): Promise<void> {
    this.#stats.framesReceived++;
    let header: FrameHeader;
    try {
      header = peekHeader(bytes);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      return this.#refuse('bad-header', error.message);
    }
    if (header.kind !== 'district') return this.#refuse('wrong-kind', `a ${header.kind} frame came down the district's channel`);
    if (header.unit !== this.#o.unit.number) return this.#refuse('wrong-unit', `frame for unit ${header.unit}; this is unit ${this.#o.unit.number}`);
    let frame;
    try {
      frame = decodeFrame(bytes, this.#o.unitKey);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      return this.#refuse(error.code === 'bad-tag' ? 'bad-tag' : 'bad-frame', error.message);
    }
    const { verdict, next } = checkReplay(this.#replay, frame.boot, frame.seq);
    if (verdict !== 'new') return this.#refuse('replay', `district frame boot ${frame.boot} seq ${frame.seq}: ${verdict}`);
    this.#replay = next;
    await this.#o.state.saveReplay(next);
    for (const m of frame.messages) {
      switch (m.type) {
        case 'ack': {
          this.#anyAcked = true;
          const removed = await this.#o.outbox.acknowledge(m.ranges);
          this.#inFlight.acknowledge(m.ranges);
          this.#stats.recordsAcked += removed;
          if (removed > 0) this.emit('acked', removed);
          this.#kick();
          break;
        }
        case 'command': {
          const outcome = await this.#commands.handle(m.signed);
          if (outcome.refusal === undefined) this.#stats.commandsObeyed++;
          else this.#refuse(`command-${outcome.refusal}`, outcome.detail);
          this.emit('command', outcome);
          this.#kick();
          break;
        }
        default:
          this.#log.debug(() => `ignored a ${m.type} message from the district`);
      }
    }
  }

  #receiveAnnouncement(bytes: Buffer): void {
    let announcement: Announcement;
    try {
      const opened = openSigned(bytes, this.#o.districtKeys);
      if (opened.body.type !== 'announcement') return this.#refuse('announcement', `a signed ${opened.body.type} came on the announcement channel`);
      announcement = opened.body.announcement;
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      return this.#refuse('announcement', `${error.code}: ${error.message}`);
    }
    if (announcement.district !== this.#o.district) {
      return this.#refuse('announcement', `announcement for district "${announcement.district}"; this cart belongs to "${this.#o.district}"`);
    }
    this.#stats.announcements++;
    try {
      this.#o.onAnnouncement(announcement, bytes);
    } catch (error) {
      this.#log.error(() => `onAnnouncement failed: ${(error as Error).message}`);
    }
  }
}
