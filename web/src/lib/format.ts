/**
 * How the console writes times, numbers and durations: Vietnam time (Asia/Ho_Chi_Minh) whatever the browser's zone,
 * dd/mm/yyyy dates, vi-VN or en-GB numbers. Pure functions of their arguments (the clock is passed in).
 */
import type { Lang } from './types.js';

export const VN_ZONE = 'Asia/Ho_Chi_Minh';
const VN_OFFSET_MS = 7 * 3600_000;

const locale = (lang: Lang): string => (lang === 'vi' ? 'vi-VN' : 'en-GB');

/**
 * Intl formatters cost far more to build than to use, and the overview formats a time for each of hundreds of rows:
 * each formatter is built once per language and kept (they hold no state).
 */
function cached<F>(make: (lang: Lang) => F): (lang: Lang) => F {
  const made = new Map<Lang, F>();
  return (lang) => {
    let f = made.get(lang);
    if (f === undefined) made.set(lang, (f = make(lang)));
    return f;
  };
}

const dateFormat = cached((lang) => new Intl.DateTimeFormat(locale(lang), { timeZone: VN_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }));
const timeFormat = cached((lang) => new Intl.DateTimeFormat(locale(lang), { timeZone: VN_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
const relativeFormat = cached((lang) => new Intl.RelativeTimeFormat(locale(lang), { numeric: 'auto' }));

/** dd/mm/yyyy of a Unix time (seconds), in Vietnam. */
export function fmtDate(unixS: number, lang: Lang): string {
  return dateFormat(lang).format(unixS * 1000);
}

/** HH:mm (24 h) of a Unix time (seconds), in Vietnam. */
export function fmtTime(unixS: number, lang: Lang): string {
  return timeFormat(lang).format(unixS * 1000);
}

/** HH:mm dd/mm/yyyy. */
export function fmtDateTime(unixS: number, lang: Lang): string {
  return `${fmtTime(unixS, lang)} ${fmtDate(unixS, lang)}`;
}

export function fmtNumber(n: number, lang: Lang, fractionDigits = 0): string {
  return new Intl.NumberFormat(locale(lang), { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(n);
}

/** "3 phút trước" / "3 minutes ago"; `nowMs` is the clock's reading. */
export function fmtRelative(unixS: number, nowMs: number, lang: Lang): string {
  const diffS = Math.round(unixS - nowMs / 1000);
  const abs = Math.abs(diffS);
  const rtf = relativeFormat(lang);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(diffS / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(diffS / 3600), 'hour');
  return rtf.format(Math.round(diffS / 86_400), 'day');
}

/** 1 h 05 min / 3 min 20 s: a play's or a period's length. */
export function fmtDuration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const [hu, mu, su] = lang === 'vi' ? ['giờ', 'phút', 'giây'] : ['h', 'min', 's'];
  if (h > 0) return `${h} ${hu} ${String(m).padStart(2, '0')} ${mu}`;
  if (m > 0) return `${m} ${mu}${sec > 0 ? ` ${sec} ${su}` : ''}`;
  return `${sec} ${su}`;
}

/** The Vietnam day (YYYY-MM-DD) a moment (milliseconds) falls in: what the track API's `day` takes. */
export function vnDay(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Unix seconds of 00:00 Vietnam time of a YYYY-MM-DD day, or null for anything else. */
export function vnDayStart(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (vnDay(ms - VN_OFFSET_MS) !== day) return null;
  return (ms - VN_OFFSET_MS) / 1000;
}

/**
 * The controller's messages read "tiếng Việt (English)": the part in `lang`. A message without a trailing
 * bracketed part is returned whole.
 */
export function pickLang(message: string, lang: Lang): string {
  const text = message.trim().replace(/\.$/, '');
  if (!text.endsWith(')')) return message;
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) {
      const vi = text.slice(0, i).trim();
      if (vi === '') return message;
      return lang === 'vi' ? vi : text.slice(i + 1, -1);
    }
  }
  return message;
}
