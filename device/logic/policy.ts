/**
 * The broadcast policy: may the cart broadcast now, and if not, why (in Vietnamese first, with English). Pure:
 * the caller brings the time, position, battery charge and the broadcast counted so far; the only state is the
 * low-battery latch (hysteresis), passed in and handed back.
 *
 * Local time is Asia/Ho_Chi_Minh, computed as a fixed UTC+7 offset (Vietnam has no daylight saving time); see
 * local-time.ts. The daily counter belongs to the local day: `secondsOnLocalDay` there gives it from the plays.
 */
import { haversineM, isValidPosition, pointInPolygon, type LatLon } from './geo.js';
import { DAY_MS, LOCAL_OFFSET_MS, MINUTE_MS, localDateText, localDayStart, localMsOfDay, parseMinutes } from './local-time.js';
import type { PolicyConfig, QuietZone } from './policy-config.js';
import type { Text } from '../text.js';

// The configuration lives in policy-config.ts; it is exported here too, so that callers need one import.
export {
  defaultPolicyConfig,
  validatePolicyConfig,
  LOW_BATTERY_DEFAULTS,
  type PolicyConfig,
  type HoursWindow,
  type QuietZone,
  type QuietZoneAction,
  type CircleQuietZone,
  type PolygonQuietZone,
  type LowBatteryConfig,
  type ReserveConfig,
} from './policy-config.js';

export const BLOCK_CODES = ['outside-hours', 'session-limit', 'daily-limit', 'quiet-zone', 'low-battery'] as const;
/** Why broadcasting is blocked, as a machine-readable code (also the `event` code sent to the district). */
export type BlockCode = (typeof BLOCK_CODES)[number];

export const WARNING_CODES = ['position-unknown', 'battery-unknown', 'volume-capped'] as const;
/** Something the team should know that does not block broadcasting. */
export type WarningCode = (typeof WARNING_CODES)[number];

/** Text for people: Vietnamese first, English beside it (the cart's shared `Text`). */
export type PolicyText = Text;

export interface BlockReason {
  code: BlockCode;
  detail: PolicyText;
}

export interface PolicyWarning {
  code: WarningCode;
  detail: PolicyText;
}

export interface PolicyInput {
  /** Ms since the epoch (the cart clock's best time). */
  now: number;
  /** Last GNSS position; null when there is none (quiet zones then cannot be checked and do not block). */
  position: LatLon | null;
  /** Battery state of charge, 0–100; null when the power board gives none. */
  socPercent: number | null;
  /** Seconds of the current continuous broadcast (0 when not broadcasting). */
  sessionSeconds: number;
  /** Seconds broadcast so far on this local day, the current session included. */
  playedTodaySeconds: number;
}

/** What the policy remembers between decisions: persist it to keep the battery latch across a restart. */
export interface PolicyState {
  /** True once the charge fell below the cut-off, until it rises above the resume level. */
  lowBattery: boolean;
}

export interface PolicyDecision {
  allowed: boolean;
  /** Every reason that blocks, one per code, in the order of BLOCK_CODES; empty when allowed. */
  reasons: BlockReason[];
  warnings: PolicyWarning[];
  /** Highest volume allowed here, percent; null when no quiet zone caps it. */
  volumeCap: number | null;
  state: PolicyState;
}

export function initialPolicyState(): PolicyState {
  return { lowBattery: false };
}

function windowsMs(config: PolicyConfig): { from: number; to: number }[] {
  return config.allowedHours.map((w) => ({ from: (parseMinutes(w.from) ?? 0) * MINUTE_MS, to: (parseMinutes(w.to) ?? 0) * MINUTE_MS }));
}

/** True when `now` is inside one of the allowed local-time windows (`from` included, `to` excluded). */
export function insideAllowedHours(now: number, config: PolicyConfig): boolean {
  const t = localMsOfDay(now);
  return windowsMs(config).some((w) => t >= w.from && t < w.to);
}

