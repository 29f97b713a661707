/**
 * The broadcast policy's configuration: when, how long and where a cart may broadcast, and the battery charge below
 * which it must not. Its schema (the types come from it), defaults, and `validatePolicyConfig` for what a technician
 * writes (JSON); the cart's configuration checks it at load with the rest (device/config.ts). Pure.
 */
import { batteryChemistries, type BatteryChemistry } from '../../hardware/power/power.js';
import { check, must, Type, type RuleContext, type Static } from '../../lib/schema.js';
import { parseMinutes } from './local-time.js';

const closed = { additionalProperties: false } as const;

/** A span of local time (Asia/Ho_Chi_Minh, UTC+7) when broadcasting is allowed: `from` included, `to` excluded. */
const hoursWindowSchema = Type.Object(
  {
    from: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', ...must('a time HH:MM from 00:00 to 23:59', 'một giờ HH:MM từ 00:00 đến 23:59') }),
    to: Type.String({
      pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
      description: 'after `from`, up to 24:00 (end of the day); windows do not cross midnight: write two',
      ...must('a time HH:MM from 00:01 to 24:00', 'một giờ HH:MM từ 00:01 đến 24:00'),
    }),
  },
  closed,
);

/** Inside a quiet zone: no broadcast at all, or a volume of at most `capVolume` percent (0–100). */
const actionSchema = Type.Union([Type.Literal('block'), Type.Object({ capVolume: Type.Number({ minimum: 0, maximum: 100 }) }, closed)], must('"block" or { "capVolume": 0..100 }', '"block" hoặc { "capVolume": 0..100 }'));
const zoneName = Type.String({ minLength: 1, pattern: '\\S', ...must('a name people recognise', 'một tên mọi người nhận ra') });
const latitude = Type.Number({ minimum: -90, maximum: 90 });
const longitude = Type.Number({ minimum: -180, maximum: 180 });

/** A quiet zone around a point (a school, a hospital, a pagoda). */
const circleSchema = Type.Object({ name: zoneName, lat: latitude, lon: longitude, radiusM: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }), action: actionSchema }, closed);

/** A quiet zone drawn as a polygon of `[lat, lon]` corners (at least three). */
const polygonSchema = Type.Object(
  {
    name: zoneName,
    polygon: Type.Array(Type.Tuple([latitude, longitude], must('[lat, lon] in degrees (−90..90, −180..180)', '[vĩ độ, kinh độ] (−90..90, −180..180)')), {
      minItems: 3,
      ...must('a list of at least three [lat, lon] corners', 'một danh sách ít nhất ba góc [vĩ độ, kinh độ]'),
    }),
    action: actionSchema,
  },
  closed,
);

const zoneSchema = Type.Union([circleSchema, polygonSchema], must('a circle { name, lat, lon, radiusM, action } or a polygon { name, polygon, action }', 'một vòng tròn { name, lat, lon, radiusM, action } hoặc một đa giác { name, polygon, action }'));

/** Low-battery cut-off with hysteresis: stop below `blockBelowPercent`, allow again only above `resumeAbovePercent`. */
const lowBatterySchema = Type.Object(
  {
    chemistry: Type.Union(batteryChemistries.map((c) => Type.Literal(c)), { default: 'lead-acid' }),
    blockBelowPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'default by chemistry (LOW_BATTERY_DEFAULTS)' })),
    resumeAbovePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'default by chemistry (LOW_BATTERY_DEFAULTS)' })),
  },
  { ...closed, default: {} },
);

const minutes = (value: number, description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 1440, default: value, description });

/**
 * The energy kept back for emergency clips: ordinary and priority clips stop when the battery holds no more than
 * this much broadcast above the low-battery cut-off; emergency clips may use it (device/energy/).
 */
const reserveSchema = Type.Object(
  {
    minutes: Type.Number({ minimum: 0, maximum: 240, default: 15, description: 'emergency broadcast kept back, minutes (0: no reserve)' }),
    volumePercent: Type.Number({ minimum: 0, maximum: 100, default: 70, description: 'at this volume, %' }),
  },
  { ...closed, default: {} },
);

