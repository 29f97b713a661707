/**
 * What the uplink needs from the cart's durable storage. The cart's outbox (device/store/outbox.ts) and its
 * key-value table implement these; the uplink depends only on the interfaces.
 */
import type { ReplayState } from '../../protocol/index.js';

/** One durable record waiting for the district's acknowledgement. */
export interface OutboxEntry {
  record: number;
  /** `encodeMessage(record)`: resent byte-identical until acknowledged. */
  bytes: Buffer;
}

/** The durable records not yet acknowledged, oldest first. */
export interface OutboxSource {
  /** The oldest unacknowledged entries, in record order, whose bytes add up to at most `maxBytes`. */
  pending(maxBytes: number): Promise<OutboxEntry[]>;
  /** Removes the records in these inclusive ranges; resolves to how many were removed. */
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
