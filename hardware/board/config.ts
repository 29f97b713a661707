/**
 * The hardware section of a cart's configuration: its schema (lib/schema.ts: the type, the documentation and the
 * checks come from it), its defaults per board profile, and `validateHardwareConfig`, which merges what is given over
 * the profile's defaults and reports every problem at once as a {@link ConfigError}.
 */
import { check, must, Type, type RuleContext, type Static } from '../../lib/schema.js';
import { batteryChemistries, currentSensorChannel, dividerChannel } from '../power/power.js';
import { ConfigError, didYouMean, showValue, type ConfigProblem } from './config-error.js';
import { boardProfileNames, boardProfiles, isBoardProfileName, type BoardProfile, type BoardProfileName } from './profiles.js';

const closed = { additionalProperties: false } as const;
const text = Type.String({ minLength: 1, pattern: '\\S' });
const absolutePath = Type.String({ pattern: '^/', ...must('an absolute path (starting with /)', 'một đường dẫn tuyệt đối (bắt đầu bằng /)') });
const baudRates = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400] as const;
const baudRate = Type.Union(
  baudRates.map((b) => Type.Literal(b)),
  must(`a serial speed (${baudRates.join(', ')})`, `một tốc độ cổng nối tiếp (${baudRates.join(', ')})`),
);
/** A BCM GPIO number; whether the board has it, and whether it is free, are rules (they depend on the profile). */
const gpio = Type.Integer(must('a BCM GPIO number', 'một số GPIO (BCM)'));
const gpioOrNull = Type.Union([gpio, Type.Null()], must('a BCM GPIO number or null', 'một số GPIO (BCM) hoặc null'));
const ms = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum, 'x-unit': 'ms' });
const channel = Type.Object(
  { pin: Type.String({ pattern: '^A[0-7]$', ...must('an Arduino analog pin (A0–A7)', 'một chân analog của Arduino (A0–A7)') }), scale: Type.Number(), offset: Type.Number() },
  closed,
);

const buttonsSchema = Type.Object(
  {
    play: gpio,
    next: gpio,
    volumeUp: gpio,
    volumeDown: gpio,
    extra: Type.Union([gpio, Type.Null()], { ...must('a BCM GPIO number or null', 'một số GPIO (BCM) hoặc null'), description: 'a spare button, or null when none is fitted' }),
    activeLow: Type.Boolean({ description: 'true when a pressed button pulls its pin to ground (with a pull-up)' }),
    debounceMs: ms(0, 1000),
    longPressMs: ms(100, 10_000),
  },
  closed,
);

/** Every hardware setting of a cart. GPIOs are BCM numbers. */
export const hardwareSchema = Type.Object(
  {
    profile: Type.Union(boardProfileNames.map((n) => Type.Literal(n))),
    simulate: Type.Boolean({ description: 'use the simulators instead of the real hardware' }),
    relay: Type.Object({ pin: gpio, activeLow: Type.Boolean() }, closed),
    buttons: buttonsSchema,
    statusLed: Type.Object({ pin: gpioOrNull }, { ...closed, description: 'the status LED; pin null when none is fitted' }),
    audio: Type.Object({ device: text, aplayPath: absolutePath }, closed),
    volume: Type.Object({ card: text, control: text, maxPercent: Type.Integer({ minimum: 1, maximum: 100, 'x-unit': '%' }) }, closed),
    gnss: Type.Object({ path: absolutePath, baudRate }, closed),
    powerBoard: Type.Object(
      {
        path: absolutePath,
        baudRate,
        readyTimeoutMs: ms(500, 120_000),
        vrefMv: Type.Integer({ minimum: 1000, maximum: 5500, 'x-unit': 'mV' }),
        calibration: Type.Object({ batteryVoltage: channel, batteryCurrent: channel, solarVoltage: channel, solarCurrent: channel }, closed),
        battery: Type.Object(
          {
            chemistry: Type.Union(batteryChemistries.map((c) => Type.Literal(c))),
            capacityAh: Type.Number({ minimum: 1, maximum: 2000, 'x-unit': 'Ah' }),
            internalResistanceMilliohm: Type.Number({ minimum: 0, maximum: 1000, 'x-unit': 'mΩ' }),
          },
          closed,
        ),
      },
      closed,
    ),
  },
  { ...closed, description: 'every hardware setting of a cart; GPIOs are BCM numbers' },
);

