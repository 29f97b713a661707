/**
 * A review as an administrative document: DOCX (through reports/render-docx.ts `packReport`: header, "BÁO CÁO", the
 * subject, "Kính gửi", the body, "Nơi nhận", the signature) and a printable A4 HTML page in the same order. The body
 * is sections I–VI: the narrative as the board wrote it, the figures beside the previous period and the same period
 * last year (Δ, %), the communes, and the late records of reviews signed before. A draft says "DỰ THẢO".
 *
 * Both documents are made from one list of blocks, so they hold the same words and numbers. The same review and
 * options give the same bytes (the issue date is the review's, never the clock's).
 */
import { AlignmentType, type Paragraph, type Table } from 'docx';
import { addressLine, boardLines, headingWords, recipientLines, signerName, type ReportHeading } from '../reports/heading.js';
import { escapeHtml, REPORT_CSS } from '../reports/render-html.js';
import { grid, heading, MODEL_WORDS, packReport, para, SIZE, subjectPeriod, text, TEXT_WIDTH, dateLine } from '../reports/render-docx.js';
import { parsePeriod, periodLabel, vnDate, type Lang, type Period } from '../reports/period.js';
import { formatNumber } from '../reports/text.js';
import type { Compared, ReviewFigureSet, ReviewRecord, ReviewSection } from './types.js';

/** A piece of the body, rendered by both documents. */
type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'sub'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'draft'; text: string }
  | { kind: 'table'; rows: string[][]; firstWidth: number; boldLast: boolean };

/** The rows of the figures table: name in each language, decimals. */
const FIGURES: readonly { key: keyof ReviewFigureSet; vi: string; en: string; digits: number }[] = [
  { key: 'units', vi: 'Số xe loa', en: 'Carts', digits: 0 },
  { key: 'broadcastHours', vi: 'Giờ phát thanh', en: 'Broadcast hours', digits: 1 },
  { key: 'plays', vi: 'Số lượt phát', en: 'Plays', digits: 0 },
  { key: 'sessions', vi: 'Số buổi phát', en: 'Sessions', digits: 0 },
  { key: 'km', vi: 'Quãng đường (km)', en: 'Distance (km)', digits: 1 },
  { key: 'activeUnitDays', vi: 'Số ngày xe hoạt động', en: 'Active cart-days', digits: 0 },
  { key: 'communesReached', vi: 'Số xã đã đến', en: 'Communes reached', digits: 0 },
  { key: 'faults', vi: 'Số lỗi thiết bị', en: 'Faults', digits: 0 },
  { key: 'offlineDays', vi: 'Số ngày xe mất kết nối', en: 'Cart-days offline', digits: 0 },
  { key: 'activities', vi: 'Số hoạt động của các tổ (đã xác nhận)', en: 'Team activities (confirmed)', digits: 0 },
  { key: 'peopleReached', vi: 'Số lượt người được tuyên truyền', en: 'People reached', digits: 0 },
  { key: 'membersTakingPart', vi: 'Số thành viên tham gia', en: 'Members taking part', digits: 0 },
  { key: 'membersTrained', vi: 'Số thành viên được tập huấn', en: 'Members trained', digits: 0 },
  { key: 'policeTips', vi: 'Số tin báo cho cơ quan Công an', en: 'Tips to the police', digits: 0 },
];

const signed = (x: number, lang: Lang, digits: number): string => (x > 0 ? '+' : '') + formatNumber(x, lang, digits);
const percent = (x: number | null, lang: Lang): string => (x === null ? '' : signed(x, lang, 1));

