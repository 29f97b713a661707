/**
 * The cart's best idea of the time, and where it came from (DESIGN.md "Time": the cart may have no network time).
 * In order of trust:
 * 1. `system`: the system clock, while the OS says it is synchronised (NTP over the cellular link);
 * 2. `gnss`: the last GNSS time plus the monotonic time since it, while that fix is recent (`gnssValidForMs`);
 * 3. `estimated`: the most recent good time seen (a system or GNSS time, or the last known good time persisted
 *    before the power went) plus the monotonic time since. After a power cut it is a lower bound: the time the cart
 *    was off is not counted;
 * 4. `unknown`: the wall clock as it is (on a Pi without a real-time clock, whatever fake-hwclock restored).
 * Pure: the clocks are passed in. Times are ms since the epoch; `stamp()` gives the protocol's Unix seconds.
 */
import type { Stamp, TimeSource } from '../../protocol/index.js';

export interface CartClockOptions {
  /** The system clock, ms since the epoch (`Date.now`). */
  wallNow: () => number;
  /** A clock that never jumps, ms (`performance.now`); only differences are used. */
  monotonicNow: () => number;
  /** True while the OS reports the system clock synchronised (see system-clock.ts). */
  systemSynchronised: () => boolean;
  /** The last good time persisted before this start, ms since the epoch. */
  lastKnownGood?: number;
  /** How long a GNSS time stays the `gnss` source after its fix, ms (default 10 min); older, it is `estimated`. */
  gnssValidForMs?: number;
  /**
   * GNSS times before this are refused, ms since the epoch (default 1 January 2025): receivers with a GPS
   * week-number rollover bug report dates about 19.6 years back.
   */
  notBefore?: number;
}

export interface ClockReading {
  /** Ms since the epoch. */
  time: number;
  source: TimeSource;
}

interface Anchor {
  time: number;
  mono: number;
  source: 'system' | 'gnss' | 'estimated';
}

export class CartClock {
  readonly #wallNow: () => number;
  readonly #monotonicNow: () => number;
  readonly #systemSynchronised: () => boolean;
  readonly #gnssValidForMs: number;
  readonly #notBefore: number;
  readonly #initialLastKnownGood: number | null;
  /** The most recent good time and the monotonic time it was seen at. */
  #anchor: Anchor | null = null;

  constructor(options: CartClockOptions) {
    this.#wallNow = options.wallNow;
    this.#monotonicNow = options.monotonicNow;
    this.#systemSynchronised = options.systemSynchronised;
    this.#gnssValidForMs = options.gnssValidForMs ?? 600_000;
    if (!(this.#gnssValidForMs >= 0)) throw new RangeError(`gnssValidForMs must be 0 or more, got ${String(options.gnssValidForMs)}`);
    this.#notBefore = options.notBefore ?? Date.UTC(2025, 0, 1);
    const lkg = options.lastKnownGood;
    if (lkg !== undefined && !Number.isFinite(lkg)) throw new RangeError(`lastKnownGood must be ms since the epoch, got ${String(lkg)}`);
    this.#initialLastKnownGood = lkg ?? null;
    if (lkg !== undefined) this.#anchor = { time: lkg, mono: this.#monotonicNow(), source: 'estimated' };
  }

  /**
   * Records the UTC time of a GNSS fix (ms since the epoch) just received. Returns false, and ignores it, for a time
   * that is not a number or is before `notBefore`.
   */
  observeGnss(utcMs: number): boolean {
    if (!Number.isFinite(utcMs) || utcMs < this.#notBefore) return false;
    this.#anchor = { time: utcMs, mono: this.#monotonicNow(), source: 'gnss' };
    return true;
  }

  /** The best time now and its source. */
  now(): ClockReading {
    const mono = this.#monotonicNow();
    if (this.#systemSynchronised()) {
      const time = this.#wallNow();
      this.#anchor = { time, mono, source: 'system' };
      return { time, source: 'system' };
    }
    const anchor = this.#anchor;
    if (anchor === null) return { time: this.#wallNow(), source: 'unknown' };
    const since = mono - anchor.mono;
    const source = anchor.source === 'gnss' && since <= this.#gnssValidForMs ? 'gnss' : 'estimated';
    return { time: anchor.time + since, source };
  }

  /** What to persist as the last known good time (ms since the epoch); null while no time better than the wall clock is known. */
  lastKnownGood(): number | null {
    const reading = this.now();
    return reading.source === 'unknown' ? this.#initialLastKnownGood : reading.time;
  }

  /** The time as the protocol carries it: whole Unix seconds and the source. */
  stamp(): Stamp {
    const { time, source } = this.now();
    return { time: Math.max(0, Math.floor(time / 1000)), source };
  }
}