export type ButtonsConfig = Static<typeof buttonsSchema>;
export type HardwareConfig = Static<typeof hardwareSchema>;
export type BaudRate = (typeof baudRates)[number];

const defaultProfile: BoardProfileName = 'pi-4';

/** The defaults of a profile: a complete, valid configuration (with `simulate: true`). */
export function defaultHardwareConfig(profile: BoardProfileName = defaultProfile): HardwareConfig {
  const p: BoardProfile = boardProfiles[profile];
  return {
    profile,
    simulate: true,
    relay: { pin: p.pins.relay, activeLow: true },
    buttons: { ...p.pins.buttons, activeLow: true, debounceMs: 30, longPressMs: 1500 },
    statusLed: { pin: p.pins.statusLed },
    audio: { device: p.audio.device, aplayPath: '/usr/bin/aplay' },
    volume: { card: p.audio.mixerCard, control: p.audio.mixerControl, maxPercent: 90 },
    gnss: { path: p.gnss.path, baudRate: p.gnss.baudRate as BaudRate },
    powerBoard: {
      path: p.powerBoard.path,
      baudRate: p.powerBoard.baudRate as BaudRate,
      readyTimeoutMs: 10_000,
      vrefMv: 5000,
      calibration: {
        batteryVoltage: dividerChannel('A0', 30_000, 10_000), // 4:1, reads up to 20 V
        batteryCurrent: currentSensorChannel('A1', 100, 2500), // ACS712-20A, + towards the battery
        solarVoltage: dividerChannel('A2', 47_000, 10_000), // 5.7:1, reads up to 28.5 V
        solarCurrent: currentSensorChannel('A3', 185, 2500), // ACS712-5A
      },
      battery: { chemistry: 'lead-acid', capacityAh: 40, internalResistanceMilliohm: 20 },
    },
  };
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `input` over `defaults`, object into object; anything else in `input` (unknown keys, wrong types) is kept for the schema to report. */
function merge(defaults: Plain, input: Plain): Plain {
  const out: Plain = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    const base = defaults[key];
    out[key] = isPlain(base) && isPlain(value) ? merge(base, value) : value;
  }
  return out;
}

/** Every GPIO of the configuration, by key path. */
const PINS: readonly (readonly [string, (c: HardwareConfig) => number | null])[] = [
  ['relay.pin', (c) => c.relay.pin],
  ['buttons.play', (c) => c.buttons.play],
  ['buttons.next', (c) => c.buttons.next],
  ['buttons.volumeUp', (c) => c.buttons.volumeUp],
  ['buttons.volumeDown', (c) => c.buttons.volumeDown],
  ['buttons.extra', (c) => c.buttons.extra],
  ['statusLed.pin', (c) => c.statusLed.pin],
];
const CHANNELS = ['batteryVoltage', 'batteryCurrent', 'solarVoltage', 'solarCurrent'] as const;

/** A GPIO of the board that is not reserved for something else. */
function checkGpio(pin: number, path: string, board: BoardProfile, ctx: RuleContext): boolean {
  const { min, max } = board.gpio;
  const reserved = board.reserved.find((r) => r.bcm === pin);
  if (pin < min || pin > max) ctx.problem(path, `${pin} is not a GPIO of ${board.name} (BCM ${min}–${max})`, `${pin} không phải chân GPIO của ${board.name} (BCM ${min}–${max})`);
  else if (reserved) ctx.problem(path, `BCM ${pin} is reserved on ${board.name} for ${reserved.use}; choose another pin`, `BCM ${pin} trên ${board.name} dành cho ${reserved.use}; hãy chọn chân khác`);
  else return true;
  return false;
}

