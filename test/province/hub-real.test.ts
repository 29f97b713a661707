// The hub with its real parts, in-process (no broker): two generated areas summarise their days (area-summary.ts),
// the hub ingests every sealed summary, and its report of each area equals the area's own; the province total is
// the sum, its active days counted from the replicas; a late correction (version 2) replaces the day.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../controller/db/database.js';
import { summaryPass } from '../../controller/province/area-summary.js';
import { ProvinceHub } from '../../controller/province/hub.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { parsePeriod } from '../../controller/reports/period.js';
import type { Report } from '../../controller/reports/report.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { areaKey } from './hub-fakes.js';

const period = parsePeriod('2025-10');
const NOW = parsePeriod('2025-11').start + 2 * 86_400;
const clock = (): number => NOW;
const AREAS = [
  { key: areaKey('trieu-son'), name: 'Triệu Sơn', units: 4, seed: 3 },
  { key: areaKey('hau-loc'), name: 'Hậu Lộc', units: 3, seed: 5 },
];

let dir: string;
let hub: ProvinceHub;
const dbs = new Map<string, SqliteDb>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-hub-real-'));
  hub = await ProvinceHub.open({ dataDir: join(dir, 'hub'), clock });
  for (const a of AREAS) {
    await hub.addArea({ id: a.key.id, name: a.name, publicKey: a.key.publicHex });
    const db = await openControllerDb(join(dir, `${a.key.id}.db`));
    await generateFleet(db, { units: a.units, start: period.start, end: period.end, seed: a.seed, unitsPerCommune: 2 });
    dbs.set(a.key.id, db);
    for (const s of await summaryPass(db, { area: a.key.id, key: a.key.key, now: NOW, clock })) {
      expect(await hub.ingest(s.topic, s.bytes)).toBe('stored');
    }
  }
}, 60_000);

afterAll(async () => {
  await hub?.close();
  for (const db of dbs.values()) await db.close();
  await rm(dir, { recursive: true, force: true });
});

const without = (r: Report): Report => ({ ...r, generatedAt: 0 });

describe('the hub on real summaries', () => {
  it("reports each area as the area reports itself, and the province as their sum with the replicas' active days", async () => {
    const own = new Map<string, Report>();
    for (const [id, db] of dbs) own.set(id, await computeReport(db, { period, now: NOW, clock }));
    for (const [id, r] of own) expect(without(await hub.areaReport(id, { period, now: NOW }))).toEqual(without(r));
    const p = await hub.provinceReport({ period, now: NOW });
    expect(p.totals.plays).toBe([...own.values()].reduce((n, r) => n + r.totals.plays, 0));
    expect(p.notes).toContainEqual({ code: 'active-days', how: 'union' });
    expect(p.totals.activeDays).toBeGreaterThanOrEqual(Math.max(...[...own.values()].map((r) => r.totals.activeDays)));
    expect(p.totals.activeDays).toBeLessThanOrEqual(period.days);
  });

  it('replaces a day corrected by late records (version 2) instead of adding it', async () => {
    const [id, db] = [...dbs][0]!;
    const a = AREAS.find((x) => x.key.id === id)!;
    const before = (await hub.areaReport(id, { period, now: NOW })).totals.plays;
    const unit = (await db.get<{ id: string }>('SELECT id FROM units ORDER BY id LIMIT 1'))!.id;
    const day = period.start + 9 * 86_400 + 9 * 3600;
    await db.transaction(async () => {
      const rec = (await db.get<{ r: number }>('SELECT coalesce(max(record), 0) + 1 AS r FROM records WHERE unit_id = ?', [unit]))!.r;
      const template = (await db.get<Record<string, unknown>>('SELECT * FROM plays WHERE unit_id = ? LIMIT 1', [unit]))!;
      const cols = Object.keys(template);
      const values = cols.map((c) => (c === 'record' ? rec : c === 'start' ? day : template[c])) as (string | number | null)[];
      const record = (await db.get<Record<string, unknown>>('SELECT * FROM records WHERE unit_id = ? AND record = ?', [unit, template['record'] as number]))!;
      const rcols = Object.keys(record);
      const rvalues = rcols.map((c) => (c === 'record' ? rec : c === 'server_time' ? NOW - 60 : record[c])) as (string | number | null)[];
      await db.run(`INSERT INTO records (${rcols.join(', ')}) VALUES (${rcols.map(() => '?').join(', ')})`, rvalues);
      await db.run(`INSERT INTO plays (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, values);
    });
    const again = await summaryPass(db, { area: id, key: a.key.key, now: NOW + 3600, clock: () => NOW + 3600 });
    // The corrected day comes again as version 2 (a day that became final meanwhile may come with it, as version 1).
    expect(again.filter((s) => s.version > 1).map((s) => [s.kind, s.day, s.version])).toEqual([['day', '2025-10-10', 2]]);
    for (const s of again) expect(await hub.ingest(s.topic, s.bytes)).toBe('stored');
    const after = await hub.areaReport(id, { period, now: NOW });
    expect(after.totals.plays).toBe(before + 1);
    expect(without(after)).toEqual(without(await computeReport(db, { period, now: NOW, clock })));
  });
});
