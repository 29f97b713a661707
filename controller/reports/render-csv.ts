/**
 * A report as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads the Vietnamese diacritics as
 * Windows-1252), CRLF line ends, RFC 4180 quoting. One row per cart, a total row per commune, and a total of the whole scope;
 * then, when the report left stored plays out (a wrong cart clock), a row per reason with their count as Plays.
 * Numbers are plain (decimal point, no grouping) so that they stay numbers whatever the reader's locale; text cells
 * that Excel would take for a formula (starting with = + - @) are prefixed with an apostrophe.
 */
import type { ReportHeading } from './heading.js';
import { periodLabel, type Lang } from './period.js';
import type { Figures, Report } from './report.js';

export const BOM = '\uFEFF';

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (fields: readonly (string | number | null)[]): string => fields.map(csvField).join(',') + '\r\n';

const HEAD: Record<Lang, string[]> = {
  vi: ['Kỳ báo cáo', 'Mã xã', 'Xã', 'Tổ', 'Xe', 'Số hiệu xe', 'Giờ phát thanh', 'Giờ bật loa', 'Giờ bật loa ước tính', 'Số buổi phát',
    'Số lượt phát', 'Số nội dung khác nhau', 'Quãng đường (km)', 'Số ngày hoạt động', 'Số xã đã đến', 'Số khu vực (~1 km²)',
    'Số ngày mất kết nối', 'Số ngày theo dõi', 'Số lỗi', 'Lỗi theo mã', 'Pin thấp nhất (%)', 'Pin trung vị (%)', 'Số ngày pin dưới 30%',
    'Dung lượng pin còn lại (%)', 'Phút phát còn lại thấp nhất', 'Phút phát còn lại (ngày điển hình)', 'Số ngày chạm mức dự phòng khẩn cấp'],
  en: ['Period', 'Commune id', 'Commune', 'Team', 'Cart', 'Cart number', 'Broadcast hours', 'Amplifier hours', 'Amplifier estimated', 'Sessions',
    'Plays', 'Distinct clips', 'Distance (km)', 'Active days', 'Communes reached', 'Areas (~1 km²)',
    'Days offline', 'Days tracked', 'Faults', 'Faults by code', 'Lowest battery (%)', 'Median battery (%)', 'Days below 30 %',
    'Battery health (%)', 'Lowest broadcast minutes left', 'Broadcast minutes left (typical day)', 'Days in the emergency reserve'],
};

const PLAYS = HEAD.en.indexOf('Plays');

function figures(f: Figures, estimated: string): (string | number | null)[] {
  return [
    Math.round(f.broadcastSeconds / 36) / 100, Math.round(f.amplifierSeconds / 36) / 100, estimated, f.sessions, f.plays, f.distinctClips,
    f.km, f.activeDays, f.communesReached.length, f.areasReached, f.offlineDays, f.daysCounted, f.faults,
    f.faultsByCode.map((x) => `${x.code}: ${x.count}`).join('; '), f.battery.minSoc, f.battery.medianSoc, f.battery.daysBelow30,
    f.energy.healthPercent, f.energy.minMinutesLeft, f.energy.medianMinutesLeft, f.energy.reserveDays,
  ];
}

/**
 * The CSV text, BOM first. The last total row is named by the configured heading ("Toàn tỉnh"); without one (or
 * without a heading) it says "Tổng cộng", as it always did.
 */
export function renderCsv(report: Report, lang: Lang = 'vi', heading?: ReportHeading): string {
  const vi = lang === 'vi';
  const label = periodLabel(report.period, lang);
  const yes = vi ? 'có' : 'yes';
  let out = BOM + csvLine(HEAD[lang]);
  for (const c of report.communes) {
    for (const u of c.units) {
      out += csvLine([label, c.communeId, c.name, u.teamName, u.unitId, u.number, ...figures(u, u.amplifierEstimated ? yes : '')]);
    }
    const est = c.totals.amplifierEstimatedUnits > 0 ? `${c.totals.amplifierEstimatedUnits}` : '';
    out += csvLine([label, c.communeId, c.name, vi ? 'Cộng xã' : 'Commune total', '', null, ...figures(c.totals, est)]);
  }
  const est = report.totals.amplifierEstimatedUnits > 0 ? `${report.totals.amplifierEstimatedUnits}` : '';
  const whole = heading === undefined || heading.legacy ? (vi ? 'Tổng cộng' : 'Total') : heading.wholeScope[lang];
  out += csvLine([label, '', whole, '', '', null, ...figures(report.totals, est)]);
  const left = report.notes.find((n) => n.code === 'plays-left-out');
  if (left !== undefined) {
    const reasons: [string, number][] = [
      [vi ? 'Lượt phát không tính: giờ bắt đầu trước khi xe được đăng ký' : 'Plays left out: start before the cart was registered', left.beforeRegistration],
      [vi ? `Lượt phát không tính: giờ bắt đầu muộn hơn quá ${left.aheadHours} giờ so với lúc nhận` : `Plays left out: start more than ${left.aheadHours} hours after they were received`, left.future],
    ];
    for (const [text, n] of reasons) {
      const row: (string | number | null)[] = HEAD.en.map(() => null);
      row[0] = label;
      row[2] = text;
      row[PLAYS] = n;
      out += csvLine(row);
    }
  }
  return out;
}
