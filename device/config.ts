/**
 * The cart's configuration: a JSON file (`--config FILE`, default `<data>/config.json` when present) over embedded
 * defaults, checked at start. Every problem is reported at once with its key path and value (ConfigError).
 *
 *   { "hardware": {…}, "player": {…}, "policy": {…}, "link": {…}, "storage": {…} }
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, showValue, type ConfigProblem } from '../hardware/board/config-error.js';
import { validateHardwareConfig, type HardwareConfig } from '../hardware/board/config.js';
import { isBoardProfileName } from '../hardware/board/profiles.js';
import { loadIdentity } from './identity.js';
import { DEFAULT_TIMING, type PlayerTiming } from './player/player.js';

export interface LinkConfig {
  /** Send telemetry this often while the link is up, ms. */
  telemetryPeriodMs: number;
  /** A serial link (radio modem, USB cable) as well as, or instead of, MQTT; null = none. */
  serial: { path: string; baudRate: number } | null;
  /** Largest frame on the link, bytes (serial radios want small frames). */
  maxFrameBytes: number;
}

export interface StorageConfig {
  /** Unacknowledged durable records kept at most; beyond, the oldest are dropped and the loss is reported. */
  maxUnacked: number;
  trackDays: number;
  samplesDays: number;
  ackedDays: number;
}

export interface CartConfig {
  hardware: HardwareConfig;
  player: PlayerTiming & { initialVolume: number };
  /** The policy section, checked by the policy module. */
  policy: unknown;
  link: LinkConfig;
  storage: StorageConfig;
}

export const DEFAULT_LINK: LinkConfig = { telemetryPeriodMs: 30_000, serial: null, maxFrameBytes: 1024 };
export const DEFAULT_STORAGE: StorageConfig = { maxUnacked: 200_000, trackDays: 90, samplesDays: 90, ackedDays: 30 };

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Numbers of a flat section, each within its range; unknown keys are problems. */
function numbers<T extends object>(section: string, input: unknown, defaults: T, ranges: Partial<Record<keyof T, [number, number]>>, problems: ConfigProblem[]): T {
  if (input === undefined) return { ...defaults };
  if (!isPlain(input)) {
    problems.push({ path: section, message: `${showValue(input)} must be an object` });
    return { ...defaults };
  }
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    const range = (ranges as Record<string, [number, number] | undefined>)[key];
    if (!(key in defaults)) problems.push({ path: `${section}.${key}`, message: `is not a known setting (known: ${Object.keys(defaults).join(', ')})` });
    else if (range === undefined) out[key] = value;
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < range[0] || value > range[1]) {
      problems.push({ path: `${section}.${key}`, message: `${showValue(value)} must be a number from ${range[0]} to ${range[1]}` });
    } else out[key] = value;
  }
  return out as T;
}

export interface CartConfigOptions {
  /** From `--sim`: forces the simulators. */
  simulate: boolean;
  /** The board when the file names none (`hardware.profile`): the one in the cart's identity. */
  profile?: string;
}

/** Checks a parsed configuration; `simulate` (from `--sim`) forces the simulators. */
export function validateCartConfig(input: unknown, options: CartConfigOptions): CartConfig {
  const problems: ConfigProblem[] = [];
  const o = input === undefined ? {} : input;
  if (!isPlain(o)) throw new ConfigError([{ path: '(file)', message: `${showValue(input)} must be a JSON object` }]);
  for (const key of Object.keys(o)) {
    if (!['hardware', 'player', 'policy', 'link', 'storage'].includes(key)) problems.push({ path: key, message: 'is not a known section (hardware, player, policy, link, storage)' });
  }
  let hardware: HardwareConfig | undefined;
  try {
    const section = isPlain(o.hardware) ? o.hardware : o.hardware === undefined ? {} : o.hardware;
    const profile = options.profile;
    if (profile !== undefined && !isBoardProfileName(profile) && !(isPlain(section) && 'profile' in section)) {
      problems.push({ path: 'identity.profile', message: `${showValue(profile)} is not a board this version knows: set hardware.profile in the configuration` });
    }
    hardware = validateHardwareConfig(isPlain(section) ? { simulate: false, ...section } : section, isBoardProfileName(profile) ? profile : undefined);
    if (options.simulate) hardware.simulate = true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const player = numbers(
    'player',
    o.player,
    { ...DEFAULT_TIMING, initialVolume: 60 },
    { warmupMs: [0, 30_000], tailMs: [0, 30_000], pauseTimeoutMs: [1000, 3_600_000], volumeStep: [1, 50], initialVolume: [0, 100] },
    problems,
  );
  const link = numbers('link', o.link, DEFAULT_LINK, { telemetryPeriodMs: [1000, 3_600_000], maxFrameBytes: [128, 65_536] }, problems);
  if (link.serial !== null && !(isPlain(link.serial) && typeof link.serial.path === 'string' && typeof link.serial.baudRate === 'number')) {
    problems.push({ path: 'link.serial', message: `${showValue(link.serial)} must be null or { "path": "/dev/ttyUSB1", "baudRate": 57600 }` });
  }
  const storage = numbers('storage', o.storage, DEFAULT_STORAGE, { maxUnacked: [100, 100_000_000], trackDays: [1, 3650], samplesDays: [1, 3650], ackedDays: [1, 3650] }, problems);
  if (problems.length > 0 || hardware === undefined) throw new ConfigError(problems);
  return { hardware, player, policy: o.policy, link, storage };
}

/** Reads and checks a configuration file; no file = the embedded defaults. */
export async function loadCartConfig(path: string | undefined, options: CartConfigOptions): Promise<CartConfig> {
  if (path === undefined) return validateCartConfig({}, options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `${path} is not valid JSON: ${(err as Error).message}` }]);
  }
  return validateCartConfig(parsed, options);
}

/**
 * The configuration of the cart whose data folder is `dataDir`: `file`, else `<dataDir>/config.json` when present,
 * else the defaults; the board is the one its identity names (provisioned from the district's registry), unless the
 * file sets `hardware.profile`.
 */
export async function loadCartConfigFor(dataDir: string, file: string | undefined, options: { simulate: boolean }): Promise<CartConfig> {
  const path = file ?? (existsSync(join(dataDir, 'config.json')) ? join(dataDir, 'config.json') : undefined);
  const identity = await loadIdentity(dataDir);
  return loadCartConfig(path, { ...options, ...(identity ? { profile: identity.profile } : {}) });
}
