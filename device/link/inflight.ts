/**
 * Which durable records are out on the link waiting for the district's `ack`, in which frame, and when they are
 * due to be sent again. Pure bookkeeping, no I/O and no clock of its own: the uplink passes `now` in.
 *
 * A frame's records become sendable again when its deadline passes (the timeout grows with each resend of the same
 * record), when the link goes down (`clear()`), or never once acknowledged.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';

interface FrameInFlight {
  records: Set<number>;
  /** When its records may be sent again; Infinity while the transport has not taken the frame yet. */
  deadline: number;
}

export class InFlightRecords {
  readonly #timeout: BackoffOptions;
  /** Frame seq → what it carries. */
  readonly #frames = new Map<number, FrameInFlight>();
  /** Record → the frame seq it is in flight in. */
  readonly #records = new Map<number, number>();
  /** Record → how many times it went out, until it is acknowledged. */
  readonly #sends = new Map<number, number>();

  constructor(ackTimeout: BackoffOptions) {
    this.#timeout = ackTimeout;
  }

  /** Backlog frames out and not yet fully acknowledged or timed out. */
  get frames(): number {
    return this.#frames.size;
  }

  has(record: number): boolean {
    return this.#records.has(record);
  }

  /** How many times this record has been handed to the link so far. */
  sends(record: number): number {
    return this.#sends.get(record) ?? 0;
  }

  /** Reserves records for frame `seq` before it is handed to the link (an ack may race the send). */
  reserve(seq: number, records: readonly number[]): void {
    const set = new Set(records);
    this.#frames.set(seq, { records: set, deadline: Number.POSITIVE_INFINITY });
    for (const r of records) this.#records.set(r, seq);
  }

  /** The link took frame `seq`: start its acknowledgement timer. */
  sent(seq: number, now: number): void {
    const frame = this.#frames.get(seq);
    if (!frame) return;
    let attempts = 0;
    for (const r of frame.records) {
      const n = (this.#sends.get(r) ?? 0) + 1;
      this.#sends.set(r, n);
      attempts = Math.max(attempts, n);
    }
    if (frame.records.size === 0) this.#frames.delete(seq);
    else frame.deadline = now + backoffDelay(attempts, this.#timeout);
  }

  /** The link refused frame `seq`: its records are sendable again at once. */
  release(seq: number): void {
    const frame = this.#frames.get(seq);
    if (!frame) return;
    for (const r of frame.records) this.#records.delete(r);
    this.#frames.delete(seq);
  }

  /** Forgets acknowledged records; returns how many were in flight. */
  acknowledge(ranges: readonly (readonly [number, number])[]): number {
    const inRanges = (r: number): boolean => ranges.some(([first, last]) => r >= first && r <= last);
    let count = 0;
    for (const [record, seq] of this.#records) {
      if (!inRanges(record)) continue;
      count++;
      this.#records.delete(record);
      const frame = this.#frames.get(seq);
      frame?.records.delete(record);
      if (frame && frame.records.size === 0 && frame.deadline !== Number.POSITIVE_INFINITY) this.#frames.delete(seq);
    }
    for (const record of this.#sends.keys()) if (inRanges(record)) this.#sends.delete(record);
    return count;
  }

  /** Frames whose deadline has passed give their records back; returns how many records. */
  expire(now: number): number {
    let count = 0;
    for (const [seq, frame] of this.#frames) {
      if (frame.deadline > now) continue;
      count += frame.records.size;
      this.release(seq);
    }
    return count;
  }

  /** The link went down: everything in flight is sendable again when it is back. */
  clear(): void {
    this.#frames.clear();
    this.#records.clear();
  }

  /** The earliest deadline, or Infinity. */
  nextDeadline(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.#frames.values()) next = Math.min(next, f.deadline);
    return next;
  }
}
