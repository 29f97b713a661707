/** Query parameters of the API, checked: times, limits, names. Every refusal names the parameter and repeats it. */
import { TOPIC_NAME } from '../../protocol/index.js';
import { vnDayRange } from '../reports/period.js';
import { badField } from './guard.js';

/**
 * A time parameter: `YYYY-MM-DD` (a Vietnam day: its first second, or with `endOfDay` the first second after it)
 * or whole Unix seconds. `fallback` when absent.
 */
export function timeParam(query: URLSearchParams, name: string, fallback: number, endOfDay = false): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (/^\d{1,10}$/.test(text)) return Number(text);
  const day = vnDayRange(text);
  if (!day) throw badField(name, 'a day YYYY-MM-DD (Vietnam time) or Unix seconds', text);
  return endOfDay ? day.end : day.start;
}

/** A whole number parameter within [min, max]. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw badField(name, `a whole number from ${min} to ${max}`, text);
  return n;
}

/** A unit, commune or team id parameter (topic-safe), undefined when absent. */
export function nameParam(query: URLSearchParams, name: string): string | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!TOPIC_NAME.test(text)) throw badField(name, 'an id of a-z, 0-9 and - (1–32)', text);
  return text;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceParam<T extends string>(query: URLSearchParams, name: string, choices: readonly T[], fallback: T): T {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  const found = choices.find((c) => c === text);
  if (found === undefined) throw badField(name, choices.join(' | '), text);
  return found;
}

/** The `from`/`to` range of a listing: default the last 7 days (and the next one, for carts whose clock runs ahead). */
export function rangeParams(query: URLSearchParams, nowSeconds: number): { from: number; to: number } {
  const from = timeParam(query, 'from', nowSeconds - 7 * 86_400);
  const to = timeParam(query, 'to', nowSeconds + 86_400, true);
  if (to <= from) throw badField('to', `a time after from (${from})`, query.get('to'));
  return { from, to };
}
