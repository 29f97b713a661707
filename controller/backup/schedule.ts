/**
 * The daily backup of a running controller (configuration `backup`: `dir`, `keep`, `hour`): at `hour`:00 Vietnam
 * time it makes a backup into `dir` (backup.ts) and keeps the newest `keep`. A feature of the running controller:
 * `start()` / `stop()`; a failed backup is logged and tried again the next day.
 */
import { silentLogger, type Logger } from '../logger.js';
import { makeBackup, pruneBackups } from './backup.js';

export interface BackupScheduleOptions {
  dataDir: string;
  dir: string;
  keep: number;
  /** Hour of the day, Vietnam time (UTC+7, no summer time), 0–23. */
  hour: number;
  passphrase: string;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
  logger?: Logger;
}

const VN_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;

/** Milliseconds from `now` to the next `hour`:00 Vietnam time (a whole day when it is exactly that instant). */
export function msUntilHour(now: number, hour: number): number {
  const local = now + VN_OFFSET_MS;
  const target = Math.floor(local / DAY_MS) * DAY_MS + hour * 3600_000;
  return target > local ? target - local : target + DAY_MS - local;
}

export class BackupSchedule {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #started = false;

  constructor(private readonly o: BackupScheduleOptions) {}

  async start(): Promise<void> {
    this.#started = true;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Makes one backup now and prunes the old ones. */
  async runOnce(): Promise<void> {
    const log = this.o.logger ?? silentLogger;
    const started = Date.now();
    const done = await makeBackup({ dataDir: this.o.dataDir, outDir: this.o.dir, passphrase: this.o.passphrase, ...(this.o.clock ? { clock: this.o.clock } : {}) });
    log.info(`backup ${done.path}: ${done.files} files, ${(done.bytes / 1e6).toFixed(1)} MB in ${Date.now() - started} ms`);
    const removed = await pruneBackups(this.o.dir, this.o.keep);
    if (removed.length > 0) log.info(`backups removed (keeping ${this.o.keep}): ${removed.join(', ')}`);
  }

  #schedule(): void {
    const now = (this.o.clock ?? Date.now)();
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((err: unknown) => (this.o.logger ?? silentLogger).error(`backup failed, next try tomorrow: ${String(err)}`))
        .finally(() => {
          this.#running = null;
          if (this.#started) this.#schedule();
        });
    }, msUntilHour(now, this.o.hour));
    this.#timer.unref();
  }
}
