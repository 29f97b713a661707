/**
 * The first draft of a review's narrative: the seven sections of an administrative review (tình hình, kết quả, tồn
 * tại hạn chế, nguyên nhân, bài học kinh nghiệm, phương hướng nhiệm vụ, đề xuất kiến nghị) written from the figures,
 * with the numbers and their change from the previous period and the same period last year in words. What only
 * people know (the security situation, the causes, the lessons) is left as a marked place for the board to fill:
 * "[Ban điều hành bổ sung: …]". Plain text, paragraphs separated by an empty line.
 */
import { parsePeriod, periodLabel, type Lang, type PeriodKind } from '../reports/period.js';
import { formatNumber } from '../reports/text.js';
import type { ActivityKind, Compared, ReviewCommuneRow, ReviewData, ReviewSections } from './types.js';
import { KIND_PHRASES } from './words.js';

/** The marked place for what the board adds, in each language. */
export const TO_FILL = { vi: (what: string) => `[Ban điều hành bổ sung: ${what}]`, en: (what: string) => `[Board to add: ${what}]` } as const;


const PREVIOUS_WORDS: Record<PeriodKind, { vi: string; en: string }> = {
  month: { vi: 'tháng trước', en: 'the previous month' },
  quarter: { vi: 'quý trước', en: 'the previous quarter' },
  half: { vi: '6 tháng trước', en: 'the previous six months' },
  year: { vi: 'năm trước', en: 'the previous year' },
};

/** "tăng 12,5 % so với tháng trước", "giảm 3 so với cùng kỳ năm trước" (no % against 0), "bằng tháng trước". */
export function changeWords(value: number, base: number, percent: number | null, against: string, lang: Lang, digits = 0): string {
  const vi = lang === 'vi';
  if (value === base) return vi ? `bằng ${against}` : `the same as ${against}`;
  // A rise from nothing has no percentage, and a bare "up 0.2" names no unit: say there was none.
  if (base === 0) return vi ? `${against} chưa có` : `none in ${against}`;
  const up = value > base;
  const amount = percent === null ? formatNumber(Math.abs(value - base), lang, digits) : `${formatNumber(Math.abs(percent), lang, 1)} %`;
  if (vi) return `${up ? 'tăng' : 'giảm'} ${amount} so với ${against}`;
  return `${up ? 'up' : 'down'} ${amount} on ${against}`;
}

/** Both comparisons of a figure, in brackets: "(tăng 12,5 % so với tháng trước; giảm 2 % so với cùng kỳ năm trước)". */
function change(c: Compared, kind: PeriodKind, lang: Lang, digits = 0): string {
  const previous = PREVIOUS_WORDS[kind][lang];
  const lastYear = lang === 'vi' ? 'cùng kỳ năm trước' : 'the same period last year';
  const parts = [changeWords(c.value, c.previous, c.percentPrevious, previous, lang, digits)];
  // For a year the previous period is the same period last year: say it once.
  if (kind !== 'year') parts.push(changeWords(c.value, c.lastYear, c.percentLastYear, lastYear, lang, digits));
  return `(${parts.join('; ')})`;
}

/** The communes that did least: most offline days, most faults, no confirmed activity; at most three, worst first. */
export function weakestCommunes(rows: readonly ReviewCommuneRow[]): ReviewCommuneRow[] {
  const weakness = (r: ReviewCommuneRow): number => r.figures.offlineDays.value + r.figures.faults.value + (r.figures.activities.value === 0 ? 1 : 0);
  return rows
    .filter((r) => weakness(r) > 0)
    .sort((a, b) => weakness(b) - weakness(a) || b.figures.offlineDays.value - a.figures.offlineDays.value || a.name.localeCompare(b.name, 'vi'))
    .slice(0, 3);
}

function weaknessText(r: ReviewCommuneRow, lang: Lang): string {
  const f = r.figures;
  const vi = lang === 'vi';
  const n = (x: number): string => formatNumber(x, lang);
  const parts: string[] = [];
  if (f.offlineDays.value > 0) parts.push(vi ? `${n(f.offlineDays.value)} ngày xe mất kết nối` : `${n(f.offlineDays.value)} cart-days offline`);
  if (f.faults.value > 0) parts.push(vi ? `${n(f.faults.value)} lỗi thiết bị` : `${n(f.faults.value)} faults`);
  if (f.activities.value === 0) parts.push(vi ? 'chưa có hoạt động nào được xác nhận' : 'no confirmed activity');
  return `${r.name} (${parts.join(', ')})`;
}

