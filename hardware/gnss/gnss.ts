// The GNSS receiver capability: where the cart is and what time it is. Backends: serial-gnss.ts (a receiver on a
// serial port, NMEA 0183) and sim-gnss.ts (a simulated route, for development and tests).
import type { EventEmitter } from 'node:events';
import type { NmeaCounts, NmeaFix } from './nmea-stream.js';

export type { FixDimension, FixQuality } from './nmea.js';
export type { NmeaCounts, NmeaFix } from './nmea-stream.js';

/** An epoch with a usable position. */
export interface GnssFix extends NmeaFix {
  hasFix: true;
  latitude: number;
  longitude: number;
}

/** An epoch in which the receiver reported no usable position (searching, antenna covered, indoors). */
export interface GnssNoFix extends NmeaFix {
  hasFix: false;
}

/** Counters of a receiver since it was created. */
export interface GnssStats extends NmeaCounts {
  /** Times the receiver's port was opened (1 + reconnections). */
  connects: number;
  /** Times the receiver went away (unplugged, port error). */
  disconnects: number;
}

export interface GnssEventMap {
  /** One per receiver epoch with a position (usually once a second). */
  fix: [fix: GnssFix];
  /** One per receiver epoch without a position. */
  nofix: [epoch: GnssNoFix];
  /**
   * Something went wrong that the receiver recovers from by itself (port error, failed reopen). Emitted only when
   * someone listens, so that an unattended cart does not crash on it; it is always logged.
   */
  error: [error: Error];
  /** The receiver's port is open and data may flow. */
  connected: [];
  /** The receiver went away; the backend keeps trying to reconnect until `close()`. */
  disconnected: [];
}

/**
 * A GNSS receiver.
 *
 * - `open()` starts it. It resolves once the first attempt to reach the receiver is over; a receiver that is absent
 *   then is retried in the background (`connected` tells when it comes).
 * - `close()` stops it and its retries; no event follows once it has resolved.
 * - `lastFix` is the most recent epoch with a position, kept across `nofix` and disconnections (null before).
 */
export interface GnssReceiver extends EventEmitter<GnssEventMap> {
  open(): Promise<void>;
  close(): Promise<void>;
  stats(): GnssStats;
  readonly lastFix: GnssFix | null;
}

/** Narrows an epoch from the parser to the event it belongs to. */
export function isGnssFix(epoch: NmeaFix): epoch is GnssFix {
  return epoch.hasFix && epoch.latitude !== null && epoch.longitude !== null;
}

/**
 * Emits each epoch from the parser as `fix` or `nofix`. `setLastFix` is called before each `fix` is emitted, so a
 * listener that reads the receiver's `lastFix` sees the fix it is handling.
 */
export function publishEpochs(receiver: EventEmitter<GnssEventMap>, epochs: readonly NmeaFix[], setLastFix: (fix: GnssFix) => void): void {
  for (const epoch of epochs) {
    if (isGnssFix(epoch)) {
      setLastFix(epoch);
      receiver.emit('fix', epoch);
    } else {
      receiver.emit('nofix', { ...epoch, hasFix: false });
    }
  }
}