/** "Kết quả thực hiện mô hình … tháng 11/2026", "Sơ kết 6 tháng đầu năm 2026 …", "Tổng kết năm 2026 …". */
export function reviewSubject(p: Period, lang: Lang): string[] {
  const model = MODEL_WORDS[lang];
  if (lang === 'en') {
    const what = p.kind === 'half' ? 'Half-year review' : p.kind === 'year' ? 'Annual review' : 'Results';
    return [`${what} of ${model},`, periodLabel(p, lang)];
  }
  if (p.kind === 'half') return [`Sơ kết ${subjectPeriod(p, lang)}`, `thực hiện ${model}`];
  if (p.kind === 'year') return [`Tổng kết ${subjectPeriod(p, lang)}`, `thực hiện ${model}`];
  return [`Kết quả thực hiện ${model}`, subjectPeriod(p, lang)];
}

/** Narrative sections as the document numbers them (tồn tại and nguyên nhân share III). */
const PARTS: readonly { roman: string; vi: string; en: string; sections: ReviewSection[] }[] = [
  { roman: 'I', vi: 'TÌNH HÌNH', en: 'SITUATION', sections: ['situation'] },
  { roman: 'II', vi: 'KẾT QUẢ THỰC HIỆN', en: 'RESULTS', sections: ['results'] },
  { roman: 'III', vi: 'TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN', en: 'SHORTCOMINGS AND THEIR CAUSES', sections: ['shortcomings', 'causes'] },
  { roman: 'IV', vi: 'BÀI HỌC KINH NGHIỆM', en: 'LESSONS LEARNED', sections: ['lessons'] },
  { roman: 'V', vi: 'PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI', en: 'DIRECTIONS AND TASKS AHEAD', sections: ['directions'] },
  { roman: 'VI', vi: 'ĐỀ XUẤT, KIẾN NGHỊ', en: 'PROPOSALS', sections: ['proposals'] },
];

const paragraphs = (t: string): Block[] => t.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => ({ kind: 'text', text: l }));

/** The body of a review as blocks. */
export function reviewBlocks(r: ReviewRecord, lang: Lang): Block[] {
  const vi = lang === 'vi';
  const out: Block[] = [];
  if (r.status === 'draft') out.push({ kind: 'draft', text: vi ? `DỰ THẢO (phiên bản ${r.version})` : `DRAFT (version ${r.version})` });
  for (const part of PARTS) {
    out.push({ kind: 'heading', text: `${part.roman}. ${part[lang]}` });
    if (part.sections.includes('causes')) {
      out.push({ kind: 'sub', text: vi ? '1. Tồn tại, hạn chế' : '1. Shortcomings' }, ...paragraphs(r.sections.shortcomings));
      out.push({ kind: 'sub', text: vi ? '2. Nguyên nhân' : '2. Causes' }, ...paragraphs(r.sections.causes));
      continue;
    }
    out.push(...paragraphs(r.sections[part.sections[0]!]));
    if (part.roman === 'II') out.push(...figureBlocks(r, lang));
  }
  return out;
}

