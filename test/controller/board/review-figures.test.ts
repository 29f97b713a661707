// The figures of a review, every one checked against the stored rows with SQL written here (plays, activities,
// training records), on a simulated month with carts and logged activities; and a review across the 2025 merger,
// compared through the former→current commune table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changeWords, draftSections } from '../../../controller/board/review-draft.js';
import { lastYearPeriod, previousPeriod, reviewData } from '../../../controller/board/review-figures.js';
import { ACTIVITY_KINDS, type ActivityKind, type Compared, type ReviewData, type ReviewFigureSet } from '../../../controller/board/types.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { computeReport } from '../../../controller/reports/compute.js';
import { parsePeriod, vnDay, type Period } from '../../../controller/reports/period.js';
import { formatNumber } from '../../../controller/reports/text.js';
import type { SqliteDb } from '../../../lib/sqlite.js';
import { tempDb, type TempDb } from '../reports/fixture.js';
import { addActivity, addPlay, DEC5, fillReviewFixture, vn } from './review-fixture.js';

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
  await fillReviewFixture(t.db);
});
afterEach(() => t.dispose());

const clock = (): number => DEC5;
const nov = parsePeriod('2026-11');

type Plain = Record<keyof ReviewFigureSet, number>;
const one = async (db: SqliteDb, sql: string, params: (string | number)[]): Promise<number> =>
  (await db.exclusive(() => db.get<{ n: number }>(sql, params)))!.n;
const isoDay = (t: number): string => new Date((t + 7 * 3600) * 1000).toISOString().slice(0, 10);

/**
 * A period's figures for the carts registered in `communes` (and activities recorded there) from the stored rows:
 * SQL written for this test. Distance, days offline and communes reached come from the period's report, whose own
 * tests check them by hand (test/controller/reports/compute.test.ts).
 */
async function fromRows(db: SqliteDb, p: Period, communes: string[]): Promise<Plain> {
  const inList = `(${communes.map((c) => `'${c}'`).join(', ')})`;
  const played = `FROM plays p JOIN units u ON u.id = p.unit_id WHERE p.start >= ? AND p.start < ? AND p.start >= u.provisioned_at AND u.commune_id IN ${inList}`;
  const range = [p.start, p.end];
  const seconds = await one(db, `SELECT coalesce(sum(p.seconds), 0) n ${played}`, range);
  const confirmed = `FROM board_activities a WHERE a.status = 'confirmed' AND a.at >= ? AND a.at < ? AND a.commune_id IN ${inList}`;
  const report = await computeReport(db, { period: p, now: DEC5, clock });
  const rows = report.communes.filter((c) => communes.includes(c.communeId));
  const sum = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((n, r) => n + f(r), 0);
  return {
    units: await one(db, `SELECT count(*) n FROM units u WHERE u.provisioned_at < ? AND u.commune_id IN ${inList}
      AND (u.retired = 0 OR EXISTS (SELECT 1 FROM plays p WHERE p.unit_id = u.id AND p.start >= ? AND p.start < ?))`, [p.end, p.start, p.end]),
    broadcastHours: Math.round((seconds / 3600) * 10) / 10,
    plays: await one(db, `SELECT count(*) n ${played}`, range),
    sessions: await one(db, `WITH x AS (SELECT p.start, p.seconds, lag(p.start + p.seconds) OVER (PARTITION BY p.unit_id ORDER BY p.start) prev ${played})
      SELECT count(*) n FROM x WHERE prev IS NULL OR start - prev > 600`, range),
    km: Math.round(sum((r) => r.totals.km) * 10) / 10,
    activeUnitDays: await one(db, `SELECT count(*) n FROM (SELECT DISTINCT p.unit_id, (p.start + 25200) / 86400 ${played})`, range),
    communesReached: new Set(rows.flatMap((r) => r.totals.communesReached)).size,
    faults: await one(db, `SELECT count(*) n FROM events e JOIN units u ON u.id = e.unit_id WHERE e.kind = 'fault' AND e.time >= ? AND e.time < ? AND u.commune_id IN ${inList}`, range),
    offlineDays: sum((r) => r.totals.offlineDays),
    activities: await one(db, `SELECT count(*) n ${confirmed}`, range),
    peopleReached: await one(db, `SELECT coalesce(sum(a.people_reached), 0) n ${confirmed}`, range),
    membersTakingPart: await one(db, `SELECT count(DISTINCT m.member_id) n FROM board_activity_members m JOIN board_activities a ON a.id = m.activity_id
      WHERE a.status = 'confirmed' AND a.at >= ? AND a.at < ? AND a.commune_id IN ${inList}`, range),
    membersTrained: await one(db, `SELECT count(DISTINCT t.member_id) n FROM board_training t JOIN members m ON m.id = t.member_id JOIN teams tm ON tm.id = m.team_id
      WHERE t.day >= ? AND t.day <= ? AND tm.commune_id IN ${inList}`, [isoDay(p.start), isoDay(p.end - 1)]),
    policeTips: await one(db, `SELECT count(*) n ${confirmed} AND a.kind = 'police-tip'`, range),
  };
}

