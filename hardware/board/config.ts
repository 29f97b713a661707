/**
 * The hardware section of a cart's configuration: its type, its defaults per board profile, and a hand-written
 * validation that merges the defaults, checks every key and reports every problem at once as a {@link ConfigError}.
 */
import {
  batteryChemistries,
  currentSensorChannel,
  dividerChannel,
  type BatteryChemistry,
  type PowerCalibration,
} from '../power/power.js';
import { ConfigError, didYouMean, showValue, type ConfigProblem } from './config-error.js';
import { boardProfileNames, boardProfiles, isBoardProfileName, type BoardProfile, type BoardProfileName } from './profiles.js';

export interface ButtonsConfig {
  play: number;
  next: number;
  volumeUp: number;
  volumeDown: number;
  /** A spare button, or null when none is fitted. */
  extra: number | null;
  /** True when a pressed button pulls its pin to ground (with a pull-up). */
  activeLow: boolean;
  debounceMs: number;
  longPressMs: number;
}

/** Every hardware setting of a cart. GPIOs are BCM numbers. */
export interface HardwareConfig {
  profile: BoardProfileName;
  /** Use the simulators instead of the real hardware. */
  simulate: boolean;
  relay: { pin: number; activeLow: boolean };
  buttons: ButtonsConfig;
  /** The status LED, or null when none is fitted. */
  statusLed: { pin: number | null };
  audio: { device: string; aplayPath: string };
  volume: { card: string; control: string; maxPercent: number };
  gnss: { path: string; baudRate: number };
  powerBoard: {
    path: string;
    baudRate: number;
    readyTimeoutMs: number;
    vrefMv: number;
    calibration: PowerCalibration;
    battery: { chemistry: BatteryChemistry; capacityAh: number; internalResistanceMilliohm: number };
  };
}

