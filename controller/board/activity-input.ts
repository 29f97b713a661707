/**
 * What a person types about an activity, turned into an {@link ActivityInput}: the API's JSON body (`date:
 * 'YYYY-MM-DD'`, `time: 'HH:MM'`, numbers as numbers), the CLI's options (everything as text, `--member` repeated or
 * "1,2,3") and the console's form give the same fields, so all three are refused with the same messages.
 * {@link activityInput} checks the form of each field only; the ranges and lengths ({@link checkActivityFields}) and
 * the registry (activities.ts) are checked by the activity log itself, whoever calls it.
 */
import { both } from '../content/errors.js';
import { VN_OFFSET_S } from '../reports/period.js';
import { BoardError } from './errors.js';
import { ACTIVITY_KINDS, type ActivityInput, type ActivityKind } from './types.js';

export type Lang = 'vi' | 'en';

/** Most characters of a place (village / hamlet) and of a note. */
export const MAX_PLACE = 200;
export const MAX_NOTE = 2000;
/** Most people reached by one activity: more is a typing mistake. */
export const MAX_PEOPLE = 100_000;
/** The model began in 2021: an activity dated earlier is a typing mistake. */
export const EARLIEST_AT = Date.UTC(2021, 0, 1) / 1000 - VN_OFFSET_S;
/** An activity may be dated up to a day ahead (recorded the evening before, a clock a little off), not more. */
export const AHEAD_S = 86_400;

/** The message of a bad field: Vietnamese with the English after it, or only the English with lang 'en'. */
export function fieldError(lang: Lang, field: string, vi: string, en: string): BoardError {
  const text = { vi: `Trường ${field}: ${vi}`, en: `${field}: ${en}` };
  return new BoardError('bad-field', lang === 'en' ? text.en : both(text.vi, text.en));
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The language of the messages, and how the person knows each field (`--people` on the command line). */
interface Ctx {
  lang: Lang;
  names: FieldNames;
}

/** How the fields are called where they were typed, for the messages; the field's own name when absent. */
export type FieldNames = Partial<Record<keyof ActivityInput | 'date' | 'time', string>>;

function bad(c: Ctx, field: keyof FieldNames, vi: string, en: string): BoardError {
  return fieldError(c.lang, c.names[field] ?? field, vi, en);
}

function required(fields: Record<string, unknown>, name: 'kind' | 'date' | 'commune' | 'team', c: Ctx, form: { vi: string; en: string }): string {
  const v = text(fields[name]);
  if (v === undefined) throw bad(c, name, `cần ${form.vi}`, `give ${form.en}`);
  return v;
}

/** `YYYY-MM-DD` or `dd/mm/yyyy` → [year, month, day], a real calendar day; undefined otherwise. */
export function parseDay(value: string): [number, number, number] | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const parts = iso ? [iso[1], iso[2], iso[3]] : vn ? [vn[3], vn[2], vn[1]] : undefined;
  if (parts === undefined) return undefined;
  const [y, m, d] = parts.map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return [y, m, d];
}

/** A day typed as `YYYY-MM-DD` or `dd/mm/yyyy` → `YYYY-MM-DD`; `bad-field` naming `field` otherwise. */
export function dayText(value: unknown, field: string, lang: Lang = 'vi'): string {
  const v = text(value);
  const day = v === undefined ? undefined : parseDay(v);
  if (day === undefined) {
    throw fieldError(lang, field, `cần một ngày dạng YYYY-MM-DD hoặc dd/mm/yyyy, nhận ${JSON.stringify(value ?? '')}`, `must be a day YYYY-MM-DD or dd/mm/yyyy, got ${JSON.stringify(value ?? '')}`);
  }
  return `${day[0]}-${String(day[1]).padStart(2, '0')}-${String(day[2]).padStart(2, '0')}`;
}

/** Date and time (Vietnam time, default 08:00) → Unix seconds. */
function when(fields: Record<string, unknown>, c: Ctx): number {
  const date = required(fields, 'date', c, { vi: 'ngày diễn ra (YYYY-MM-DD hoặc dd/mm/yyyy)', en: 'the day it took place (YYYY-MM-DD or dd/mm/yyyy)' });
  const [y, mo, d] = dayText(date, c.names.date ?? 'date', c.lang).split('-').map(Number) as [number, number, number];
  const time = text(fields.time) ?? '08:00';
  const t = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59) {
    throw bad(c, 'time', `cần giờ dạng HH:MM (giờ Việt Nam), nhận ${JSON.stringify(time)}`, `must be HH:MM (Vietnam time), got ${JSON.stringify(time)}`);
  }
  return Date.UTC(y, mo - 1, d, Number(t[1]), Number(t[2])) / 1000 - VN_OFFSET_S;
}

