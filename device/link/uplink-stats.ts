/** What the uplink counts: what it sent, and everything it refused, by reason. */

export const REFUSAL_REASONS = [
  /** Not a frame at all (bad version, truncated header). */
  'bad-header',
  /** A frame of the unit kind on the district's channel (an echo or a reflection). */
  'wrong-kind',
  /** A district frame for another cart. */
  'wrong-unit',
  /** The HMAC tag does not match this cart's key. */
  'bad-tag',
  /** The tag is good but a message in it does not decode. */
  'bad-frame',
  /** (boot, seq) already seen or too old. */
  'replay',
  'command-bad-signature',
  'command-expired',
  'command-replay',
  /** Signed by the district but for an action this cart does not know (a newer district): answered, not obeyed. */
  'command-unknown-action',
  /** For another unit, not a command, or otherwise unreadable. */
  'command-refused',
  /** A manifest announcement that does not verify or is for another district. */
  'announcement',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface UplinkStats {
  framesSent: number;
  liveFramesSent: number;
  bytesSent: number;
  /** Record copies sent, resends included. */
  recordsSent: number;
  /** Record copies that were resends. */
  recordsResent: number;
  /** Records the district acknowledged (removed from the outbox). */
  recordsAcked: number;
  /** Sends that failed for another reason than the link being down. */
  sendFailures: number;
  /** Records too big for the link they would go on (they wait for a bigger one). */
  oversizeSkipped: number;
  framesReceived: number;
  commandsObeyed: number;
  announcements: number;
  refused: Record<RefusalReason, number>;
}

export function emptyUplinkStats(): UplinkStats {
  return {
    framesSent: 0,
    liveFramesSent: 0,
    bytesSent: 0,
    recordsSent: 0,
    recordsResent: 0,
    recordsAcked: 0,
    sendFailures: 0,
    oversizeSkipped: 0,
    framesReceived: 0,
    commandsObeyed: 0,
    announcements: 0,
    refused: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>,
  };
}
