/**
 * Acknowledgements (SPEC.md 0x07 ack): record numbers folded into inclusive ranges, packed into ack messages small
 * enough for a serial frame (2,048 bytes) whatever the backlog.
 */
import type { Ack } from './messages.js';

/** At most this many ranges per ack message: 10 bytes a range at worst, so one ack frame stays under 2,048 bytes. */
export const RANGES_PER_ACK = 150;

/** Sorted, merged inclusive ranges of the record numbers (duplicates allowed). */
export function recordRanges(records: Iterable<number>): [number, number][] {
  const sorted = [...new Set(records)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const n of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  return ranges;
}

/** One ack message per {@link RANGES_PER_ACK} ranges (send each in its own frame). */
export function ackMessages(records: Iterable<number>): Ack[] {
  const ranges = recordRanges(records);
  const out: Ack[] = [];
  for (let i = 0; i < ranges.length; i += RANGES_PER_ACK) out.push({ type: 'ack', ranges: ranges.slice(i, i + RANGES_PER_ACK) });
  return out;
}