/**
 * The first instant at or after `now` inside the allowed hours (`now` itself when inside), for the status display;
 * with `skipToday`, the first one of the next local day (after the daily limit was reached). Only the hours are
 * considered: the session limit and the battery depend on what happens meanwhile. Null when no window is configured.
 */
export function nextAllowedTime(now: number, config: PolicyConfig, options: { skipToday?: boolean } = {}): number | null {
  const windows = windowsMs(config);
  if (windows.length === 0) return null;
  const dayStart = localDayStart(now);
  if (!options.skipToday) {
    const t = now - dayStart;
    if (windows.some((w) => t >= w.from && t < w.to)) return now;
    const later = windows.filter((w) => w.from > t).map((w) => w.from);
    if (later.length > 0) return dayStart + Math.min(...later);
  }
  return dayStart + DAY_MS + Math.min(...windows.map((w) => w.from));
}

/** The quiet zones that contain `position`. */
export function zonesAt(position: LatLon, zones: readonly QuietZone[]): QuietZone[] {
  return zones.filter((z) => ('polygon' in z ? pointInPolygon(position, z.polygon) : haversineM(position, z) <= z.radiusM));
}

/** A duration in words, whole minutes: "1 giờ 20 phút" / "1 h 20 min" (the refusals', the status's). */
export function duration(seconds: number): PolicyText {
  const minutes = Math.floor(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return { vi: `${m} phút`, en: `${m} min` };
  return m === 0 ? { vi: `${h} giờ`, en: `${h} h` } : { vi: `${h} giờ ${m} phút`, en: `${h} h ${m} min` };
}

function clockText(at: number, now: number): PolicyText {
  const hm = new Date(at + LOCAL_OFFSET_MS).toISOString().slice(11, 16);
  if (localDayStart(at) === localDayStart(now)) return { vi: `lúc ${hm}`, en: `at ${hm}` };
  return { vi: `lúc ${hm} ngày ${localDateText(at)}`, en: `at ${hm} on ${localDateText(at)}` };
}

function checkInput(input: PolicyInput): void {
  if (!Number.isFinite(input.now)) throw new RangeError(`input.now must be ms since the epoch, got ${String(input.now)}`);
  if (input.position !== null && !isValidPosition(input.position)) {
    throw new RangeError(`input.position must be null or { lat: −90..90, lon: −180..180 }, got ${JSON.stringify(input.position)}`);
  }
  const soc = input.socPercent;
  if (soc !== null && !(soc >= 0 && soc <= 100)) throw new RangeError(`input.socPercent must be null or 0..100, got ${String(soc)}`);
  for (const key of ['sessionSeconds', 'playedTodaySeconds'] as const) {
    if (!(input[key] >= 0 && Number.isFinite(input[key]))) throw new RangeError(`input.${key} must be 0 or more seconds, got ${String(input[key])}`);
  }
}

/** Decides whether the cart may broadcast now; see PolicyDecision. Throws a RangeError naming a bad input field. */
export function evaluatePolicy(input: PolicyInput, state: PolicyState, config: PolicyConfig): PolicyDecision {
  checkInput(input);
  const reasons: BlockReason[] = [];
  const warnings: PolicyWarning[] = [];
  const { now } = input;

  if (!insideAllowedHours(now, config)) {
    const hours = config.allowedHours.map((w) => `${w.from}–${w.to}`).join(', ');
    const next = nextAllowedTime(now, config);
    const when = next === null ? null : clockText(next, now);
    reasons.push({
      code: 'outside-hours',
      detail: {
        vi: `Ngoài giờ phát cho phép (${hours})${when ? `; phát lại được ${when.vi}` : ''}`,
        en: `Outside the allowed broadcast hours (${hours})${when ? `; allowed again ${when.en}` : ''}`,
      },
    });
  }

  const sessionMax = config.maxSessionMinutes * 60;
  if (input.sessionSeconds >= sessionMax) {
    const played = duration(input.sessionSeconds);
    const max = duration(sessionMax);
    reasons.push({
      code: 'session-limit',
      detail: {
        vi: `Đã phát liên tục ${played.vi}, tối đa mỗi lượt là ${max.vi}: hãy tắt loa nghỉ rồi phát lại`,
        en: `Broadcast without a break for ${played.en}, the most for one session is ${max.en}: switch off for a rest, then play again`,
      },
    });
  }

  const dailyMax = config.maxDailyMinutes * 60;
  if (input.playedTodaySeconds >= dailyMax) {
    const max = duration(dailyMax);
    const next = nextAllowedTime(now, config, { skipToday: true });
    const when = next === null ? null : clockText(next, now);
    reasons.push({
      code: 'daily-limit',
      detail: {
        vi: `Hôm nay đã phát đủ ${max.vi}, mức tối đa mỗi ngày${when ? `; phát lại được ${when.vi}` : ''}`,
        en: `Today's broadcast reached the daily maximum of ${max.en}${when ? `; allowed again ${when.en}` : ''}`,
      },
    });
  }

  let volumeCap: number | null = null;
  if (input.position === null) {
    if (config.quietZones.length > 0) {
      warnings.push({
        code: 'position-unknown',
        detail: { vi: 'Chưa có vị trí GPS: không kiểm tra được vùng yên lặng', en: 'No GPS position: quiet zones cannot be checked' },
      });
    }
  } else {
    const here = zonesAt(input.position, config.quietZones);
    const blocking = here.filter((z) => z.action === 'block').map((z) => `“${z.name}”`);
    if (blocking.length > 0) {
      reasons.push({
        code: 'quiet-zone',
        detail: {
          vi: `Đang trong vùng yên lặng ${blocking.join(', ')}: không được phát, hãy đẩy xe ra khỏi vùng này`,
          en: `Inside quiet zone ${blocking.join(', ')}: no broadcast here, move the cart out of the zone`,
        },
      });
    }
    for (const z of here) {
      if (z.action === 'block') continue;
      volumeCap = volumeCap === null ? z.action.capVolume : Math.min(volumeCap, z.action.capVolume);
    }
    if (volumeCap !== null) {
      const names = here.filter((z) => z.action !== 'block').map((z) => `“${z.name}”`).join(', ');
      warnings.push({
        code: 'volume-capped',
        detail: { vi: `Trong vùng yên lặng ${names}: âm lượng tối đa ${volumeCap} %`, en: `Inside quiet zone ${names}: volume at most ${volumeCap} %` },
      });
    }
  }

  const { blockBelowPercent: below, resumeAbovePercent: above } = config.lowBattery;
  const soc = input.socPercent;
  let lowBattery = state.lowBattery;
  if (soc === null) {
    warnings.push({
      code: 'battery-unknown',
      detail: { vi: 'Không đọc được mức pin: không kiểm tra được pin yếu', en: 'Battery charge unknown: the low-battery cut-off cannot be checked' },
    });
  } else if (soc < below) {
    lowBattery = true;
  } else if (soc > above) {
    lowBattery = false;
  }
  if (lowBattery) {
    const level = soc === null ? { vi: 'không rõ mức pin', en: 'charge unknown' } : { vi: `còn ${Math.round(soc)} %`, en: `${Math.round(soc)} % left` };
    reasons.push({
      code: 'low-battery',
      detail: {
        vi: `Pin yếu (${level.vi}): ngừng phát dưới ${below} %, chỉ phát lại khi pin trên ${above} %; hãy để xe sạc dưới nắng`,
        en: `Battery low (${level.en}): broadcasting stops below ${below} % and resumes only above ${above} %; leave the cart to charge in the sun`,
      },
    });
  }

  return { allowed: reasons.length === 0, reasons, warnings, volumeCap, state: { lowBattery } };
}
