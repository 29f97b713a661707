/**
 * A report as a printable A4 HTML page laid out like a Vietnamese administrative report (Nghị định 30/2020/NĐ-CP):
 * issuing body and national motto side by side, place and date, title and period, then the figures (the totals
 * of the whole scope, a table per commune with the carts as columns, plays per clip, the thi đua ranking), notes on
 * method, and the signature block; the words around the figures come from the heading (heading.ts). Every value from the database goes through {@link escapeHtml}.
 */
import { addressLine, boardLines, headingWords, recipientLines, type ReportHeading } from './heading.js';
import { periodLabel, vnDateParts, type Lang } from './period.js';
import type { Figures, Report } from './report.js';
import { COLUMNS, faultList, formatNumber, hours, noteText, SUMMARY_NOTES } from './text.js';

export interface HtmlOptions {
  lang?: Lang;
  /** Who issues the report, to whom, where, and who signs it (controller/reports/heading.ts). */
  heading: ReportHeading;
  /** The date in the date line, Unix seconds (default: when the report was computed). */
  issuedAt?: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The page's style (A4, Nghị định 30's fonts and margins); the province report adds to it. */
export const REPORT_CSS = `
@page { size: A4 portrait; margin: 20mm 15mm 20mm 30mm; }
body { font-family: "Times New Roman", Times, serif; font-size: 13pt; line-height: 1.35; color: #000; max-width: 165mm; margin: 10mm auto; }
.head { width: 100%; border-collapse: collapse; }
.head td { vertical-align: top; text-align: center; border: none; padding: 0; }
.head .body { width: 42%; font-size: 12pt; }
.head .motto { font-weight: bold; }
.head .motto span { display: inline-block; border-bottom: 1px solid #000; padding-bottom: 1px; }
.date { text-align: right; font-style: italic; margin: 8pt 0 14pt; }
h1 { text-align: center; font-size: 14pt; margin: 0; }
.period { text-align: center; font-weight: bold; margin: 2pt 0 14pt; }
h2 { font-size: 13pt; margin: 14pt 0 6pt; }
h3 { font-size: 13pt; font-style: italic; margin: 10pt 0 4pt; }
table.data { width: 100%; border-collapse: collapse; font-size: 11pt; page-break-inside: auto; }
table.data th, table.data td { border: 1px solid #000; padding: 2pt 4pt; }
table.data th { background: #eee; text-align: center; }
table.data td.n { text-align: right; white-space: nowrap; }
table.data tr.sum td { font-weight: bold; }
table.data tr { page-break-inside: avoid; }
.notes li { margin-bottom: 4pt; text-align: justify; }
.sign { width: 100%; margin-top: 18pt; border-collapse: collapse; }
.sign td { vertical-align: top; border: none; width: 50%; }
.sign .right { text-align: center; font-weight: bold; }
.sign .left { font-size: 11pt; }
@media print { body { margin: 0; max-width: none; } h2, h3 { page-break-after: avoid; } .commune { page-break-inside: avoid; } }
`;

/** The indicators as rows, one column per set of figures (carts of a commune and their total, or one total). */
function figureTable(columns: { head: string; f: Figures }[], lang: Lang): string {
  const vi = lang === 'vi';
  const head = `<tr><th>${vi ? 'Chỉ tiêu' : 'Indicator'}</th>${columns.map((c) => `<th>${escapeHtml(c.head)}</th>`).join('')}</tr>`;
  const rows = COLUMNS.map(
    (col) => `<tr><td>${escapeHtml(col[lang])}</td>${columns.map((c) => `<td class="n">${escapeHtml(col.cell(c.f, lang))}</td>`).join('')}</tr>`,
  );
  rows.push(`<tr><td>${vi ? 'Lỗi theo mã' : 'Faults by code'}</td>${columns.map((c) => `<td>${escapeHtml(faultList(c.f, lang))}</td>`).join('')}</tr>`);
  return `<table class="data">${head}${rows.join('')}</table>`;
}

/**
 * The issuing body: the bodies above the board upright, the board bold. Without a configured heading, the page's
 * words of 2021 (the board on two upright lines, the district bold), whatever the language.
 */