const join = (paragraphs: (string | undefined)[]): string => paragraphs.filter((p): p is string => p !== undefined && p !== '').join('\n\n');

/** The seven sections drafted from `data`, in `lang`. */
export function draftSections(data: ReviewData, lang: Lang): ReviewSections {
  const period = parsePeriod(data.period);
  const label = periodLabel(period, lang);
  const scope = data.communeName ?? (lang === 'vi' ? 'địa bàn' : 'the area');
  return {
    situation: situation(data, label, scope, lang),
    results: results(data, period.kind, lang),
    shortcomings: shortcomings(data, lang),
    causes: causes(data, lang),
    lessons: lang === 'vi'
      ? join(['Việc duy trì phát thanh đều đặn hằng ngày và kết hợp với tuyên truyền miệng, họp dân giúp thông tin đến được nhiều người hơn.', TO_FILL.vi('những cách làm hay, mô hình hiệu quả tại các xã')])
      : join(['Broadcasting regularly every day, together with oral propaganda and village meetings, brings the messages to more people.', TO_FILL.en('good practices and effective ways of working in the communes')]),
    directions: directions(data, lang),
    proposals: lang === 'vi'
      ? join([TO_FILL.vi('đề xuất, kiến nghị với cấp trên (kinh phí, thiết bị, khen thưởng)')])
      : join([TO_FILL.en('proposals to the authorities above (funding, equipment, rewards)')]),
  };
}

function situation(data: ReviewData, label: string, scope: string, lang: Lang): string {
  const t = data.totals;
  const n = (x: number): string => formatNumber(x, lang);
  const communes = data.communes.length;
  if (lang === 'vi') {
    return join([
      `${label}, mô hình “Loa thanh niên – Vì an ninh Tổ quốc” trên ${scope} được duy trì với ${n(t.units.value)} xe loa tại ${n(communes)} xã, cùng các tổ loa thanh niên thực hiện tuyên truyền miệng, họp dân, phát tờ rơi và cung cấp tin báo cho cơ quan Công an.`,
      data.regroupedAcrossMerger ? 'Số liệu các kỳ trước được tổng hợp lại theo địa giới các xã hiện nay (sau sắp xếp đơn vị hành chính) để so sánh trên cùng địa bàn.' : undefined,
      TO_FILL.vi('tình hình an ninh trật tự trên địa bàn trong kỳ'),
    ]);
  }
  return join([
    `In ${label}, the “Youth loudspeaker – for national security” model in ${scope} ran ${n(t.units.value)} carts in ${n(communes)} communes, and the youth teams carried out oral propaganda, meetings, leaflets and passed tips to the police.`,
    data.regroupedAcrossMerger ? "The earlier periods' figures are regrouped onto today's communes (after the administrative merger) so that the same ground is compared." : undefined,
    TO_FILL.en('the security and public order situation of the area in the period'),
  ]);
}

function results(data: ReviewData, kind: PeriodKind, lang: Lang): string {
  const t = data.totals;
  const a = data.activityTotals;
  const n = (x: number, digits = 0): string => formatNumber(x, lang, digits);
  const ch = (c: Compared, digits = 0): string => change(c, kind, lang, digits);
  const kinds = (Object.keys(KIND_PHRASES) as ActivityKind[]).filter((k) => a.byKind[k].activities > 0);
  const byKind = kinds.map((k) => `${KIND_PHRASES[k][lang]}: ${n(a.byKind[k].activities)} (${n(a.byKind[k].peopleReached)} ${lang === 'vi' ? 'lượt người' : 'people'})`).join('; ');
  if (lang === 'vi') {
    return join([
      `1. Hoạt động của xe loa: phát ${n(t.broadcastHours.value, 1)} giờ ${ch(t.broadcastHours, 1)}, ${n(t.plays.value)} lượt phát ${ch(t.plays)} trong ${n(t.sessions.value)} buổi; xe loa đi ${n(t.km.value, 1)} km ${ch(t.km, 1)}, đến ${n(t.communesReached.value)} xã ${ch(t.communesReached)}; ${n(t.activeUnitDays.value)} ngày xe hoạt động.`,
      `2. Hoạt động của các tổ: ${n(t.activities.value)} hoạt động được xác nhận ${ch(t.activities)}${byKind === '' ? '' : `, gồm: ${byKind}`}; tiếp cận ${n(t.peopleReached.value)} lượt người ${ch(t.peopleReached)}; ${n(t.policeTips.value)} tin báo cung cấp cho cơ quan Công an ${ch(t.policeTips)}; ${n(t.membersTakingPart.value)} thành viên tham gia; ${n(t.membersTrained.value)} thành viên được tập huấn ${ch(t.membersTrained)}.`,
      TO_FILL.vi('kết quả nổi bật, vụ việc được phát hiện, giải quyết nhờ tin báo'),
    ]);
  }
  return join([
    `1. The carts: ${n(t.broadcastHours.value, 1)} broadcast hours ${ch(t.broadcastHours, 1)}, ${n(t.plays.value)} plays ${ch(t.plays)} in ${n(t.sessions.value)} sessions; they travelled ${n(t.km.value, 1)} km ${ch(t.km, 1)} and reached ${n(t.communesReached.value)} communes ${ch(t.communesReached)}; ${n(t.activeUnitDays.value)} active cart-days.`,
    `2. The teams: ${n(t.activities.value)} confirmed activities ${ch(t.activities)}${byKind === '' ? '' : `, of which ${byKind}`}; reaching ${n(t.peopleReached.value)} people ${ch(t.peopleReached)}; ${n(t.policeTips.value)} tips passed to the police ${ch(t.policeTips)}; ${n(t.membersTakingPart.value)} members took part; ${n(t.membersTrained.value)} members trained ${ch(t.membersTrained)}.`,
    TO_FILL.en('notable results, cases found or solved thanks to the tips'),
  ]);
}

