// Reports across a merger and a renaming, on the hand-made district of test/controller/reports/fixture.ts
// (November 2026): a past report stays byte for byte the same after later changes to its communes, and
// `communesAsOf: 'now'` regroups the same period onto today's communes with the same totals.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { computeReport } from '../../../controller/reports/compute.js';
import { parsePeriod, vnDay } from '../../../controller/reports/period.js';
import { renderCsv } from '../../../controller/reports/render-csv.js';
import { at, fillFixture, nov, tempDb, type TempDb } from '../reports/fixture.js';

const period = parsePeriod('2026-11');
const dec5 = at(12, 5, 9);
const dec1 = vnDay(at(12, 1));

let t: TempDb;
let registry: FleetRegistry;
beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  registry = new FleetRegistry({ db: t.db, clock: () => dec5 * 1000 });
});
afterEach(() => t.dispose());

/** Dân Lực and Dân Lý become the new Xã Dân Hòa on 1 December (a centre near both). */
async function mergeDan(): Promise<void> {
  await registry.addCommune({ id: 'dan-hoa', name: 'Xã Dân Hòa', code: '16100', sinceDay: dec1, lat: 19.9, lon: 105.85 });
  await registry.mergeCommunes({ into: 'dan-hoa', from: ['dan-luc', 'dan-ly'], onDay: dec1 });
}

describe('a report across a merger', () => {
  it('stays the same, byte for byte, after a later merger and renaming', async () => {
    const before = await computeReport(t.db, { period, now: dec5 });
    const csvBefore = renderCsv(before, 'vi');
    await mergeDan();
    await registry.renameCommune({ id: 'xa-xoi', name: 'Xã Xa Xôi Mới', onDay: dec1 });
    const after = await computeReport(t.db, { period, now: dec5 });
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    expect(renderCsv(after, 'vi')).toBe(csvBefore);
    expect(after.communes.map((c) => [c.communeId, c.code, c.name])).toEqual([
      ['dan-luc', null, 'Xã Dân Lực'],
      ['dan-ly', null, 'Xã Dân Lý'],
      ['xa-xoi', null, 'Xã Xa Xôi'],
    ]);
    expect(after.totals.communesReached).toEqual(['dan-luc', 'dan-ly']);
  });

  it("regroups the same period onto today's communes with communesAsOf 'now', totals unchanged", async () => {
    const then = await computeReport(t.db, { period, now: dec5 });
    await mergeDan();
    const now = await computeReport(t.db, { period, now: dec5, communesAsOf: 'now' });
    expect(now.communes.map((c) => [c.communeId, c.code, c.name, c.units.map((u) => u.unitId)])).toEqual([
      ['dan-hoa', '16100', 'Xã Dân Hòa', ['a1', 'a2', 'b1']], // r1 is retired and did not play
      ['xa-xoi', null, 'Xã Xa Xôi', ['c1', 'd1']],
    ]);
    const { communesReached: reachedThen, ...restThen } = then.totals;
    const { communesReached: reachedNow, ...restNow } = now.totals;
    expect(restNow).toEqual(restThen);
    // Only communes current on the day the report groups by are reached: Dân Hòa now, its former communes then.
    expect(reachedThen).toEqual(['dan-luc', 'dan-ly']);
    expect(reachedNow).toEqual(['dan-hoa']);
    expect(now.ranking.filter((r) => r.communeId === 'dan-hoa').map((r) => r.teamId).sort()).toEqual(['team-a', 'team-b']);
    expect(new Set(now.ranking.map((r) => r.communeName))).toEqual(new Set(['Xã Dân Hòa', 'Xã Xa Xôi']));
  });

  it("limits a report to a current commune's carts, former communes' carts included", async () => {
    await mergeDan();
    const hoa = await computeReport(t.db, { period, now: dec5, communesAsOf: 'now', commune: 'dan-hoa' });
    expect(hoa.communes.map((c) => c.communeId)).toEqual(['dan-hoa']);
    expect(hoa.totals.units).toBe(3); // a1, a2, b1 (r1 is retired)
    // As of the period, Dân Hòa did not exist yet: nobody's carts were its.
    const thenHoa = await computeReport(t.db, { period, now: dec5, commune: 'dan-hoa' });
    expect(thenHoa.communes).toEqual([]);
  });

  it('groups a period by the communes of its last day: a merger in the middle of the month counts for the month', async () => {
    const mid = vnDay(nov(15));
    await registry.addCommune({ id: 'dan-hoa', name: 'Xã Dân Hòa', sinceDay: mid });
    await registry.mergeCommunes({ into: 'dan-hoa', from: ['dan-luc', 'dan-ly'], onDay: mid });
    await registry.renameCommune({ id: 'xa-xoi', name: 'Xã Xa Xôi Mới', onDay: vnDay(nov(30)) });
    const r = await computeReport(t.db, { period, now: dec5 });
    expect(r.communes.map((c) => [c.communeId, c.name])).toEqual([
      ['dan-hoa', 'Xã Dân Hòa'],
      ['xa-xoi', 'Xã Xa Xôi Mới'],
    ]);
    const october = await computeReport(t.db, { period: parsePeriod('2026-10'), now: dec5 });
    expect(october.communes.map((c) => c.name)).toEqual(['Xã Dân Lực', 'Xã Dân Lý', 'Xã Xa Xôi']);
  });
});
