/**
 * The cart's durable store: one SQLite file (WAL, synchronous=FULL) holding the outbox of durable records, the plays,
 * events, GNSS track, power samples, runtime counters and the settings kept across restarts.
 *
 * Durable records get their record number here, in the same transaction that keeps their encoded bytes and their
 * typed row, so a number is never reused and a record that was reported written survives a power cut. Live rows
 * (track points, power samples) are batched (`live-batch.ts`). Queries and retention are in `queries.ts`.
 */
import { EventEmitter } from 'node:events';
import { encodeMessage, MAX_VARINT, type DurableRecord, type EventRecord, type PlayRecord, type Stamp } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { StoreError } from './errors.js';
import { RowBatcher } from './live-batch.js';
import type { OutboxEntry, OutboxSource } from '../link/outbox-source.js';
import {
  byTable,
  checkPowerSample,
  checkTrackPoint,
  OUTBOX_COLUMNS,
  POWER_COLUMNS,
  powerValues,
  TRACK_COLUMNS,
  trackValues,
  typedRow,
  type DurableRecordInput,
  type PowerSample,
  type TrackPoint,
} from './records.js';
import * as queries from './queries.js';
import * as checkpoints from './checkpoints.js';
import type { PlaySoFar, StoredCheckpoint } from './checkpoints.js';
import type { PruneResult, RetentionOptions } from './queries.js';
import { migrate } from './schema.js';
import { renumberUnacked } from './renumber.js';
import type { CartSettings, RuntimeCounters, SettingKey } from './settings.js';
import { SqliteDb } from '../../lib/sqlite.js';

export interface CartStoreOptions {
  /** The database file; created (with its schema) if missing. */
  path: string;
  logger?: Logger;
  /** Unacknowledged records kept at most; beyond, the oldest are dropped and counted (default 200,000). */
  maxUnacked?: number;
  /** The store's clock, ms since the epoch (default `Date.now`): outbox times and retention. */
  now?: () => number;
  /** Time and source for records the store writes itself (the overflow event); default `now()`, source `unknown`. */
  stamp?: () => Stamp;
  /** Live rows are written every `rows` rows or `delayMs` after the first (defaults 60 rows, 30,000 ms). */
  batch?: { rows?: number; delayMs?: number; maxQueued?: number };
  /** Wait for another connection's lock this long, ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Oldest unacknowledged records dropped to make room (SPEC.md: never silently: an event says so). */
export interface OverflowInfo {
  dropped: number;
  first: number;
  last: number;
  /** Record number of the `storage` / `outbox-overflow` event written in the same transaction. */
  event: number;
  /** Records lost since the database was created. */
  lostTotal: number;
}

export interface CartStoreEventMap {
  overflow: [info: OverflowInfo];
  /** A batched write of live rows failed (they are retried) or live rows were dropped. */
  'live-write-error': [error: unknown, dropped: number];
}

const DURABLE_TYPES: ReadonlySet<string> = new Set<DurableRecord['type']>(['hello', 'play', 'event', 'track', 'command-result']);

type LiveRow = { kind: 'track'; point: TrackPoint } | { kind: 'power'; sample: PowerSample };

export class CartStore extends EventEmitter<CartStoreEventMap> implements OutboxSource {
  readonly #db: SqliteDb;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #stamp: () => Stamp;
  readonly #maxUnacked: number;
  readonly #dropChunk: number;
  readonly #live: RowBatcher<LiveRow>;
  #nextRecord: number;
  #unacked: number;
  #lost: number;
  #closed = false;

