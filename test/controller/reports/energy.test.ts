// The carts' energy forecasts in the periodic report, worked out by hand on the hand-made month: per cart the last
// learned battery health, the lowest and the typical (median day) minutes left and the days in the emergency
// reserve; a commune's and the district's from its carts; the same with and without the rollup; and the
// "replace the battery" sentence in Vietnamese and English, in HTML and CSV.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { renderCsv } from '../../../controller/reports/render-csv.js';
import { renderDocx } from '../../../controller/reports/render-docx.js';
import { renderHtml } from '../../../controller/reports/render-html.js';
import { renderJson } from '../../../controller/reports/render-json.js';
import type { Report, UnitRow } from '../../../controller/reports/report.js';
import type { SqlValue } from '../../../lib/sqlite.js';
import { zipText } from '../../support/zip.js';
import { at, fillFixture, nov, tempDb, type TempDb } from './fixture.js';
import { legacyHeading } from '../../../controller/reports/heading.js';

const period = parsePeriod('2026-11');
const afterTheMonth = nov(30) + 3 * 86_400;
let t: TempDb;

/** A sample with an energy forecast: unit, time, minutes left, health (null: not learned). */
const forecast = (u: string, time: number, left: number, health: number | null): SqlValue[] => [u, time / 60, left, Math.round(left * 0.7), 15, null, health];

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  await t.db.insertMany('telemetry_samples', ['unit_id', 'minute', 'minutes_left', 'minutes_left_no_sun', 'reserve_minutes', 'minutes_to_full', 'health_percent'], [
    forecast('a1', nov(5, 8, 0), 120, 90),
    forecast('a1', nov(5, 8, 1), 100, null), // health not sent again: the day's last learned is still 90
    forecast('a1', nov(5, 8, 2), 80, null),
    forecast('a1', nov(6, 9, 0), 0, 74), // in the reserve
    forecast('a1', nov(6, 9, 1), 40, 74),
    forecast('a1', nov(7, 10, 0), 30, 76),
    forecast('a1', at(12, 1, 12), 0, 50), // after the period
    forecast('b1', nov(10, 9, 0), 200, 95),
    forecast('b1', nov(10, 9, 1), 190, 95),
  ]);
});
afterEach(() => t.dispose());

const unit = (r: Report, id: string): UnitRow => r.communes.flatMap((c) => c.units).find((u) => u.unitId === id)!;

describe('energy in the report', () => {
  it('gives each cart its health, lowest and typical minutes left and reserve days, and sums communes and the district', async () => {
    const r = await computeReport(t.db, { period, now: afterTheMonth });
    // a1's days: 5th lo 80 median 100, 6th lo 0 median 20 (reserve), 7th lo 30 median 30, health 76 on the last.
    expect(unit(r, 'a1').energy).toEqual({ days: 3, healthPercent: 76, minMinutesLeft: 0, medianMinutesLeft: 30, reserveDays: 1 });
    expect(unit(r, 'b1').energy).toEqual({ days: 1, healthPercent: 95, minMinutesLeft: 190, medianMinutesLeft: 195, reserveDays: 0 });
    expect(unit(r, 'c1').energy).toEqual({ days: 0, healthPercent: null, minMinutesLeft: null, medianMinutesLeft: null, reserveDays: 0 });
    expect(r.communes.find((c) => c.communeId === 'dan-luc')!.totals.energy).toEqual(unit(r, 'a1').energy);
    // The district: the lowest health, the median of the four day medians 20, 30, 100, 195.
    expect(r.totals.energy).toEqual({ days: 4, healthPercent: 76, minMinutesLeft: 0, medianMinutesLeft: 65, reserveDays: 1 });
    expect(r.notes).toContainEqual({ code: 'battery-replace', belowPercent: 80, units: [{ unitId: 'a1', healthPercent: 76 }] });
  });

  it('gives the same figures cold, warm, without the rollup, and with the month still running', async () => {
    // First on the 6th at noon: the 5th is rolled up, the 6th and after are computed for that report (temp).
    const running = await computeReport(t.db, { period, now: nov(6, 12), clock: () => afterTheMonth });
    const cold = await computeReport(t.db, { period, now: afterTheMonth });
    const warm = await computeReport(t.db, { period, now: afterTheMonth });
    const direct = await computeReport(t.db, { period, now: afterTheMonth, rollup: false });
    for (const r of [warm, direct]) expect(r.communes).toEqual(cold.communes);
    expect(unit(running, 'a1').energy).toEqual(unit(cold, 'a1').energy);
    expect(running.totals.energy).toEqual(cold.totals.energy);
  });

  it('says which battery to replace, Vietnamese first and in English, in HTML, CSV and JSON', async () => {
    const r = await computeReport(t.db, { period, now: afterTheMonth });
    const html = renderHtml(r, { heading: legacyHeading('Hậu Lộc') });
    const sentence = 'Pin xe a1 chỉ còn khoảng 76 % dung lượng: nên thay pin.';
    // In the summary, where the board reads what to act on; not again among the notes on method.
    expect(html.indexOf(sentence)).toBeGreaterThan(html.indexOf('I. TỔNG HỢP CHUNG'));
    expect(html.indexOf(sentence)).toBeLessThan(html.indexOf('II. KẾT QUẢ THEO TỪNG XÃ'));
    expect(html.split(sentence)).toHaveLength(2);
    expect(zipText(await renderDocx(r, { heading: legacyHeading('Hậu Lộc') }), 'word/document.xml')).toContain(sentence);
    expect(html).toContain('Dung lượng pin còn lại (%)');
    expect(html).not.toContain('Pin xe b1');
    expect(renderHtml(r, { heading: legacyHeading('Hau Loc'), lang: 'en' })).toContain('The battery of cart a1 holds only about 76 % of its capacity: replace it.');
    const csv = renderCsv(r, 'vi').split('\r\n');
    expect(csv[0]).toContain('Dung lượng pin còn lại (%),Phút phát còn lại thấp nhất,Phút phát còn lại (ngày điển hình),Số ngày chạm mức dự phòng khẩn cấp');
    expect(csv.find((l) => l.includes(',a1,'))).toMatch(/,76,0,30,1$/);
    const json = JSON.parse(renderJson(r, 'vi')) as { notes: { code: string; text: string }[] };
    expect(json.notes.find((n) => n.code === 'battery-replace')?.text).toBe('Pin xe a1 chỉ còn khoảng 76 % dung lượng: nên thay pin.');
  });
});
