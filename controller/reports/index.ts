/** Periodic reports (báo cáo tháng / quý / 6 tháng / năm): parse a period, compute the figures, render them. */
export * from './period.js';
export type * from './report.js';
export { computeReport, UnknownCommuneError, type ReportOptions } from './compute.js';
export { renderCsv } from './render-csv.js';
export { renderHtml, type HtmlOptions } from './render-html.js';
export { renderJson } from './render-json.js';
export { generateFleet, type GenerateOptions, type GenerateSummary } from './generate.js';
