/**
 * A report reads its period month by month and keeps the months that are over (controller/reports/months.ts): the
 * figures must not depend on where the months are cut, nor on which months came from memory, and a late record must
 * reach a kept month.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { forgetMonths, monthsOf } from '../../../controller/reports/months.js';
import { parsePeriod, vnMonthStart } from '../../../controller/reports/period.js';
import type { Report, UnitRow } from '../../../controller/reports/report.js';
import { join } from 'node:path';
import { SqliteDb, type SqlValue } from '../../../lib/sqlite.js';
import { at, fillFixture, tempDb, type TempDb } from './fixture.js';

const q4 = parsePeriod('2026-Q4');
const afterQ4 = at(12, 31) + 4 * 86_400;
let t: TempDb;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
});
afterEach(() => t.dispose());

const report = (o: { rollup?: boolean; now?: number } = {}) => computeReport(t.db, { period: q4, now: afterQ4, clock: () => afterQ4, ...o });
const unit = (r: Report, id: string): UnitRow => r.communes.flatMap((c) => c.units).find((u) => u.unitId === id)!;
const play = (u: string, record: number, start: number, seconds: number, lat: number | null = null, lon: number | null = null): SqlValue[] =>
  [u, record, 'c1', 1, start, 'gnss', seconds, 'completed', 'button', 70, lat, lon];
const addPlays = (rows: SqlValue[][]) =>
  t.db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], rows);

describe('a report read month by month', () => {
  it('cuts a period into its Vietnam calendar months', () => {
    expect(monthsOf(q4.start, q4.end)).toEqual([
      [vnMonthStart(2026, 10), vnMonthStart(2026, 11)],
      [vnMonthStart(2026, 11), vnMonthStart(2026, 12)],
      [vnMonthStart(2026, 12), vnMonthStart(2027, 1)],
    ]);
    const year = parsePeriod('2026');
    expect(monthsOf(year.start, year.end)).toHaveLength(12);
  });

  it('counts one session for plays on both sides of a month boundary, and two when the gap is long', async () => {
    // c1: the last play of October ends at 23:58; the first of November starts at 00:03 (5 min later: the same
    // session); a second pair, 31 Dec → 1 Jan, lies outside the quarter.
    await addPlays([play('c1', 100, at(10, 31, 23, 50), 480, 20.1, 105.8), play('c1', 101, at(11, 1, 0, 3), 60, 20.1, 105.8)]);
    const r = await report();
    const none = await report({ rollup: false });
    expect(r).toEqual(none);
    const oneSession = unit(r, 'c1').sessions;
    // The same plays with a 20-minute gap: one more session.
    const u = await tempDb();
    try {
      await fillFixture(u.db);
      await u.db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], [
        play('c1', 100, at(10, 31, 23, 50), 480, 20.1, 105.8),
        play('c1', 101, at(11, 1, 0, 18), 60, 20.1, 105.8),
      ]);
      const apart = await computeReport(u.db, { period: q4, now: afterQ4, clock: () => afterQ4 });
      expect(unit(apart, 'c1').sessions).toBe(oneSession + 1);
      // November alone sees its first play as a session start either way.
      const nov = parsePeriod('2026-11');
      const novTogether = await computeReport(t.db, { period: nov, now: afterQ4, clock: () => afterQ4 });
      const novApart = await computeReport(u.db, { period: nov, now: afterQ4, clock: () => afterQ4 });
      expect(unit(novTogether, 'c1').sessions).toBe(unit(novApart, 'c1').sessions);
    } finally {
      await u.dispose();
    }
  });

  it('gives the same figures from kept months as from the rollup and as without it, for the quarter and a commune', async () => {
    const cold = await report();
    expect(cold.totals.plays).toBeGreaterThan(0);
    expect(await report()).toEqual(cold);
    forgetMonths(t.db);
    expect(await report()).toEqual(cold);
    expect(await report({ rollup: false })).toEqual(cold);
    const commune = cold.communes[0]!.communeId;
    const of = (rollup: boolean) => computeReport(t.db, { period: q4, now: afterQ4, clock: () => afterQ4, commune, rollup });
    expect(await of(true)).toEqual(await of(false));
  });

  it('forgets a kept month when a late play arrives for one of its days, and only that month', async () => {
    const before = await report();
    await addPlays([play('b1', 200, at(10, 20, 9), 100)]);
    const after = await report();
    expect(unit(after, 'b1').plays).toBe(unit(before, 'b1').plays + 1);
    expect(unit(after, 'b1').broadcastSeconds).toBe(unit(before, 'b1').broadcastSeconds + 100);
    expect(after).toEqual(await report({ rollup: false }));
    const stamped = await t.db.all<{ day: number }>('SELECT day FROM report_changes');
    expect(stamped.map((r) => r.day)).toEqual([Math.floor((at(10, 20, 9) + 7 * 3600) / 86_400)]);
  });

  it('does not stamp a day that is not rolled up yet (the report computes it afresh anyway)', async () => {
    await report({ now: at(11, 10) });
    await addPlays([play('b1', 201, at(12, 5, 9), 30)]);
    expect(await t.db.all('SELECT day FROM report_changes')).toEqual([]);
    const r = await report();
    expect(r).toEqual(await report({ rollup: false }));
  });

  it('leaves no temp table behind: a backup taken after a report keeps the rollup indexes, and reports from it', async () => {
    const r = await report();
    const copy = join(t.dir, 'copy.db');
    await t.db.snapshotTo(copy);
    const restored = await SqliteDb.open(copy);
    try {
      const indexes = await restored.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'report%by_day' ORDER BY name");
      expect(indexes.map((i) => i.name)).toEqual(['report_cells_by_day', 'report_clips_by_day', 'report_soc_by_day']);
      expect(await computeReport(restored, { period: q4, now: afterQ4, clock: () => afterQ4 })).toEqual(r);
    } finally {
      await restored.close();
    }
  });
});
