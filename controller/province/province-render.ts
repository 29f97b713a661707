/**
 * The province report as JSON, CSV (for Excel) and a printable A4 HTML page (the Word file: province-docx.ts),
 * Vietnamese first with English available. The words and number formats are the area reports'
 * (controller/reports/text.ts, render-csv.ts, render-html.ts); only the layout is the province's: a row per area and
 * per commune instead of a column per cart.
 */
import { BOM, csvLine } from '../reports/render-csv.js';
import { escapeHtml, REPORT_CSS } from '../reports/render-html.js';
import { periodLabel, vnDate, vnDateParts, type Lang } from '../reports/period.js';
import type { Figures } from '../reports/report.js';
import { COLUMNS, faultList, formatNumber, hours, noteText } from '../reports/text.js';
import type { HubHeading } from './hub-config.js';
import type { ProvinceNote, ProvinceReport } from './province-report.js';

/** The formats of `loa province report` and the province view; docx is rendered by province-docx.ts. */
export const PROVINCE_FORMATS = ['json', 'csv', 'html', 'docx'] as const;
export type ProvinceFormat = (typeof PROVINCE_FORMATS)[number];

/** The sentence of a province note. */
export function provinceNoteText(note: ProvinceNote, lang: Lang): string {
  const vi = lang === 'vi';
  switch (note.code) {
    case 'province-sum':
      return vi
        ? `Số liệu toàn tỉnh là tổng số liệu của ${note.areas} khu vực, mỗi khu vực tính từ bản tóm tắt hằng ngày có chữ ký của bộ điều khiển khu vực đó, bằng cùng cách tính với báo cáo của khu vực.`
        : `The province's figures are the sum of its ${note.areas} areas' figures, each computed from the signed daily summaries of the area's controller, the same way as the area's own report.`;
    case 'active-days':
      return note.how === 'union'
        ? vi
          ? 'Số ngày hoạt động toàn tỉnh là số ngày có ít nhất một lượt phát ở bất kỳ khu vực nào.'
          : "The province's active days are the days with at least one play in any area."
        : vi
          ? 'Số ngày hoạt động toàn tỉnh là số ngày hoạt động lớn nhất trong các khu vực (không đếm được theo từng ngày).'
          : "The province's active days are the largest of the areas' active days (the days could not be counted one by one).";
    case 'medians-left-out':
      return vi
        ? 'Pin trung vị và số phút phát còn lại của ngày điển hình không cộng được từ các khu vực nên không ghi ở dòng toàn tỉnh; xem từng khu vực.'
        : 'The median battery and the typical day\'s minutes left do not add up across areas and are left out of the province total; see each area.';
    case 'communes-by-area':
      return vi ? 'Mỗi xã được ghi kèm khu vực quản lý nó; số xã đã đến là tổng của các khu vực.' : 'Each commune is listed with its area; communes reached are counted per area and added.';
    case 'clips-by-area':
      return vi
        ? 'Mỗi khu vực có thư viện nội dung riêng: số nội dung khác nhau toàn tỉnh là tổng của các khu vực.'
        : 'Every area has its own clip library: distinct clips of the province are the sum of the areas\'.';
    case 'period-incomplete':
      return vi ? `Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày ${vnDate(note.asOf)}.` : `The period has not ended: figures as of ${vnDate(note.asOf)}.`;
    case 'areas-without-data':
      return vi
        ? `Chưa nhận được số liệu của khu vực: ${note.areas.join(', ')} (kiểm tra cầu nối MQTT của khu vực đó: loa province status).`
        : `No figures received yet from area(s) ${note.areas.join(', ')} (check their MQTT bridge: loa province status).`;
    case 'no-areas':
      return vi ? 'Chưa đăng ký khu vực nào: loa province area add.' : 'No area is registered yet: loa province area add.';
  }
}

