/**
 * Keeps the reports' per-day rollup filled as days end, and the finished months of the current year in memory
 * (months.ts), so that the monthly, six-month and yearly reports the operating board asks for read what changed
 * since instead of building the rollup on the spot (about 20 s for a year of 100 carts) or reading the year's rows
 * (a second). It computes the year's report and drops it: that is what fills both, on the connection the reports
 * use. A feature of the running controller: `start()` / `stop()`; a failure is logged.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { silentLogger, type Logger } from '../logger.js';
import { computeReport } from './compute.js';
import { parsePeriod, vnDateParts } from './period.js';

export interface RollupWarmerOptions {
  db: SqliteDb;
  /** How often, ms (default one hour; the first run a minute after start). */
  everyMs?: number;
  firstAfterMs?: number;
  /** Unix seconds. */
  now?: () => number;
  logger?: Logger;
}

export class RollupWarmer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;

  constructor(private readonly o: RollupWarmerOptions) {}

  async start(): Promise<void> {
    this.#schedule(this.o.firstAfterMs ?? 60_000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Fills the rollup for the finished days of the current year (Vietnam time) and keeps its finished months. */
  async warm(): Promise<void> {
    const now = (this.o.now ?? (() => Math.floor(Date.now() / 1000)))();
    await computeReport(this.o.db, { period: parsePeriod(String(vnDateParts(now).year)), now });
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      const started = Date.now();
      this.#running = this.warm()
        .then(() => (this.o.logger ?? silentLogger).debug(`report rollup warmed in ${Date.now() - started} ms`))
        .catch((err: unknown) => (this.o.logger ?? silentLogger).error(`report rollup: ${String(err)}`))
        .finally(() => {
          this.#running = null;
          if (this.#timer !== undefined) this.#schedule(this.o.everyMs ?? 3600_000);
        });
    }, ms);
    this.#timer.unref();
  }
}
