/**
 * Replay protection that needs no clock (SPEC.md "Replay protection"): a sender's (boot, seq) pairs must be new.
 * A frame from an older boot is refused; within the newest boot, a sliding window of WINDOW counters accepts frames
 * that arrive a little out of order, once each.
 */
export const REPLAY_WINDOW = 64;

/** What a receiver keeps per sender; small and plain so it can be stored in a database row. */
export interface ReplayState {
  boot: number;
  /** Highest seq accepted in `boot`, -1 before the first. */
  top: number;
  /** Bit i set = seq (top - i) was seen, for i < WINDOW. Stored as a decimal string of a 64-bit value. */
  seen: string;
}

export type ReplayVerdict = 'new' | 'old-boot' | 'duplicate' | 'too-old';

export function freshReplayState(): ReplayState {
  return { boot: 0, top: -1, seen: '0' };
}

const MASK = (1n << BigInt(REPLAY_WINDOW)) - 1n;

/** Checks (boot, seq) against the state; on 'new' returns the state to keep. Does not change `state`. */
export function checkReplay(state: ReplayState, boot: number, seq: number): { verdict: ReplayVerdict; next: ReplayState } {
  if (boot < state.boot) return { verdict: 'old-boot', next: state };
  if (boot > state.boot) return { verdict: 'new', next: { boot, top: seq, seen: '1' } };
  const seen = BigInt(state.seen);
  if (seq > state.top) {
    const shift = BigInt(seq - state.top);
    const moved = shift >= BigInt(REPLAY_WINDOW) ? 0n : (seen << shift) & MASK;
    return { verdict: 'new', next: { boot, top: seq, seen: (moved | 1n).toString() } };
  }
  const back = state.top - seq;
  if (back >= REPLAY_WINDOW) return { verdict: 'too-old', next: state };
  const bit = 1n << BigInt(back);
  if ((seen & bit) !== 0n) return { verdict: 'duplicate', next: state };
  return { verdict: 'new', next: { boot, top: state.top, seen: (seen | bit).toString() } };
}