const defaultProfile: BoardProfileName = 'pi-4';
const baudRates = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400];

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
    gnss: { ...p.gnss },
    powerBoard: {
      path: p.powerBoard.path,
      baudRate: p.powerBoard.baudRate,
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

/** Merges `input` over `defaults`, reporting keys the defaults do not have. */
function merge(defaults: Plain, input: Plain, path: string, problems: ConfigProblem[]): Plain {
  const out: Plain = { ...defaults };
  const known = Object.keys(defaults);
  for (const [key, value] of Object.entries(input)) {
    if (!known.includes(key)) {
      const guess = didYouMean(key, known);
      problems.push({
        path: `${path}.${key}`,
        message: `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}; known keys here: ${known.join(', ')}`,
      });
      continue;
    }
    const base = defaults[key];
    if (isPlain(base)) {
      if (isPlain(value)) out[key] = merge(base, value, `${path}.${key}`, problems);
      else problems.push({ path: `${path}.${key}`, message: `${showValue(value)} must be an object` });
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Reads typed leaves out of the merged tree, recording problems. */
class Reader {
  readonly problems: ConfigProblem[] = [];
  constructor(
    readonly root: Plain,
    readonly prefix: string,
  ) {}

  #get(path: string): unknown {
    let node: unknown = this.root;
    for (const key of path.split('.')) node = isPlain(node) ? node[key] : undefined;
    return node;
  }

  problem(path: string, message: string): void {
    this.problems.push({ path: `${this.prefix}.${path}`, message });
  }

  int(path: string, min: number, max: number, unit = ''): number {
    const v = this.#get(path);
    if (typeof v !== 'number' || !Number.isInteger(v)) this.problem(path, `${showValue(v)} must be a whole number`);
    else if (v < min || v > max) this.problem(path, `${v} is out of range (${min}–${max}${unit})`);
    return v as number;
  }

  num(path: string, min: number, max: number, unit = ''): number {
    const v = this.#get(path);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.problem(path, `${showValue(v)} must be a number`);
    else if (v < min || v > max) this.problem(path, `${v} is out of range (${min}–${max}${unit})`);
    return v as number;
  }

  finite(path: string, nonZero = false): number {
    const v = this.#get(path);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.problem(path, `${showValue(v)} must be a number`);
    else if (nonZero && v === 0) this.problem(path, '0 is not allowed here');
    return v as number;
  }

  bool(path: string): boolean {
    const v = this.#get(path);
    if (typeof v !== 'boolean') this.problem(path, `${showValue(v)} must be true or false`);
    return v as boolean;
  }

  text(path: string, pattern?: RegExp, hint?: string): string {
    const v = this.#get(path);
    if (typeof v !== 'string' || v.trim() === '') this.problem(path, `${showValue(v)} must be a non-empty text`);
    else if (pattern && !pattern.test(v)) this.problem(path, `${showValue(v)} ${hint ?? `does not match ${pattern}`}`);
    return v as string;
  }

  absolutePath(path: string): string {
    return this.text(path, /^\//, 'must be an absolute path (starting with /)');
  }

  oneOf<T extends string | number>(path: string, allowed: readonly T[], what: string): T {
    const v = this.#get(path);
    if (!(allowed as readonly unknown[]).includes(v)) {
      const guess = typeof v === 'string' ? didYouMean(v, allowed.map(String)) : undefined;
      this.problem(path, `${showValue(v)} is not a known ${what} (known: ${allowed.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    return v as T;
  }

  gpio(path: string, profile: BoardProfile, nullable = false): number | null {
    const v = this.#get(path);
    if (v === null && nullable) return null;
    const { min, max } = profile.gpio;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.problem(path, `${showValue(v)} must be a BCM GPIO number${nullable ? ' or null' : ''}`);
    } else if (v < min || v > max) {
      this.problem(path, `${v} is not a GPIO of ${profile.name} (BCM ${min}–${max})`);
    } else {
      const reserved = profile.reserved.find((r) => r.bcm === v);
      if (reserved) this.problem(path, `BCM ${v} is reserved on ${profile.name} for ${reserved.use}; choose another pin`);
    }
    return v as number;
  }
}

/**
 * Checks the `hardware` section of a configuration and returns it complete, merged over the defaults of its board
 * profile (`input.profile`, else `profile`, else {@link defaultProfile}). Throws a {@link ConfigError} (code
 * `LOA_CONFIG`) listing every problem: unknown keys (with "did you mean"), wrong types, out-of-range numbers, pins
 * that are not GPIOs of the board or are used twice, unknown profiles.
 */
export function validateHardwareConfig(input: unknown, profile?: BoardProfileName): HardwareConfig {
  const problems: ConfigProblem[] = [];
  const section = input === undefined ? {} : input;
  if (!isPlain(section)) throw new ConfigError([{ path: 'hardware', message: `${showValue(input)} must be an object` }]);

  let name: BoardProfileName = profile ?? defaultProfile;
  if (profile !== undefined && !isBoardProfileName(profile)) {
    problems.push({ path: 'profile', message: `${showValue(profile)} is not a known board profile (known: ${boardProfileNames.join(', ')})` });
    name = defaultProfile;
  }
  if ('profile' in section) {
    if (isBoardProfileName(section.profile)) name = section.profile;
    else {
      const guess = typeof section.profile === 'string' ? didYouMean(section.profile, boardProfileNames) : undefined;
      problems.push({
        path: 'hardware.profile',
        message: `${showValue(section.profile)} is not a known board profile (known: ${boardProfileNames.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`,
      });
    }
  }
  const board = boardProfiles[name];
  const defaults = defaultHardwareConfig(name) as unknown as Plain;
  const merged = merge(defaults, { ...section, profile: name }, 'hardware', problems);
  const r = new Reader(merged, 'hardware');

  const pins: [string, number | null][] = [
    ['relay.pin', r.gpio('relay.pin', board)],
    ['buttons.play', r.gpio('buttons.play', board)],
    ['buttons.next', r.gpio('buttons.next', board)],
    ['buttons.volumeUp', r.gpio('buttons.volumeUp', board)],
    ['buttons.volumeDown', r.gpio('buttons.volumeDown', board)],
    ['buttons.extra', r.gpio('buttons.extra', board, true)],
    ['statusLed.pin', r.gpio('statusLed.pin', board, true)],
  ];
  const usedBy = new Map<number, string>();
  for (const [path, pin] of pins) {
    if (typeof pin !== 'number' || !Number.isInteger(pin)) continue;
    const first = usedBy.get(pin);
    if (first) r.problem(path, `BCM ${pin} is already used by hardware.${first}`);
    else usedBy.set(pin, path);
  }

  r.bool('simulate');
  r.bool('relay.activeLow');
  r.bool('buttons.activeLow');
  const debounceMs = r.int('buttons.debounceMs', 0, 1000, ' ms');
  const longPressMs = r.int('buttons.longPressMs', 100, 10_000, ' ms');
  if (Number.isInteger(debounceMs) && Number.isInteger(longPressMs) && longPressMs <= debounceMs) {
    r.problem('buttons.longPressMs', `${longPressMs} must be longer than buttons.debounceMs (${debounceMs})`);
  }
  r.text('audio.device');
  r.absolutePath('audio.aplayPath');
  r.text('volume.card');
  r.text('volume.control');
  r.int('volume.maxPercent', 1, 100, ' %');
  r.absolutePath('gnss.path');
  r.oneOf('gnss.baudRate', baudRates, 'serial speed');
  r.absolutePath('powerBoard.path');
  r.oneOf('powerBoard.baudRate', baudRates, 'serial speed');
  r.int('powerBoard.readyTimeoutMs', 500, 120_000, ' ms');
  r.int('powerBoard.vrefMv', 1000, 5500, ' mV');
  const analogUsedBy = new Map<string, string>();
  for (const q of ['batteryVoltage', 'batteryCurrent', 'solarVoltage', 'solarCurrent'] as const) {
    const base = `powerBoard.calibration.${q}`;
    const pin = r.text(`${base}.pin`, /^A[0-7]$/, 'is not an Arduino analog pin (A0–A7)');
    r.finite(`${base}.scale`, true);
    r.finite(`${base}.offset`);
    const first = analogUsedBy.get(pin);
    if (typeof pin === 'string' && first) r.problem(`${base}.pin`, `${showValue(pin)} is already used by hardware.${first}`);
    else analogUsedBy.set(pin, `${base}.pin`);
  }
  r.oneOf('powerBoard.battery.chemistry', batteryChemistries, 'battery chemistry');
  r.num('powerBoard.battery.capacityAh', 1, 2000, ' Ah');
  r.num('powerBoard.battery.internalResistanceMilliohm', 0, 1000, ' mΩ');

  const all = [...problems, ...r.problems];
  if (all.length > 0) throw new ConfigError(all);
  return merged as unknown as HardwareConfig;
}
