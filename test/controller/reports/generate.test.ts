import { afterEach, describe, expect, it } from 'vitest';
import { computeReport, generateFleet, parsePeriod } from '../../../controller/reports/index.js';
import { tempDb, type TempDb } from './fixture.js';

const dbs: TempDb[] = [];
afterEach(async () => {
  for (const t of dbs.splice(0)) await t.dispose();
});

async function generated(seed: number) {
  const t = await tempDb();
  dbs.push(t);
  const period = parsePeriod('2026-11');
  const summary = await generateFleet(t.db, { units: 6, start: period.start, end: period.start + 5 * 86_400, seed });
  return { t, period, summary };
}

describe('generateFleet', () => {
  it('is seeded, and what it writes agrees with the report computed from it', async () => {
    const a = await generated(7);
    const b = await generated(7);
    expect(b.summary).toEqual(a.summary);
    expect(a.summary).toMatchObject({ communes: 2, units: 6 });
    expect(a.summary.plays).toBeGreaterThan(50);
    expect(a.summary.samples).toBeGreaterThan(a.summary.plays);
    const plays = await a.t.db.get<{ n: number }>('SELECT count(*) n FROM plays');
    expect(plays!.n).toBe(a.summary.plays);
    const report = await computeReport(a.t.db, { period: a.period, now: a.period.end + 86_400 });
    expect(report.totals.plays).toBe(a.summary.plays);
    expect(report.totals.units).toBe(6);
    expect(report.totals.amplifierSeconds).toBeGreaterThanOrEqual(report.totals.broadcastSeconds);
    expect(report.totals.km).toBeGreaterThan(0);
    expect(report.totals.communesReached.length).toBeGreaterThanOrEqual(2);
    expect(report.ranking).toHaveLength(2);
    const other = await generated(8);
    expect(other.summary.plays).not.toBe(a.summary.plays);
  });
});
