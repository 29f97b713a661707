/**
 * A report as a Word document (DOCX) laid out as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP,
 * Phụ lục I): A4 portrait, margins 20/20/30/15 mm, Times New Roman; the issuing body and its number on the left, the
 * national motto with the place and date on the right; "BÁO CÁO" and the subject; the figures (the same sections and
 * the same cell texts as the HTML page, from the same {@link Report}); "Nơi nhận" and the signature block.
 *
 * The `docx` package writes the WordprocessingML. Two things it stamps with the machine's clock are set from the
 * report instead, so that one report and one issue time always give the same bytes: the created/modified dates of
 * docProps/core.xml (given as an override) and the dates of the zip entries (rewritten in place, see {@link stampZip}).
 */
import {
  AlignmentType, BorderStyle, Document, Header, Packer, PageNumber, Paragraph, Table, TableBorders, TableCell, TableLayoutType, TableRow, TextRun,
  VerticalAlignTable, WidthType, type IBorderOptions,
} from 'docx';
import { addressLine, boardLines, headingWords, recipientLines, signerName, type HeadingWords, type ReportHeading } from './heading.js';
import { periodLabel, VN_OFFSET_S, vnDateParts, type Lang, type Period } from './period.js';
import type { Figures, Report } from './report.js';
import { COLUMNS, faultList, formatNumber, hours, noteText, SUMMARY_NOTES } from './text.js';

export { areaNames } from './heading.js';

export interface DocxOptions {
  lang?: Lang;
  /** Who issues the report, to whom, where, and who signs it (controller/reports/heading.ts). */
  heading: ReportHeading;
  /** The date in the date line and in the file's properties, Unix seconds (default: when the report was computed). */
  issuedAt?: number;
}

/** Twips (1/20 pt; 1 mm ≈ 56.7): A4 and the margins of Nghị định 30 (top, bottom 20 mm; left 30 mm; right 15 mm). */
export const PAGE = { width: 11906, height: 16838, top: 1134, bottom: 1134, left: 1701, right: 850 } as const;
export const TEXT_WIDTH = PAGE.width - PAGE.left - PAGE.right;
/** Font sizes in half-points: body 14 pt, the motto 13, the issuing body and "Quốc hiệu" 12, tables 12, recipients 11. */
export const SIZE = { body: 28, motto: 26, number: 26, head: 24, table: 24, recipientsTitle: 24, recipients: 22 } as const;
const FONT = 'Times New Roman';
export const INDENT = 567; // 1 cm first-line indent of body paragraphs
const HEAD_COLUMNS = [3700, TEXT_WIDTH - 3700];

export interface Style {
  size?: number;
  bold?: boolean;
  italics?: boolean;
  align?: (typeof AlignmentType)[keyof typeof AlignmentType];
  before?: number;
  after?: number;
  firstLine?: number;
  keepNext?: boolean;
}

export function para(text: string, s: Style = {}): Paragraph {
  return new Paragraph({
    alignment: s.align ?? AlignmentType.JUSTIFIED,
    spacing: { before: s.before ?? 0, after: s.after ?? 0 },
    keepNext: s.keepNext ?? false,
    ...(s.firstLine === undefined ? {} : { indent: { firstLine: s.firstLine } }),
    children: [new TextRun({ text, size: s.size ?? SIZE.body, bold: s.bold ?? false, italics: s.italics ?? false })],
  });
}

const centred = (text: string, s: Style = {}): Paragraph => para(text, { align: AlignmentType.CENTER, ...s });

/**
 * Rough width in twips of `text` in Times New Roman at `halfPoints`, from average glyph widths (capitals 0.72 em,
 * small letters 0.5, spaces 0.25, others 0.4): enough to size a rule under a line of the header.
 */
function textWidth(text: string, halfPoints: number): number {
  let em = 0;
  for (const c of text) em += c === ' ' ? 0.25 : c !== c.toLocaleLowerCase('vi') ? 0.72 : c !== c.toLocaleUpperCase('vi') ? 0.5 : 0.4;
  return Math.round(em * halfPoints * 10);
}

/** A short centred horizontal rule `length` twips long in a space `width` twips wide: an empty paragraph's border. */
function rule(length: number, width: number): Paragraph {
  const side = Math.max(0, Math.round((width - length) / 2));
  const line: IBorderOptions = { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 1 };
  return new Paragraph({ border: { top: line }, indent: { left: side, right: side }, spacing: { before: 40, after: 0, line: 120, lineRule: 'exact' }, children: [] });
}

