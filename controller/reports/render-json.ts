/** A report as JSON: the computed figures as they are, plus the period label and the notes as sentences. */
import { periodLabel, type Lang } from './period.js';
import type { Report } from './report.js';
import { noteText } from './text.js';

export function renderJson(report: Report, lang: Lang = 'vi'): string {
  const out = {
    ...report,
    lang,
    periodLabel: periodLabel(report.period, lang),
    notes: report.notes.map((n) => ({ ...n, text: noteText(n, lang) })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
