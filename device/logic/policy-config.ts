/**
 * The broadcast policy's configuration: when, how long and where a cart may broadcast, and the battery charge below
 * which it must not. Types, defaults, and `validatePolicyConfig` for what a technician writes (JSON). Pure.
 */
import { ConfigError, didYouMean, showValue, type ConfigProblem } from '../../hardware/board/config-error.js';
import { batteryChemistries, type BatteryChemistry } from '../../hardware/power/power.js';
import { isValidPosition } from './geo.js';
import { parseMinutes } from './local-time.js';

/** A span of local time (Asia/Ho_Chi_Minh, UTC+7) when broadcasting is allowed: `from` included, `to` excluded. */
export interface HoursWindow {
  /** `HH:MM`, 00:00–23:59. */
  from: string;
  /** `HH:MM` after `from`, up to 24:00 (end of the day). Windows do not cross midnight: write two. */
  to: string;
}

/** Inside a quiet zone: no broadcast at all, or a volume of at most `capVolume` percent (0–100). */
export type QuietZoneAction = 'block' | { capVolume: number };

/** A quiet zone around a point (a school, a hospital, a pagoda). */
export interface CircleQuietZone {
  name: string;
  lat: number;
  lon: number;
  radiusM: number;
  action: QuietZoneAction;
}

/** A quiet zone drawn as a polygon of `[lat, lon]` corners (at least three). */
export interface PolygonQuietZone {
  name: string;
  polygon: readonly (readonly [number, number])[];
  action: QuietZoneAction;
}

export type QuietZone = CircleQuietZone | PolygonQuietZone;

/** Low-battery cut-off with hysteresis: stop below `blockBelowPercent`, allow again only above `resumeAbovePercent`. */
export interface LowBatteryConfig {
  chemistry: BatteryChemistry;
  blockBelowPercent: number;
  resumeAbovePercent: number;
}

export interface PolicyConfig {
  /** Local time windows (UTC+7). */
  allowedHours: readonly HoursWindow[];
  /** Longest continuous broadcast, minutes. */
  maxSessionMinutes: number;
  /** Most broadcast in one local day (00:00–24:00 UTC+7), minutes. */
  maxDailyMinutes: number;
  quietZones: readonly QuietZone[];
  lowBattery: LowBatteryConfig;
}

/** Default thresholds per chemistry: lead-acid is hurt by deep discharge, LiFePO4 much less. */
export const LOW_BATTERY_DEFAULTS: Readonly<Record<BatteryChemistry, Omit<LowBatteryConfig, 'chemistry'>>> = {
  'lead-acid': { blockBelowPercent: 30, resumeAbovePercent: 40 },
  lifepo4: { blockBelowPercent: 15, resumeAbovePercent: 25 },
};

export function defaultPolicyConfig(): PolicyConfig {
  return {
    allowedHours: [
      { from: '06:30', to: '11:00' },
      { from: '13:30', to: '21:30' },
    ],
    maxSessionMinutes: 45,
    maxDailyMinutes: 240,
    quietZones: [],
    lowBattery: { chemistry: 'lead-acid', ...LOW_BATTERY_DEFAULTS['lead-acid'] },
  };
}

const POLICY_KEYS = ['allowedHours', 'maxSessionMinutes', 'maxDailyMinutes', 'quietZones', 'lowBattery'] as const;
const BATTERY_KEYS = ['chemistry', 'blockBelowPercent', 'resumeAbovePercent'] as const;
const CIRCLE_KEYS = ['name', 'lat', 'lon', 'radiusM', 'action'] as const;
const POLYGON_KEYS = ['name', 'polygon', 'action'] as const;

type Problems = ConfigProblem[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], path: string, problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = didYouMean(key, known);
    problems.push({ path: `${path}.${key}`, message: `is not a setting${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${known.join(', ')}` });
  }
}

function numberIn(value: unknown, path: string, min: number, max: number, problems: Problems, exclusiveMin = false): number | null {
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
  if (ok) return value;
  problems.push({ path, message: `must be a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'up to' : 'to'} ${max}, got ${showValue(value)}` });
  return null;
}

function hours(value: unknown, path: string, problems: Problems): HoursWindow[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path, message: `must be a list of at least one { "from": "HH:MM", "to": "HH:MM" }, got ${showValue(value)}` });
    return [];
  }
  return value.flatMap((w: unknown, i): HoursWindow[] => {
    const at = `${path}[${i}]`;
    if (!isRecord(w)) {
      problems.push({ path: at, message: `must be { "from": "HH:MM", "to": "HH:MM" }, got ${showValue(w)}` });
      return [];
    }
    unknownKeys(w, ['from', 'to'], at, problems);
    const from = typeof w['from'] === 'string' ? parseMinutes(w['from']) : null;
    const to = typeof w['to'] === 'string' ? parseMinutes(w['to']) : null;
    if (from === null || from === 1440) problems.push({ path: `${at}.from`, message: `must be a time HH:MM from 00:00 to 23:59, got ${showValue(w['from'])}` });
    if (to === null) problems.push({ path: `${at}.to`, message: `must be a time HH:MM from 00:01 to 24:00, got ${showValue(w['to'])}` });
    if (from === null || to === null || from === 1440) return [];
    if (to <= from) {
      problems.push({ path: `${at}.to`, message: `must be after "from" (${showValue(w['from'])}), got ${showValue(w['to'])}; a window across midnight is written as two` });
      return [];
    }
    return [{ from: w['from'] as string, to: w['to'] as string }];
  });
}

