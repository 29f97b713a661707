/** A token bucket: `rate` tokens a second, at most `burst`; starts full. */
export interface BucketSize {
  rate: number;
  burst: number;
}

/** One token bucket on a monotonic clock in milliseconds (the caller's `now`). */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly size: BucketSize,
    now: number,
  ) {
    this.#tokens = size.burst;
    this.#at = now;
  }

  /** Tokens now (refilled up to the burst). */
  refill(now: number): number {
    if (now > this.#at) {
      this.#tokens = Math.min(this.size.burst, this.#tokens + ((now - this.#at) / 1000) * this.size.rate);
      this.#at = now;
    }
    return this.#tokens;
  }

  take(n: number): void {
    this.#tokens -= n;
  }

  /** Takes `n` tokens when there are that many now; false (nothing taken) otherwise. */
  tryTake(n: number, now: number): boolean {
    if (this.refill(now) < n) return false;
    this.#tokens -= n;
    return true;
  }
}