/** "tháng 11/2026", "quý IV năm 2026", "6 tháng cuối năm 2026", "năm 2026"; in English the period's label. */
export function subjectPeriod(p: Period, lang: Lang): string {
  if (lang === 'en') return periodLabel(p, lang);
  if (p.kind === 'month') return `tháng ${p.index}/${p.year}`;
  const label = periodLabel(p, lang);
  return label.charAt(0).toLocaleLowerCase('vi') + label.slice(1);
}

/** "Triệu Sơn, ngày 02 tháng 12 năm 2026": a zero before days under 10 and months 1 and 2 (Nghị định 30). */
export function dateLine(place: string, unixSeconds: number, lang: Lang): string {
  const d = vnDateParts(unixSeconds);
  if (lang === 'en') {
    const month = new Date(Date.UTC(2000, d.month - 1, 1)).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
    return `${place}, ${d.day} ${month} ${d.year}`;
  }
  return `${place}, ngày ${d.dd} tháng ${d.month < 3 ? d.mm : d.month} năm ${d.year}`;
}

const noBorders = { top: TableBorders.NONE.top, bottom: TableBorders.NONE.bottom, left: TableBorders.NONE.left, right: TableBorders.NONE.right, insideHorizontal: TableBorders.NONE.insideHorizontal, insideVertical: TableBorders.NONE.insideVertical };

/** A borderless table of one row, for the header and the signature blocks. */
function sideBySide(widths: number[], cells: Paragraph[][]): Table {
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: noBorders,
    rows: [new TableRow({ children: cells.map((children, i) => new TableCell({ width: { size: widths[i]!, type: WidthType.DXA }, borders: noBorders, children })) })],
  });
}

/**
 * The issuing body on the left (the bodies above the board upright, the board bold, a short rule, the number) and the
 * national motto with the place and date on the right.
 */
function header(w: HeadingWords, lang: Lang, issuedAt: number, form: DocumentForm): Table {
  const vi = lang === 'vi';
  const motto = vi ? 'Độc lập - Tự do - Hạnh phúc' : 'Independence - Freedom - Happiness';
  const [left, right] = HEAD_COLUMNS as [number, number];
  const cellText = (w: number) => w - 216; // the cells' default margins, 108 twips a side
  const board = boardLines(w);
  const last = board.at(-1) ?? '';
  return sideBySide(HEAD_COLUMNS, [
    [
      ...w.issuers.map((line) => centred(line, { size: SIZE.head })),
      ...board.map((line) => centred(line, { size: SIZE.head, bold: true })),
      // Half the last line, never wider than half the column (a long board name wraps).
      rule(Math.min(Math.round(textWidth(last, SIZE.head) * 0.5), Math.round(cellText(left) / 2)), cellText(left)),
      centred(`${vi ? 'Số' : 'No.'}:        /${FORMS[form].symbol}-BĐH`, { size: SIZE.number, before: 120 }),
    ],
    [
      centred(vi ? 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' : 'SOCIALIST REPUBLIC OF VIETNAM', { size: SIZE.head, bold: true }),
      centred(motto, { size: SIZE.motto, bold: true }),
      rule(textWidth(motto, SIZE.motto), cellText(right)),
      centred(dateLine(w.place, issuedAt, lang), { size: SIZE.body, italics: true, before: 120 }),
    ],
  ]);
}

const cellBorder: IBorderOptions = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
const gridBorders = { top: cellBorder, bottom: cellBorder, left: cellBorder, right: cellBorder, insideHorizontal: cellBorder, insideVertical: cellBorder };

/** How a {@link grid} may differ from the area report's tables: its type size (half-points), its cells' side margins (twips). */
export interface GridLook {
  size?: number;
  cellMargin?: number;
}

/**
 * A bordered table; the first row is the heading (bold, repeated on each page); `numeric` columns align right. The
 * type is the tables' size, a point less past six columns, unless `look` says otherwise.
 */
export function grid(rows: string[][], widths: number[], numeric: (col: number) => boolean, boldLast = false, look: GridLook = {}): Table {
  const size = look.size ?? (widths.length <= 6 ? SIZE.table : SIZE.table - 2);
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: gridBorders,
    ...(look.cellMargin === undefined ? {} : { margins: { left: look.cellMargin, right: look.cellMargin } }),
    rows: rows.map((cells, r) => new TableRow({
      tableHeader: r === 0,
      cantSplit: true,
      children: cells.map((text, c) => new TableCell({
        width: { size: widths[c]!, type: WidthType.DXA },
        verticalAlign: VerticalAlignTable.CENTER,
        children: [para(text, { size, bold: r === 0 || (boldLast && r === rows.length - 1), align: r === 0 ? AlignmentType.CENTER : numeric(c) ? AlignmentType.RIGHT : AlignmentType.LEFT })],
      })),
    })),
  });
}

