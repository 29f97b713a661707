/**
 * How the cart's uplink reaches the district: a byte pipe for whole frames, whatever carries them (MQTT, a serial
 * radio or cable, or both with failover). A transport knows nothing of keys, counters or records: it moves frames
 * and signed objects, and says when it is up.
 */
import type { EventEmitter } from 'node:events';

export interface LinkTransportEventMap {
  /** The transport can send (after `start()`, and again after each reconnection). */
  up: [];
  /** The transport can no longer send; it reconnects by itself until `stop()`. */
  down: [reason: Error | null];
  /** A tagged frame from the district (kind `district` on the version byte; not yet verified). */
  frame: [bytes: Buffer];
  /** A district-signed object (kind `signed`): a manifest announcement, not yet verified. */
  announcement: [bytes: Buffer];
  /** A problem the transport recovers from by itself (failed connection attempt, broker error). */
  error: [error: Error];
}

/**
 * A link to the district for one cart.
 *
 * - `start()` begins connecting and resolves once the first attempt is under way; `up` tells when it can send.
 * - `send(bytes)` carries one whole frame; it resolves once the link has taken the frame (MQTT: the broker's PUBACK;
 *   serial: the bytes are on the line) and rejects with a `LinkDownError` while the link is down. A frame in flight
 *   when the link drops may be lost: the uplink resends records until they are acknowledged.
 * - `stop()` ends the link cleanly (MQTT publishes `offline`); no event follows once it has resolved.
 * - `maxFrameBytes` is the largest frame this link carries (SPEC.md section 2: 65,536 on MQTT, 2,048 on serial).
 */
export interface LinkTransport extends EventEmitter<LinkTransportEventMap> {
  start(): Promise<void>;
  stop(): Promise<void>;
  send(bytes: Buffer): Promise<void>;
  readonly isUp: boolean;
  readonly maxFrameBytes: number;
}

export type LinkErrorCode = 'LINK_DOWN';

/** A send attempted while the link is down; the uplink keeps the data and tries again when the link is back. */
export class LinkDownError extends Error {
  override readonly name = 'LinkDownError';
  readonly code: LinkErrorCode = 'LINK_DOWN';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
