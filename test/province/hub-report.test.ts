// The province report over real area reports: two generated areas (real SQLite files where the hub keeps its
// replicas, reported by the same computeReport an area runs), summed by the hub. Every additive figure of the total
// is the exact sum of the areas'; active days are the distinct days; the ranking holds every team, ordered by the
// area reports' comparator; and the renderers print it in Vietnamese and English.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_MIGRATIONS, migrateArea } from '../../controller/db/database.js';
import { ProvinceHub, type HubParts } from '../../controller/province/hub.js';
import { sumFigures } from '../../controller/province/province-report.js';
import { renderProvinceCsv, renderProvinceHtml, renderProvinceJson } from '../../controller/province/province-render.js';
import { validateHubConfig } from '../../controller/province/hub-config.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { parsePeriod, vnDay } from '../../controller/reports/period.js';
import type { Report } from '../../controller/reports/report.js';
import { SqliteDb } from '../../lib/sqlite.js';
import { areaKey, emptyFigures, fakeParts } from './hub-fakes.js';

const period = parsePeriod('2025-10');
const NOW = parsePeriod('2025-11').start + 5 * 86_400;
const AREAS = [
  { key: areaKey('trieu-son'), name: 'Triệu Sơn', units: 5, seed: 7 },
  { key: areaKey('hau-loc'), name: 'Hậu Lộc <&>', units: 4, seed: 11 },
];

let dir: string;
let hub: ProvinceHub;
const own = new Map<string, Report>();
const distinctDays = new Map<string, number[]>();

/** The replicas are the generated area databases, reported the way the area controller reports its own. */
function areaParts(): HubParts {
  return {
    ...fakeParts(),
    openReplica: async (path) => {
      const db = await SqliteDb.open(path);
      await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
      return db;
    },
    report: (db, o) => computeReport(db, { period: o.period, now: o.now }),
    // The real replicaPlayDays reads the replica's rollup rows; here the raw plays give the same days.
    playDays: async (db, first, after) =>
      (await db.all<{ d: number }>('SELECT DISTINCT (start + 25200) / 86400 AS d FROM plays WHERE (start + 25200) / 86400 >= ? AND (start + 25200) / 86400 < ?', [first, after])).map((r) => r.d),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-hub-report-'));
  hub = await ProvinceHub.open({ dataDir: dir, clock: () => NOW, parts: areaParts() });
  for (const a of AREAS) {
    await hub.addArea({ id: a.key.id, name: a.name, publicKey: a.key.publicHex });
    const db = await SqliteDb.open(join(dir, 'areas', `${a.key.id}.db`));
    await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
    await generateFleet(db, { units: a.units, start: period.start - 3 * 86_400, end: period.end, seed: a.seed, unitsPerCommune: 2 });
    own.set(a.key.id, await computeReport(db, { period, now: NOW }));
    const rows = await db.all<{ d: number }>('SELECT DISTINCT (start + 25200) / 86400 AS d FROM plays WHERE start >= ? AND start < ?', [period.start, period.end]);
    distinctDays.set(a.key.id, rows.map((r) => Math.floor(r.d)));
    await db.close();
  }
}, 60_000);