function figureBlocks(r: ReviewRecord, lang: Lang): Block[] {
  const vi = lang === 'vi';
  const d = r.data;
  const label = (id: string): string => periodLabel(parsePeriod(id), lang);
  const out: Block[] = [{ kind: 'sub', text: vi ? 'Bảng số liệu so sánh' : 'The figures compared' }];
  const head = [vi ? 'Chỉ tiêu' : 'Figure', label(d.period), label(d.previousPeriod), 'Δ', '%', label(d.lastYearPeriod), 'Δ', '%'];
  const row = (f: (typeof FIGURES)[number], c: Compared): string[] => [
    f[lang], formatNumber(c.value, lang, f.digits), formatNumber(c.previous, lang, f.digits), signed(c.deltaPrevious, lang, f.digits), percent(c.percentPrevious, lang),
    formatNumber(c.lastYear, lang, f.digits), signed(c.deltaLastYear, lang, f.digits), percent(c.percentLastYear, lang),
  ];
  out.push({ kind: 'table', rows: [head, ...FIGURES.map((f) => row(f, d.totals[f.key]))], firstWidth: 2600, boldLast: false });
  if (d.regroupedAcrossMerger) {
    out.push({ kind: 'text', text: vi ? 'Số liệu các kỳ trước được tổng hợp theo các xã hiện nay (các xã cũ đã sáp nhập được cộng vào xã mới).' : "Earlier periods are regrouped onto today's communes (former communes added into the one they merged into)." });
  }

  out.push({ kind: 'sub', text: vi ? 'Kết quả theo từng xã' : 'By commune' });
  const communeHead = vi
    ? ['Xã', 'Giờ phát thanh', '% so với kỳ trước', 'Lượt phát', 'Km', 'Ngày mất kết nối', 'Lỗi', 'Hoạt động', 'Lượt người', 'Tin báo']
    : ['Commune', 'Broadcast hours', '% on previous', 'Plays', 'Km', 'Days offline', 'Faults', 'Activities', 'People reached', 'Tips'];
  const communeRow = (name: string, f: ReviewFigureSet): string[] => [
    name, formatNumber(f.broadcastHours.value, lang, 1), percent(f.broadcastHours.percentPrevious, lang), formatNumber(f.plays.value, lang), formatNumber(f.km.value, lang, 1),
    formatNumber(f.offlineDays.value, lang), formatNumber(f.faults.value, lang), formatNumber(f.activities.value, lang), formatNumber(f.peopleReached.value, lang), formatNumber(f.policeTips.value, lang),
  ];
  const rows = d.communes.map((c) => communeRow(c.name, c.figures));
  rows.push(communeRow(vi ? 'Cộng' : 'Total', d.totals));
  out.push({ kind: 'table', rows: [communeHead, ...rows], firstWidth: 1900, boldLast: true });

  out.push({ kind: 'sub', text: vi ? 'Số liệu đến muộn của các kỳ đã ký' : 'Late records of signed periods' });
  if (d.lateNotes.length === 0) {
    out.push({ kind: 'text', text: vi ? 'Không có số liệu đến muộn của các kỳ đã ký ban hành.' : 'No late records of the periods already signed.' });
    return out;
  }
  out.push({ kind: 'text', text: vi ? 'Các số liệu sau đến hoặc được xác nhận sau khi báo cáo kỳ đó đã ký ban hành; báo cáo đã ký giữ nguyên, phần chênh lệch được ghi nhận tại đây.' : 'These records arrived or were confirmed after the review of their period was signed; the signed review stays as it is, the difference is recorded here.' });
  const lateHead = vi ? ['Kỳ', 'Ngày ký', 'Lượt phát', 'Giờ phát thanh', 'Hoạt động', 'Lượt người'] : ['Period', 'Signed', 'Plays', 'Broadcast hours', 'Activities', 'People reached'];
  const late = d.lateNotes.map((n) => [label(n.period), vnDate(n.finalisedAt), signed(n.plays, lang, 0), signed(n.broadcastHours, lang, 1), signed(n.activities, lang, 0), signed(n.peopleReached, lang, 0)]);
  out.push({ kind: 'table', rows: [lateHead, ...late], firstWidth: 2200, boldLast: false });
  return out;
}

/** The date the document is issued on: the signing for a final review, the computing of the figures for a draft. */
const issueTime = (r: ReviewRecord): number => r.finalisedAt ?? r.data.computedAt;

function subjectOf(r: ReviewRecord, lang: Lang): string[] {
  const lines = reviewSubject(parsePeriod(r.period), lang);
  return r.data.communeName === null ? lines : [...lines, r.data.communeName];
}

function docxBlock(b: Block): Paragraph | Table {
  switch (b.kind) {
    case 'heading':
      return heading(b.text);
    case 'sub':
      return para(b.text, { bold: true, italics: true, before: 120, after: 60, firstLine: 567, keepNext: true });
    case 'text':
      return text(b.text);
    case 'draft':
      return para(b.text, { bold: true, align: AlignmentType.CENTER, after: 120 });
    case 'table': {
      const others = b.rows[0]!.length - 1;
      const each = Math.floor((TEXT_WIDTH - b.firstWidth) / others);
      const widths = [TEXT_WIDTH - each * others, ...Array.from({ length: others }, () => each)];
      return grid(b.rows, widths, (c) => c > 0, b.boldLast, { size: others > 6 ? SIZE.table - 4 : SIZE.table - 2, cellMargin: 60 });
    }
  }
}

