/**
 * How much one cart may put on the ingest (issue 12: one flooding cart must not exhaust the controller's memory nor
 * make the other carts wait).
 *
 * - {@link FairQueue}: what arrived and is not yet in a batch, one FIFO per unit, taken round-robin, bounded per unit
 *   and in all (frames and bytes). An arrival over a bound is refused at once: nothing of it is kept or acknowledged.
 * - {@link UnitRateLimiter}: a token bucket per unit on frames/s and bytes/s, one pair for live frames (telemetry,
 *   fixes: a cart sends one every `telemetryPeriodMs`, at least 1 s, SPEC.md 4) and one for frames with durable
 *   records (paced by the cart's acks, at most 4 frames in flight; the burst lets a backlog of weeks through at once).
 */
import { TokenBucket, type BucketSize } from '../../lib/token-bucket.js';

/** The limits of one class of frames of one unit. */
export interface FlowLimit {
  frames: BucketSize;
  bytes: BucketSize;
}

export interface RateLimits {
  /** Frames with live messages only (telemetry, fixes). */
  live: FlowLimit;
  /** Frames with durable records (hello, play, event, track, command-result). */
  durable: FlowLimit;
}

/**
 * A cart sends a live frame (telemetry and its fix together) every `telemetryPeriodMs` (30 s by default, never under
 * 1 s) of 40–60 bytes: 2 a second with a burst of 10 is twice the fastest configuration, 60 times the default. (Each
 * live frame costs two statements in a commit: the burst is what a flood adds to the other carts' commits.) A backlog travels in frames of at most 1,024 bytes by
 * default (64 KiB on MQTT), 4 awaiting an ack: weeks offline (a few thousand records a day) are a few MB, which the
 * burst lets through at full speed; after it 100 frames / 1 MiB a second.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  live: { frames: { rate: 2, burst: 10 }, bytes: { rate: 2048, burst: 16 * 1024 } },
  durable: { frames: { rate: 100, burst: 4000 }, bytes: { rate: 1024 * 1024, burst: 8 * 1024 * 1024 } },
};

interface UnitBuckets {
  live: [TokenBucket, TokenBucket];
  durable: [TokenBucket, TokenBucket];
  /** Last use, ms: idle units are forgotten. */
  used: number;
}

/** Per-unit token buckets. `now` is a monotonic clock in ms. */
export class UnitRateLimiter {
  readonly #units = new Map<string, UnitBuckets>();

  constructor(
    readonly limits: RateLimits,
    readonly now: () => number,
  ) {}

  /** Takes one frame of `bytes` bytes of `unit` if both of its buckets have room; false (and nothing taken) otherwise. */
  take(unit: string, kind: keyof RateLimits, bytes: number): boolean {
    const now = this.now();
    let b = this.#units.get(unit);
    if (!b) {
      if (this.#units.size >= 100_000) this.#forgetIdle(now);
      const pair = (l: FlowLimit): [TokenBucket, TokenBucket] => [new TokenBucket(l.frames, now), new TokenBucket(l.bytes, now)];
      b = { live: pair(this.limits.live), durable: pair(this.limits.durable), used: now };
      this.#units.set(unit, b);
    }
    b.used = now;
    const [frames, size] = b[kind];
    if (frames.refill(now) < 1 || size.refill(now) < bytes) return false;
    frames.take(1);
    size.take(bytes);
    return true;
  }

  /** A unit idle long enough has full buckets again: forgetting it changes nothing. */
  #forgetIdle(now: number): void {
    for (const [unit, b] of this.#units) if (now - b.used > 3_600_000) this.#units.delete(unit);
  }
}

/** Bounds of the {@link FairQueue}. */
export interface QueueLimits {
  /** Frames waiting, all units together. */
  frames: number;
  /** Bytes waiting, all units together. */
  bytes: number;
  /** Frames waiting, one unit. */
  unitFrames: number;
  /** Bytes waiting, one unit. */
  unitBytes: number;
}

/**
 * A legitimate cart has at most 4 backlog frames (of at most 64 KiB) and a live frame on their way: 256 frames or
 * 1 MiB of one unit is a flood. 20,000 frames / 32 MiB in all is a few seconds of the whole fleet at full speed.
 */
export const DEFAULT_QUEUE_LIMITS: QueueLimits = { frames: 20_000, bytes: 32 * 1024 * 1024, unitFrames: 256, unitBytes: 1024 * 1024 };

interface Lane<T> {
  items: T[];
  head: number;
  bytes: number;
}

/** One FIFO per key, taken round-robin, bounded per key and in all. */
export class FairQueue<T> {
  readonly #lanes = new Map<string, Lane<T>>();
  /** Keys with items, in turn order. */
  #turn: string[] = [];
  #turnHead = 0;
  #frames = 0;
  #bytes = 0;

  constructor(readonly limits: QueueLimits) {}

  get size(): number {
    return this.#frames;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Queues `item` of `bytes` under `key`; false (nothing kept) when a bound would be passed. */
  push(key: string, item: T, bytes: number): boolean {
    const l = this.limits;
    let lane = this.#lanes.get(key);
    const laneFrames = lane ? lane.items.length - lane.head : 0;
    if (this.#frames >= l.frames || this.#bytes + bytes > l.bytes || laneFrames >= l.unitFrames || (lane?.bytes ?? 0) + bytes > l.unitBytes) return false;
    if (!lane) {
      lane = { items: [], head: 0, bytes: 0 };
      this.#lanes.set(key, lane);
      this.#turn.push(key);
    }
    lane.items.push(item);
    lane.bytes += bytes;
    this.#frames++;
    this.#bytes += bytes;
    return true;
  }

  /** The next item, from the next key in turn; `bytes` is what it was queued with. */
  shift(bytesOf: (item: T) => number): T | undefined {
    if (this.#turnHead >= this.#turn.length) return undefined;
    const key = this.#turn[this.#turnHead++]!;
    const lane = this.#lanes.get(key)!;
    const item = lane.items[lane.head]!;
    lane.items[lane.head++] = undefined as T;
    const n = bytesOf(item);
    lane.bytes -= n;
    this.#frames--;
    this.#bytes -= n;
    if (lane.head === lane.items.length) this.#lanes.delete(key);
    else {
      if (lane.head > 1024) {
        lane.items = lane.items.slice(lane.head);
        lane.head = 0;
      }
      this.#turn.push(key);
    }
    if (this.#turnHead > 1024) {
      this.#turn = this.#turn.slice(this.#turnHead);
      this.#turnHead = 0;
    }
    return item;
  }
}
