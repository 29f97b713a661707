/**
 * The health check of a version on trial. Started once the cart has started (its store open, the relay off, the
 * player ready), it waits for the district to acknowledge this boot's hello; then the version is good: an `update`
 * / `healthy` event is kept and the trial cleared. Past the deadline the trial is marked failed (`health-timeout`)
 * and the program stops, so that the supervisor starts it again and the launcher rolls back. A hang is the
 * watchdog's: the supervisor kills the program, and the launcher counts the start.
 *
 * Also here: what the (old) program does after a rollback — it applies what its restored database must not forget,
 * and reports the failure once (`update` / `rolled-back`).
 */
import { unlink } from 'node:fs/promises';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import type { OutboxEntry, OutboxSource } from '../link/outbox-source.js';
import { MESSAGE_CODES } from '../../protocol/index.js';
import type { CartStore } from '../store/index.js';
import { readState, updateState } from './releases.js';

export const DEFAULT_HEALTH_SECONDS = 300;

/** Keeps one durable `update` event (committed when it resolves). */
export type UpdateEvent = (code: string, detail: string) => Promise<void>;

/**
 * The outbox as the uplink sees it, watched: it learns the record number of this boot's hello (the first hello at or
 * above `floor`, the store's next record number before the cart started) and whether the district acknowledged it.
 */
export class HelloWatch implements OutboxSource {
  #hello: number | null = null;
  #acked = false;

  constructor(
    private readonly inner: OutboxSource,
    private readonly floor: number,
  ) {}

  get acked(): boolean {
    return this.#acked;
  }

  async pending(maxBytes: number): Promise<OutboxEntry[]> {
    const entries = await this.inner.pending(maxBytes);
    if (this.#hello === null) this.#hello = entries.find((e) => e.record >= this.floor && e.bytes[0] === MESSAGE_CODES.hello)?.record ?? null;
    return entries;
  }

  async acknowledge(ranges: readonly [number, number][]): Promise<number> {
    const n = await this.inner.acknowledge(ranges);
    const hello = this.#hello;
    if (hello !== null && ranges.some(([a, b]) => a <= hello && hello <= b)) this.#acked = true;
    return n;
  }

  depth(): Promise<number> {
    return this.inner.depth();
  }
}

export interface HealthCheckOptions {
  releasesDir: string;
  /** The version running now, on trial. */
  version: string;
  /** Seconds it has to pass, from start() (default 300). */
  healthSeconds?: number;
  /** True once this boot's hello has been acknowledged by the district. */
  helloAcked: () => boolean;
  event: UpdateEvent;
  /** Stops the program after a failed check (the trial is already marked failed). */
  stopProgram: () => void;
  /** How often the check looks, ms (default 1000). */
  pollMs?: number;
  logger?: Logger;
}

export class HealthCheck {
  readonly #o: HealthCheckOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #deadline = 0;
  #done = false;
  #busy = false;
  #outcome: 'pending' | 'healthy' | 'failed' = 'pending';

  constructor(options: HealthCheckOptions) {
    const seconds = options.healthSeconds ?? DEFAULT_HEALTH_SECONDS;
    if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`healthSeconds must be a positive number of seconds, got ${String(options.healthSeconds)}`);
    this.#o = { ...options, healthSeconds: seconds };
    this.#log = options.logger ?? silentLogger;
  }

  get outcome(): 'pending' | 'healthy' | 'failed' {
    return this.#outcome;
  }

  start(): void {
    this.#deadline = performance.now() + this.#o.healthSeconds! * 1000;
    this.#log.info(`release ${this.#o.version} on trial: healthy once the district acknowledges the hello, within ${this.#o.healthSeconds} s`);
    this.#timer = setInterval(() => void this.#look(), this.#o.pollMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#done = true;
  }

  async #look(): Promise<void> {
    if (this.#done || this.#busy) return;
    this.#busy = true;
    try {
      if (this.#o.helloAcked()) await this.#markGood();
      else if (performance.now() > this.#deadline) await this.#markFailed();
      else return;
      this.stop();
    } catch (err) {
      // Told, and looked at again on the next round: a full SD card now may have room later.
      this.#log.error(`health check of release ${this.#o.version}: ${(err as Error).message}`);
    } finally {
      this.#busy = false;
    }
  }

  /** The event first: after a cut between the two, the version is checked again and the event kept twice, never lost. */
  async #markGood(): Promise<void> {
    const { releasesDir, version } = this.#o;
    await this.#o.event('healthy', version);
    let backup: string | undefined;
    await updateState(releasesDir, (s) => {
      if (s.trial?.version !== version) return;
      backup = s.trial.database?.backup;
      s.trial = null;
    });
    if (backup !== undefined) await unlink(backup).catch(() => undefined);
    this.#outcome = 'healthy';
    this.#log.info(`release ${version} passed its health check: kept`);
  }

  async #markFailed(): Promise<void> {
    const { releasesDir, version } = this.#o;
    await updateState(releasesDir, (s) => {
      if (s.trial?.version === version) s.trial.failed = 'health-timeout';
    });
    this.#outcome = 'failed';
    this.#log.error(`release ${version} did not pass its health check within ${this.#o.healthSeconds} s (district hello not acknowledged): stopping, the previous version comes back`);
    this.#o.stopProgram();
  }
}

/** Whether the version running now is on trial (a health check is due). */
export async function onTrial(releasesDir: string, version: string): Promise<boolean> {
  return (await readState(releasesDir)).trial?.version === version;
}

/**
 * After a rollback, in the program that came back, once its store is open: the restored database numbers its
 * records above the failed version's and keeps its command counter; then the failure is reported once.
 */
export async function settleRollback(releasesDir: string, store: CartStore, event: UpdateEvent, log: Logger = silentLogger): Promise<void> {
  const state = await readState(releasesDir);
  const carry = state.restoredCarry;
  if (carry !== null) {
    if (carry.nextRecord !== null && carry.nextRecord > 1) await store.numberRecordsAbove(carry.nextRecord - 1);
    const counter = (await store.getSetting('lastCommandCounter')) ?? 0;
    if (carry.lastCommandCounter !== null && carry.lastCommandCounter > counter) await store.setSetting('lastCommandCounter', carry.lastCommandCounter);
  }
  const failure = state.lastFailure;
  if (failure !== null && !state.lastFailureReported) {
    const restored = carry === null ? '' : `; database restored from before the update, ${carry.lostRecords ?? 'an unknown number of'} records it kept and had not sent are lost`;
    await event('rolled-back', `${failure.version}: ${failure.reason}${restored}`);
    log.warn(`release ${failure.version} was rolled back (${failure.reason})${restored}`);
  }
  if (carry !== null || !state.lastFailureReported) {
    await updateState(releasesDir, (s) => {
      s.restoredCarry = null;
      s.lastFailureReported = true;
    });
  }
}