/** The review as a DOCX administrative document. */
export async function renderReviewDocx(r: ReviewRecord, o: { lang: Lang; heading: ReportHeading; issuedAt?: number }): Promise<Buffer> {
  const subject = subjectOf(r, o.lang);
  return packReport({
    lang: o.lang,
    words: headingWords(o.heading, o.lang),
    issuedAt: o.issuedAt ?? issueTime(r),
    title: subject.join(' '),
    subject,
    body: reviewBlocks(r, o.lang).map(docxBlock),
  });
}

const REVIEW_CSS = `${REPORT_CSS}
.draft { text-align: center; font-weight: bold; border: 2px solid #000; padding: 2pt; margin: 6pt auto; width: 60%; }
h4 { font-size: 13pt; font-style: italic; margin: 8pt 0 4pt; }
p.t { text-indent: 1cm; text-align: justify; margin: 0 0 4pt; }
`;

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h2>${escapeHtml(b.text)}</h2>`;
    case 'sub':
      return `<h4>${escapeHtml(b.text)}</h4>`;
    case 'text':
      return `<p class="t">${escapeHtml(b.text)}</p>`;
    case 'draft':
      return `<p class="draft">${escapeHtml(b.text)}</p>`;
    case 'table': {
      const [head, ...rows] = b.rows;
      const th = `<tr>${head!.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const trs = rows.map((cells, i) => `<tr${b.boldLast && i === rows.length - 1 ? ' class="sum"' : ''}>${cells.map((c, j) => `<td${j > 0 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
      return `<table class="data">${th}${trs.join('')}</table>`;
    }
  }
}

/** The review as a printable A4 HTML page. */
export function renderReviewHtml(r: ReviewRecord, o: { lang: Lang; heading: ReportHeading }): string {
  const { lang } = o;
  const vi = lang === 'vi';
  const w = headingWords(o.heading, lang);
  const subject = subjectOf(r, lang);
  const lines = (xs: string[]): string => xs.map(escapeHtml).join('<br>');
  const p: string[] = [];
  p.push(`<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8">`);
  p.push(`<title>${escapeHtml(subject.join(' '))}</title><style>${REVIEW_CSS}</style></head><body>`);
  p.push(`<table class="head"><tr><td class="body">${w.issuers.length > 0 ? `${lines(w.issuers)}<br>` : ''}<b>${lines(boardLines(w))}</b></td>`);
  p.push(`<td class="motto">${vi ? 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' : 'SOCIALIST REPUBLIC OF VIETNAM'}<br><span>${vi ? 'Độc lập - Tự do - Hạnh phúc' : 'Independence - Freedom - Happiness'}</span></td></tr></table>`);
  p.push(`<p class="date">${escapeHtml(dateLine(w.place, issueTime(r), lang))}</p>`);
  p.push(`<h1>${vi ? 'BÁO CÁO' : 'REPORT'}<br>${lines(subject)}</h1>`);
  p.push(`<p style="text-align: center">${escapeHtml(addressLine(w, lang))}</p>`);
  p.push(...reviewBlocks(r, lang).map(htmlBlock));
  const name = escapeHtml(signerName(w, lang));
  p.push(`<table class="sign"><tr><td class="left"><b><i>${vi ? 'Nơi nhận:' : 'Recipients:'}</i></b>${recipientLines(w).map((x) => `<br>${escapeHtml(x)}`).join('')}</td>`);
  p.push(`<td class="right">${escapeHtml(w.signer.for)}<br>${escapeHtml(w.signer.title)}<br><br><br><br>${name}</td></tr></table>`);
  p.push('</body></html>\n');
  return p.join('\n');
}
