// The province roll-up's promise: a hub that applies an area's signed day summaries to a replica gets, from the same
// report in 'replica' mode, exactly the area's own report — also after late records made some days version 2.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../lib/sqlite.js';
import { encodeMessage, type DurableRecord } from '../../protocol/index.js';
import { openSummary, type OpenedSummary } from '../../protocol/summary.js';
import { openControllerDb } from '../../controller/db/database.js';
import { emptyBatch, writeBatch } from '../../controller/fleet/ingest-batch.js';
import { missingFor, summaryPass, type SealedOut } from '../../controller/province/area-summary.js';
import { applyDayBody, applyRegistryBody, openReplica } from '../../controller/province/replica.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { dayStart, parsePeriod, vnDay, type Period } from '../../controller/reports/period.js';
import type { Report } from '../../controller/reports/report.js';

const AREA = 'trieu-son';
const quarter = parsePeriod('2025-Q4');
const october = parsePeriod('2025-10');
const november = parsePeriod('2025-11');
// Two hours into 1 January 2026: 31 December is over by the rollup's settling hour. The clock is the same, whatever
// the machine's date.
const now = quarter.end + 2 * 3600;
const clock = () => now;
const pass = { area: AREA, now, clock, windowDays: 100 };

let dir: string;
let area: SqliteDb;
let replica: SqliteDb;
let key: KeyObject;
let publicKey: KeyObject;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loa-replica-'));
  area = await openControllerDb(join(dir, 'area.db'));
  replica = await openReplica(join(dir, 'replica.db'));
  await generateFleet(area, { units: 6, unitsPerCommune: 2, start: quarter.start, end: quarter.end, seed: 17 });
  ({ privateKey: key, publicKey } = generateKeyPairSync('ed25519'));
}, 60_000);

afterAll(async () => {
  await area?.close();
  await replica?.close();
  rmSync(dir, { recursive: true, force: true });
});

const keysOf = (a: string) => (a === AREA ? [publicKey] : undefined);

async function apply(sealed: readonly SealedOut[]): Promise<OpenedSummary[]> {
  const opened = sealed.map((s) => openSummary(s.bytes, keysOf));
  for (const s of opened) {
    if (s.kind === 'registry') await applyRegistryBody(replica, s.body);
    else await applyDayBody(replica, s.body);
  }
  return opened;
}

const withoutTime = ({ generatedAt: _t, ...rest }: Report) => rest;
const areaReport = async (period: Period) => withoutTime(await computeReport(area, { period, now, clock }));
const hubReport = async (period: Period) => withoutTime(await computeReport(replica, { period, now, rollup: 'replica' }));

/** Records as ingest stores them: records and their rows in one transaction, `server_time` = now. */
async function late(unitId: string, records: DurableRecord[]): Promise<void> {
  const batch = emptyBatch();
  batch.frames.push({ unitId, boot: 99, serverTime: now, records: records.map((message) => ({ message, bytes: encodeMessage(message) })), live: [] });
  await area.transaction(() => writeBatch(area, batch));
}