export function renderProvinceJson(report: ProvinceReport, lang: Lang = 'vi'): string {
  const out = {
    ...report,
    lang,
    periodLabel: periodLabel(report.period, lang),
    areas: report.areas.map((a) => ({ ...a, report: { ...a.report, notes: a.report.notes.map((n) => ({ ...n, text: noteText(n, lang) })) } })),
    notes: report.notes.map((n) => ({ ...n, text: provinceNoteText(n, lang) })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

const CSV_HEAD: Record<Lang, string[]> = {
  vi: ['Kỳ báo cáo', 'Mã khu vực', 'Khu vực', 'Mã xã', 'Xã', 'Số xe', 'Giờ phát thanh', 'Giờ bật loa', 'Số buổi phát', 'Số lượt phát',
    'Quãng đường (km)', 'Số ngày hoạt động', 'Số ngày-xe hoạt động', 'Số xã đã đến', 'Số khu vực (~1 km²)', 'Số ngày mất kết nối',
    'Số ngày theo dõi', 'Số lỗi', 'Lỗi theo mã', 'Pin thấp nhất (%)', 'Số ngày pin dưới 30%', 'Số ngày chạm mức dự phòng khẩn cấp'],
  en: ['Period', 'Area id', 'Area', 'Commune id', 'Commune', 'Carts', 'Broadcast hours', 'Amplifier hours', 'Sessions', 'Plays',
    'Distance (km)', 'Active days', 'Active cart-days', 'Communes reached', 'Areas (~1 km²)', 'Days offline',
    'Days tracked', 'Faults', 'Faults by code', 'Lowest battery (%)', 'Days below 30 %', 'Days in the emergency reserve'],
};

/** Plain numbers (decimal point, no grouping): they stay numbers whatever the reader's locale. */
function csvFigures(f: Figures): (string | number | null)[] {
  return [
    f.units, Math.round(f.broadcastSeconds / 36) / 100, Math.round(f.amplifierSeconds / 36) / 100, f.sessions, f.plays, f.km, f.activeDays,
    f.activeUnitDays, f.communesReached.length, f.areasReached, f.offlineDays, f.daysCounted, f.faults,
    f.faultsByCode.map((x) => `${x.code}: ${x.count}`).join('; '), f.battery.minSoc, f.battery.daysBelow30, f.energy.reserveDays,
  ];
}

/** One row per commune, a total per area, the province total; UTF-8 with a byte-order mark, CRLF (Excel). */
export function renderProvinceCsv(report: ProvinceReport, lang: Lang = 'vi'): string {
  const vi = lang === 'vi';
  const label = periodLabel(report.period, lang);
  let out = BOM + csvLine(CSV_HEAD[lang]);
  for (const a of report.areas) {
    for (const c of a.report.communes) out += csvLine([label, a.areaId, a.name, c.communeId, c.name, ...csvFigures(c.totals)]);
    out += csvLine([label, a.areaId, a.name, '', vi ? 'Cộng khu vực' : 'Area total', ...csvFigures(a.report.totals)]);
  }
  out += csvLine([label, '', vi ? 'Toàn tỉnh' : 'Province', '', '', ...csvFigures(report.totals)]);
  return out;
}

export interface ProvinceHtmlOptions {
  lang?: Lang;
  heading: HubHeading;
  /** The date of the date line, Unix seconds (default: when the report was computed). */
  issuedAt?: number;
}

/** The area report's style, with a wider header column and smaller table text for the longer province tables. */
const CSS = `${REPORT_CSS}.head .body { width: 45%; }
table.data { font-size: 10.5pt; }
`;

/** The columns of the per-area and per-commune tables: the figures a province reads first. */
export const ROW_COLUMNS: { vi: string; en: string; cell: (f: Figures, l: Lang) => string }[] = [
  { vi: 'Số xe', en: 'Carts', cell: (f, l) => formatNumber(f.units, l) },
  { vi: 'Số lượt phát', en: 'Plays', cell: (f, l) => formatNumber(f.plays, l) },
  { vi: 'Giờ phát thanh', en: 'Broadcast hours', cell: (f, l) => hours(f.broadcastSeconds, l) },
  { vi: 'Số buổi', en: 'Sessions', cell: (f, l) => formatNumber(f.sessions, l) },
  { vi: 'Km', en: 'Km', cell: (f, l) => formatNumber(f.km, l, 1) },
  { vi: 'Ngày hoạt động', en: 'Active days', cell: (f, l) => formatNumber(f.activeDays, l) },
  { vi: 'Ngày mất kết nối', en: 'Days offline', cell: (f, l) => formatNumber(f.offlineDays, l) },
  { vi: 'Số lỗi', en: 'Faults', cell: (f, l) => formatNumber(f.faults, l) },
];

function rowTable(lang: Lang, first: { vi: string; en: string }[], rows: { cells: string[]; f: Figures; sum?: boolean }[]): string {
  const head = [...first, ...ROW_COLUMNS].map((c) => `<th>${escapeHtml(c[lang])}</th>`).join('');
  const body = rows.map(
    (r) => `<tr${r.sum ? ' class="sum"' : ''}>${r.cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}${ROW_COLUMNS.map((c) => `<td class="n">${escapeHtml(c.cell(r.f, lang))}</td>`).join('')}</tr>`,
  );
  return `<table class="data"><tr>${head}</tr>${body.join('')}</table>`;
}

function headingHtml(h: HubHeading, issuedAt: number, lang: Lang): string[] {
  const vi = lang === 'vi';
  const issued = vnDateParts(issuedAt);
  const province = h.province.trim() === '' ? '' : `<br><b>TỈNH ${escapeHtml(h.province.toLocaleUpperCase('vi'))}</b>`;
  const place = h.place ?? h.province;
  const date = vi ? `ngày ${issued.dd} tháng ${issued.mm} năm ${issued.year}` : `${issued.dd}/${issued.mm}/${issued.year}`;
  return [
    `<table class="head"><tr><td class="body">${h.issuers.map(escapeHtml).join('<br>')}${province}</td>`,
    `<td class="motto">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br><span>Độc lập - Tự do - Hạnh phúc</span></td></tr></table>`,
    `<p class="date">${escapeHtml(place === '' ? date : `${place}, ${date}`)}</p>`,
  ];
}

/** The printable page: heading, province totals, areas, communes, the province ranking, clips per area, notes. */
export function renderProvinceHtml(report: ProvinceReport, options: ProvinceHtmlOptions): string {
  const lang = options.lang ?? 'vi';
  const vi = lang === 'vi';
  const label = periodLabel(report.period, lang);
  const t = report.totals;
  const h = options.heading;
  const p: string[] = [`<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8">`];
  p.push(`<title>${escapeHtml(vi ? `Báo cáo toàn tỉnh ${label}` : `Province report ${label}`)}</title><style>${CSS}</style></head><body>`);
  p.push(...headingHtml(h, options.issuedAt ?? report.generatedAt, lang));
  p.push(`<h1>${vi ? 'BÁO CÁO KẾT QUẢ HOẠT ĐỘNG<br>MÔ HÌNH LOA THANH NIÊN VÌ AN NINH TỔ QUỐC TOÀN TỈNH' : 'PROVINCE REPORT<br>YOUTH LOUDSPEAKER FOR NATIONAL SECURITY'}</h1>`);
  p.push(`<p class="period">${escapeHtml(label)}</p>`);

  p.push(`<h2>I. ${vi ? 'TỔNG HỢP TOÀN TỈNH' : 'PROVINCE SUMMARY'}</h2>`);
  const communes = report.communes.length;
  p.push(
    `<p>${escapeHtml(
      vi
        ? `Trong kỳ, ${formatNumber(t.units, lang)} xe loa của ${formatNumber(communes, lang)} xã thuộc ${formatNumber(report.areas.length, lang)} khu vực đã phát ${formatNumber(t.plays, lang)} lượt, tổng cộng ${hours(t.broadcastSeconds, lang)} giờ phát thanh trong ${formatNumber(t.sessions, lang)} buổi, đi ${formatNumber(t.km, lang, 1)} km.`
        : `In the period, ${formatNumber(t.units, lang)} carts of ${formatNumber(communes, lang)} communes in ${formatNumber(report.areas.length, lang)} areas made ${formatNumber(t.plays, lang)} plays, ${hours(t.broadcastSeconds, lang)} broadcast hours in ${formatNumber(t.sessions, lang)} sessions, and travelled ${formatNumber(t.km, lang, 1)} km.`,
    )}</p>`,
  );
  const rows = COLUMNS.map((c) => `<tr><td>${escapeHtml(c[lang])}</td><td class="n">${escapeHtml(c.cell(t, lang))}</td></tr>`);
  rows.push(`<tr><td>${vi ? 'Lỗi theo mã' : 'Faults by code'}</td><td>${escapeHtml(faultList(t, lang))}</td></tr>`);
  p.push(`<table class="data"><tr><th>${vi ? 'Chỉ tiêu' : 'Indicator'}</th><th>${vi ? 'Toàn tỉnh' : 'Province'}</th></tr>${rows.join('')}</table>`);

  p.push(`<h2>II. ${vi ? 'KẾT QUẢ THEO KHU VỰC' : 'RESULTS BY AREA'}</h2>`);
  const areaRows = report.areas.map((a) => ({ cells: [a.name, formatNumber(a.report.communes.length, lang)], f: a.report.totals }));
  areaRows.push({ cells: [vi ? 'Toàn tỉnh' : 'Province', formatNumber(communes, lang)], f: t, sum: true } as (typeof areaRows)[number]);
  p.push(rowTable(lang, [{ vi: 'Khu vực', en: 'Area' }, { vi: 'Số xã', en: 'Communes' }], areaRows));

  p.push(`<h2>III. ${vi ? 'KẾT QUẢ THEO XÃ' : 'RESULTS BY COMMUNE'}</h2>`);
  p.push(rowTable(lang, [{ vi: 'Khu vực', en: 'Area' }, { vi: 'Xã', en: 'Commune' }], report.communes.map((c) => ({ cells: [c.areaName, c.name], f: c.totals }))));

  p.push(`<h2>IV. ${vi ? 'XẾP HẠNG THI ĐUA CÁC TỔ TOÀN TỈNH' : 'TEAM RANKING OF THE PROVINCE'}</h2>`);
  p.push(`<p>${vi ? 'Điểm = số giờ phát thanh × (số ngày hoạt động ÷ số ngày của kỳ đã qua), như báo cáo của khu vực.' : "Score = broadcast hours × (active days ÷ days of the period elapsed), as in the areas' reports."}</p>`);
  p.push(`<table class="data"><tr><th>${vi ? 'Hạng' : 'Rank'}</th><th>${vi ? 'Tổ' : 'Team'}</th><th>${vi ? 'Xã' : 'Commune'}</th><th>${vi ? 'Khu vực (hạng)' : 'Area (rank)'}</th><th>${vi ? 'Giờ phát thanh' : 'Broadcast hours'}</th><th>${vi ? 'Ngày hoạt động' : 'Active days'}</th><th>${vi ? 'Điểm' : 'Score'}</th></tr>`);
  for (const r of report.ranking) {
    p.push(`<tr><td class="n">${r.rank}</td><td>${escapeHtml(r.teamName)}</td><td>${escapeHtml(r.communeName)}</td><td>${escapeHtml(`${r.areaName} (${r.areaRank})`)}</td><td class="n">${hours(r.broadcastSeconds, lang)}</td><td class="n">${formatNumber(r.activeDays, lang)}/${formatNumber(r.daysElapsed, lang)}</td><td class="n">${formatNumber(r.score, lang, 2)}</td></tr>`);
  }
  p.push('</table>');

  p.push(`<h2>V. ${vi ? 'NỘI DUNG PHÁT NHIỀU NHẤT THEO KHU VỰC' : 'MOST PLAYED CLIPS BY AREA'}</h2>`);
  for (const a of report.areas) {
    p.push(`<h3>${escapeHtml(a.name)}</h3><table class="data"><tr><th>${vi ? 'Nội dung' : 'Clip'}</th><th>${vi ? 'Số lượt' : 'Plays'}</th><th>${vi ? 'Số giờ' : 'Hours'}</th><th>${vi ? 'Số xe' : 'Carts'}</th></tr>`);
    for (const c of a.report.clips.slice(0, 10)) {
      const name = c.title === null ? c.clip : `${c.title} (${c.clip})`;
      p.push(`<tr><td>${escapeHtml(name)}</td><td class="n">${formatNumber(c.plays, lang)}</td><td class="n">${hours(c.seconds, lang)}</td><td class="n">${formatNumber(c.units, lang)}</td></tr>`);
    }
    p.push('</table>');
  }

  p.push(`<h2>VI. ${vi ? 'GHI CHÚ' : 'NOTES'}</h2><ol class="notes">`);
  for (const n of report.notes) p.push(`<li>${escapeHtml(provinceNoteText(n, lang))}</li>`);
  p.push('</ol>');

  const to = h.recipients.map((r) => `<br>- ${escapeHtml(r)};`).join('');
  p.push(`<table class="sign"><tr><td class="left"><b><i>${vi ? 'Nơi nhận:' : 'To:'}</i></b>${to}</td>`);
  p.push(`<td class="right">${escapeHtml(h.signer.for)}<br>${escapeHtml(h.signer.title)}<br><br><br><br>${escapeHtml(h.signer.name)}</td></tr></table>`);
  p.push('</body></html>\n');
  return p.join('\n');
}