function action(value: unknown, path: string, problems: Problems): QuietZoneAction | null {
  if (value === 'block') return 'block';
  if (isRecord(value) && Object.keys(value).length === 1 && 'capVolume' in value) {
    const cap = numberIn(value['capVolume'], `${path}.capVolume`, 0, 100, problems);
    return cap === null ? null : { capVolume: cap };
  }
  problems.push({ path, message: `must be "block" or { "capVolume": 0..100 }, got ${showValue(value)}` });
  return null;
}

function zone(value: unknown, path: string, problems: Problems): QuietZone | null {
  if (!isRecord(value)) {
    problems.push({ path, message: `must be a circle { name, lat, lon, radiusM, action } or a polygon { name, polygon, action }, got ${showValue(value)}` });
    return null;
  }
  const before = problems.length;
  const name = value['name'];
  if (typeof name !== 'string' || name.trim() === '') problems.push({ path: `${path}.name`, message: `must be a name people recognise, got ${showValue(name)}` });
  const act = action(value['action'], `${path}.action`, problems);
  if ('polygon' in value) {
    unknownKeys(value, POLYGON_KEYS, path, problems);
    const polygon = value['polygon'];
    const corners: (readonly [number, number])[] = [];
    if (!Array.isArray(polygon) || polygon.length < 3) {
      problems.push({ path: `${path}.polygon`, message: `must be a list of at least three [lat, lon] corners, got ${showValue(polygon)}` });
    } else {
      polygon.forEach((p: unknown, i) => {
        if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number' && isValidPosition({ lat: p[0], lon: p[1] })) {
          corners.push([p[0], p[1]]);
        } else {
          problems.push({ path: `${path}.polygon[${i}]`, message: `must be [lat, lon] in degrees (−90..90, −180..180), got ${JSON.stringify(p) ?? showValue(p)}` });
        }
      });
    }
    return problems.length > before || act === null ? null : { name: name as string, polygon: corners, action: act };
  }
  unknownKeys(value, CIRCLE_KEYS, path, problems);
  const lat = numberIn(value['lat'], `${path}.lat`, -90, 90, problems);
  const lon = numberIn(value['lon'], `${path}.lon`, -180, 180, problems);
  const radiusM = numberIn(value['radiusM'], `${path}.radiusM`, 0, 100_000, problems, true);
  if (problems.length > before || act === null || lat === null || lon === null || radiusM === null) return null;
  return { name: name as string, lat, lon, radiusM, action: act };
}

function lowBattery(value: unknown, path: string, problems: Problems): LowBatteryConfig {
  const fallback = defaultPolicyConfig().lowBattery;
  if (value === undefined) return fallback;
  if (!isRecord(value)) {
    problems.push({ path, message: `must be { chemistry, blockBelowPercent, resumeAbovePercent }, got ${showValue(value)}` });
    return fallback;
  }
  unknownKeys(value, BATTERY_KEYS, path, problems);
  let chemistry: BatteryChemistry = 'lead-acid';
  if (value['chemistry'] !== undefined) {
    const found = batteryChemistries.find((c) => c === value['chemistry']);
    if (found) chemistry = found;
    else problems.push({ path: `${path}.chemistry`, message: `must be one of ${batteryChemistries.join(', ')}, got ${showValue(value['chemistry'])}` });
  }
  const defaults = LOW_BATTERY_DEFAULTS[chemistry];
  const block = value['blockBelowPercent'] === undefined ? defaults.blockBelowPercent : numberIn(value['blockBelowPercent'], `${path}.blockBelowPercent`, 0, 100, problems);
  const resume = value['resumeAbovePercent'] === undefined ? defaults.resumeAbovePercent : numberIn(value['resumeAbovePercent'], `${path}.resumeAbovePercent`, 0, 100, problems);
  if (block !== null && resume !== null && resume < block) {
    problems.push({ path: `${path}.resumeAbovePercent`, message: `must be at least blockBelowPercent (${block}), got ${resume}` });
  }
  return { chemistry, blockBelowPercent: block ?? defaults.blockBelowPercent, resumeAbovePercent: resume ?? defaults.resumeAbovePercent };
}

/**
 * Checks a policy configuration read from JSON and fills what it leaves out with the defaults (the battery
 * thresholds default by chemistry). Throws a `ConfigError` listing every bad key by path (`policy.quietZones[2].radiusM`)
 * with the value it had.
 */
export function validatePolicyConfig(value: unknown, path = 'policy'): PolicyConfig {
  const config = defaultPolicyConfig();
  if (value === undefined) return config;
  const problems: Problems = [];
  if (!isRecord(value)) throw new ConfigError([{ path, message: `must be an object of settings, got ${showValue(value)}` }]);
  unknownKeys(value, POLICY_KEYS, path, problems);
  if (value['allowedHours'] !== undefined) config.allowedHours = hours(value['allowedHours'], `${path}.allowedHours`, problems);
  if (value['maxSessionMinutes'] !== undefined) {
    config.maxSessionMinutes = numberIn(value['maxSessionMinutes'], `${path}.maxSessionMinutes`, 0, 1440, problems, true) ?? 0;
  }
  if (value['maxDailyMinutes'] !== undefined) {
    config.maxDailyMinutes = numberIn(value['maxDailyMinutes'], `${path}.maxDailyMinutes`, 0, 1440, problems, true) ?? 0;
  }
  const zones = value['quietZones'];
  if (zones !== undefined) {
    if (Array.isArray(zones)) {
      config.quietZones = zones.flatMap((z: unknown, i) => zone(z, `${path}.quietZones[${i}]`, problems) ?? []);
    } else {
      problems.push({ path: `${path}.quietZones`, message: `must be a list of zones, got ${showValue(zones)}` });
    }
  }
  config.lowBattery = lowBattery(value['lowBattery'], `${path}.lowBattery`, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