/** Splits the text width: `first` twips for the first column, the rest shared evenly. */
function widths(first: number, others: number): number[] {
  const each = Math.floor((TEXT_WIDTH - first) / others);
  return [TEXT_WIDTH - each * others, ...Array.from({ length: others }, () => each)];
}

/** The indicators as rows, one column per set of figures: the same cells as the HTML page's tables. */
export function figureTable(columns: { head: string; f: Figures }[], lang: Lang): Table {
  const rows = [[lang === 'vi' ? 'Chỉ tiêu' : 'Indicator', ...columns.map((c) => c.head)]];
  for (const col of COLUMNS) rows.push([col[lang], ...columns.map((c) => col.cell(c.f, lang))]);
  rows.push([lang === 'vi' ? 'Lỗi theo mã' : 'Faults by code', ...columns.map((c) => faultList(c.f, lang))]);
  return grid(rows, widths(3000, columns.length), (c) => c > 0);
}

/** A section heading ("I. TỔNG HỢP CHUNG") and a body paragraph. */
export const heading = (text: string): Paragraph => para(text, { bold: true, before: 240, after: 120, firstLine: INDENT, keepNext: true, align: AlignmentType.LEFT });
export const text = (t: string): Paragraph => para(t, { firstLine: INDENT, after: 120 });

function bodySections(report: Report, lang: Lang, wholeScope: ReportHeading['wholeScope']): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const t = report.totals;
  const total = vi ? 'Cộng' : 'Total';
  const out: (Paragraph | Table)[] = [heading(`I. ${vi ? 'TỔNG HỢP CHUNG' : 'SUMMARY'}`)];
  out.push(text(
    vi
      ? `Trong kỳ, ${formatNumber(t.units, lang)} xe loa của ${formatNumber(report.communes.length, lang)} xã đã phát ${formatNumber(t.plays, lang)} lượt, tổng cộng ${hours(t.broadcastSeconds, lang)} giờ phát thanh trong ${formatNumber(t.sessions, lang)} buổi, đi ${formatNumber(t.km, lang, 1)} km, đến ${formatNumber(t.communesReached.length, lang)} xã.`
      : `In the period, ${formatNumber(t.units, lang)} carts of ${formatNumber(report.communes.length, lang)} communes made ${formatNumber(t.plays, lang)} plays, ${hours(t.broadcastSeconds, lang)} broadcast hours in ${formatNumber(t.sessions, lang)} sessions, travelled ${formatNumber(t.km, lang, 1)} km and reached ${formatNumber(t.communesReached.length, lang)} communes.`,
  ));
  for (const n of report.notes.filter((x) => SUMMARY_NOTES.includes(x.code))) out.push(text(noteText(n, lang)));
  out.push(figureTable([{ head: wholeScope[lang], f: t }], lang));

  out.push(heading(`II. ${vi ? 'KẾT QUẢ THEO TỪNG XÃ' : 'RESULTS BY COMMUNE'}`));
  report.communes.forEach((c, i) => {
    out.push(para(`${i + 1}. ${c.name}`, { bold: true, italics: true, before: 120, after: 60, firstLine: INDENT, keepNext: true }));
    const cols = c.units.map((u) => ({ head: `${vi ? 'Xe' : 'Cart'} ${u.unitId} (${u.teamName})`, f: u as Figures }));
    if (c.units.length > 1) cols.push({ head: total, f: c.totals });
    out.push(figureTable(cols, lang));
  });

  out.push(heading(`III. ${vi ? 'NỘI DUNG ĐÃ PHÁT' : 'CLIPS PLAYED'}`));
  const clips = [[vi ? 'STT' : 'No.', vi ? 'Nội dung' : 'Clip', vi ? 'Số lượt' : 'Plays', vi ? 'Số giờ' : 'Hours', vi ? 'Số xe' : 'Carts']];
  report.clips.forEach((c, i) => clips.push([`${i + 1}`, c.title === null ? c.clip : `${c.title} (${c.clip})`, formatNumber(c.plays, lang), hours(c.seconds, lang), formatNumber(c.units, lang)]));
  clips.push(['', total, formatNumber(t.plays, lang), hours(t.broadcastSeconds, lang), '']);
  out.push(grid(clips, [700, TEXT_WIDTH - 700 - 3 * 1300, 1300, 1300, 1300], (c) => c !== 1, true));

  out.push(heading(`IV. ${vi ? 'XẾP HẠNG THI ĐUA CÁC TỔ' : 'TEAM RANKING'}`));
  out.push(text(vi ? 'Điểm = số giờ phát thanh × (số ngày hoạt động ÷ số ngày của kỳ đã qua).' : 'Score = broadcast hours × (active days ÷ days of the period elapsed).'));
  const ranks = [[vi ? 'Hạng' : 'Rank', vi ? 'Tổ' : 'Team', vi ? 'Xã' : 'Commune', vi ? 'Giờ phát thanh' : 'Broadcast hours', vi ? 'Ngày hoạt động' : 'Active days', vi ? 'Điểm' : 'Score']];
  for (const r of report.ranking) {
    ranks.push([`${r.rank}`, r.teamName, r.communeName, hours(r.broadcastSeconds, lang), `${formatNumber(r.activeDays, lang)}/${formatNumber(r.daysElapsed, lang)}`, formatNumber(r.score, lang, 2)]);
  }
  out.push(grid(ranks, [900, 2655, 1900, 1300, 1300, 1300], (c) => c === 0 || c > 2));

  out.push(heading(`V. ${vi ? 'GHI CHÚ' : 'NOTES'}`));
  report.notes.filter((n) => !SUMMARY_NOTES.includes(n.code)).forEach((n, i) => out.push(text(`${i + 1}. ${noteText(n, lang)}`)));
  return out;
}

