/**
 * What a person types about a clip (priority, targets, validity dates, as text), turned into the workflow's
 * {@link ClipDetails}. One copy for `loa content add` (dates dd/mm/yyyy [HH:MM]) and the console's API (dates
 * YYYY-MM-DD), so both refuse the same things with the same bilingual messages.
 */
import { PRIORITIES, TARGET_KINDS, type Priority, type Target, type TargetKind } from '../../protocol/index.js';
import { vnDayRange, VN_OFFSET_S } from '../reports/period.js';
import { both, ContentError } from './errors.js';
import type { ClipDetails } from './workflow.js';

/** A clip's details as text, before parsing. */
export interface ClipInput {
  title: string;
  summary?: string | undefined;
  language?: string | undefined;
  category?: string | undefined;
  priority?: string | undefined;
  /** `district`, `commune:ID`, `team:ID`, `unit:ID`; none = the whole district. */
  targets?: readonly string[] | undefined;
  validFrom?: string | undefined;
  validUntil?: string | undefined;
}

/**
 * How the dates are written and what the two date fields are called where the person typed them (`--from` on the
 * command line, `from` in a query, `validFrom` in a JSON body): messages name the field as they know it.
 */
export interface DateFields {
  form: 'dd/mm/yyyy' | 'yyyy-mm-dd';
  from: string;
  until: string;
}

/** `dd/mm/yyyy` or `dd/mm/yyyy HH:MM`, Vietnam time, to Unix seconds; a bare date is its start, or its end with `endOfDay`. */
export function parseVnDate(name: string, text: string, endOfDay = false): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text.trim());
  const bad = (): ContentError =>
    new ContentError('bad-field', both(`${name} phải có dạng dd/mm/yyyy hoặc dd/mm/yyyy HH:MM, nhận "${text}"`, `${name} must be dd/mm/yyyy or dd/mm/yyyy HH:MM, got "${text}"`));
  if (!m) throw bad();
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute] = m[4] === undefined ? (endOfDay ? [23, 59] : [0, 0]) : [Number(m[4]), Number(m[5])];
  const utc = Date.UTC(year, month - 1, day, hour, minute, endOfDay && m[4] === undefined ? 59 : 0);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1 || hour > 23 || minute > 59) throw bad();
  return utc / 1000 - VN_OFFSET_S;
}

/** `YYYY-MM-DD`, a Vietnam day, to Unix seconds: its first second, or with `endOfDay` its last (as {@link parseVnDate}). */
export function parseIsoDay(name: string, text: string, endOfDay = false): number {
  const day = vnDayRange(text.trim());
  if (!day) throw new ContentError('bad-field', both(`${name} phải có dạng YYYY-MM-DD (ngày giờ Việt Nam), nhận "${text}"`, `${name} must be a day YYYY-MM-DD (Vietnam time), got "${text}"`));
  return endOfDay ? day.end - 1 : day.start;
}

/** `district`, `commune:ID`, `team:ID`, `unit:ID` to a protocol target. */
export function parseTarget(text: string, district: string): Target {
  if (text === 'district') return { kind: 'district', id: district };
  const [kind, id] = text.split(':', 2) as [string, string | undefined];
  if (!(TARGET_KINDS as readonly string[]).includes(kind) || !id) {
    throw new ContentError('bad-field', both(`Đối tượng "${text}" không hợp lệ: dùng district, commune:ID, team:ID hoặc unit:ID`, `target "${text}" must be district, commune:ID, team:ID or unit:ID`));
  }
  return { kind: kind as TargetKind, id };
}

/** `emergency`, `priority` or `ordinary`; undefined stays undefined (the workflow's default). */
export function parsePriority(text: string | undefined): Priority | undefined {
  if (text === undefined) return undefined;
  const found = PRIORITIES.find((p) => p === text);
  if (!found) throw new ContentError('bad-field', both(`Mức ưu tiên "${text}" không hợp lệ: emergency, priority hoặc ordinary`, `priority "${text}" must be emergency, priority or ordinary`));
  return found;
}

/** A validity date in the form `fields` says; 0 (no limit) when absent. */
export function parseValidity(fields: DateFields, which: 'from' | 'until', text: string | undefined): number {
  if (text === undefined) return 0;
  const parse = fields.form === 'dd/mm/yyyy' ? parseVnDate : parseIsoDay;
  return parse(fields[which], text, which === 'until');
}

/** The workflow's details from what was typed; the workflow checks the rest (lengths, ids, until after from). */
export function clipDetails(input: ClipInput, district: string, fields: DateFields): ClipDetails {
  return {
    title: input.title,
    summary: input.summary,
    language: input.language,
    category: input.category,
    priority: parsePriority(input.priority),
    targets: (input.targets ?? []).map((x) => parseTarget(x, district)),
    validFrom: parseValidity(fields, 'from', input.validFrom),
    validUntil: parseValidity(fields, 'until', input.validUntil),
  };
}
