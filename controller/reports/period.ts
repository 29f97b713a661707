/**
 * Vietnam time (Asia/Ho_Chi_Minh, a fixed UTC+7 with no summer time) for the whole controller: local day numbers,
 * `YYYY-MM-DD` days, dd/mm/yyyy dates. And report periods: `2026-11` (a month), `2026-Q4` (a quarter), `2026-H2` (a
 * half-year), `2026` (a year), as the half-open interval [start, end) of Unix seconds, with the labels a report prints.
 */

export type Lang = 'vi' | 'en';

/** Vietnam's offset from UTC, seconds. Asia/Ho_Chi_Minh has had no daylight saving time since 1975. */
export const VN_OFFSET_S = 7 * 3600;
export const DAY_S = 86_400;

export type PeriodKind = 'month' | 'quarter' | 'half' | 'year';

export interface Period {
  /** The text it was parsed from, normalised (`2026-Q4`). */
  readonly id: string;
  readonly kind: PeriodKind;
  readonly year: number;
  /** Month 1–12, quarter 1–4, half 1–2; 1 for a year. */
  readonly index: number;
  /** First second of the period (00:00 Vietnam time of its first day), Unix seconds. */
  readonly start: number;
  /** First second after the period, Unix seconds. */
  readonly end: number;
  /** Number of days in the period. */
  readonly days: number;
}

/** A period text that is none of the accepted forms. */
export class InvalidPeriodError extends Error {
  readonly code = 'invalid-period';
  constructor(readonly value: string, lang: Lang = 'vi') {
    super(
      lang === 'vi'
        ? `Kỳ báo cáo không hợp lệ: ${JSON.stringify(value)}. Hãy dùng một trong các dạng: 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng), 2026 (năm).`
        : `invalid report period ${JSON.stringify(value)}: use one of 2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half-year), 2026 (year)`,
    );
    this.name = 'InvalidPeriodError';
  }
}

const FORM = /^(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])|[Hh]([12])))?$/;

/** Unix seconds of 00:00 Vietnam time on the first day of `month` (1-based, may be 13) of `year`. */
export function vnMonthStart(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) / 1000 - VN_OFFSET_S;
}

/** Parses a period text; throws {@link InvalidPeriodError} (message in `lang`) for anything else. */
export function parsePeriod(value: string, lang: Lang = 'vi'): Period {
  const m = FORM.exec(value.trim());
  if (m === null) throw new InvalidPeriodError(value, lang);
  const year = Number(m[1]);
  if (year < 1970) throw new InvalidPeriodError(value, lang);
  let kind: PeriodKind;
  let index: number;
  let firstMonth: number;
  let months: number;
  if (m[2] !== undefined) {
    kind = 'month';
    index = Number(m[2]);
    if (index < 1 || index > 12) throw new InvalidPeriodError(value, lang);
    [firstMonth, months] = [index, 1];
  } else if (m[3] !== undefined) {
    kind = 'quarter';
    index = Number(m[3]);
    [firstMonth, months] = [3 * index - 2, 3];
  } else if (m[4] !== undefined) {
    kind = 'half';
    index = Number(m[4]);
    [firstMonth, months] = [6 * index - 5, 6];
  } else {
    kind = 'year';
    index = 1;
    [firstMonth, months] = [1, 12];
  }
  const start = vnMonthStart(year, firstMonth);
  const end = vnMonthStart(year, firstMonth + months);
  const id = kind === 'month' ? `${year}-${String(index).padStart(2, '0')}` : kind === 'quarter' ? `${year}-Q${index}` : kind === 'half' ? `${year}-H${index}` : `${year}`;
  return { id, kind, year, index, start, end, days: (end - start) / DAY_S };
}

const ROMAN = ['I', 'II', 'III', 'IV'] as const;
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "Tháng 11 năm 2026", "Quý IV năm 2026", "6 tháng cuối năm 2026", "Năm 2026" — or the English. */
export function periodLabel(p: Period, lang: Lang): string {
  switch (p.kind) {
    case 'month':
      return lang === 'vi' ? `Tháng ${p.index} năm ${p.year}` : `${MONTHS_EN[p.index - 1]} ${p.year}`;
    case 'quarter':
      return lang === 'vi' ? `Quý ${ROMAN[p.index - 1]} năm ${p.year}` : `Q${p.index} ${p.year}`;
    case 'half':
      return lang === 'vi'
        ? `6 tháng ${p.index === 1 ? 'đầu' : 'cuối'} năm ${p.year}`
        : `${p.index === 1 ? 'First' : 'Second'} half of ${p.year}`;
    case 'year':
      return lang === 'vi' ? `Năm ${p.year}` : `Year ${p.year}`;
  }
}

/** The local (Vietnam) day number of a Unix time: days since 1970-01-01 in UTC+7. */
export function vnDay(unixSeconds: number): number {
  return Math.floor((unixSeconds + VN_OFFSET_S) / DAY_S);
}

/** Unix seconds of 00:00 (Vietnam time) of a local day number ({@link vnDay}). */
export const dayStart = (day: number): number => day * DAY_S - VN_OFFSET_S;

/** A Vietnam day named `YYYY-MM-DD`, and its Unix seconds [start, end). */
export interface VnDayRange {
  readonly day: string;
  readonly start: number;
  readonly end: number;
}

/** The range of a `YYYY-MM-DD` Vietnam day, or undefined when the text is not a real date (from 1970 on). */
export function vnDayRange(day: string): VnDayRange | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || y < 1970) return undefined;
  const start = utc / 1000 - VN_OFFSET_S;
  return { day, start, end: start + DAY_S };
}

/** dd/mm/yyyy of a Unix time, Vietnam time. */
export function vnDate(unixSeconds: number): string {
  const { dd, mm, year } = vnDateParts(unixSeconds);
  return `${dd}/${mm}/${year}`;
}

/** The day, month and year of a Unix time in Vietnam time; `dd` and `mm` are the day and month as two digits. */
export function vnDateParts(unixSeconds: number): { day: number; month: number; year: number; dd: string; mm: string } {
  const d = new Date((unixSeconds + VN_OFFSET_S) * 1000);
  const [day, month] = [d.getUTCDate(), d.getUTCMonth() + 1];
  return { day, month, year: d.getUTCFullYear(), dd: String(day).padStart(2, '0'), mm: String(month).padStart(2, '0') };
}
