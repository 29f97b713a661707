/**
 * The province hub (`loa province run`): it receives the signed daily summaries of its areas' controllers (carried by
 * MQTT bridges; the MQTT side is hub-service.ts), checks each with the area's registered key, keeps one replica
 * database per area filled with the summaries' rows, and computes the area and province reports from the replicas
 * with the same code an area controller runs on its own database.
 *
 * One summary per (area, kind, day) is held, by version: a higher version replaces the day's rows in the replica
 * (never added to them), the same version with the same body is a duplicate (counted, harmless: a bridge re-sends
 * after a cut), the same version with another body is a conflict and a lower one is older: both refused. Every
 * summary received is counted by area and outcome.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../lib/logger.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { publicKeyFromRaw } from '../../protocol/signed.js';
import { TOPIC_NAME } from '../../protocol/topics.js';
import { vnDay, type Period } from '../reports/period.js';
import type { Report } from '../reports/report.js';
import * as hdb from './hub-db.js';
import { provinceReportOf, type AreaReport, type ProvinceReport } from './province-report.js';

export interface HubArea {
  id: string;
  name: string;
  provinceCode: string | null;
  /** Raw Ed25519 public keys, hex. */
  publicKeys: string[];
  /** Unix seconds. */
  addedAt: number;
}

export const INGEST_OUTCOMES = ['stored', 'duplicate', 'older', 'conflict', 'bad-signature', 'unknown-area', 'area-mismatch', 'bad-format', 'too-large'] as const;
export type IngestOutcome = (typeof INGEST_OUTCOMES)[number];

/** The versions the hub holds of an area's summaries: what the area re-sends when it lacks them (protocol/summary.ts). */
export interface HubReceipt {
  area: string;
  registry: number;
  days: Record<string, number>;
}

/** A summary the codec opened and verified. */
export interface OpenedLike {
  area: string;
  kind: string;
  day: string | null;
  version: number;
  sha256: string;
  body: unknown;
}

/**
 * What the hub needs of the summary codec (protocol/summary.ts) and of the replica (replica.ts, compute.ts): the
 * real ones are in hub-parts.ts; a test can hand in its own.
 */
export interface HubParts {
  /** The largest summary accepted, bytes on the wire. */
  maxBytes: number;
  parseTopic(topic: string): { area: string; kind: string; day: string | null } | undefined;
  /** Opens and verifies; throws an error whose `code` is one of the refusal outcomes ('bad-format' otherwise). */
  open(bytes: Uint8Array, keysOf: (area: string) => readonly KeyObject[] | undefined): OpenedLike;
  openReplica(path: string): Promise<SqliteDb>;
  applyDay(replica: SqliteDb, body: unknown): Promise<void>;
  applyRegistry(replica: SqliteDb, body: unknown): Promise<void>;
  report(replica: SqliteDb, o: { period: Period; now: number }): Promise<Report>;
  /** The local day numbers in [first, after) with a play, as the replica's report counts them. */
  playDays(replica: SqliteDb, first: number, after: number): Promise<number[]>;
}

