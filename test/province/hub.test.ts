// The province hub's decisions on what it receives: a new version is applied to the area's replica and replaces the
// day (never added twice), a duplicate is counted, a conflict, an older version, a wrong key, an unknown area, a topic
// naming another area, a broken or too large summary are refused and counted; the counters, the keys and the
// versions held survive a restart; receipts list the versions; area reports are cached until something changes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HubError, ProvinceHub } from '../../controller/province/hub.js';
import { parsePeriod } from '../../controller/reports/period.js';
import { summaryTopic } from '../../protocol/summary.js';
import { areaKey, daySummary, fakeParts } from './hub-fakes.js';

const NOW = Date.UTC(2025, 10, 20, 3) / 1000; // 2025-11-20 10:00 in Vietnam
const a = areaKey('trieu-son');
const b = areaKey('hau-loc');

let dir: string;
let hub: ProvinceHub;
let parts: ReturnType<typeof fakeParts>;

async function open(): Promise<ProvinceHub> {
  return ProvinceHub.open({ dataDir: dir, clock: () => NOW, parts });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-hub-'));
  parts = fakeParts();
  hub = await open();
  await hub.addArea({ id: a.id, name: 'Triệu Sơn', provinceCode: '38', publicKey: a.publicHex });
  await hub.addArea({ id: b.id, name: 'Hậu Lộc', publicKey: b.publicHex });
});

afterEach(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

const counts = async (h: ProvinceHub = hub): Promise<Record<string, number>> =>
  Object.fromEntries((await h.counters()).map((c) => [`${c.area} ${c.outcome}`, c.n]));

const month = parsePeriod('2025-11');
const plays = async (area = a.id): Promise<number> => (await hub.areaReport(area, { period: month, now: NOW })).totals.plays;

describe('ProvinceHub.ingest', () => {
  it('stores a new day, counts a duplicate, replaces it by a higher version and never adds it twice', async () => {
    const v1 = daySummary(a, '2025-11-03', 1, 5);
    expect(await hub.ingest(v1.topic, v1.bytes)).toBe('stored');
    expect(await hub.ingest(v1.topic, v1.bytes)).toBe('duplicate');
    expect(await plays()).toBe(5);
    const v2 = daySummary(a, '2025-11-03', 2, 7);
    expect(await hub.ingest(v2.topic, v2.bytes)).toBe('stored');
    expect(await plays()).toBe(7);
    expect(await hub.ingest(v1.topic, v1.bytes)).toBe('older');
    const other = daySummary(a, '2025-11-03', 2, 9);
    expect(await hub.ingest(other.topic, other.bytes)).toBe('conflict');
    expect(await plays()).toBe(7);
    expect(await counts()).toEqual({ 'trieu-son stored': 2, 'trieu-son duplicate': 1, 'trieu-son older': 1, 'trieu-son conflict': 1 });
  });

  it('refuses a wrong key, an unknown area, a topic naming another area, broken bytes and a bad topic, and counts each', async () => {
    const forged = daySummary({ ...a, key: b.key }, '2025-11-03', 1, 5);
    expect(await hub.ingest(forged.topic, forged.bytes)).toBe('bad-signature');
    const stranger = areaKey('nga-son');
    const unknown = daySummary(stranger, '2025-11-03', 1, 5);
    expect(await hub.ingest(unknown.topic, unknown.bytes)).toBe('unknown-area');
    const relayed = daySummary(b, '2025-11-03', 1, 5, { topicArea: a.id });
    expect(await hub.ingest(relayed.topic, relayed.bytes)).toBe('area-mismatch');
    const ok = daySummary(a, '2025-11-03', 1, 5);
    expect(await hub.ingest(ok.topic, Buffer.from('not a summary'))).toBe('bad-format');
    expect(await hub.ingest(summaryTopic(a.id, 'day', '2025-11-04'), ok.bytes)).toBe('bad-format'); // the topic's day is not the header's
    expect(await hub.ingest('loa/v1/trieu-son/summary/receipt', ok.bytes)).toBe('bad-format');
    expect(await hub.ingest('elsewhere', ok.bytes)).toBe('bad-format');
    expect(await plays()).toBe(0);
    expect(await plays(b.id)).toBe(0);
    expect(await counts()).toEqual({
      'trieu-son bad-signature': 1,
      'nga-son unknown-area': 1,
      'trieu-son area-mismatch': 1,
      'trieu-son bad-format': 3,
      '(topic) bad-format': 1,
    });
  });

  it('refuses a summary over the size limit before opening it, and a body the replica refuses', async () => {
    await hub.close();
    parts = fakeParts({ maxBytes: 300 });
    hub = await open();
    const big = daySummary(a, '2025-11-03', 1, 5);
    const padded = Buffer.concat([big.bytes, Buffer.alloc(400)]);
    expect(await hub.ingest(big.topic, padded)).toBe('too-large');
    await hub.close();
    parts = fakeParts();
    hub = await open();
    const odd = { ...daySummary(a, '2025-11-03', 1, 5) };
    parts.applyDay = () => Promise.reject(new Error('not a day body'));
    expect(await hub.ingest(odd.topic, odd.bytes)).toBe('bad-format');
    expect((await hub.receipt(a.id)).days).toEqual({});
    expect(await counts()).toEqual({ 'trieu-son too-large': 1, 'trieu-son bad-format': 1 });
  });

  it('takes the same summary ten times at once as one store and nine duplicates', async () => {
    const v1 = daySummary(a, '2025-11-05', 1, 3);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => hub.ingest(v1.topic, v1.bytes)));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    expect(await plays()).toBe(3);
  });

  it('keeps keys, versions held and counters across a restart, and lists them in the receipt', async () => {
    for (const [day, v] of [['2025-11-01', 1], ['2025-11-02', 3]] as const) {
      for (let i = 1; i <= v; i++) {
        const s = daySummary(a, day, i, 10 * i);
        expect(await hub.ingest(s.topic, s.bytes)).toBe('stored');
      }
    }
    await hub.close();
    hub = await open();
    expect(await hub.receipt(a.id)).toEqual({ area: a.id, registry: 0, days: { '2025-11-01': 1, '2025-11-02': 3 } });
    const again = daySummary(a, '2025-11-02', 2, 20);
    expect(await hub.ingest(again.topic, again.bytes)).toBe('older');
    expect((await counts())['trieu-son stored']).toBe(4);
    expect((await hub.areas()).map((x) => [x.id, x.name, x.provinceCode, x.publicKeys])).toEqual([
      ['hau-loc', 'Hậu Lộc', null, [b.publicHex]],
      ['trieu-son', 'Triệu Sơn', '38', [a.publicHex]],
    ]);
  });

  it('takes an area or a key registered by another process while it runs (loa province area add beside loa province run)', async () => {
    const c = areaKey('nga-son');
    const first = daySummary(c, '2025-11-03', 1, 4);
    expect(await hub.ingest(first.topic, first.bytes)).toBe('unknown-area');
    const other = await open(); // the CLI's own ProvinceHub on the same data folder
    await other.addArea({ id: c.id, name: 'Nga Sơn', publicKey: c.publicHex });
    const rotated = { ...a, ...areaKey(a.id) };
    await other.addArea({ id: a.id, name: 'Triệu Sơn', publicKey: rotated.publicHex });
    await other.close();
    expect(await hub.ingest(first.topic, first.bytes)).toBe('stored');
    const signedByNewKey = daySummary(rotated, '2025-11-04', 1, 6);
    expect(await hub.ingest(signedByNewKey.topic, signedByNewKey.bytes)).toBe('stored');
    expect(await plays(c.id)).toBe(4);
  });

  it('accepts a second key of an area (a key rotation) and still the first', async () => {
    const next = areaKey(a.id);
    await hub.addArea({ id: a.id, name: 'Triệu Sơn', publicKey: next.publicHex });
    const byNew = daySummary(next, '2025-11-03', 1, 1);
    const byOld = daySummary(a, '2025-11-04', 1, 1);
    expect(await hub.ingest(byNew.topic, byNew.bytes)).toBe('stored');
    expect(await hub.ingest(byOld.topic, byOld.bytes)).toBe('stored');
    expect((await hub.areas()).find((x) => x.id === a.id)?.provinceCode).toBe('38');
  });
});

