import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { generateFleet } from '../../../controller/reports/generate.js';
import { haversineM } from '../../../controller/reports/geo.js';
import { forgetMonths } from '../../../controller/reports/months.js';
import { parsePeriod, vnDay } from '../../../controller/reports/period.js';
import type { Report, UnitRow } from '../../../controller/reports/report.js';
import { fillFixture, nov, tempDb, type TempDb } from './fixture.js';

const period = parsePeriod('2026-11');
const afterTheMonth = nov(30) + 3 * 86_400;
let t: TempDb;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
});
afterEach(() => t.dispose());

const unit = (r: Report, id: string): UnitRow => {
  const found = r.communes.flatMap((c) => c.units).find((u) => u.unitId === id);
  if (found === undefined) throw new Error(`unit ${id} not in the report`);
  return found;
};
// The real clock too is after the month, whatever the machine's date: the rollup takes only days over by both.
const report = (options: { now?: number; rollup?: boolean } = {}) => computeReport(t.db, { period, now: afterTheMonth, clock: () => afterTheMonth, ...options });
const rolledUpDays = async () => (await t.db.all<{ day: number }>('SELECT day FROM report_days ORDER BY day')).map((r) => r.day);
const trackRecord = (u: string, record: number, points: [number, number, number][]) =>
  t.db.insertMany('track_points', ['unit_id', 'record', 'idx', 'time', 'lat', 'lon'], points.map(([time, lat, lon], idx) => [u, record, idx, time, lat, lon]));

describe('the report rollup', () => {
  it('gives the same report cold (rolling the days up) and warm (reading them), and reads it when warm', async () => {
    const cold = await report();
    const days = await rolledUpDays();
    expect(days).toContain(vnDay(nov(2)));
    expect(days).toContain(vnDay(nov(10)));
    const warm = await report();
    expect(warm).toEqual(cold);
    expect(await rolledUpDays()).toEqual(days);
    expect(await report({ rollup: false })).toEqual(cold);
    // The warm report takes the month it keeps in memory, and a fresh connection's reads the rolled-up rows:
    // change one, and only the latter follows.
    await t.db.run("UPDATE main.report_plays SET s = s + 1000 WHERE unit_id = 'b1' AND day = ?", [vnDay(nov(10))]);
    expect(unit(await report(), 'b1').broadcastSeconds).toBe(unit(cold, 'b1').broadcastSeconds);
    forgetMonths(t.db);
    expect(unit(await report(), 'b1').broadcastSeconds).toBe(unit(cold, 'b1').broadcastSeconds + 1000);
  });

  it('rolls up only days that are over by `now`', async () => {
    await report({ now: nov(16, 12) });
    const days = await rolledUpDays();
    expect(days).toContain(vnDay(nov(15)));
    expect(Math.max(...days)).toBeLessThan(vnDay(nov(16)));
  });

  it('counts a track record that arrives late, for a day already rolled up', async () => {
    const before = await report();
    expect(unit(before, 'b1').km).toBe(0);
    await trackRecord('b1', 20, [[nov(10, 8), 19.9, 105.9], [nov(10, 8, 10), 19.91, 105.9]]);
    const after = await report();
    expect(unit(after, 'b1').km).toBeCloseTo(haversineM(19.9, 105.9, 19.91, 105.9) / 1000, 2);
    expect(after).toEqual(await report({ rollup: false }));
    expect(await report()).toEqual(after); // rewritten in the rollup, and read back from it
  });

  it('follows a late record that slips between the records of a rolled-up day and the day before', async () => {
    await trackRecord('c1', 10, [[nov(5, 10), 20, 105], [nov(5, 10, 10), 20.01, 105]]);
    await trackRecord('c1', 12, [[nov(6, 8), 20.03, 105], [nov(6, 8, 10), 20.04, 105]]);
    const m = (a: [number, number], b: [number, number]) => haversineM(a[0], a[1], b[0], b[1]) / 1000;
    const step = m([20, 105], [20.01, 105]);
    expect(unit(await report(), 'c1').km).toBeCloseTo(step + m([20.01, 105], [20.03, 105]) + step, 2);
    // Record 11 arrives late, with one point on the 5th: the 6th's first segment now starts from it, although
    // nothing of the 6th itself changed (without seeing that, the report would say 0.7 km more).
    await trackRecord('c1', 11, [[nov(5, 20), 20.02, 105.01]]);
    const expected = step + m([20.01, 105], [20.02, 105.01]) + m([20.02, 105.01], [20.03, 105]) + step;
    expect(unit(await report(), 'c1').km).toBeCloseTo(expected, 2);
    expect(unit(await report(), 'c1').km).toBeCloseTo(expected, 2);
  });

  it('counts a play that arrives late, for a day already rolled up', async () => {
    const before = unit(await report(), 'b1');
    await t.db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], [
      ['b1', 30, 'c1', 1, nov(12, 9), 'gnss', 50, 'completed', 'button', 70, null, null],
    ]);
    const after = await report();
    expect(unit(after, 'b1')).toMatchObject({ plays: before.plays + 1, sessions: before.sessions + 1, activeDays: before.activeDays + 1, broadcastSeconds: before.broadcastSeconds + 50 });
    expect(after).toEqual(await report({ rollup: false }));
    expect(await report()).toEqual(after);
  });

  it('gives the same figures with and without the rollup on generated data, for a month and for one commune', async () => {
    const g = await tempDb();
    try {
      await generateFleet(g.db, { units: 8, start: period.start, end: period.start + 6 * 86_400, seed: 3 });
      const of = (options: { rollup?: boolean; commune?: string }) => computeReport(g.db, { period, now: afterTheMonth, ...options });
      const live = await of({ rollup: false });
      expect(live.totals.plays).toBeGreaterThan(0);
      expect(await of({})).toEqual(live);
      expect(await of({})).toEqual(live);
      const commune = live.communes[0]!.communeId;
      expect(await of({ commune })).toEqual(await of({ commune, rollup: false }));
    } finally {
      await g.dispose();
    }
  });
});