  private constructor(db: SqliteDb, options: CartStoreOptions, counters: { next: number; unacked: number; lost: number }) {
    super();
    this.#db = db;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#stamp = options.stamp ?? (() => ({ time: Math.floor(this.#now() / 1000), source: 'unknown' }));
    this.#maxUnacked = options.maxUnacked ?? 200_000;
    this.#dropChunk = Math.max(1, Math.ceil(this.#maxUnacked / 100));
    this.#nextRecord = counters.next;
    this.#unacked = counters.unacked;
    this.#lost = counters.lost;
    this.#live = new RowBatcher<LiveRow>({
      maxRows: options.batch?.rows ?? 60,
      maxDelayMs: options.batch?.delayMs ?? 30_000,
      maxQueued: options.batch?.maxQueued ?? 10_000,
      write: (rows) => this.#writeLive(rows),
      onError: (err, dropped) => {
        this.#log.error(`live rows not written: ${String(err)}`, { dropped });
        this.emit('live-write-error', err, dropped);
      },
    });
  }

  /** Opens (or creates and migrates) the database at `options.path`. */
  static async open(options: CartStoreOptions): Promise<CartStore> {
    if (typeof options.path !== 'string' || options.path === '') throw new TypeError(`path must be a file path, got ${JSON.stringify(options.path)}`);
    const max = options.maxUnacked ?? 200_000;
    if (!Number.isSafeInteger(max) || max < 2) throw new RangeError(`maxUnacked must be a whole number ≥ 2, got ${String(max)}`);
    const log = options.logger ?? silentLogger;
    const db = await SqliteDb.open(options.path, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
    try {
      const from = await migrate(db, undefined, (to, m) => log.info(`database schema migrated to version ${to}: ${m.description}`));
      const counters = await db.exclusive(async () => ({
        next: await counter(db, 'next_record'),
        lost: await counter(db, 'lost_records'),
        unacked: (await db.get<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE acked_ms IS NULL'))?.n ?? 0,
      }));
      log.info(`opened ${options.path}`, { schemaFrom: from, ...counters });
      return new CartStore(db, options, counters);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Gives each record the next record number and keeps it — encoded bytes in the outbox, typed row in its table —
   * in ONE transaction, together with `settings` if given; resolves once committed. May also drop the oldest
   * unacknowledged records when over `maxUnacked` (see the `overflow` event). A value that does not fit the
   * protocol rejects with a `ProtocolError` and nothing is kept. `clearCheckpoints`: the play checkpoints these
   * records end (a play's own, or those recovered as power-lost plays), deleted in the same transaction.
   */
  async appendDurable(
    records: readonly DurableRecordInput[],
    options: { settings?: Partial<CartSettings>; clearCheckpoints?: readonly string[] } = {},
  ): Promise<DurableRecord[]> {
    this.#checkOpen();
    const clear = options.clearCheckpoints ?? [];
    for (const token of clear) checkpoints.checkToken(token);
    if (!Array.isArray(records)) throw new TypeError(`records must be an array, got ${typeof records}`);
    for (const [i, input] of records.entries()) {
      if (!DURABLE_TYPES.has(input.type)) throw new TypeError(`records[${i}].type must be a durable record type (${[...DURABLE_TYPES].join(', ')}), got ${JSON.stringify(input.type)}`);
    }
    if (records.length + 1 > this.#maxUnacked) {
      throw new RangeError(`records: ${records.length} in one call do not fit maxUnacked (${this.#maxUnacked}); append them in smaller batches`);
    }
    if (records.length === 0 && options.settings === undefined && clear.length === 0) return [];
    const at = this.#now();
    const result = await this.#db.transaction(
      async () => {
        let next = this.#nextRecord;
        let unacked = this.#unacked;
        let lost = this.#lost;
        const kept = records.map((input) => ({ ...input, record: next++ }) as DurableRecord);
        await this.#insert(kept, at);
        unacked += records.length;
        let overflow: OverflowInfo | null = null;
        if (unacked > this.#maxUnacked) {
          // Drop a chunk, not just the excess, so a full outbox does not write an overflow event per append.
          const older = unacked - records.length;
          const drop = Math.min(older, Math.max(unacked + 1 - this.#maxUnacked, this.#dropChunk));
          const bounds = await this.#db.get<{ first: number; last: number }>(
            'SELECT min(record) AS first, max(record) AS last FROM (SELECT record FROM outbox WHERE acked_ms IS NULL ORDER BY record LIMIT ?)',
            [drop],
          );
          const { changes } = await this.#db.run('DELETE FROM outbox WHERE acked_ms IS NULL AND record <= ?', [bounds!.last]);
          lost += changes;
          unacked -= changes;
          const event: DurableRecord = {
            type: 'event',
            record: next++,
            at: this.#stamp(),
            kind: 'storage',
            code: 'outbox-overflow',
            detail: `outbox full (${this.#maxUnacked} records not acknowledged): dropped the ${changes} oldest, records ${bounds!.first}–${bounds!.last}; ${lost} lost in total`,
          };
          await this.#insert([event], at);
          unacked += 1;
          overflow = { dropped: changes, first: bounds!.first, last: bounds!.last, event: event.record, lostTotal: lost };
          await this.#db.run("UPDATE counters SET value = ? WHERE name = 'lost_records'", [lost]);
        }
        if (options.settings) await this.#writeSettings(options.settings, at);
        await checkpoints.deleteCheckpoints(this.#db, clear);
        await this.#db.run("UPDATE counters SET value = ? WHERE name = 'next_record'", [next]);
        return { kept, next, unacked, lost, overflow };
      },
      (r) => {
        this.#nextRecord = r.next;
        this.#unacked = r.unacked;
        this.#lost = r.lost;
      },
    );
    if (result.overflow) {
      this.#log.warn(`outbox overflow: dropped ${result.overflow.dropped} unacknowledged records`, { ...result.overflow });
      this.emit('overflow', result.overflow);
    }
    return result.kept;
  }

  async pending(maxBytes: number): Promise<OutboxEntry[]> {
    this.#checkOpen();
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive whole number, got ${String(maxBytes)}`);
    return this.#db.exclusive(async () => {
      const out: OutboxEntry[] = [];
      let total = 0;
      let after = 0;
      for (;;) {
        const rows = await this.#db.all<{ record: number; bytes: Buffer }>(
          'SELECT record, bytes FROM outbox WHERE acked_ms IS NULL AND record > ? ORDER BY record LIMIT 256',
          [after],
        );
        for (const row of rows) {
          if (out.length > 0 && total + row.bytes.length > maxBytes) return out;
          out.push({ record: row.record, bytes: row.bytes });
          total += row.bytes.length;
        }
        if (rows.length < 256) return out;
        after = rows[rows.length - 1]!.record;
      }
    });
  }

  async acknowledge(ranges: readonly [number, number][]): Promise<number> {
    this.#checkOpen();
    if (!Array.isArray(ranges)) throw new TypeError(`ranges must be an array of [first, last], got ${typeof ranges}`);
    for (const range of ranges) {
      const [first, last] = Array.isArray(range) ? range : [NaN, NaN];
      if (!isRecordNumber(first) || !isRecordNumber(last) || first > last) {
        throw new RangeError(`ranges: each must be [first, last] record numbers with first ≤ last, got ${JSON.stringify(range)}`);
      }
    }
    if (ranges.length === 0) return 0;
    const at = this.#now();
    return this.#db.transaction(
      async () => {
        let changed = 0;
        for (const [first, last] of ranges) {
          const r = await this.#db.run('UPDATE outbox SET acked_ms = ? WHERE record BETWEEN ? AND ? AND acked_ms IS NULL', [at, first, last]);
          changed += r.changes;
        }
        return changed;
      },
      (changed) => {
        this.#unacked -= changed;
      },
    );
  }

  async depth(): Promise<number> {
    this.#checkOpen();
    return this.#db.exclusive(() => Promise.resolve(this.#unacked));
  }

  /** Unacknowledged records dropped because the outbox was full, since the database was created. */
  async lostRecords(): Promise<number> {
    this.#checkOpen();
    return this.#db.exclusive(() => Promise.resolve(this.#lost));
  }

  /**
   * Numbers the records appended from now on above `last`, the highest record the district stored for this cart (its
   * provisioning bundle's `highWater`), so that no number is reused; never lowers the numbering. When the cart's own
   * numbering is at or below `last` (a data folder started with a bundle without high-water marks), none of its
   * unacknowledged records can be one the district stored (each was dropped with its frame, or refused as a reused
   * number): they are renumbered above `last`, in order, so that they get through. One transaction; resolves the next
   * record number and how many were renumbered.
   */
  async numberRecordsAbove(last: number): Promise<{ next: number; renumbered: number }> {
    this.#checkOpen();
    if (!isRecordNumber(last) || last >= MAX_VARINT) throw new RangeError(`last must be a whole number from 0 to ${MAX_VARINT - 1}, got ${String(last)}`);
    return this.#db.transaction(
      async () => {
        const current = await counter(this.#db, 'next_record');
        if (current > last) return { next: current, renumbered: 0 };
        const result = await renumberUnacked(this.#db, last + 1);
        await this.#db.run("UPDATE counters SET value = ? WHERE name = 'next_record'", [result.next]);
        return result;
      },
      (r) => {
        this.#nextRecord = r.next;
      },
    );
  }

  /** Queues a GNSS track point; written with the next batch. Throws `RangeError` for an impossible point. */
  addTrackPoint(point: TrackPoint): void {
    this.#checkOpen();
    checkTrackPoint(point);
    this.#live.add({ kind: 'track', point: { ...point } });
  }

  /** Queues a power sample; written with the next batch. */
  addPowerSample(sample: PowerSample): void {
    this.#checkOpen();
    checkPowerSample(sample);
    this.#live.add({ kind: 'power', sample: { ...sample } });
  }

  /** Writes the queued live rows now. */
  async flush(): Promise<void> {
    this.#checkOpen();
    return this.#live.flush();
  }

  /** The stored value of a setting, or undefined if it was never set. */
  async getSetting<K extends SettingKey>(key: K): Promise<CartSettings[K] | undefined> {
    this.#checkOpen();
    return this.#db.exclusive(async () => {
      const row = await this.#db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
      if (!row) return undefined;
      try {
        return JSON.parse(row.value) as CartSettings[K];
      } catch (err) {
        throw new StoreError('bad-setting', `setting ${key} holds ${JSON.stringify(row.value)}, not JSON; set it again`, { cause: err });
      }
    });
  }

  /** Stores one setting (committed when this resolves). */
  setSetting<K extends SettingKey>(key: K, value: CartSettings[K]): Promise<void> {
    return this.setSettings({ [key]: value } as Partial<CartSettings>);
  }

  /** Stores several settings in one transaction. */
  async setSettings(settings: Partial<CartSettings>): Promise<void> {
    this.#checkOpen();
    const at = this.#now();
    return this.#db.transaction(() => this.#writeSettings(settings, at));
  }

  /**
   * Keeps the checkpoint of a play whose sound has just started, under a `token` unique to the play (committed when
   * this resolves). The play's record clears it (`appendDurable`'s `clearCheckpoints`); one left at the next start
   * is a play a power loss cut short.
   */
  async openPlayCheckpoint(token: string, play: PlaySoFar): Promise<void> {
    this.#checkOpen();
    return checkpoints.openCheckpoint(this.#db, token, play, this.#now());
  }

  /** Refreshes a play's checkpoint (seconds so far); resolves false, writing nothing, once its record cleared it. */
  async refreshPlayCheckpoint(token: string, play: PlaySoFar): Promise<boolean> {
    this.#checkOpen();
    return checkpoints.refreshCheckpoint(this.#db, token, play, this.#now());
  }

  /** The play checkpoints left (normally none while no clip plays), oldest first. */
  async playCheckpoints(): Promise<StoredCheckpoint[]> {
    this.#checkOpen();
    return checkpoints.listCheckpoints(this.#db);
  }

  /** Plays that started at or after `time` (Unix s), oldest first. */
  async playsSince(time: number): Promise<PlayRecord[]> {
    this.#checkOpen();
    return queries.playsSince(this.#db, time);
  }

  /** Events at or after `time` (Unix s), oldest first. */
  async eventsSince(time: number): Promise<EventRecord[]> {
    this.#checkOpen();
    return queries.eventsSince(this.#db, time);
  }

  /** Track points with `from ≤ time ≤ to` (Unix s), in time order; queued points are written first. */
  async trackBetween(from: number, to: number): Promise<TrackPoint[]> {
    this.#checkOpen();
    await this.#live.flush();
    return queries.trackBetween(this.#db, from, to);
  }

  /** Power samples at or after `time` (Unix s), in time order; queued samples are written first. */
  async powerSince(time: number): Promise<PowerSample[]> {
    this.#checkOpen();
    await this.#live.flush();
    return queries.powerSince(this.#db, time);
  }

  /** Seconds played by plays that started in the day from `dayStart` (Unix s) — for the policy's daily maximum. */
  async playSecondsToday(dayStart: number): Promise<number> {
    this.#checkOpen();
    return queries.playSecondsOfDay(this.#db, dayStart);
  }

  /** Runtime counters, totals since the database was created. */
  async runtimeCounters(): Promise<RuntimeCounters> {
    this.#checkOpen();
    return queries.runtimeCounters(this.#db);
  }

  /** Adds to runtime counters (seconds or counts, ≥ 0), in one transaction. */
  async addRuntime(deltas: Partial<RuntimeCounters>): Promise<void> {
    this.#checkOpen();
    return queries.addRuntime(this.#db, deltas);
  }

  /** Deletes rows older than their retention (days, from the store's clock); kinds left out are kept. */
  async prune(retention: RetentionOptions): Promise<PruneResult> {
    this.#checkOpen();
    return queries.prune(this.#db, this.#now(), retention);
  }

  /** Writes the queued live rows and closes the database. Later calls reject with `StoreError('closed')`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#live.stop();
    try {
      await this.#live.flush();
    } catch (err) {
      this.#log.error(`closing: ${this.#live.queued} live rows could not be written: ${String(err)}`);
    }
    await this.#db.close();
  }

  /** Outbox rows (encoded bytes) and typed rows of these records, a few multi-row INSERTs in all. */
  async #insert(records: readonly DurableRecord[], at: number): Promise<void> {
    const outbox = records.map((r) => [r.record, r.type, encodeMessage(r), at]);
    await this.#db.insertMany('outbox', OUTBOX_COLUMNS, outbox);
    for (const group of byTable(records.map(typedRow).filter((row) => row !== null))) {
      await this.#db.insertMany(group[0]!.table, group[0]!.columns, group.map((row) => row.values));
    }
  }

  async #writeSettings(settings: Partial<CartSettings>, at: number): Promise<void> {
    for (const [key, value] of Object.entries(settings)) {
      if (value === undefined) throw new TypeError(`settings.${key} must be a JSON value, got undefined`);
      await this.#db.run(
        'INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms',
        [key, JSON.stringify(value), at],
      );
    }
  }

  #writeLive(rows: readonly LiveRow[]): Promise<void> {
    const track = rows.flatMap((row) => (row.kind === 'track' ? [trackValues(row.point)] : []));
    const power = rows.flatMap((row) => (row.kind === 'power' ? [powerValues(row.sample)] : []));
    return this.#db.transaction(async () => {
      await this.#db.insertMany('track_points', TRACK_COLUMNS, track);
      await this.#db.insertMany('power_samples', POWER_COLUMNS, power);
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreError('closed', 'the cart store is closed; open it again');
  }
}

async function counter(db: SqliteDb, name: string): Promise<number> {
  const row = await db.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', [name]);
  if (!row) throw new Error(`the counters table has no ${name} row: the database was not created by this program`);
  return row.value;
}

function isRecordNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_VARINT;
}