describe('ProvinceHub areas', () => {
  it('refuses an area id that is no topic name, a key that is no raw Ed25519 key, and an empty name', async () => {
    await expect(hub.addArea({ id: 'Triệu Sơn', name: 'x', publicKey: a.publicHex })).rejects.toMatchObject({ code: 'bad-area-id' });
    await expect(hub.addArea({ id: 'x', name: 'x', publicKey: 'abcd' })).rejects.toMatchObject({ code: 'bad-key' });
    await expect(hub.addArea({ id: 'x', name: ' ', publicKey: a.publicHex })).rejects.toBeInstanceOf(HubError);
    await expect(hub.areaReport('nowhere', { period: month, now: NOW })).rejects.toMatchObject({ code: 'unknown-area' });
  });
});

describe('ProvinceHub reports', () => {
  it('computes an area report once per day and versions held, and again when a summary is stored or the day turns', async () => {
    const s = daySummary(a, '2025-11-03', 1, 4);
    await hub.ingest(s.topic, s.bytes);
    const first = await hub.areaReport(a.id, { period: month, now: NOW });
    const later = await hub.areaReport(a.id, { period: month, now: NOW + 60 });
    expect(parts.reports).toBe(1);
    expect(later.generatedAt).toBe(NOW + 60);
    expect(later.notes).toEqual([{ code: 'period-incomplete', asOf: NOW + 60 }]);
    expect(first.generatedAt).toBe(NOW);
    await hub.ingest(s.topic, s.bytes); // a duplicate changes nothing
    await hub.areaReport(a.id, { period: month, now: NOW });
    expect(parts.reports).toBe(1);
    const s2 = daySummary(a, '2025-11-04', 1, 6);
    await hub.ingest(s2.topic, s2.bytes);
    expect((await hub.areaReport(a.id, { period: month, now: NOW })).totals.plays).toBe(10);
    expect(parts.reports).toBe(2);
    await hub.areaReport(a.id, { period: month, now: NOW + 86_400 });
    expect(parts.reports).toBe(3);
  });

  it('sums the areas into the province report, with the distinct active days of the replicas', async () => {
    for (const [k, day, n] of [[a, '2025-11-03', 4], [a, '2025-11-04', 1], [b, '2025-11-04', 2], [b, '2025-11-05', 8]] as const) {
      const s = daySummary(k, day, 1, n);
      expect(await hub.ingest(s.topic, s.bytes)).toBe('stored');
    }
    const r = await hub.provinceReport({ period: month, now: NOW });
    expect(r.areas.map((x) => [x.areaId, x.report.totals.plays])).toEqual([['hau-loc', 10], ['trieu-son', 5]]);
    expect(r.totals.plays).toBe(15);
    expect(r.totals.activeDays).toBe(3);
    expect(r.notes).toContainEqual({ code: 'active-days', how: 'union' });
  });
});