/** "Nơi nhận" with the recipients on the left, the signature block on the right. */
function signature(w: HeadingWords, lang: Lang): Table {
  const small = (t: string) => para(t, { size: SIZE.recipients, align: AlignmentType.LEFT });
  return sideBySide([4200, TEXT_WIDTH - 4200], [
    [
      para(lang === 'vi' ? 'Nơi nhận:' : 'Recipients:', { size: SIZE.recipientsTitle, bold: true, italics: true, align: AlignmentType.LEFT }),
      ...recipientLines(w).map(small),
    ],
    [
      centred(w.signer.for, { bold: true }),
      centred(w.signer.title, { bold: true }),
      ...Array.from({ length: 4 }, () => centred('')),
      centred(signerName(w, lang), { bold: true }),
    ],
  ]);
}

/** docProps/core.xml with the issue time as its dates, instead of the machine's clock. */
function coreXml(title: string, issuedAt: number): string {
  const when = new Date(issuedAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const esc = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    + `<dc:title>${esc}</dc:title><dc:creator>Loa</dc:creator>`
    + `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>`
    + '</cp:coreProperties>';
}

/**
 * Sets the MS-DOS date and time of every entry of a zip (local headers and central directory) to `unixSeconds` in
 * Vietnam time. The zip writer inside `docx` stamps them with the machine's local clock; the CRCs do not cover them.
 */
export function stampZip(zip: Buffer, unixSeconds: number): Buffer {
  const d = new Date((unixSeconds + VN_OFFSET_S) * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((Math.min(Math.max(d.getUTCFullYear(), 1980), 2107) - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('docx: the packed document is not a zip file (no end of central directory)');
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`docx: bad zip central directory entry at byte ${at}`);
    zip.writeUInt16LE(time, at + 12);
    zip.writeUInt16LE(date, at + 14);
    const local = zip.readUInt32LE(at + 42);
    zip.writeUInt16LE(time, local + 10);
    zip.writeUInt16LE(date, local + 12);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return zip;
}

/** The words of the model, as the subject line names it. */
export const MODEL_WORDS = { vi: 'mô hình “Loa thanh niên – Vì an ninh Tổ quốc”', en: 'the “Youth loudspeaker – for national security” model' } as const;

/**
 * The kind of administrative document (Nghị định 30, appendix III: its name and the symbol in its number): a report
 * (báo cáo, BC), or a submission asking a decision of the body above (tờ trình, TTr: a list proposed for rewards).
 */
export type DocumentForm = 'report' | 'submission';
const FORMS: Record<DocumentForm, { symbol: string; vi: string; en: string }> = {
  report: { symbol: 'BC', vi: 'BÁO CÁO', en: 'REPORT' },
  submission: { symbol: 'TTr', vi: 'TỜ TRÌNH', en: 'SUBMISSION' },
};

/** A report's document but for its figures: what {@link packReport} lays out around them. */
export interface ReportFrame {
  /** Default 'report'. */
  form?: DocumentForm;
  lang: Lang;
  words: HeadingWords;
  /** Unix seconds: the date line, the file's properties and the zip entries' dates. */
  issuedAt: number;
  /** The document's title in its properties. */
  title: string;
  /** The subject's lines under "BÁO CÁO" (or "TỜ TRÌNH"), centred and bold; the short rule under them is sized from the first. */
  subject: string[];
  /** The sections between "Kính gửi" and the signature block. */
  body: (Paragraph | Table)[];
}

/**
 * The DOCX bytes of an administrative report: the header, "BÁO CÁO" (or "TỜ TRÌNH"), the subject, "Kính gửi", the body, "Nơi nhận"
 * and the signature block, on A4 with the page number from the second page on. The same frame gives the same bytes.
 */
export async function packReport(f: ReportFrame): Promise<Buffer> {
  const { lang, words, issuedAt } = f;
  const vi = lang === 'vi';
  const children: (Paragraph | Table)[] = [
    header(words, lang, issuedAt, f.form ?? 'report'),
    centred(FORMS[f.form ?? 'report'][lang], { bold: true, before: 360 }),
    ...f.subject.map((line) => centred(line, { bold: true })),
    rule(Math.round(textWidth(f.subject[0] ?? '', SIZE.body) * 0.4), TEXT_WIDTH),
    centred(addressLine(words, lang), { before: 240, after: 240 }),
    ...f.body,
    new Paragraph({ children: [] }),
    signature(words, lang),
  ];
  const doc = new Document({
    creator: 'Loa',
    title: f.title,
    styles: { default: { document: { run: { font: FONT, size: SIZE.body, language: { value: vi ? 'vi-VN' : 'en-GB' } }, paragraph: { spacing: { line: 276 } } } } },
    theme: { fonts: { headings: FONT, body: FONT } },
    sections: [{
      properties: {
        titlePage: true, // the page number is printed from the second page on (Nghị định 30)
        page: { size: { width: PAGE.width, height: PAGE.height }, margin: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right, header: 567, footer: 567 } },
      },
      headers: {
        default: new Header({ children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: [PageNumber.CURRENT], size: SIZE.body })] })] }),
        first: new Header({ children: [new Paragraph({ children: [] })] }),
      },
      children,
    }],
  });
  const packed = await Packer.toBuffer(doc, false, [{ path: 'docProps/core.xml', data: coreXml(f.title, issuedAt) }]);
  return stampZip(Buffer.from(packed), issuedAt);
}

/** The DOCX bytes of a report. The same report and options always give the same bytes. */
export async function renderDocx(report: Report, options: DocxOptions): Promise<Buffer> {
  const lang = options.lang ?? 'vi';
  const issuedAt = options.issuedAt ?? report.generatedAt;
  const model = MODEL_WORDS[lang];
  const subjectLines = lang === 'vi' ? [`Kết quả hoạt động ${model}`, subjectPeriod(report.period, lang)] : [`Results of ${model},`, subjectPeriod(report.period, lang)];
  const commune = report.commune === null ? undefined : (report.communes.find((x) => x.communeId === report.commune)?.name ?? report.commune);
  return packReport({
    lang,
    words: headingWords(options.heading, lang),
    issuedAt,
    title: subjectLines.join(' '),
    subject: commune === undefined ? subjectLines : [...subjectLines, commune],
    body: bodySections(report, lang, options.heading.wholeScope),
  });
}
