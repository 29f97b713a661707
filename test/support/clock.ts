// A clock to hand to code that takes one (`clock: () => number`, Unix milliseconds) in tests that run on real time:
// it starts at a chosen instant, whatever the machine's date, and runs on with the monotonic clock, so timers,
// timeouts and caches still see time pass.

export class TestClock {
  #start: number;
  readonly #since = performance.now();

  /** `startMs`: the Unix milliseconds the clock reads now. */
  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) throw new RangeError(`startMs must be Unix milliseconds, got ${String(startMs)}`);
    this.#start = startMs;
  }

  /** Unix milliseconds; pass it as the `clock` option. */
  readonly now = (): number => this.#start + Math.floor(performance.now() - this.#since);

  /** Unix seconds. */
  readonly seconds = (): number => Math.floor(this.now() / 1000);

  /** Moves the clock `ms` ahead (never back: what it timed must not see time run backwards). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance takes milliseconds ≥ 0, got ${String(ms)}`);
    this.#start += ms;
  }
}