function issuingBody(h: ReportHeading, lang: Lang): string {
  const lines = (xs: string[]): string => xs.map(escapeHtml).join('<br>');
  if (h.legacy) return `BAN ĐIỀU HÀNH MÔ HÌNH<br>LOA THANH NIÊN VÌ AN NINH TỔ QUỐC<br><b>${lines(boardLines(h).slice(-1))}</b>`;
  const w = headingWords(h, lang);
  return `${w.issuers.length > 0 ? `${lines(w.issuers)}<br>` : ''}<b>${lines(boardLines(w))}</b>`;
}

/** "Nơi nhận" and the signature. Without a configured heading, the page's recipients of 2021 (it has no "Kính gửi"). */
function signature(h: ReportHeading, lang: Lang): string {
  const vi = lang === 'vi';
  const w = headingWords(h, lang);
  const to = h.legacy ? (vi ? ['- Công an huyện;', '- Huyện đoàn;', '- Lưu: VT.'] : ['- District police;', '- District youth union;', '- File.']) : recipientLines(w);
  // In English "To:" is the addressees' line of a configured heading; the page of 2021 had none and used it here.
  const title = vi ? 'Nơi nhận:' : h.legacy ? 'To:' : 'Recipients:';
  const name = w.signer.name === '' ? '' : `<br>${escapeHtml(w.signer.name)}`;
  return `<table class="sign"><tr><td class="left"><b><i>${title}</i></b>${to.map((r) => `<br>${escapeHtml(r)}`).join('')}</td>\n`
    + `<td class="right">${escapeHtml(w.signer.for)}<br>${escapeHtml(w.signer.title)}<br><br><br><br>${name}</td></tr></table>`;
}