const pct = (v: number, base: number): number | null => (base === 0 ? null : Math.round(((v - base) / base) * 1000) / 10);

/** Every figure of `set` against the rows of the three periods. */
function expectCompared(set: ReviewFigureSet, now: Plain, previous: Plain, lastYear: Plain): void {
  for (const key of Object.keys(now) as (keyof ReviewFigureSet)[]) {
    const c: Compared = set[key];
    const want = { value: now[key], previous: previous[key], lastYear: lastYear[key] };
    expect({ key, value: c.value, previous: c.previous, lastYear: c.lastYear }).toEqual({ key, ...want });
    expect(c.deltaPrevious).toBeCloseTo(want.value - want.previous, 6);
    expect(c.deltaLastYear).toBeCloseTo(want.value - want.lastYear, 6);
    expect({ key, p: c.percentPrevious, y: c.percentLastYear }).toEqual({ key, p: pct(want.value, want.previous), y: pct(want.value, want.lastYear) });
  }
}

describe('the periods a review compares', () => {
  it('takes the previous period of the same kind and the same period a year before', () => {
    const prev = (id: string): string => previousPeriod(parsePeriod(id)).id;
    expect([prev('2026-11'), prev('2026-01'), prev('2026-Q1'), prev('2026-Q3'), prev('2026-H1'), prev('2026-H2'), prev('2026')]).toEqual(['2026-10', '2025-12', '2025-Q4', '2026-Q2', '2025-H2', '2026-H1', '2025']);
    expect(['2026-11', '2026-Q4', '2026-H1', '2026'].map((id) => lastYearPeriod(parsePeriod(id)).id)).toEqual(['2025-11', '2025-Q4', '2025-H1', '2025']);
  });
});

describe('a change in words', () => {
  it('says a rise or a fall in per cent, the same, or that there was none before', () => {
    expect(changeWords(45, 40, 12.5, 'tháng trước', 'vi')).toBe('tăng 12,5 % so với tháng trước');
    expect(changeWords(30, 40, -25, 'cùng kỳ năm trước', 'vi')).toBe('giảm 25,0 % so với cùng kỳ năm trước');
    expect(changeWords(7, 7, 0, 'tháng trước', 'vi')).toBe('bằng tháng trước');
    // From nothing there is no percentage, and "tăng 0,2" would name no unit.
    expect(changeWords(0.2, 0, null, 'tháng trước', 'vi', 1)).toBe('tháng trước chưa có');
    expect(changeWords(0.2, 0, null, 'the previous month', 'en', 1)).toBe('none in the previous month');
  });
});

