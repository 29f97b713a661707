// In-memory implementations of the uplink's storage interfaces, for tests: typed against the interfaces, so they
// cannot drift from what device/store implements.
import { encodeMessage, type DurableRecord, type ReplayState, type Stamp } from '../../../protocol/index.js';
import type { OutboxEntry, OutboxSource, UplinkStateStore } from '../../../device/link/outbox-source.js';

export class MemoryOutbox implements OutboxSource {
  readonly #entries = new Map<number, Buffer>();
  #next = 1;

  /** Appends records (numbered here) and returns their entries. */
  add(make: (record: number) => DurableRecord, count = 1): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (let i = 0; i < count; i++) {
      const record = this.#next++;
      const bytes = encodeMessage(make(record));
      this.#entries.set(record, bytes);
      out.push({ record, bytes });
    }
    return out;
  }

  /** The stored bytes of a record, while unacknowledged. */
  bytes(record: number): Buffer | undefined {
    return this.#entries.get(record);
  }

  pending(maxBytes: number): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    let used = 0;
    for (const record of [...this.#entries.keys()].sort((a, b) => a - b)) {
      const bytes = this.#entries.get(record)!;
      if (out.length > 0 && used + bytes.length > maxBytes) break;
      out.push({ record, bytes });
      used += bytes.length;
    }
    return Promise.resolve(out);
  }

  acknowledge(ranges: readonly [number, number][]): Promise<number> {
    let n = 0;
    for (const [first, last] of ranges) {
      for (const record of [...this.#entries.keys()]) {
        if (record >= first && record <= last && this.#entries.delete(record)) n++;
      }
    }
    return Promise.resolve(n);
  }

  depth(): Promise<number> {
    return Promise.resolve(this.#entries.size);
  }
}

export class MemoryUplinkState implements UplinkStateStore {
  replay: ReplayState | undefined;
  lastCommandCounter = 0;
  saves = 0;

  loadReplay(): Promise<ReplayState | undefined> {
    return Promise.resolve(this.replay);
  }
  saveReplay(s: ReplayState): Promise<void> {
    this.replay = s;
    this.saves++;
    return Promise.resolve();
  }
  loadLastCommandCounter(): Promise<number> {
    return Promise.resolve(this.lastCommandCounter);
  }
  saveLastCommandCounter(n: number): Promise<void> {
    this.lastCommandCounter = n;
    return Promise.resolve();
  }
}

/** 2026-11-29 08:00:00 +07:00, GNSS time. */
export const T0 = 1_795_914_000;
export const gnssStamp = (): Stamp => ({ time: T0, source: 'gnss' });

/** A play record of a realistic size (about 40 bytes encoded). */
export function playRecord(record: number): DurableRecord {
  return {
    type: 'play',
    record,
    start: { time: T0 + record, source: 'gnss' },
    clip: `c-${String(record % 1000).padStart(4, '0')}`,
    manifestVersion: 12,
    seconds: 93.4,
    outcome: 'completed',
    trigger: 'button',
    volume: 60,
    where: { lat: 19.8795123, lon: 105.6012345 },
  };
}