afterAll(async () => {
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the province report', () => {
  it("holds each area's own report, and totals that are the exact sums of the areas' figures", async () => {
    const r = await hub.provinceReport({ period, now: NOW });
    const reports = AREAS.map((a) => own.get(a.key.id)!);
    for (const a of r.areas) expect({ ...a.report, generatedAt: 0 }).toEqual({ ...own.get(a.areaId)!, generatedAt: 0 });
    const sum = (f: (x: Report) => number): number => reports.reduce((n, x) => n + f(x), 0);
    const t = r.totals;
    expect(t.plays).toBe(sum((x) => x.totals.plays));
    expect(t.plays).toBeGreaterThan(0);
    expect(t.units).toBe(9);
    expect(t.sessions).toBe(sum((x) => x.totals.sessions));
    expect(t.activeUnitDays).toBe(sum((x) => x.totals.activeUnitDays));
    expect(t.offlineDays).toBe(sum((x) => x.totals.offlineDays));
    expect(t.daysCounted).toBe(sum((x) => x.totals.daysCounted));
    expect(t.faults).toBe(sum((x) => x.totals.faults));
    expect(t.areasReached).toBe(sum((x) => x.totals.areasReached));
    expect(t.battery.daysBelow30).toBe(sum((x) => x.totals.battery.daysBelow30));
    expect(t.battery.samples).toBe(sum((x) => x.totals.battery.samples));
    expect(t.energy.days).toBe(sum((x) => x.totals.energy.days));
    expect(t.broadcastSeconds).toBe(Math.round(sum((x) => x.totals.broadcastSeconds) * 10) / 10);
    expect(t.km).toBe(Math.round(sum((x) => x.totals.km) * 100) / 100);
    expect(t.faultsByCode.reduce((n, f) => n + f.count, 0)).toBe(t.faults);
    expect(t.battery.minSoc).toBe(Math.min(...reports.map((x) => x.totals.battery.minSoc!)));
    expect(t.battery.medianSoc).toBeNull();
    // Both areas use the same generated commune ids: reached communes are told apart by their area.
    expect(t.communesReached).toHaveLength(sum((x) => x.totals.communesReached.length));
    expect(r.communes).toHaveLength(sum((x) => x.communes.length));
    const union = new Set([...distinctDays.values()].flat());
    expect(t.activeDays).toBe(union.size);
    expect(union.size).toBeLessThan(sum((x) => x.totals.activeDays));
    expect(r.notes).toContainEqual({ code: 'active-days', how: 'union' });
    expect(vnDay(period.start)).toBeLessThanOrEqual(Math.min(...union));
  });

  it('ranks every team of every area with the comparator of the area reports, keeping each area’s own order', async () => {
    const r = await hub.provinceReport({ period, now: NOW });
    expect(r.ranking).toHaveLength(AREAS.reduce((n, a) => n + own.get(a.key.id)!.ranking.length, 0));
    expect(r.ranking.map((t) => t.rank)).toEqual(r.ranking.map((_, i) => i + 1));
    for (let i = 1; i < r.ranking.length; i++) {
      const [p, q] = [r.ranking[i - 1]!, r.ranking[i]!];
      expect(p.score > q.score || (p.score === q.score && p.activeDays >= q.activeDays), `${p.teamId} before ${q.teamId}`).toBe(true);
    }
    for (const a of AREAS) {
      const mine = r.ranking.filter((t) => t.areaId === a.key.id).map((t) => [t.teamId, t.areaRank]);
      expect(mine).toEqual(own.get(a.key.id)!.ranking.map((t) => [t.teamId, t.rank]));
    }
  });

  it('serves the second yearly roll-up from its cache', async () => {
    const t0 = performance.now();
    const again = await hub.provinceReport({ period, now: NOW + 3600 });
    expect(performance.now() - t0).toBeLessThan(200);
    expect(again.generatedAt).toBe(NOW + 3600);
  });

  it('renders JSON, CSV and HTML, Vietnamese first, English on request, values escaped', async () => {
    const r = await hub.provinceReport({ period, now: NOW });
    const heading = validateHubConfig({ heading: { province: 'Thanh Hóa', issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'] } }).heading;
    const html = renderProvinceHtml(r, { heading });
    expect(html).toContain('CÔNG AN TỈNH THANH HÓA<br>ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA<br><b>TỈNH THANH HÓA</b>');
    expect(html).toContain('Thanh Hóa, ngày 06 tháng 11 năm 2025');
    expect(html).toContain('Hậu Lộc &lt;&amp;&gt;');
    expect(html).not.toContain('<&>');
    expect(html).toContain('XẾP HẠNG THI ĐUA');
    expect(renderProvinceHtml(r, { heading, lang: 'en' })).toContain('TEAM RANKING OF THE PROVINCE');
    const csv = renderProvinceCsv(r);
    expect(csv.startsWith('\uFEFFKỳ báo cáo,Mã khu vực')).toBe(true);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + r.communes.length + r.areas.length + 1);
    expect(lines.at(-1)).toContain(`,Toàn tỉnh,,,9,`);
    expect(renderProvinceCsv(r, 'en')).toContain('Province');
    const json = JSON.parse(renderProvinceJson(r)) as { totals: { plays: number }; notes: { text: string }[] };
    expect(json.totals.plays).toBe(r.totals.plays);
    expect(json.notes.every((n) => n.text.length > 10)).toBe(true);
  });
});

describe('sumFigures', () => {
  it('adds decimal figures as printed and rounds again (0.1 + 0.2 is 0.3), takes the lowest battery, leaves medians out', () => {
    const a = emptyFigures({ broadcastSeconds: 0.1, km: 0.01, faultsByCode: [{ code: 'gnss', count: 1 }], faults: 1, battery: { samples: 2, minSoc: 40, medianSoc: 50, daysBelow30: 0 } });
    const b = emptyFigures({ broadcastSeconds: 0.2, km: 0.02, faultsByCode: [{ code: 'audio', count: 2 }, { code: 'gnss', count: 1 }], faults: 3, battery: { samples: 1, minSoc: 20, medianSoc: 20, daysBelow30: 1 } });
    const s = sumFigures([{ areaId: 'a', totals: a }, { areaId: 'b', totals: b }], undefined);
    expect(s.broadcastSeconds).toBe(0.3);
    expect(s.km).toBe(0.03);
    expect(s.faultsByCode).toEqual([{ code: 'audio', count: 2 }, { code: 'gnss', count: 2 }]);
    expect(s.faults).toBe(4);
    expect(s.battery).toEqual({ samples: 3, minSoc: 20, medianSoc: null, daysBelow30: 1 });
  });
});
