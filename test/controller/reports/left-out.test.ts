// Plays stamped by a cart clock that was wrong: a start before the cart's registration, or more than a day after
// the controller received the play. They stay stored, count in no figure, and the report of the period they arrived
// in says how many it left out and why — the same with the rollup (cold and warm) and without it, in JSON, CSV and
// HTML. The hand-made district of fixture.ts, plus these plays.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { renderCsv } from '../../../controller/reports/render-csv.js';
import { renderHtml } from '../../../controller/reports/render-html.js';
import { renderJson } from '../../../controller/reports/render-json.js';
import type { Report, ReportNote, UnitRow } from '../../../controller/reports/report.js';
import { at, fillFixture, nov, tempDb, type TempDb } from './fixture.js';
import { legacyHeading } from '../../../controller/reports/heading.js';

const period = parsePeriod('2026-11');
const afterTheMonth = nov(30) + 3 * 86_400;
let t: TempDb;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
});
afterEach(() => t.dispose());

/** A play of `unit` that started at `start` (the cart's clock) and reached the controller at `received`. */
async function arrive(unit: string, record: number, start: number, received: number, seconds = 60): Promise<void> {
  await t.db.transaction(async () => {
    await t.db.run('INSERT INTO records (unit_id, record, type, device_time, time_source, server_time, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)', [unit, record, 'play', start, 'estimated', received, Buffer.from([1])]);
    await t.db.run(
      'INSERT INTO plays (unit_id, record, clip, manifest_version, start, time_source, seconds, outcome, trigger, volume, lat, lon) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, 70, 19.9005, 105.8005)',
      [unit, record, 'c7', start, 'estimated', seconds, 'completed', 'schedule'],
    );
  });
}

/** The wrong-clock plays of these tests (a2 was registered on 16 November, the others on 1 October). */
async function wrongClocks(): Promise<void> {
  await arrive('b1', 40, at(9, 15, 8), nov(12, 9)); // before b1 was registered
  await arrive('a2', 41, nov(10, 8), nov(20, 9)); // inside the month, but before a2 was registered
  await arrive('c1', 42, nov(25, 8), nov(13, 10)); // 12 days after it arrived
  await arrive('c1', 43, at(12, 1) + 10 * 365 * 86_400, nov(14, 10)); // ten years ahead
  await arrive('d1', 44, nov(28, 8) + 12 * 3600, nov(28, 8)); // 12 h ahead: a slow clock, still counted
  await arrive('d1', 45, at(8, 1), at(12, 2, 9)); // before registration, but arrived in December
}

const unit = (r: Report, id: string): UnitRow => {
  const found = r.communes.flatMap((c) => c.units).find((u) => u.unitId === id);
  if (found === undefined) throw new Error(`unit ${id} not in the report`);
  return found;
};
const leftOut = (r: Report): Extract<ReportNote, { code: 'plays-left-out' }> | undefined =>
  r.notes.find((n): n is Extract<ReportNote, { code: 'plays-left-out' }> => n.code === 'plays-left-out');
const report = (options: { now?: number; rollup?: boolean; commune?: string } = {}) => computeReport(t.db, { period, now: afterTheMonth, clock: () => afterTheMonth, ...options });

