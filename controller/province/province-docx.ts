/**
 * The province report as a Word document (DOCX), for the officer at Công an tỉnh (PV05) to sign and send: laid out as
 * the area report's DOCX (Nghị định 30/2020/NĐ-CP; controller/reports/render-docx.ts builds the page, the header,
 * "Kính gửi", "Nơi nhận" and the signature block), with the sections and the cell texts of the province's HTML page
 * (province-render.ts): the province summary, the areas, the communes, the province ranking, the clips of each area,
 * the notes. One report and one issue time always give the same bytes.
 */
import type { Paragraph, Table } from 'docx';
import { configuredHeading, headingWords, type ReportHeading } from '../reports/heading.js';
import type { Lang } from '../reports/period.js';
import { figureTable, grid, heading, MODEL_WORDS, packReport, para, subjectPeriod, text, INDENT, TEXT_WIDTH } from '../reports/render-docx.js';
import type { Figures } from '../reports/report.js';
import { formatNumber, hours } from '../reports/text.js';
import type { HubHeading } from './hub-config.js';
import { provinceNoteText, ROW_COLUMNS } from './province-render.js';
import type { ProvinceReport } from './province-report.js';

export interface ProvinceDocxOptions {
  lang?: Lang;
  /** The hub configuration's `heading`. */
  heading: HubHeading;
  /** The date of the date line and of the file, Unix seconds (default: when the report was computed). */
  issuedAt?: number;
}

/** Who the report is addressed to: its recipients but the file copy ("Lưu"), else the province's police and youth union. */
export function provinceAddressees(h: HubHeading): string[] {
  const to = h.recipients.filter((r) => !/^lưu\b/iu.test(r.trim()));
  return to.length > 0 ? to : ['Công an tỉnh (PV05)', 'Tỉnh đoàn'];
}

/**
 * The hub's heading in the area reports' terms: the issuers upright, "TỈNH …" bold as the HTML page prints them (with
 * no province, the issuers are the issuing body), the date line's place a blank to fill in when none is configured.
 */
export function provinceHeading(h: HubHeading): ReportHeading {
  const province = h.province.trim();
  const place = h.place ?? province;
  return configuredHeading(
    {
      issuers: province === '' ? [] : [...h.issuers],
      board: province === '' ? h.issuers.join('\n') : `TỈNH ${province.toLocaleUpperCase('vi')}`,
      place: place === '' ? '………' : place,
      addressees: provinceAddressees(h),
      recipients: [...h.recipients],
      signer: { ...h.signer },
      wholeScope: { vi: 'Toàn tỉnh', en: 'Province' },
    },
    { kind: 'province', name: province, province: { code: null, name: province } },
  );
}

/**
 * The figures' columns (carts, plays, hours, sessions, km, active days, days offline, faults), each wide enough for a
 * province's year ("1.481.490" plays, "148.147,2" km) in 10 pt with 1 mm cell margins; the names take the rest, and wrap.
 */
const FIGURE_WIDTHS = [560, 1000, 900, 860, 1000, 760, 760, 700];
const NAMES_WIDTH = TEXT_WIDTH - FIGURE_WIDTHS.reduce((n, w) => n + w, 0);
const AREA_WIDTHS = [NAMES_WIDTH - 600, 600, ...FIGURE_WIDTHS];
const COMMUNE_WIDTHS = [Math.floor(NAMES_WIDTH / 2), NAMES_WIDTH - Math.floor(NAMES_WIDTH / 2), ...FIGURE_WIDTHS];
/** Ten columns need smaller type and narrower cell margins than the area report's tables. */
const ROW_LOOK = { size: 20, cellMargin: 57 };

/** The per-area or per-commune table: the first columns' names, then the figures of {@link ROW_COLUMNS}. */
function rowGrid(lang: Lang, first: { vi: string; en: string }[], rows: { cells: string[]; f: Figures }[], widths: number[], sumLast: boolean): Table {
  const head = [...first, ...ROW_COLUMNS].map((c) => c[lang]);
  const body = rows.map((r) => [...r.cells, ...ROW_COLUMNS.map((c) => c.cell(r.f, lang))]);
  return grid([head, ...body], widths, (c) => c >= first.length, sumLast, ROW_LOOK);
}

function summary(report: ProvinceReport, lang: Lang): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const t = report.totals;
  const communes = report.communes.length;
  return [
    heading(`I. ${vi ? 'TỔNG HỢP TOÀN TỈNH' : 'PROVINCE SUMMARY'}`),
    text(
      vi
        ? `Trong kỳ, ${formatNumber(t.units, lang)} xe loa của ${formatNumber(communes, lang)} xã thuộc ${formatNumber(report.areas.length, lang)} khu vực đã phát ${formatNumber(t.plays, lang)} lượt, tổng cộng ${hours(t.broadcastSeconds, lang)} giờ phát thanh trong ${formatNumber(t.sessions, lang)} buổi, đi ${formatNumber(t.km, lang, 1)} km.`
        : `In the period, ${formatNumber(t.units, lang)} carts of ${formatNumber(communes, lang)} communes in ${formatNumber(report.areas.length, lang)} areas made ${formatNumber(t.plays, lang)} plays, ${hours(t.broadcastSeconds, lang)} broadcast hours in ${formatNumber(t.sessions, lang)} sessions, and travelled ${formatNumber(t.km, lang, 1)} km.`,
    ),
    figureTable([{ head: vi ? 'Toàn tỉnh' : 'Province', f: t }], lang),
  ];
}

