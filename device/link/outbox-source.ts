/**
 * What the uplink needs from the cart's durable storage (SPEC.md 3 "Delivery"): durable records, already encoded,
 * resent byte-identical inside new frames until an `ack` covers them, and the uplink's small state. The cart's store
 * (`CartStore`, device/store/store.ts) implements these; the uplink depends only on the interfaces.
 */
import type { ReplayState } from '../../protocol/index.js';

/** One durable record waiting for the district's acknowledgement. */
export interface OutboxEntry {
  /** The record number (never reused by this cart). */
  record: number;
  /** `encodeMessage(record)`: `type | length | payload`, resent byte-identical until acknowledged. */
  bytes: Buffer;
}

/** The durable records not yet acknowledged, oldest first. */
export interface OutboxSource {
  /** The oldest unacknowledged entries, in record order, whose bytes add up to at most `maxBytes` (at least one if any). */
  pending(maxBytes: number): Promise<OutboxEntry[]>;
  /** Marks the records in these inclusive ranges acknowledged; resolves to how many were newly acknowledged. */
  acknowledge(ranges: readonly [number, number][]): Promise<number>;
  /** How many records are waiting. */
  depth(): Promise<number>;
}

/** The uplink's small persistent state, kept by the cart (its key-value table). */
export interface UplinkStateStore {
  /** Replay window of the district's frames to this cart; undefined before the first one. */
  loadReplay(): Promise<ReplayState | undefined>;
  saveReplay(s: ReplayState): Promise<void>;
  /** Counter of the last command obeyed; 0 before the first. */
  loadLastCommandCounter(): Promise<number>;
  saveLastCommandCounter(n: number): Promise<void>;
}