/** A number given as a number or as text; `whole` wants an integer. */
function numberOf(value: unknown, field: 'peopleReached' | 'lat' | 'lon', c: Ctx, whole: boolean): number | undefined {
  const v = text(value);
  if (v === undefined) return undefined;
  const asText = whole ? /^\d+$/.test(v) : /^-?\d+(\.\d+)?$/.test(v);
  const n = typeof value === 'number' ? value : asText ? Number(v) : NaN;
  if (!Number.isFinite(n) || (whole && (!Number.isInteger(n) || n < 0))) {
    const [vi, en] = whole ? ['một số nguyên không âm', 'a whole number, 0 or more'] : ['một số thập phân (dấu chấm, ví dụ 19.9005)', 'a decimal number (e.g. 19.9005)'];
    throw bad(c, field, `cần ${vi}, nhận ${JSON.stringify(value)}`, `must be ${en}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Member ids as a number[], digit texts, or "1,2,3" (also repeated, as `--member 1 --member 2,3`). */
function memberIds(value: unknown, c: Ctx): number[] {
  if (value === undefined || value === null || value === '') return [];
  const items = (Array.isArray(value) ? (value as unknown[]) : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
  return items
    .filter((v) => !(typeof v === 'string' && v.trim() === ''))
    .map((v) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 1) {
        throw bad(c, 'members', `cần mã thành viên là số (ví dụ 1,2,3), nhận ${JSON.stringify(v)}`, `must be member ids as numbers (e.g. 1,2,3), got ${JSON.stringify(v)}`);
      }
      return n;
    });
}

function kindOf(fields: Record<string, unknown>, c: Ctx): ActivityKind {
  const kinds = ACTIVITY_KINDS.join(', ');
  const v = required(fields, 'kind', c, { vi: `loại hoạt động (${kinds})`, en: `the kind (${kinds})` });
  const kind = ACTIVITY_KINDS.find((k) => k === v);
  if (kind === undefined) throw bad(c, 'kind', `cần một trong ${kinds}, nhận ${JSON.stringify(v)}`, `must be one of ${kinds}, got ${JSON.stringify(v)}`);
  return kind;
}

/**
 * The activity typed in `fields` (kind, date, time, commune, team, place, lat, lon, members, peopleReached, note).
 * Throws `BoardError('bad-field')` naming the field (as `names` calls it, default its own name) and the form it accepts.
 */
export function activityInput(fields: Record<string, unknown>, lang: Lang = 'vi', names: FieldNames = {}): ActivityInput {
  const c: Ctx = { lang, names };
  const kind = kindOf(fields, c);
  const at = when(fields, c);
  const commune = required(fields, 'commune', c, { vi: 'mã xã (ví dụ dan-luc)', en: 'the commune id (e.g. dan-luc)' });
  const team = required(fields, 'team', c, { vi: 'mã tổ tuyên truyền', en: 'the team id' });
  const people = numberOf(fields.peopleReached, 'peopleReached', c, true);
  if (people === undefined) throw bad(c, 'peopleReached', 'cần số người được tuyên truyền (số nguyên, có thể là 0)', 'give the number of people reached (a whole number, 0 allowed)');
  const input: ActivityInput = { kind, at, commune, team, peopleReached: people, members: memberIds(fields.members, c) };
  const place = text(fields.place);
  const note = text(fields.note);
  const lat = numberOf(fields.lat, 'lat', c, false);
  const lon = numberOf(fields.lon, 'lon', c, false);
  if (place !== undefined) input.place = place;
  if (note !== undefined) input.note = note;
  if (lat !== undefined) input.lat = lat;
  if (lon !== undefined) input.lon = lon;
  return input;
}

/**
 * The checks of an activity that need no database: kind, time window, people, point, lengths. Returns the input
 * with its texts trimmed and its optional fields filled. `now` is the clock, Unix seconds.
 */
export function checkActivityFields(input: ActivityInput, now: number, lang: Lang = 'vi'): Required<ActivityInput> {
  if (!ACTIVITY_KINDS.includes(input.kind)) {
    throw fieldError(lang, 'kind', `cần một trong ${ACTIVITY_KINDS.join(', ')}`, `must be one of ${ACTIVITY_KINDS.join(', ')}`);
  }
  if (!Number.isInteger(input.at) || input.at < EARLIEST_AT) {
    throw fieldError(lang, 'date', 'ngày diễn ra phải từ 01/01/2021 trở đi: kiểm tra lại năm', 'the day must be 01/01/2021 or later: check the year');
  }
  if (input.at > now + AHEAD_S) {
    throw fieldError(lang, 'date', 'ngày giờ diễn ra ở quá xa trong tương lai (quá 1 ngày): ghi hoạt động sau khi đã diễn ra', 'is more than a day ahead: record an activity once it has taken place');
  }
  if (!Number.isInteger(input.peopleReached) || input.peopleReached < 0 || input.peopleReached > MAX_PEOPLE) {
    throw fieldError(lang, 'peopleReached', `cần số nguyên từ 0 đến ${MAX_PEOPLE}, nhận ${input.peopleReached}`, `must be a whole number from 0 to ${MAX_PEOPLE}, got ${input.peopleReached}`);
  }
  const [lat, lon] = checkPoint(input.lat ?? null, input.lon ?? null, lang);
  const place = checkLength(input.place, 'place', MAX_PLACE, lang);
  const note = checkLength(input.note, 'note', MAX_NOTE, lang);
  const commune = (input.commune ?? '').trim();
  const team = (input.team ?? '').trim();
  return { ...input, commune, team, place, note, lat, lon, members: input.members ?? [] };
}

function checkPoint(lat: number | null, lon: number | null, lang: Lang): [number | null, number | null] {
  if ((lat === null) !== (lon === null)) throw fieldError(lang, 'lat/lon', 'cần cả vĩ độ và kinh độ, hoặc bỏ trống cả hai', 'give both latitude and longitude, or neither');
  if (lat === null || lon === null) return [null, null];
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw fieldError(lang, 'lat', `vĩ độ phải từ -90 đến 90, nhận ${lat}`, `latitude must be from -90 to 90, got ${lat}`);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) throw fieldError(lang, 'lon', `kinh độ phải từ -180 đến 180, nhận ${lon}`, `longitude must be from -180 to 180, got ${lon}`);
  return [lat, lon];
}

function checkLength(value: string | undefined, field: string, max: number, lang: Lang): string {
  const v = (value ?? '').trim();
  const length = [...v].length;
  if (length > max) throw fieldError(lang, field, `tối đa ${max} ký tự, đang có ${length}: rút gọn lại`, `at most ${max} characters, got ${length}: shorten it`);
  return v;
}
