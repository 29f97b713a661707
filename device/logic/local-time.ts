/**
 * Local time of the district: Asia/Ho_Chi_Minh is UTC+7 all year, with no daylight saving time (none since 1975),
 * so it is computed with a fixed offset instead of the ICU time-zone database: the result cannot depend on how Node
 * was built on the cart. Local midnight is 17:00 UTC of the day before. Pure.
 */

/** Offset of Asia/Ho_Chi_Minh from UTC, ms (UTC+7, all year). */
export const LOCAL_OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** Ms since local midnight (0 .. DAY_MS − 1) at `now` (ms since the epoch). */
export function localMsOfDay(now: number): number {
  const local = now + LOCAL_OFFSET_MS;
  return ((local % DAY_MS) + DAY_MS) % DAY_MS;
}

/** The instant (ms since the epoch) of the local midnight that starts the local day of `now`. */
export function localDayStart(now: number): number {
  return now - localMsOfDay(now);
}

/** The local date of `now` as `yyyy-mm-dd` (a key for per-day counters). */
export function localDayKey(now: number): string {
  return new Date(localDayStart(now) + LOCAL_OFFSET_MS).toISOString().slice(0, 10);
}

/** The local date of `now` as people in Vietnam write it: `dd/mm/yyyy`. */
export function localDateText(now: number): string {
  const [y, m, d] = localDayKey(now).split('-');
  return `${d}/${m}/${y}`;
}

/** `HH:MM` for a number of minutes since midnight (1440 prints as 24:00). */
export function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes since midnight for `HH:MM` (00:00–23:59, or 24:00 for the end of the day); null when it is not one. */
export function parseMinutes(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return text === '24:00' ? 1440 : null;
}

/** A span of play, ms since the epoch, `end` excluded. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * Seconds of `intervals` that fall inside the local day of `now`, up to `now`: the daily broadcast counter, which
 * starts again from zero at local midnight (a play across midnight counts on both days, each its own part).
 */
export function secondsOnLocalDay(intervals: readonly Interval[], now: number): number {
  const from = localDayStart(now);
  const to = now;
  let ms = 0;
  for (const { start, end } of intervals) ms += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return ms / 1000;
}
