/**
 * The outbox as the link sees it (SPEC.md 3 "Delivery"): durable records, already encoded, resent byte-identical
 * inside new frames until an `ack` covers them. The cart's store implements it (`CartStore`); the link consumes it.
 */

/** One durable record waiting for its acknowledgement. */
export interface OutboxEntry {
  /** The record number (never reused by this cart). */
  record: number;
  /** `encodeMessage(record)`: `type | length | payload`, exactly as first encoded. */
  bytes: Buffer;
}

export interface OutboxSource {
  /** Unacknowledged records, oldest first, whose bytes add up to at most maxBytes (at least one if any). */
  pending(maxBytes: number): Promise<OutboxEntry[]>;
  /** Marks these inclusive ranges acknowledged; returns how many were newly acknowledged. */
  acknowledge(ranges: readonly [number, number][]): Promise<number>;
  /** Unacknowledged records now. */
  depth(): Promise<number>;
}