describe('a simulated month with carts and logged activities', () => {
  it('gives every figure as the stored rows say, per commune and in total', async () => {
    const data = await reviewData(t.db, { period: nov, commune: null, now: DEC5, clock });
    const [oct, nov25] = [parsePeriod('2026-10'), parsePeriod('2025-11')];
    const all = ['dan-luc', 'dan-ly', 'xa-xoi'];
    const totals = await Promise.all([nov, oct, nov25].map((p) => fromRows(t.db, p, all)));
    expectCompared(data.totals, totals[0]!, totals[1]!, totals[2]!);
    expect(data.communes.map((c) => c.communeId)).toEqual(all);
    for (const c of data.communes) {
      const rows = await Promise.all([nov, oct, nov25].map((p) => fromRows(t.db, p, [c.communeId])));
      expectCompared(c.figures, rows[0]!, rows[1]!, rows[2]!);
    }
    const kinds = await t.db.exclusive(() => t.db.all<{ kind: ActivityKind; n: number; people: number }>(
      "SELECT kind, count(*) n, sum(people_reached) people FROM board_activities WHERE status = 'confirmed' AND at >= ? AND at < ? GROUP BY kind", [nov.start, nov.end]));
    for (const k of ACTIVITY_KINDS) {
      const row = kinds.find((x) => x.kind === k);
      expect({ k, ...data.activityTotals.byKind[k] }).toEqual({ k, activities: row?.n ?? 0, peopleReached: row?.people ?? 0 });
    }
    const waiting = await one(t.db, "SELECT count(*) n FROM board_activities WHERE status IN ('submitted', 'returned') AND at >= ? AND at < ?", [nov.start, nov.end]);
    expect(data.activityTotals.awaitingConfirmation).toBe(waiting);
    // The rows above are not empty: what the fixture holds, by hand.
    expect(data.totals.plays).toMatchObject({ value: 8, previous: 5, lastYear: 3 }); // October: 4 added + the fixture's 31 October 23:50
    expect(data.totals.activities).toMatchObject({ value: 4, previous: 1, lastYear: 1 }); // the 1 December one is not November's
    expect(data.totals.peopleReached.value).toBe(120 + 0 + 45 + 10);
    expect(data.totals.policeTips).toMatchObject({ value: 1, previous: 0, percentPrevious: null, lastYear: 1, percentLastYear: 0 });
    expect(data.totals.membersTakingPart.value).toBe(4);
    expect(data.totals.membersTrained).toMatchObject({ value: 1, previous: 1, lastYear: 1 });
    expect(data.totals.faults).toMatchObject({ value: 3, previous: 2, lastYear: 2 }); // October: c1's and the fixture's b1 fault a second before November
    expect(data.activityTotals).toMatchObject({ activities: 4, awaitingConfirmation: 2, membersTakingPart: 4, membersTrained: 1 });
    expect(data.activityTotals.byKind.oral).toEqual({ activities: 1, peopleReached: 120 });
    expect(data.activityTotals.byKind.meeting).toEqual({ activities: 2, peopleReached: 55 });
    expect(data).toMatchObject({ period: '2026-11', previousPeriod: '2026-10', lastYearPeriod: '2025-11', commune: null, regroupedAcrossMerger: false, lateNotes: [] });
  });

  it('limits a commune review to its carts and activities', async () => {
    const data = await reviewData(t.db, { period: nov, commune: 'dan-luc', now: DEC5, clock });
    const rows = await Promise.all([nov, parsePeriod('2026-10'), parsePeriod('2025-11')].map((p) => fromRows(t.db, p, ['dan-luc'])));
    expectCompared(data.totals, rows[0]!, rows[1]!, rows[2]!);
    expect(data.communes.map((c) => c.communeId)).toEqual(['dan-luc']);
    expect(data.communeName).toBe('Xã Dân Lực');
  });

  it('drafts the narrative with the numbers and their change in words', async () => {
    const data = await reviewData(t.db, { period: nov, commune: null, now: DEC5, clock });
    const vi = draftSections(data, 'vi');
    const plays = data.totals.plays;
    expect(vi.results).toContain(`${formatNumber(plays.value, 'vi')} lượt phát (tăng ${formatNumber(plays.percentPrevious!, 'vi', 1)} % so với tháng trước`);
    expect(vi.results).toContain(`${formatNumber(data.totals.broadcastHours.value, 'vi', 1)} giờ`);
    expect(vi.results).toContain('cung cấp cho cơ quan Công an');
    expect(vi.shortcomings).toContain('Xã'); // names the weakest communes
    expect(vi.shortcomings).toContain('2 hoạt động đã báo cáo nhưng chưa được xác nhận');
    for (const s of Object.values(vi)) expect(s.length).toBeGreaterThan(0);
    expect(vi.situation).toContain('[Ban điều hành bổ sung:');
    const en = draftSections(data, 'en');
    expect(en.results).toContain(`${plays.value} plays (up`);
    expect(en.situation).toContain('[Board to add:');
  });
});

