// The hub's parts for tests of its decisions: the real summary codec (protocol/summary.ts) and a small stand-in for
// the replica, a real SQLite file whose table keeps each day's body once (replaced by a newer version, never added),
// with a "report" that sums the bodies' plays. What the real replica and report do is tested in replica.test.ts.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SqliteDb } from '../../lib/sqlite.js';
import { rawPublicKey } from '../../protocol/signed.js';
import { MAX_SUMMARY_BYTES, openSummary, parseSummaryTopic, sealSummary, summaryTopic } from '../../protocol/summary.js';
import type { HubParts } from '../../controller/province/hub.js';
import { vnDay, type Period } from '../../controller/reports/period.js';
import type { Figures, Report } from '../../controller/reports/report.js';

export interface FakeBody {
  day: string;
  plays: number;
}

export function emptyFigures(over: Partial<Figures> = {}): Figures {
  return {
    units: 0, broadcastSeconds: 0, amplifierSeconds: 0, amplifierEstimatedUnits: 0, sessions: 0, plays: 0, distinctClips: 0, km: 0,
    activeDays: 0, activeUnitDays: 0, communesReached: [], areasReached: 0, offlineDays: 0, daysCounted: 0, faults: 0, faultsByCode: [],
    battery: { samples: 0, minSoc: null, medianSoc: null, daysBelow30: 0 },
    energy: { days: 0, healthPercent: null, minMinutesLeft: null, medianMinutesLeft: null, reserveDays: 0 },
    ...over,
  };
}

export function fakeReport(period: Period, now: number, totals: Figures): Report {
  return { period, commune: null, generatedAt: now, communes: [], totals, clips: [], ranking: [], notes: now < period.end ? [{ code: 'period-incomplete', asOf: now }] : [] };
}

/** The fake parts, and how many reports they computed (to see the hub's cache at work). */
export function fakeParts(o: { maxBytes?: number } = {}): HubParts & { reports: number } {
  const parts = {
    reports: 0,
    maxBytes: o.maxBytes ?? MAX_SUMMARY_BYTES,
    parseTopic: parseSummaryTopic,
    open: openSummary,
    async openReplica(path: string): Promise<SqliteDb> {
      const db = await SqliteDb.open(path);
      await db.exclusive(() => db.exec('CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, plays INTEGER NOT NULL); CREATE TABLE IF NOT EXISTS reg (n INTEGER)'));
      return db;
    },
    async applyDay(db: SqliteDb, body: unknown): Promise<void> {
      const b = body as FakeBody;
      if (typeof b?.day !== 'string' || !Number.isInteger(b.plays)) throw new Error('not a fake day body');
      await db.transaction(() => db.run('INSERT INTO days (day, plays) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET plays = excluded.plays', [b.day, b.plays]));
    },
    async applyRegistry(db: SqliteDb): Promise<void> {
      await db.transaction(() => db.run('INSERT INTO reg (n) VALUES (1)'));
    },
    async report(db: SqliteDb, r: { period: Period; now: number }): Promise<Report> {
      parts.reports++;
      const row = await db.exclusive(() => db.get<{ plays: number; days: number }>('SELECT coalesce(sum(plays), 0) AS plays, count(*) AS days FROM days'));
      return fakeReport(r.period, r.now, emptyFigures({ plays: row!.plays, activeDays: row!.days }));
    },
    async playDays(db: SqliteDb): Promise<number[]> {
      const rows = await db.exclusive(() => db.all<{ day: string }>('SELECT day FROM days ORDER BY day'));
      return rows.map((r) => vnDay(Date.parse(`${r.day}T00:00:00+07:00`) / 1000));
    },
  };
  return parts;
}

export interface AreaKey {
  id: string;
  key: KeyObject;
  publicHex: string;
}

export function areaKey(id: string): AreaKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { id, key: privateKey, publicHex: rawPublicKey(privateKey).toString('hex') };
}

/** A sealed day summary of `area` and its topic (by default the area's own). */
export function daySummary(a: AreaKey, day: string, version: number, plays: number, o: { topicArea?: string; headerArea?: string } = {}): { topic: string; bytes: Buffer } {
  const header = { area: o.headerArea ?? a.id, kind: 'day' as const, day, version, madeAt: 1_764_000_000 };
  return { topic: summaryTopic(o.topicArea ?? a.id, 'day', day), bytes: sealSummary(header, { day, plays }, a.key) };
}