describe('a replica filled from signed day summaries', () => {
  let first: SealedOut[];

  it('gives the area its own month and quarter reports', async () => {
    first = await summaryPass(area, { ...pass, key });
    const opened = await apply(first);
    expect(opened[0]!.kind).toBe('registry');
    expect(opened.every((s) => s.version === 1 && s.area === AREA)).toBe(true);
    // Every day of the quarter is final and summarised.
    const days = new Set(opened.filter((s) => s.kind === 'day').map((s) => s.day));
    for (let d = vnDay(quarter.start); d < vnDay(quarter.end); d++) expect(days.has(new Date(d * 86_400_000).toISOString().slice(0, 10))).toBe(true);
    for (const period of [october, november, quarter]) {
      const want = await areaReport(period);
      expect(want.totals.plays).toBeGreaterThan(0);
      expect(await hubReport(period)).toEqual(want);
    }
    // Faults travel in the summaries: the replica has no events.
    expect((await areaReport(quarter)).totals.faults).toBeGreaterThan(0);
    // And a report of one commune.
    const commune = (await areaReport(quarter)).communes[1]!.communeId;
    expect(withoutTime(await computeReport(replica, { period: quarter, now, commune, rollup: 'replica' }))).toEqual(
      withoutTime(await computeReport(area, { period: quarter, now, clock, commune })),
    );
  }, 60_000);

  it('makes nothing new on a second pass', async () => {
    expect(await summaryPass(area, { ...pass, key })).toEqual([]);
  });

  it('sends version 2 of exactly the days that late plays, track and faults changed, and the replica follows', async () => {
    const units = await area.all<{ id: string; last: number }>('SELECT u.id id, max(r.record) last FROM units u JOIN records r ON r.unit_id = u.id GROUP BY u.id ORDER BY u.id');
    const [a, b] = [units[0]!, units[3]!];
    const oct15 = dayStart(vnDay(october.start) + 14) + 9 * 3600;
    const nov20 = dayStart(vnDay(november.start) + 19) + 16 * 3600;
    await late(a.id, [
      { type: 'play', record: a.last + 1, start: { time: oct15, source: 'gnss' }, clip: 'noi-dung-03', manifestVersion: 7, seconds: 61.5, outcome: 'completed', trigger: 'button', volume: 70, where: { lat: 19.93, lon: 105.88 } },
      { type: 'event', record: a.last + 2, at: { time: oct15 + 30, source: 'gnss' }, kind: 'fault', code: 'audio', detail: 'fault audio' },
    ]);
    await late(b.id, [
      { type: 'track', record: b.last + 1, source: 'gnss', points: [{ time: nov20, lat: 19.93, lon: 105.88 }, { time: nov20 + 120, lat: 19.931, lon: 105.8805 }] },
    ]);
    const before = await hubReport(quarter);
    expect(before).not.toEqual(await areaReport(quarter)); // the replica is behind until it gets version 2

    const second = await summaryPass(area, { ...pass, key });
    expect(second.map((s) => [s.day, s.version, s.kind])).toEqual([
      ['2025-10-15', 2, 'day'],
      ['2025-11-20', 2, 'day'],
    ]);
    await apply(second);
    for (const period of [october, november, quarter]) expect(await hubReport(period)).toEqual(await areaReport(period));
    // Applying a version again replaces, never adds.
    await apply(second);
    expect(await hubReport(quarter)).toEqual(await areaReport(quarter));
    expect(await summaryPass(area, { ...pass, key })).toEqual([]);
  }, 60_000);

  it('re-sends what a receipt lacks, and nothing a receipt holds', async () => {
    const none = await missingFor(area, { area: AREA, registry: 0, days: {} }, { ...pass, key });
    expect(none[0]!.kind).toBe('registry');
    expect(none.filter((s) => s.day === '2025-10-15').map((s) => s.version)).toEqual([2]);
    const held = Object.fromEntries(none.filter((s) => s.day !== null).map((s) => [s.day!, s.version]));
    expect(await missingFor(area, { area: AREA, registry: 1, days: held }, { ...pass, key })).toEqual([]);
    const behind = await missingFor(area, { area: AREA, registry: 1, days: { ...held, '2025-11-20': 1 } }, { ...pass, key });
    expect(behind.map((s) => [s.day, s.version])).toEqual([['2025-11-20', 2]]);
    expect(behind[0]!.bytes).toEqual(none.find((s) => s.day === '2025-11-20')!.bytes);
    // After a key change the same summaries go out signed with the new key.
    const next = generateKeyPairSync('ed25519');
    const resealed = await missingFor(area, { area: AREA, registry: 1, days: { ...held, '2025-11-20': 1 } }, { ...pass, key: next.privateKey });
    const opened = openSummary(resealed[0]!.bytes, () => [next.publicKey]);
    expect([opened.day, opened.version, opened.sha256]).toEqual(['2025-11-20', 2, openSummary(behind[0]!.bytes, keysOf).sha256]);
  });
});