describe('plays with a wrong cart clock', () => {
  it('are left out of every figure, kept stored, and counted by reason in the period they arrived in', async () => {
    const before = await report({ rollup: false });
    expect(leftOut(before)).toBeUndefined();
    await wrongClocks();
    const after = await report();
    expect(leftOut(after)).toEqual({
      code: 'plays-left-out',
      beforeRegistration: 2,
      future: 2,
      aheadHours: 24,
      units: [
        { unitId: 'a2', beforeRegistration: 1, future: 0 },
        { unitId: 'b1', beforeRegistration: 1, future: 0 },
        { unitId: 'c1', beforeRegistration: 0, future: 2 },
      ],
    });
    // Every figure as before, but the days offline: the plays' arrival is a sign of life.
    const figures = (u: UnitRow) => ({ ...u, offlineDays: null });
    for (const id of ['a1', 'a2', 'b1', 'c1']) expect(figures(unit(after, id))).toEqual(figures(unit(before, id)));
    expect(unit(after, 'd1')).toMatchObject({ plays: unit(before, 'd1').plays + 1, broadcastSeconds: unit(before, 'd1').broadcastSeconds + 60 });
    expect(after.totals.plays).toBe(before.totals.plays + 1);
    expect(after.clips.find((c) => c.clip === 'c7')).toMatchObject({ plays: 1, units: 1 });
    const stored = await t.db.get<{ n: number }>('SELECT count(*) n FROM plays WHERE record BETWEEN 40 AND 45');
    expect(stored!.n).toBe(6);
    // December's report has the play that arrived then; and the report of the month a play claims is not touched.
    expect(leftOut(await computeReport(t.db, { period: parsePeriod('2026-12'), now: at(12, 31) }))).toMatchObject({ beforeRegistration: 1, future: 0 });
    expect(leftOut(await computeReport(t.db, { period: parsePeriod('2026-09'), now: afterTheMonth }))).toBeUndefined();
  });

  it('gives the same counts and figures without the rollup, cold, warm, for one commune, and before the month ends', async () => {
    await wrongClocks();
    const live = await report({ rollup: false });
    const cold = await report();
    expect(cold).toEqual(live);
    expect(await report()).toEqual(live);
    const commune = await report({ commune: 'xa-xoi' });
    expect(commune).toEqual(await report({ commune: 'xa-xoi', rollup: false }));
    expect(leftOut(commune)).toMatchObject({ beforeRegistration: 0, future: 2, units: [{ unitId: 'c1', beforeRegistration: 0, future: 2 }] });
    // On the 13th at noon, with the rollup holding every day of the month (rolled up above): only what arrived by then.
    const midMonth = await report({ now: nov(13, 12) });
    expect(midMonth).toEqual(await report({ now: nov(13, 12), rollup: false }));
    expect(leftOut(midMonth)).toMatchObject({ beforeRegistration: 1, future: 1 });
  });

  it('are told in JSON, CSV and HTML, Vietnamese first and in English', async () => {
    await wrongClocks();
    const r = await report();
    const json = JSON.parse(renderJson(r)) as { notes: { code: string; beforeRegistration?: number; future?: number; text: string }[] };
    const note = json.notes.find((n) => n.code === 'plays-left-out')!;
    expect(note).toMatchObject({ beforeRegistration: 2, future: 2 });
    expect(note.text).toContain('4 lượt phát nhận được trong kỳ vẫn được lưu nhưng không được tính');
    expect(note.text).toContain('2 lượt có giờ bắt đầu trước khi xe được đăng ký, 2 lượt có giờ bắt đầu muộn hơn quá 24 giờ');
    expect(note.text).toContain('a2: 1; b1: 1; c1: 2');
    const csv = renderCsv(r, 'vi').split('\r\n');
    const plays = csv[0]!.split(',').indexOf('Số lượt phát');
    const rows = csv.filter((l) => l.includes('Lượt phát không tính')).map((l) => l.split(','));
    expect(rows.map((row) => [row[2], row[plays]])).toEqual([
      ['Lượt phát không tính: giờ bắt đầu trước khi xe được đăng ký', '2'],
      ['Lượt phát không tính: giờ bắt đầu muộn hơn quá 24 giờ so với lúc nhận', '2'],
    ]);
    expect(renderCsv(r, 'en')).toContain('Plays left out: start more than 24 hours after they were received,,,,,,,,2,');
    expect(renderHtml(r, { heading: legacyHeading('Hậu Lộc') })).toContain('<li>4 lượt phát nhận được trong kỳ');
    const en = renderHtml(r, { heading: legacyHeading('Hậu Lộc'), lang: 'en' });
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('4 plays received in the period are stored but not counted, because the cart&#39;s clock was wrong: 2 start before the cart was registered, 2 start more than 24 hours after the controller received them');
  });
});