/** What the schema cannot say: pins of this board, each used once; a long press longer than the debounce. */
export function hardwareRules(board: BoardProfile): (config: HardwareConfig, ctx: RuleContext) => void {
  return (c, ctx) => {
    const usedBy = new Map<number, string>();
    for (const [path, read] of PINS) {
      if (!ctx.valid(path)) continue;
      const pin = read(c);
      if (pin === null || !checkGpio(pin, path, board, ctx)) continue;
      const first = usedBy.get(pin);
      if (first) ctx.problem(path, `BCM ${pin} is already used by hardware.${first}`, `BCM ${pin} đã dùng cho hardware.${first}`);
      else usedBy.set(pin, path);
    }
    if (ctx.valid('buttons.debounceMs') && ctx.valid('buttons.longPressMs') && c.buttons.longPressMs <= c.buttons.debounceMs) {
      const { debounceMs, longPressMs } = c.buttons;
      ctx.problem('buttons.longPressMs', `${longPressMs} must be longer than buttons.debounceMs (${debounceMs})`, `${longPressMs} phải dài hơn buttons.debounceMs (${debounceMs})`);
    }
    const analogUsedBy = new Map<string, string>();
    for (const q of CHANNELS) {
      const base = `powerBoard.calibration.${q}`;
      if (ctx.valid(`${base}.scale`) && c.powerBoard.calibration[q].scale === 0) ctx.problem(`${base}.scale`, '0 is not allowed here', 'không được là 0');
      if (!ctx.valid(`${base}.pin`)) continue;
      const pin = c.powerBoard.calibration[q].pin;
      const first = analogUsedBy.get(pin);
      if (first) ctx.problem(`${base}.pin`, `${showValue(pin)} is already used by hardware.${first}`, `${showValue(pin)} đã dùng cho hardware.${first}`);
      else analogUsedBy.set(pin, `${base}.pin`);
    }
  };
}

/** The board a section names (`profile`), else `fallback`; an unknown name is a problem (with "did you mean"). */
function chooseProfile(section: Plain, fallback: BoardProfileName | undefined, problems: ConfigProblem[]): BoardProfileName {
  let name: BoardProfileName = fallback ?? defaultProfile;
  const known = boardProfileNames.join(', ');
  if (fallback !== undefined && !isBoardProfileName(fallback)) {
    problems.push({ path: 'profile', message: `${showValue(fallback)} is not a known board profile (known: ${known})`, vi: `${showValue(fallback)} không phải bo mạch đã biết (các bo mạch: ${known})` });
    name = defaultProfile;
  }
  if (!('profile' in section)) return name;
  if (isBoardProfileName(section.profile)) return section.profile;
  const guess = typeof section.profile === 'string' ? didYouMean(section.profile, boardProfileNames) : undefined;
  problems.push({
    path: 'hardware.profile',
    message: `${showValue(section.profile)} is not a known board profile (known: ${known})${guess ? `; did you mean "${guess}"?` : ''}`,
    vi: `${showValue(section.profile)} không phải bo mạch đã biết (các bo mạch: ${known})${guess ? `; có phải là "${guess}"?` : ''}`,
  });
  return name;
}

/**
 * The `hardware` section merged over the defaults of its board profile (`input.profile`, else `profile`, else
 * {@link defaultProfile}), not yet checked: what {@link hardwareSchema} and {@link hardwareRules} check. A section that
 * is not an object is returned as it is (the schema reports it).
 */
export function mergeHardwareSection(input: unknown, profile: BoardProfileName | undefined, problems: ConfigProblem[]): { merged: unknown; board: BoardProfile } {
  const section = input === undefined ? {} : input;
  if (!isPlain(section)) return { merged: section, board: boardProfiles[profile !== undefined && isBoardProfileName(profile) ? profile : defaultProfile] };
  const name = chooseProfile(section, profile, problems);
  return { merged: merge(defaultHardwareConfig(name) as unknown as Plain, { ...section, profile: name }), board: boardProfiles[name] };
}

/**
 * Checks the `hardware` section of a configuration and returns it complete, merged over the defaults of its board
 * profile. Throws a {@link ConfigError} (code `LOA_CONFIG`) listing every problem: unknown keys (with "did you
 * mean"), wrong types, out-of-range numbers, pins that are not GPIOs of the board or are used twice, unknown profiles.
 */
export function validateHardwareConfig(input: unknown, profile?: BoardProfileName): HardwareConfig {
  const problems: ConfigProblem[] = [];
  const { merged, board } = mergeHardwareSection(input, profile, problems);
  let config: HardwareConfig | undefined;
  try {
    config = check(hardwareSchema, merged, { section: 'hardware', rules: hardwareRules(board) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return config;
}
