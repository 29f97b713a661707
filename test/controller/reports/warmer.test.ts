// The controller keeps the reports' rollup filled as days end: after a warm-up the year report reads it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openControllerDb } from '../../../controller/db/database.js';
import { generateFleet } from '../../../controller/reports/generate.js';
import { computeReport, parsePeriod } from '../../../controller/reports/index.js';
import { forgetMonths } from '../../../controller/reports/months.js';
import { RollupWarmer } from '../../../controller/reports/warmer.js';

describe('RollupWarmer', () => {
  it('rolls up the finished days of the current year, and the report then gives the same figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-warm-'));
    const db = await openControllerDb(join(dir, 'controller.db'));
    try {
      const start = Date.UTC(2025, 2, 1) / 1000 - 7 * 3600;
      await generateFleet(db, { units: 2, start, end: start + 5 * 86_400, seed: 3 });
      const now = start + 40 * 86_400; // 10 April: March is over
      const cold = await computeReport(db, { period: parsePeriod('2025'), now, rollup: false });
      await new RollupWarmer({ db, now: () => now }).warm();
      const days = await db.exclusive(() => db.get<{ n: number }>('SELECT count(*) AS n FROM report_days'));
      expect(days?.n).toBeGreaterThanOrEqual(5);
      // March is over by `now` and the warm-up kept it in memory: a change under it shows only once the months are
      // forgotten (a fresh process), and the rolled-up rows are what that one reads.
      await db.run('UPDATE main.report_plays SET n = n + 5');
      expect(await computeReport(db, { period: parsePeriod('2025'), now })).toEqual(cold);
      forgetMonths(db);
      expect((await computeReport(db, { period: parsePeriod('2025'), now })).totals.plays).toBeGreaterThan(cold.totals.plays);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