describe('a review across the 2025 merger', () => {
  const merged = vnDay(vn(2025, 7, 1));
  async function mergeDan(): Promise<void> {
    const registry = new FleetRegistry({ db: t.db, clock: () => DEC5 * 1000 });
    await registry.addCommune({ id: 'dan-hoa', name: 'Xã Dân Hòa', code: '16100', sinceDay: merged, lat: 19.9, lon: 105.85 });
    await registry.mergeCommunes({ into: 'dan-hoa', from: ['dan-luc', 'dan-ly'], onDay: merged });
    await t.db.exclusive(() => t.db.run("UPDATE units SET provisioned_at = ? WHERE id IN ('a1', 'b1', 'r1', 'c1', 'd1')", [vn(2024, 1, 1)]));
    await addPlay(t.db, 'a1', vn(2025, 8, 1, 8), 500); // 2025-Q3, after the merger
    await addPlay(t.db, 'b1', vn(2025, 9, 1, 8), 700);
    await addPlay(t.db, 'a1', vn(2025, 5, 1, 8), 400); // 2025-Q2, before it
    await addPlay(t.db, 'b1', vn(2025, 6, 1, 8), 300);
    await addPlay(t.db, 'c1', vn(2025, 6, 2, 8), 900); // Xa Xôi: not Dân Hòa's
    await addPlay(t.db, 'a1', vn(2024, 8, 1, 8), 200); // 2024-Q3
    await addPlay(t.db, 'b1', vn(2024, 7, 15, 8), 100);
    await addActivity(t.db, { kind: 'oral', at: vn(2025, 5, 10, 8), commune: 'dan-luc', team: 'team-a', people: 40, status: 'confirmed', members: [1] });
    await addActivity(t.db, { kind: 'meeting', at: vn(2025, 6, 10, 8), commune: 'dan-ly', team: 'team-b', people: 25, status: 'confirmed', members: [3] });
    await addActivity(t.db, { kind: 'oral', at: vn(2025, 8, 10, 8), commune: 'dan-hoa', team: 'team-a', people: 70, status: 'confirmed', members: [2] });
    await addActivity(t.db, { kind: 'meeting', at: vn(2024, 8, 10, 8), commune: 'dan-ly', team: 'team-b', people: 20, status: 'confirmed' });
  }

  it('compares Dân Hòa with the sum of Dân Lực and Dân Lý before it', async () => {
    await mergeDan();
    const q3 = parsePeriod('2025-Q3');
    const data = await reviewData(t.db, { period: q3, commune: 'dan-hoa', now: DEC5, clock });
    expect(data).toMatchObject({ previousPeriod: '2025-Q2', lastYearPeriod: '2024-Q3', regroupedAcrossMerger: true, communeName: 'Xã Dân Hòa' });
    const former = ['dan-luc', 'dan-ly'];
    const [now, q2, q3Before] = await Promise.all([q3, parsePeriod('2025-Q2'), parsePeriod('2024-Q3')].map((p) => fromRows(t.db, p, [...former, 'dan-hoa'])));
    for (const key of ['plays', 'broadcastHours', 'sessions', 'activeUnitDays', 'faults', 'activities', 'peopleReached', 'membersTakingPart', 'membersTrained', 'policeTips'] as const) {
      expect({ key, v: data.totals[key].value, p: data.totals[key].previous, y: data.totals[key].lastYear }).toEqual({ key, v: now![key], p: q2![key], y: q3Before![key] });
    }
    expect(data.totals.plays).toMatchObject({ value: 2, previous: 2, lastYear: 2 });
    expect(data.totals.activities).toMatchObject({ value: 1, previous: 2, lastYear: 1 });
    // The earlier figures are the sum of the former communes' rows of the period's own report.
    const q2Report = await computeReport(t.db, { period: parsePeriod('2025-Q2'), now: DEC5, clock });
    const rows = q2Report.communes.filter((c) => former.includes(c.communeId));
    expect(rows.map((r) => r.communeId)).toEqual(former);
    expect(data.totals.plays.previous).toBe(rows[0]!.totals.plays + rows[1]!.totals.plays);
    expect(data.totals.broadcastHours.previous).toBe(Math.round(((rows[0]!.totals.broadcastSeconds + rows[1]!.totals.broadcastSeconds) / 3600) * 10) / 10);
  });

  it("shows Dân Hòa's row in the area's review with its former communes' earlier figures", async () => {
    await mergeDan();
    const data: ReviewData = await reviewData(t.db, { period: parsePeriod('2025-Q3'), commune: null, now: DEC5, clock });
    expect(data.communes.map((c) => c.communeId)).toEqual(['dan-hoa', 'xa-xoi']);
    const hoa = data.communes[0]!.figures;
    expect(hoa.plays).toMatchObject({ value: 2, previous: 2, lastYear: 2 });
    expect(hoa.peopleReached).toMatchObject({ value: 70, previous: 65, lastYear: 20 });
    expect(data.communes[1]!.figures.plays).toMatchObject({ value: 0, previous: 1 });
    expect(data.totals.plays).toMatchObject({ value: 2, previous: 3, lastYear: 2 });
  });
});