function shortcomings(data: ReviewData, lang: Lang): string {
  const t = data.totals;
  const n = (x: number): string => formatNumber(x, lang);
  const weak = weakestCommunes(data.communes).map((r) => weaknessText(r, lang));
  const waiting = data.activityTotals.awaitingConfirmation;
  if (lang === 'vi') {
    return join([
      `Trong kỳ có ${n(t.offlineDays.value)} ngày xe loa mất kết nối và ${n(t.faults.value)} lỗi thiết bị được ghi nhận.`,
      weak.length > 0 ? `Các xã cần quan tâm: ${weak.join('; ')}.` : 'Không có xã nào có ngày mất kết nối, lỗi thiết bị hoặc thiếu hoạt động.',
      waiting > 0 ? `Còn ${n(waiting)} hoạt động đã báo cáo nhưng chưa được xác nhận, chưa tính vào số liệu trên.` : undefined,
      TO_FILL.vi('những tồn tại, hạn chế khác'),
    ]);
  }
  return join([
    `In the period the carts were offline for ${n(t.offlineDays.value)} cart-days and ${n(t.faults.value)} faults were reported.`,
    weak.length > 0 ? `Communes needing attention: ${weak.join('; ')}.` : 'No commune had days offline, faults or a lack of activities.',
    waiting > 0 ? `${n(waiting)} reported activities are not confirmed yet and are not counted above.` : undefined,
    TO_FILL.en('other shortcomings'),
  ]);
}

function causes(data: ReviewData, lang: Lang): string {
  const t = data.totals;
  const technical = t.offlineDays.value > 0 || t.faults.value > 0;
  if (lang === 'vi') {
    return join([
      technical ? 'Nguyên nhân khách quan: một số xe loa mất kết nối hoặc gặp lỗi thiết bị (sóng di động, pin, bảo dưỡng).' : undefined,
      TO_FILL.vi('nguyên nhân chủ quan và khách quan của những tồn tại, hạn chế'),
    ]);
  }
  return join([
    technical ? 'Objective causes: some carts lost their connection or had faults (mobile coverage, batteries, maintenance).' : undefined,
    TO_FILL.en('the subjective and objective causes of the shortcomings'),
  ]);
}

function directions(data: ReviewData, lang: Lang): string {
  const weak = weakestCommunes(data.communes).map((r) => r.name);
  if (lang === 'vi') {
    return join([
      'Tiếp tục duy trì phát thanh hằng ngày theo danh sách phát đã duyệt; đẩy mạnh tuyên truyền miệng, họp dân và cung cấp tin báo cho cơ quan Công an; tập huấn cho thành viên các tổ.',
      weak.length > 0 ? `Kiểm tra, khắc phục thiết bị và đôn đốc hoạt động tại: ${weak.join(', ')}.` : undefined,
      TO_FILL.vi('nhiệm vụ trọng tâm kỳ tới'),
    ]);
  }
  return join([
    'Keep broadcasting every day from the approved playlist; more oral propaganda, meetings and tips to the police; train the teams\' members.',
    weak.length > 0 ? `Check and repair the equipment and follow up the work in: ${weak.join(', ')}.` : undefined,
    TO_FILL.en('the main tasks of the next period'),
  ]);
}
