/**
 * A report as JSON: the computed figures as they are, plus the period label and the notes as sentences, and, when a
 * heading is configured, the scope's name and the words of its whole-scope figures (`scope`, absent otherwise).
 */
import type { ReportHeading } from './heading.js';
import { periodLabel, type Lang } from './period.js';
import type { Report } from './report.js';
import { noteText } from './text.js';

export function renderJson(report: Report, lang: Lang = 'vi', heading?: ReportHeading): string {
  const out = {
    ...report,
    lang,
    periodLabel: periodLabel(report.period, lang),
    notes: report.notes.map((n) => ({ ...n, text: noteText(n, lang) })),
    ...(heading === undefined || heading.legacy ? {} : { scope: { name: heading.scopeName, whole: heading.wholeScope[lang] } }),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