function byArea(report: ProvinceReport, lang: Lang): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const rows = report.areas.map((a) => ({ cells: [a.name, formatNumber(a.report.communes.length, lang)], f: a.report.totals }));
  rows.push({ cells: [vi ? 'Toàn tỉnh' : 'Province', formatNumber(report.communes.length, lang)], f: report.totals });
  return [
    heading(`II. ${vi ? 'KẾT QUẢ THEO KHU VỰC' : 'RESULTS BY AREA'}`),
    rowGrid(lang, [{ vi: 'Khu vực', en: 'Area' }, { vi: 'Số xã', en: 'Communes' }], rows, AREA_WIDTHS, true),
    heading(`III. ${vi ? 'KẾT QUẢ THEO XÃ' : 'RESULTS BY COMMUNE'}`),
    rowGrid(lang, [{ vi: 'Khu vực', en: 'Area' }, { vi: 'Xã', en: 'Commune' }], report.communes.map((c) => ({ cells: [c.areaName, c.name], f: c.totals })), COMMUNE_WIDTHS, false),
  ];
}

function ranking(report: ProvinceReport, lang: Lang): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const rows = [[vi ? 'Hạng' : 'Rank', vi ? 'Tổ' : 'Team', vi ? 'Xã' : 'Commune', vi ? 'Khu vực (hạng)' : 'Area (rank)', vi ? 'Giờ phát thanh' : 'Broadcast hours', vi ? 'Ngày hoạt động' : 'Active days', vi ? 'Điểm' : 'Score']];
  for (const r of report.ranking) {
    rows.push([`${r.rank}`, r.teamName, r.communeName, `${r.areaName} (${r.areaRank})`, hours(r.broadcastSeconds, lang), `${formatNumber(r.activeDays, lang)}/${formatNumber(r.daysElapsed, lang)}`, formatNumber(r.score, lang, 2)]);
  }
  return [
    heading(`IV. ${vi ? 'XẾP HẠNG THI ĐUA CÁC TỔ TOÀN TỈNH' : 'TEAM RANKING OF THE PROVINCE'}`),
    text(vi ? 'Điểm = số giờ phát thanh × (số ngày hoạt động ÷ số ngày của kỳ đã qua), như báo cáo của khu vực.' : "Score = broadcast hours × (active days ÷ days of the period elapsed), as in the areas' reports."),
    grid(rows, [820, 1880, 1600, 1755, 1100, 1100, 1100], (c) => c === 0 || c > 3),
  ];
}

/** Each area's ten most played clips, as the HTML page lists them. */
function clips(report: ProvinceReport, lang: Lang): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const out: (Paragraph | Table)[] = [heading(`V. ${vi ? 'NỘI DUNG PHÁT NHIỀU NHẤT THEO KHU VỰC' : 'MOST PLAYED CLIPS BY AREA'}`)];
  report.areas.forEach((a, i) => {
    out.push(para(`${i + 1}. ${a.name}`, { bold: true, italics: true, before: 120, after: 60, firstLine: INDENT, keepNext: true }));
    const rows = [[vi ? 'Nội dung' : 'Clip', vi ? 'Số lượt' : 'Plays', vi ? 'Số giờ' : 'Hours', vi ? 'Số xe' : 'Carts']];
    for (const c of a.report.clips.slice(0, 10)) rows.push([c.title === null ? c.clip : `${c.title} (${c.clip})`, formatNumber(c.plays, lang), hours(c.seconds, lang), formatNumber(c.units, lang)]);
    out.push(grid(rows, [TEXT_WIDTH - 3 * 1300, 1300, 1300, 1300], (c) => c > 0));
  });
  return out;
}

function notes(report: ProvinceReport, lang: Lang): Paragraph[] {
  return [heading(`VI. ${lang === 'vi' ? 'GHI CHÚ' : 'NOTES'}`), ...report.notes.map((n, i) => text(`${i + 1}. ${provinceNoteText(n, lang)}`))];
}

/** The DOCX bytes of the province report. The same report and options always give the same bytes. */
export async function renderProvinceDocx(report: ProvinceReport, options: ProvinceDocxOptions): Promise<Buffer> {
  const lang = options.lang ?? 'vi';
  const period = subjectPeriod(report.period, lang);
  const subject = lang === 'vi' ? [`Kết quả hoạt động ${MODEL_WORDS.vi}`, `toàn tỉnh ${period}`] : [`Results of ${MODEL_WORDS.en}`, `in the province, ${period}`];
  return packReport({
    lang,
    words: headingWords(provinceHeading(options.heading), lang),
    issuedAt: options.issuedAt ?? report.generatedAt,
    title: subject.join(' '),
    subject,
    body: [...summary(report, lang), ...byArea(report, lang), ...ranking(report, lang), ...clips(report, lang), ...notes(report, lang)],
  });
}
