/**
 * Collects rows that arrive often (GNSS track points every second, power samples every minute) and writes them in
 * one transaction every `maxRows` rows or `maxDelayMs` after the first queued row, whichever comes first: with
 * SQLite costing a commit (an fsync) per transaction, one row per transaction would wear the card and the battery.
 *
 * Rows still queued when the power goes are lost (at most `maxDelayMs` of them): they are live data, not records.
 */

export interface RowBatcherOptions<T> {
  /** Write as soon as this many rows are queued. */
  maxRows: number;
  /** Write at most this long after the oldest queued row arrived, ms. */
  maxDelayMs: number;
  /** Rows kept while writes fail; the oldest beyond this are dropped (and reported to `onError`). */
  maxQueued: number;
  /** Writes the rows in one transaction; must reject without having written any of them. */
  write(rows: readonly T[]): Promise<void>;
  /** A background write failed (rows are kept for the next try) or rows had to be dropped. */
  onError(err: unknown, dropped: number): void;
}

export class RowBatcher<T> {
  readonly #options: RowBatcherOptions<T>;
  #rows: T[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  /** The last write failed: wait for the timer before trying again, however many rows arrive. */
  #failed = false;
  #dropped = 0;

  constructor(options: RowBatcherOptions<T>) {
    for (const name of ['maxRows', 'maxDelayMs', 'maxQueued'] as const) {
      const value = options[name];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive whole number, got ${String(value)}`);
    }
    if (options.maxQueued < options.maxRows) {
      throw new RangeError(`maxQueued must be at least maxRows (${options.maxRows}), got ${options.maxQueued}`);
    }
    this.#options = options;
  }

  /** Rows waiting to be written. */
  get queued(): number {
    return this.#rows.length;
  }

  /** Rows dropped since creation because writes kept failing. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues a row; a write starts when enough rows are queued or the oldest has waited long enough. */
  add(row: T): void {
    this.#rows.push(row);
    this.#trim();
    if (this.#rows.length >= this.#options.maxRows && !this.#failed) this.#kick();
    else this.#arm();
  }

  /** Writes every row queued now; rejects if the write fails (the rows stay queued). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
    if (this.#rows.length === 0) return;
    this.#disarm();
    const rows = this.#rows;
    this.#rows = [];
    const writing = this.#options.write(rows).catch((err: unknown) => {
      this.#rows = rows.concat(this.#rows);
      this.#trim();
      throw err;
    });
    this.#writing = writing;
    let ok = false;
    try {
      await writing;
      ok = true;
    } finally {
      this.#writing = null;
      this.#failed = !ok;
      // After a failure, retry only when the timer fires, not in a tight loop.
      if (ok && this.#rows.length >= this.#options.maxRows) this.#kick();
      else this.#arm();
    }
  }

  /** Stops the timer; queued rows stay until the next `flush()`. */
  stop(): void {
    this.#disarm();
  }

  #kick(): void {
    if (this.#writing) return; // the write in flight looks at the queue again when it ends
    this.#disarm();
    this.flush().catch((err: unknown) => this.#options.onError(err, 0));
  }

  #arm(): void {
    if (this.#timer || this.#rows.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#failed = false;
      this.#kick();
    }, this.#options.maxDelayMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #trim(): void {
    const excess = this.#rows.length - this.#options.maxQueued;
    if (excess <= 0) return;
    this.#rows.splice(0, excess);
    this.#dropped += excess;
    this.#options.onError(new Error(`${excess} queued rows dropped: the database has not accepted writes for a while`), excess);
  }
}