export function renderHtml(report: Report, options: HtmlOptions): string {
  const lang = options.lang ?? 'vi';
  const vi = lang === 'vi';
  const issued = vnDateParts(options.issuedAt ?? report.generatedAt);
  const h = options.heading;
  const place = headingWords(h, lang).place;
  const label = periodLabel(report.period, lang);
  const total = vi ? 'Cộng' : 'Total';
  const p: string[] = [];
  p.push(`<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8">`);
  p.push(`<title>${escapeHtml(vi ? `Báo cáo ${label}` : `Report ${label}`)}</title><style>${REPORT_CSS}</style></head><body>`);
  p.push(`<table class="head"><tr><td class="body">${issuingBody(h, lang)}</td>`);
  p.push(`<td class="motto">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br><span>Độc lập - Tự do - Hạnh phúc</span></td></tr></table>`);
  p.push(`<p class="date">${escapeHtml(place)}, ngày ${issued.dd} tháng ${issued.mm} năm ${issued.year}</p>`);
  p.push(`<h1>BÁO CÁO KẾT QUẢ HOẠT ĐỘNG<br>MÔ HÌNH LOA THANH NIÊN VÌ AN NINH TỔ QUỐC</h1>`);
  p.push(`<p class="period">${escapeHtml(label)}</p>`);
  if (report.commune !== null) {
    const c = report.communes.find((x) => x.communeId === report.commune);
    p.push(`<p class="period">${escapeHtml(c?.name ?? report.commune)}</p>`);
  }
  if (!h.legacy) p.push(`<p style="text-align: center">${escapeHtml(addressLine(headingWords(h, lang), lang))}</p>`);

  p.push(`<h2>I. ${vi ? 'TỔNG HỢP CHUNG' : 'SUMMARY'}</h2>`);
  const t = report.totals;
  p.push(
    `<p>${
      vi
        ? `Trong kỳ, ${formatNumber(t.units, lang)} xe loa của ${formatNumber(report.communes.length, lang)} xã đã phát ${formatNumber(t.plays, lang)} lượt, tổng cộng ${hours(t.broadcastSeconds, lang)} giờ phát thanh trong ${formatNumber(t.sessions, lang)} buổi, đi ${formatNumber(t.km, lang, 1)} km, đến ${formatNumber(t.communesReached.length, lang)} xã.`
        : `In the period, ${formatNumber(t.units, lang)} carts of ${formatNumber(report.communes.length, lang)} communes made ${formatNumber(t.plays, lang)} plays, ${hours(t.broadcastSeconds, lang)} broadcast hours in ${formatNumber(t.sessions, lang)} sessions, travelled ${formatNumber(t.km, lang, 1)} km and reached ${formatNumber(t.communesReached.length, lang)} communes.`
    }</p>`,
  );
  for (const n of report.notes.filter((x) => SUMMARY_NOTES.includes(x.code))) p.push(`<p>${escapeHtml(noteText(n, lang))}</p>`);
  p.push(figureTable([{ head: h.wholeScope[lang], f: t }], lang));

  p.push(`<h2>II. ${vi ? 'KẾT QUẢ THEO TỪNG XÃ' : 'RESULTS BY COMMUNE'}</h2>`);
  report.communes.forEach((c, i) => {
    p.push(`<div class="commune"><h3>${i + 1}. ${escapeHtml(c.name)}</h3>`);
    const cols = c.units.map((u) => ({ head: `${vi ? 'Xe' : 'Cart'} ${u.unitId} (${u.teamName})`, f: u as Figures }));
    if (c.units.length > 1) cols.push({ head: total, f: c.totals });
    p.push(figureTable(cols, lang) + '</div>');
  });

  p.push(`<h2>III. ${vi ? 'NỘI DUNG ĐÃ PHÁT' : 'CLIPS PLAYED'}</h2>`);
  p.push(`<table class="data"><tr><th>${vi ? 'STT' : 'No.'}</th><th>${vi ? 'Nội dung' : 'Clip'}</th><th>${vi ? 'Số lượt' : 'Plays'}</th><th>${vi ? 'Số giờ' : 'Hours'}</th><th>${vi ? 'Số xe' : 'Carts'}</th></tr>`);
  report.clips.forEach((c, i) => {
    const name = c.title === null ? c.clip : `${c.title} (${c.clip})`;
    p.push(`<tr><td class="n">${i + 1}</td><td>${escapeHtml(name)}</td><td class="n">${formatNumber(c.plays, lang)}</td><td class="n">${hours(c.seconds, lang)}</td><td class="n">${formatNumber(c.units, lang)}</td></tr>`);
  });
  p.push(`<tr class="sum"><td></td><td>${total}</td><td class="n">${formatNumber(t.plays, lang)}</td><td class="n">${hours(t.broadcastSeconds, lang)}</td><td></td></tr></table>`);

  p.push(`<h2>IV. ${vi ? 'XẾP HẠNG THI ĐUA CÁC TỔ' : 'TEAM RANKING'}</h2>`);
  p.push(`<p>${vi ? 'Điểm = số giờ phát thanh × (số ngày hoạt động ÷ số ngày của kỳ đã qua).' : 'Score = broadcast hours × (active days ÷ days of the period elapsed).'}</p>`);
  p.push(`<table class="data"><tr><th>${vi ? 'Hạng' : 'Rank'}</th><th>${vi ? 'Tổ' : 'Team'}</th><th>${vi ? 'Xã' : 'Commune'}</th><th>${vi ? 'Giờ phát thanh' : 'Broadcast hours'}</th><th>${vi ? 'Ngày hoạt động' : 'Active days'}</th><th>${vi ? 'Điểm' : 'Score'}</th></tr>`);
  for (const r of report.ranking) {
    p.push(`<tr><td class="n">${r.rank}</td><td>${escapeHtml(r.teamName)}</td><td>${escapeHtml(r.communeName)}</td><td class="n">${hours(r.broadcastSeconds, lang)}</td><td class="n">${formatNumber(r.activeDays, lang)}/${formatNumber(r.daysElapsed, lang)}</td><td class="n">${formatNumber(r.score, lang, 2)}</td></tr>`);
  }
  p.push('</table>');

  p.push(`<h2>V. ${vi ? 'GHI CHÚ' : 'NOTES'}</h2><ol class="notes">`);
  for (const n of report.notes.filter((x) => !SUMMARY_NOTES.includes(x.code))) p.push(`<li>${escapeHtml(noteText(n, lang))}</li>`);
  p.push('</ol>');

  p.push(signature(h, lang));
  p.push('</body></html>\n');
  return p.join('\n');
}