describe('days rolled up before the stamps of late records existed', () => {
  it('are checked once by counting: a late play is found, and every day is then marked checked', async () => {
    const before = unit(await report(), 'b1');
    await t.db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], [
      ['b1', 31, 'c1', 1, nov(12, 9), 'gnss', 50, 'completed', 'button', 70, null, null],
    ]);
    // As a database rolled up by an older version holds it: no stamp, nothing checked.
    await t.db.run('DELETE FROM report_changes');
    await t.db.run('UPDATE report_days SET checked = NULL');
    forgetMonths(t.db);
    const after = await report();
    expect(unit(after, 'b1').plays).toBe(before.plays + 1);
    expect(after).toEqual(await report({ rollup: false }));
    const unchecked = await t.db.all('SELECT day FROM report_days WHERE checked IS NULL');
    expect(unchecked).toEqual([]);
    forgetMonths(t.db);
    expect(await report()).toEqual(after);
  });

  it('need no count once checked: a day stamped after its check is rewritten, one not stamped is read as it is', async () => {
    await report();
    // A row changed under the rollup without any insert (no stamp): a checked day is trusted, so it shows.
    await t.db.run("UPDATE main.report_plays SET n = n + 1 WHERE unit_id = 'b1' AND day = ?", [vnDay(nov(10))]);
    forgetMonths(t.db);
    const trusted = unit(await report(), 'b1').plays;
    // A stamp on that day (what a late record's insert writes) makes the next report rewrite it from the plays.
    await t.db.run('INSERT INTO report_changes (day, seq) VALUES (?, 1000)', [vnDay(nov(10))]);
    forgetMonths(t.db);
    expect(unit(await report(), 'b1').plays).toBe(trusted - 1);
  });
});