/** The `policy` section of the cart's configuration, as written (battery thresholds may be left to the chemistry). */
export const policySchema = Type.Object(
  {
    allowedHours: Type.Array(hoursWindowSchema, {
      minItems: 1,
      default: [
        { from: '06:30', to: '11:00' },
        { from: '13:30', to: '21:30' },
      ],
      description: 'local time windows (UTC+7)',
      ...must('a list of at least one { "from": "HH:MM", "to": "HH:MM" }', 'một danh sách ít nhất một { "from": "HH:MM", "to": "HH:MM" }'),
    }),
    maxSessionMinutes: minutes(45, 'longest continuous broadcast, minutes'),
    maxDailyMinutes: minutes(240, 'most broadcast in one local day (00:00–24:00 UTC+7), minutes'),
    quietZones: Type.Array(zoneSchema, { default: [] }),
    lowBattery: lowBatterySchema,
    reserve: reserveSchema,
  },
  { ...closed, default: {} },
);

export type HoursWindow = Static<typeof hoursWindowSchema>;
export type QuietZoneAction = Static<typeof actionSchema>;
export type CircleQuietZone = Static<typeof circleSchema>;
export type PolygonQuietZone = Static<typeof polygonSchema>;
export type QuietZone = CircleQuietZone | PolygonQuietZone;
export type LowBatteryConfig = Required<Static<typeof lowBatterySchema>>;
export type ReserveConfig = Static<typeof reserveSchema>;
/** The policy with every default filled in (the battery thresholds by chemistry). */
export type PolicyConfig = Omit<Static<typeof policySchema>, 'lowBattery'> & { lowBattery: LowBatteryConfig };

/** Default thresholds per chemistry: lead-acid is hurt by deep discharge, LiFePO4 much less. */
export const LOW_BATTERY_DEFAULTS: Readonly<Record<BatteryChemistry, Omit<LowBatteryConfig, 'chemistry'>>> = {
  'lead-acid': { blockBelowPercent: 30, resumeAbovePercent: 40 },
  lifepo4: { blockBelowPercent: 15, resumeAbovePercent: 25 },
};

/** The policy when the configuration says nothing: the schema's defaults. */
export function defaultPolicyConfig(): PolicyConfig {
  return validatePolicyConfig(undefined);
}

/** What the schema cannot say: each window ends after it starts; the battery resumes at or above where it stops. */
export function policyRules(value: Static<typeof policySchema>, ctx: RuleContext): void {
  if (ctx.typed('allowedHours')) {
    value.allowedHours.forEach((w, i) => {
      if (ctx.valid(`allowedHours[${i}]`) && parseMinutes(w.to)! <= parseMinutes(w.from)!) {
        ctx.problem(`allowedHours[${i}].to`, `"${w.to}" must be after "from" ("${w.from}"); a window across midnight is written as two`, `"${w.to}" phải sau "from" ("${w.from}"); khung giờ qua nửa đêm viết thành hai khung`);
      }
    });
  }
  if (ctx.typed('lowBattery') && ctx.valid('lowBattery.blockBelowPercent') && ctx.valid('lowBattery.resumeAbovePercent')) {
    const b = value.lowBattery;
    // A chemistry the schema refused is read as the default one, to still compare the thresholds.
    const { blockBelowPercent: block, resumeAbovePercent: resume } = lowBatteryOf(ctx.valid('lowBattery.chemistry') ? b : { ...b, chemistry: 'lead-acid' });
    if (resume < block) ctx.problem('lowBattery.resumeAbovePercent', `${resume} must be at least blockBelowPercent (${block})`, `${resume} phải ít nhất bằng blockBelowPercent (${block})`);
  }
}

/** The thresholds left out, filled by chemistry. */
function lowBatteryOf(b: Static<typeof lowBatterySchema>): LowBatteryConfig {
  return { ...LOW_BATTERY_DEFAULTS[b.chemistry], ...b } as LowBatteryConfig;
}

/** A checked policy section with the battery thresholds filled in. */
export function completePolicy(value: Static<typeof policySchema>): PolicyConfig {
  return { ...value, lowBattery: lowBatteryOf(value.lowBattery) };
}

/**
 * Checks a policy configuration read from JSON and fills what it leaves out with the defaults (the battery
 * thresholds default by chemistry). Throws a `ConfigError` listing every bad key by path (`policy.quietZones[2].radiusM`)
 * with the value it had.
 */
export function validatePolicyConfig(value: unknown, path = 'policy'): PolicyConfig {
  return completePolicy(check(policySchema, value, { section: path, rules: policyRules }));
}
