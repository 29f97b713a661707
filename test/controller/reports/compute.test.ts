import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeReport, UnknownCommuneError } from '../../../controller/reports/compute.js';
import { haversineM } from '../../../controller/reports/geo.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import type { Report, UnitRow } from '../../../controller/reports/report.js';
import { fillFixture, HOSTILE, nov, tempDb, type TempDb } from './fixture.js';

const period = parsePeriod('2026-11');
const afterTheMonth = nov(30) + 3 * 86_400;
let t: TempDb;
let report: Report;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  report = await computeReport(t.db, { period, now: afterTheMonth });
});
afterEach(() => t.dispose());

const unit = (r: Report, id: string): UnitRow => {
  const found = r.communes.flatMap((c) => c.units).find((u) => u.unitId === id);
  if (found === undefined) throw new Error(`unit ${id} not in the report`);
  return found;
};
const expectedKm = (haversineM(19.9, 105.8, 19.901, 105.8) + haversineM(19.902, 105.8, 19.902, 105.81)) / 1000;

describe('computeReport on a hand-made month', () => {
  it('has the carts of the period, grouped by commune in Vietnamese order, without the retired idle one', () => {
    expect(report.communes.map((c) => [c.name, c.units.map((u) => u.unitId)])).toEqual([
      ['Xã Dân Lực', ['a1', 'a2']],
      ['Xã Dân Lý', ['b1']],
      ['Xã Xa Xôi', ['c1', 'd1']],
    ]);
  });

  it('works out every figure of a cart with counters, a track and a reboot', () => {
    const a1 = unit(report, 'a1');
    expect(a1).toMatchObject({
      plays: 5,
      broadcastSeconds: 320,
      sessions: 3,
      distinctClips: 3,
      activeDays: 3,
      activeUnitDays: 3,
      communesReached: ['dan-luc', 'dan-ly'],
      areasReached: 2,
      amplifierSeconds: 1400,
      amplifierEstimated: false,
      daysCounted: 30,
      offlineDays: 20,
      faults: 0,
      battery: { samples: 5, minSoc: 25, medianSoc: 31, daysBelow30: 2 },
    });
    expect(a1.km).toBeCloseTo(expectedKm, 2);
    expect(a1.km).toBeGreaterThan(1.15);
    expect(a1.km).toBeLessThan(1.17);
  });

  it('estimates the amplifier time of a cart without counters and counts days from its provisioning', () => {
    expect(unit(report, 'a2')).toMatchObject({
      plays: 1,
      broadcastSeconds: 200,
      sessions: 1,
      amplifierSeconds: 202.5,
      amplifierEstimated: true,
      communesReached: ['dan-luc'],
      areasReached: 1,
      daysCounted: 15,
      offlineDays: 13,
      km: 0,
      battery: { samples: 0, minSoc: null, medianSoc: null, daysBelow30: 0 },
    });
    expect(report.notes).toContainEqual({ code: 'amplifier-estimated', units: ['a2'], warmupSeconds: 1.5, tailSeconds: 1 });
  });

  it('counts faults by code, online days from records, and the median of an even count', () => {
    expect(unit(report, 'b1')).toMatchObject({
      plays: 2,
      sessions: 1,
      amplifierSeconds: 210,
      faults: 3,
      faultsByCode: [{ code: 'audio', count: 2 }, { code: 'gnss', count: 1 }],
      offlineDays: 29,
      communesReached: ['dan-ly'],
      battery: { samples: 2, minSoc: 88, medianSoc: 89, daysBelow30: 0 },
    });
  });

  it('adds up communes and the district with unions for the distinct figures', () => {
    expect(report.communes[0]!.totals).toMatchObject({
      units: 2,
      plays: 6,
      broadcastSeconds: 520,
      sessions: 4,
      distinctClips: 3,
      activeDays: 4,
      activeUnitDays: 4,
      areasReached: 2,
      offlineDays: 33,
      daysCounted: 45,
      amplifierSeconds: 1602.5,
      amplifierEstimatedUnits: 1,
      battery: { samples: 5, minSoc: 25, medianSoc: 31, daysBelow30: 2 },
    });
    expect(report.totals).toMatchObject({
      units: 5,
      plays: 8,
      broadcastSeconds: 720,
      sessions: 5,
      distinctClips: 4,
      activeDays: 5,
      communesReached: ['dan-luc', 'dan-ly'],
      areasReached: 3,
      offlineDays: 122,
      daysCounted: 135,
      faults: 3,
      battery: { samples: 7, minSoc: 25, medianSoc: 40, daysBelow30: 2 },
    });
    expect(report.clips).toEqual([
      { clip: 'c2', title: null, plays: 2, seconds: 260, units: 2 },
      { clip: HOSTILE, title: null, plays: 2, seconds: 200, units: 1 },
      { clip: 'c1', title: null, plays: 2, seconds: 200, units: 1 },
      { clip: 'c3', title: null, plays: 2, seconds: 60, units: 1 },
    ]);
  });

  it('ranks the teams by score and breaks ties by the team id', () => {
    expect(report.ranking.map((r) => [r.rank, r.teamId, r.score, r.activeDays, r.daysElapsed])).toEqual([
      [1, 'team-a', 0.02, 4, 30],
      [2, 'team-b', 0, 1, 30],
      [3, 'team-c', 0, 0, 30],
      [4, 'team-d', 0, 0, 30],
    ]);
  });

  it('does not count the days still to come of a period in progress', async () => {
    const mid = await computeReport(t.db, { period, now: nov(16, 12) });
    expect(unit(mid, 'a1')).toMatchObject({ daysCounted: 16, offlineDays: 10 });
    expect(unit(mid, 'a2')).toMatchObject({ daysCounted: 1, offlineDays: 1 });
    expect(mid.notes).toContainEqual({ code: 'period-incomplete', asOf: nov(16, 12) });
    expect(mid.ranking[0]!.daysElapsed).toBe(16);
  });

  it('limits a report to one commune, and names an unknown one', async () => {
    const ly = await computeReport(t.db, { period, commune: 'dan-ly', now: afterTheMonth });
    expect(ly.communes.map((c) => c.communeId)).toEqual(['dan-ly']);
    expect(ly.totals).toMatchObject({ units: 1, plays: 2, faults: 3, communesReached: ['dan-ly'] });
    expect(ly.clips.map((c) => c.clip)).toEqual([HOSTILE]);
    await expect(computeReport(t.db, { period, commune: 'nowhere', now: afterTheMonth })).rejects.toThrow(UnknownCommuneError);
  });

  it('takes clip titles from the caller and splits periods without double counting', async () => {
    const titled = await computeReport(t.db, { period, now: afterTheMonth, clipTitles: new Map([['c2', 'Phòng chống ma túy']]) });
    expect(titled.clips.find((c) => c.clip === 'c2')?.title).toBe('Phòng chống ma túy');
    const [october, december, year] = await Promise.all(
      ['2026-10', '2026-12', '2026'].map((p) => computeReport(t.db, { period: parsePeriod(p), now: afterTheMonth + 60 * 86_400 })),
    );
    // October: the first sample ever counts its counter (500); December: +9599 over the last November sample.
    expect(unit(october!, 'a1')).toMatchObject({ plays: 1, amplifierSeconds: 500 });
    expect(unit(december!, 'a1')).toMatchObject({ plays: 1, amplifierSeconds: 9599 });
    expect(unit(year!, 'a1').amplifierSeconds).toBe(500 + 1400 + 9599);
    // The track: the November segments, and December's first segment starts from the last November point.
    const decKm = haversineM(19.902, 105.81, 19.912, 105.81) / 1000;
    expect(unit(december!, 'a1').km).toBeCloseTo(decKm, 2);
    expect(unit(year!, 'a1').km).toBeCloseTo(expectedKm + decKm, 2);
  });
});
