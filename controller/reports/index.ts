/** Periodic reports (báo cáo tháng / quý / 6 tháng / năm): parse a period, compute the figures, render them. */
import type { SqliteDb } from '../../lib/sqlite.js';
import { computeReport, type ReportOptions } from './compute.js';
import type { ReportHeading } from './heading.js';
import type { Lang } from './period.js';
import { renderCsv } from './render-csv.js';
import { renderDocx } from './render-docx.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';

export * from './period.js';
export type * from './report.js';
export { computeReport, UnknownCommuneError, type ReportOptions } from './compute.js';
export { renderCsv } from './render-csv.js';
export { renderDocx, type DocxOptions } from './render-docx.js';
export { renderHtml, type HtmlOptions } from './render-html.js';
export { renderJson } from './render-json.js';
export { legacyHeading, reportHeading, type ReportHeading } from './heading.js';
export { generateFleet, type GenerateOptions, type GenerateSummary } from './generate.js';

/**
 * JSON, CSV (UTF-8 with a byte-order mark, for Excel), a printable A4 HTML page, or a Word document laid out as a
 * Vietnamese administrative document (binary: never to a terminal).
 */
export const REPORT_FORMATS = ['json', 'csv', 'html', 'docx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportRequest extends Omit<ReportOptions, 'clipTitles'> {
  format: ReportFormat;
  lang: Lang;
  /** Who issues the report, to whom, where, and who signs it: `reportHeading(config)`. */
  heading: ReportHeading;
}

/** Where the report finds the clip titles (the content library fits). */
export interface ClipTitles {
  list(): Promise<readonly { id: string; title: string }[]>;
}

/** Computes a report, with the clips named by their titles, and renders it in `format`: text formats as UTF-8 bytes. */
export async function buildReport(db: SqliteDb, clips: ClipTitles, request: ReportRequest): Promise<Buffer> {
  const { format, lang, heading, ...options } = request;
  const clipTitles = new Map((await clips.list()).map((c) => [c.id, c.title]));
  const report = await computeReport(db, { ...options, clipTitles });
  switch (format) {
    case 'json':
      return Buffer.from(renderJson(report, lang, heading), 'utf8');
    case 'csv':
      return Buffer.from(renderCsv(report, lang, heading), 'utf8');
    case 'html':
      return Buffer.from(renderHtml(report, { lang, heading }), 'utf8');
    case 'docx':
      return renderDocx(report, { lang, heading });
  }
}
