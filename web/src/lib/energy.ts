/**
 * The cart's energy forecast in words (controller/api: `Unit.energy`, from the cart's telemetry): how long it can
 * still broadcast at its volume, whether it is charging, its battery health and its emergency reserve. A forecast
 * from a cart that is offline is its last word, not the present: it is said to be old, with the time it came. Pure.
 */
import { fmtDateTime } from './format.js';
import type { Translate } from './i18n.js';
import type { Lang, Unit } from './types.js';

/** The cart sends 1440 for "a day or more" (its forecast is capped there). */
export const DAY_OR_MORE = 1440;

/**
 * "45 phút", "1 giờ 20 phút", "2 giờ", "hơn một ngày": a forecast, so past an hour it is rounded to 5 minutes (the
 * forecast is not finer than that).
 */
export function fmtMinutesLeft(minutes: number, lang: Lang): string {
  const vi = lang === 'vi';
  if (minutes >= DAY_OR_MORE) return vi ? 'hơn một ngày' : 'a day or more';
  const m = minutes < 60 ? Math.max(0, Math.round(minutes)) : Math.round(minutes / 5) * 5;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  const [hu, mu] = vi ? ['giờ', 'phút'] : ['h', 'min'];
  if (h === 0) return `${rest} ${mu}`;
  return rest === 0 ? `${h} ${hu}` : `${h} ${hu} ${rest} ${mu}`;
}

/**
 * The short line of the fleet list and the map: "Còn phát ≈ 1 giờ 20 phút · đang sạc, đầy sau 2 giờ", with "(số liệu
 * cũ, 07:30 29/11/2026)" when the cart is offline. Null before the cart sent a forecast.
 */
export function energyLine(u: Unit, t: Translate, lang: Lang): string | null {
  const e = u.energy;
  if (e === null) return null;
  const parts = [e.minutesLeft === 0 ? t('energy.reserveOnly') : t('energy.left', { time: fmtMinutesLeft(e.minutesLeft, lang) })];
  if (e.minutesToFull !== null) parts.push(t('energy.charging', { time: fmtMinutesLeft(e.minutesToFull, lang) }));
  const line = parts.join(' · ');
  return u.online ? line : `${line} ${t('energy.old', { time: fmtDateTime(e.at, lang) })}`;
}

/** The unit page's facts: battery health, the reserve, and the forecast without sun. Null before a forecast. */
export function energyFacts(u: Unit, t: Translate, lang: Lang): { health: string; reserve: string; noSun: string } | null {
  const e = u.energy;
  if (e === null) return null;
  return {
    health: e.healthPercent === null ? t('energy.healthUnknown') : t('energy.health', { percent: e.healthPercent }),
    reserve: t('energy.reserve', { time: fmtMinutesLeft(e.reserveMinutes, lang) }),
    noSun: t('energy.noSun', { time: fmtMinutesLeft(e.minutesLeftNoSun, lang) }),
  };
}
