/** Playback time that stops while paused. Shared by the real and the simulated player. */
export class PlaybackClock {
  readonly #now: () => number;
  #startedAt: number | undefined;
  #pausedAt: number | undefined;
  #pausedTotal = 0;
  #frozen: number | undefined;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Back to zero, not running. */
  reset(): void {
    this.#startedAt = this.#pausedAt = this.#frozen = undefined;
    this.#pausedTotal = 0;
  }

  start(): void {
    this.#startedAt = this.#now();
    this.#pausedAt = this.#frozen = undefined;
    this.#pausedTotal = 0;
  }

  pause(): void {
    if (this.#startedAt !== undefined && this.#pausedAt === undefined && this.#frozen === undefined) this.#pausedAt = this.#now();
  }

  resume(): void {
    if (this.#pausedAt === undefined) return;
    this.#pausedTotal += this.#now() - this.#pausedAt;
    this.#pausedAt = undefined;
  }

  /** Stops the clock: `elapsedMs` keeps the final value. */
  stop(): void {
    if (this.#startedAt !== undefined && this.#frozen === undefined) this.#frozen = this.elapsedMs;
  }

  get elapsedMs(): number {
    if (this.#frozen !== undefined) return this.#frozen;
    if (this.#startedAt === undefined) return 0;
    const end = this.#pausedAt ?? this.#now();
    return Math.max(0, end - this.#startedAt - this.#pausedTotal);
  }
}