/** A request the hub refuses: what is wrong, in Vietnamese and English. */
export class HubError extends Error {
  constructor(
    readonly code: 'bad-area-id' | 'bad-key' | 'unknown-area' | 'bad-name',
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export interface HubOptions {
  dataDir: string;
  /** Unix seconds (default: the system clock). */
  clock?: () => number;
  logger?: Logger;
  /** Default: the real codec and replica (hub-parts.ts). */
  parts?: HubParts;
}

/** Days of versions a receipt carries at most (the area re-sends at most this far back). */
export const RECEIPT_DAYS = 400;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const systemSeconds = (): number => Math.floor(Date.now() / 1000);
const REFUSALS = new Set<string>(INGEST_OUTCOMES.filter((o) => o !== 'stored' && o !== 'duplicate'));

interface Cached {
  key: string;
  report: Report;
  /** The replica's play days of the report's window, or null when they disagree with the report. */
  days: number[] | null;
}

/** The outcome of a summary the codec refused: its code when it is one of the hub's refusals, else bad-format. */
function refusalOf(err: unknown): IngestOutcome {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && REFUSALS.has(code) ? (code as IngestOutcome) : 'bad-format';
}

export class ProvinceHub {
  readonly #db: SqliteDb;
  readonly #dataDir: string;
  readonly #clock: () => number;
  readonly #log: Logger;
  #parts: HubParts | undefined;
  #keys = new Map<string, KeyObject[]>();
  readonly #replicas = new Map<string, Promise<SqliteDb>>();
  /** Per area: the work on its replica, one summary at a time. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Per area: bumped by every summary stored, so a cached report of the area is known to be stale. */
  readonly #generation = new Map<string, number>();
  readonly #cache = new Map<string, Cached>();

  private constructor(db: SqliteDb, o: HubOptions) {
    this.#db = db;
    this.#dataDir = o.dataDir;
    this.#clock = o.clock ?? systemSeconds;
    this.#log = o.logger ?? quiet;
    this.#parts = o.parts;
  }

  /** The parts, the real ones loaded on first use (so that listing areas needs no report code). */
  async #p(): Promise<HubParts> {
    this.#parts ??= (await import('./hub-parts.js')).realHubParts;
    return this.#parts;
  }

  /** Opens (creating) `<dataDir>/province.db` and the folder of the replicas, `<dataDir>/areas/`. */
  static async open(o: HubOptions): Promise<ProvinceHub> {
    await mkdir(join(o.dataDir, 'areas'), { recursive: true });
    const db = await hdb.openHubDb(join(o.dataDir, 'province.db'));
    const hub = new ProvinceHub(db, o);
    await hub.#loadKeys();
    return hub;
  }

  async #loadKeys(): Promise<void> {
    const keys = new Map<string, KeyObject[]>();
    for (const r of await hdb.keyRows(this.#db)) keys.set(r.area, [...(keys.get(r.area) ?? []), publicKeyFromRaw(Buffer.from(r.key, 'hex'))]);
    this.#keys = keys;
  }

  /** Registers an area with its public key (raw Ed25519, 64 hex digits); again with another key adds that key. */
  async addArea(a: { id: string; name: string; provinceCode?: string; publicKey: string }): Promise<void> {
    if (!TOPIC_NAME.test(a.id)) {
      throw new HubError('bad-area-id', `Mã khu vực ${JSON.stringify(a.id)} không hợp lệ: dùng đúng district.id của khu vực đó (chữ a-z, số, dấu -) (bad area id: use the area's district.id)`);
    }
    if (a.name.trim() === '') throw new HubError('bad-name', `Khu vực ${a.id} cần một tên (the area needs a name)`);
    const key = a.publicKey.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new HubError('bad-key', `Khoá ${JSON.stringify(a.publicKey)} không phải khoá công khai Ed25519 (64 chữ số hex, "loa controller key show" của khu vực in ra) (not a raw Ed25519 public key: the area's "loa controller key show" prints it)`);
    }
    await hdb.upsertArea(this.#db, { id: a.id, name: a.name.trim(), provinceCode: a.provinceCode ?? null, key, at: this.#clock() });
    await this.#loadKeys();
  }

  async areas(): Promise<HubArea[]> {
    const keys = await hdb.keyRows(this.#db);
    return (await hdb.areaRows(this.#db)).map((r) => ({
      id: r.id,
      name: r.name,
      provinceCode: r.province_code,
      publicKeys: keys.filter((k) => k.area === r.id).map((k) => k.key),
      addedAt: r.added_at,
    }));
  }

  /** Takes one summary as it came on `topic`; the one path for MQTT, tests and the bench. Never throws for bad input. */
  async ingest(topic: string, bytes: Uint8Array): Promise<IngestOutcome> {
    const parts = await this.#p();
    const where = parts.parseTopic(topic);
    const area = where !== undefined && TOPIC_NAME.test(where.area) ? where.area : '(topic)';
    const outcome = await this.#serial(area, () => this.#decide(parts, where, bytes));
    if (outcome !== 'stored') await hdb.count(this.#db, area, outcome, this.#clock());
    if (REFUSALS.has(outcome)) this.#log.warn(`summary refused: ${outcome}`, { topic, bytes: bytes.length });
    return outcome;
  }

  async #decide(parts: HubParts, where: { area: string; kind: string; day: string | null } | undefined, bytes: Uint8Array): Promise<IngestOutcome> {
    if (where === undefined || (where.kind !== 'day' && where.kind !== 'registry')) return 'bad-format';
    if (bytes.length > parts.maxBytes) return 'too-large';
    // `loa province area add` writes to province.db from another process while the hub runs: an area or a key this
    // hub does not know yet is looked for there once before the summary is refused.
    if (!this.#keys.has(where.area)) await this.#loadKeys();
    if (!this.#keys.has(where.area)) return 'unknown-area';
    let s: OpenedLike;
    try {
      s = this.#openWith(parts, bytes);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'bad-signature') return refusalOf(err);
      await this.#loadKeys();
      try {
        s = this.#openWith(parts, bytes);
      } catch (again) {
        return refusalOf(again);
      }
    }
    if (s.area !== where.area) return 'area-mismatch';
    if (s.kind !== where.kind || s.day !== where.day) return 'bad-format';
    const day = s.day ?? '';
    const held = await hdb.heldSummary(this.#db, s.area, s.kind, day);
    if (held !== undefined && s.version < held.version) return 'older';
    if (held !== undefined && s.version === held.version) return held.sha256 === s.sha256 ? 'duplicate' : 'conflict';
    const replica = await this.#replica(parts, s.area);
    try {
      // The replica first: a cut between the two leaves the older version on record, and its re-sending replaces
      // the same rows again.
      if (s.kind === 'day') await parts.applyDay(replica, s.body);
      else await parts.applyRegistry(replica, s.body);
    } catch (err) {
      this.#log.warn(`summary body refused by the replica: ${(err as Error).message}`, { area: s.area, kind: s.kind, day: s.day, version: s.version });
      return 'bad-format';
    }
    this.#generation.set(s.area, (this.#generation.get(s.area) ?? 0) + 1);
    await hdb.recordStored(this.#db, { area: s.area, kind: s.kind, day, version: s.version, sha256: s.sha256, bytes: bytes.length, at: this.#clock() });
    return 'stored';
  }

  #serial<T>(area: string, work: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(area) ?? Promise.resolve()).then(work, work);
    this.#queues.set(area, run.catch(() => undefined));
    return run;
  }

  #replica(parts: HubParts, area: string): Promise<SqliteDb> {
    let db = this.#replicas.get(area);
    if (db === undefined) {
      db = parts.openReplica(join(this.#dataDir, 'areas', `${area}.db`));
      this.#replicas.set(area, db);
      db.catch(() => this.#replicas.delete(area));
    }
    return db;
  }

  /** The versions held of `area`'s summaries: registry (0 = none) and the latest {@link RECEIPT_DAYS} days. */
  async receipt(area: string): Promise<HubReceipt> {
    const held = await hdb.heldVersions(this.#db, area, RECEIPT_DAYS);
    return { area, registry: held.registry, days: Object.fromEntries(held.days) };
  }

  async counters(): Promise<{ area: string; outcome: IngestOutcome; n: number }[]> {
    return (await hdb.counterRows(this.#db)) as { area: string; outcome: IngestOutcome; n: number }[];
  }

  /** Per area: summaries held, their bytes on the wire, the last one received, the latest day held. */
  held(): ReturnType<typeof hdb.heldStats> {
    return hdb.heldStats(this.#db);
  }

  #openWith(parts: HubParts, bytes: Uint8Array): OpenedLike {
    return parts.open(bytes, (a) => this.#keys.get(a));
  }

  /** The report of one area, computed from its replica (cached until the area sends a new summary or the day turns). */
  async areaReport(area: string, o: { period: Period; now: number }): Promise<Report> {
    if (!this.#keys.has(area)) await this.#loadKeys();
    if (!this.#keys.has(area)) throw new HubError('unknown-area', `Không có khu vực ${JSON.stringify(area)} ở trung tâm tỉnh (loa province area list) (unknown area)`);
    return (await this.#cached(area, o)).report;
  }

  async #cached(area: string, o: { period: Period; now: number }): Promise<Cached> {
    const { period, now } = o;
    const stop = Math.max(period.start, Math.min(period.end, now));
    const stopDay = stop > period.start ? vnDay(stop - 1) + 1 : vnDay(period.start);
    const key = `${stopDay}|${now < period.end}|${this.#generation.get(area) ?? 0}`;
    const id = `${area}|${period.id}`;
    let hit = this.#cache.get(id);
    if (hit === undefined || hit.key !== key) {
      const parts = await this.#p();
      hit = await this.#serial(area, async () => {
        const replica = await this.#replica(parts, area);
        const report = await parts.report(replica, o);
        const days = await parts.playDays(replica, vnDay(period.start), stopDay);
        return { key, report, days: days.length === report.totals.activeDays ? days : null };
      });
      this.#cache.set(id, hit);
    }
    // Within the same day only the time of computing and the "as of" of an unfinished period differ.
    const report = {
      ...hit.report,
      generatedAt: now,
      notes: hit.report.notes.map((n) => (n.code === 'period-incomplete' ? { ...n, asOf: now } : n)),
    };
    return { ...hit, report };
  }

  /** The province report: every area's report, their sum and the province ranking. */
  async provinceReport(o: { period: Period; now: number }): Promise<ProvinceReport> {
    const areas: AreaReport[] = [];
    const days = new Set<number>();
    let daysKnown = true;
    for (const a of await hdb.areaRows(this.#db)) {
      const c = await this.#cached(a.id, o);
      areas.push({ areaId: a.id, name: a.name, provinceCode: a.province_code, report: c.report });
      if (c.days === null) daysKnown = false;
      else for (const d of c.days) days.add(d);
    }
    return provinceReportOf(areas, { ...o, ...(daysKnown ? { activeDays: days.size } : {}) });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
    for (const r of this.#replicas.values()) await (await r.catch(() => undefined))?.close();
    this.#replicas.clear();
    await this.#db.close();
  }
}
