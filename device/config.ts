/**
 * The cart's configuration: a JSON file (`--config FILE`, default `<data>/config.json` when present) over embedded
 * defaults, checked at start. Every problem is reported at once with its key path and value (ConfigError).
 *
 *   { "hardware": {…}, "player": {…}, "policy": {…}, "link": {…}, "storage": {…}, "cues": {…} }
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, showValue, type ConfigProblem } from '../lib/config-error.js';
import { check, must, Type, within, type RuleContext, type Static } from '../lib/schema.js';
import { hardwareRules, hardwareSchema, mergeHardwareSection, type HardwareConfig } from '../hardware/board/config.js';
import { isBoardProfileName, type BoardProfile } from '../hardware/board/profiles.js';
import { loadIdentity } from './identity.js';
import { completePolicy, policyRules, policySchema, type PolicyConfig } from './logic/policy-config.js';
import { DEFAULT_TIMING } from './player/player.js';

const closed = { additionalProperties: false } as const;
const number = (minimum: number, maximum: number, value: number, unit?: string) => Type.Number({ minimum, maximum, default: value, ...(unit ? { 'x-unit': unit } : {}) });

const playerSchema = Type.Object(
  {
    warmupMs: number(0, 30_000, DEFAULT_TIMING.warmupMs, 'ms'),
    tailMs: number(0, 30_000, DEFAULT_TIMING.tailMs, 'ms'),
    pauseTimeoutMs: number(1000, 3_600_000, DEFAULT_TIMING.pauseTimeoutMs, 'ms'),
    volumeStep: number(1, 50, DEFAULT_TIMING.volumeStep, '%'),
    initialVolume: number(0, 100, 60, '%'),
  },
  { ...closed, default: {} },
);

const serialLink = Type.Object({ path: Type.String({ pattern: '^/', ...must('a serial port path such as /dev/ttyUSB1', 'đường dẫn cổng nối tiếp, ví dụ /dev/ttyUSB1') }), baudRate: Type.Integer({ minimum: 300, maximum: 4_000_000 }) }, closed);

const linkSchema = Type.Object(
  {
    telemetryPeriodMs: number(1000, 3_600_000, 30_000, 'ms'),
    serial: Type.Union([serialLink, Type.Null()], {
      default: null,
      description: 'a serial link (radio modem, USB cable) as well as, or instead of, MQTT; null = none',
      ...must('null or { "path": "/dev/ttyUSB1", "baudRate": 57600 }', 'null hoặc { "path": "/dev/ttyUSB1", "baudRate": 57600 }'),
    }),
    maxFrameBytes: number(128, 65_536, 1024, 'bytes'),
  },
  { ...closed, default: {} },
);

const days = (value: number) => number(1, 3650, value, 'days');
const storageSchema = Type.Object(
  {
    maxUnacked: number(100, 100_000_000, 200_000),
    trackDays: days(90),
    samplesDays: days(90),
    ackedDays: days(30),
  },
  { ...closed, default: {}, description: 'maxUnacked: unacknowledged durable records kept at most; beyond, the oldest are dropped and the loss is reported' },
);

/** The spoken cues that answer a press the cart cannot obey (device/content/cues.ts): short and quiet. */
const cuesSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    volumePercent: number(0, 100, 30, '%'),
  },
  { ...closed, default: {}, description: 'enabled: answer a refused press aloud; volumePercent: the cues\' volume (the quiet zone\'s cap still applies)' },
);

/**
 * The cart's configuration, its `hardware` section already merged over the defaults of its board profile (which
 * {@link validateCartConfig} does: check a document through it, never through this schema alone).
 */
export const cartConfigSchema = Type.Object({ hardware: hardwareSchema, player: playerSchema, policy: policySchema, link: linkSchema, storage: storageSchema, cues: cuesSchema }, closed);

export type LinkConfig = Static<typeof linkSchema>;
export type StorageConfig = Static<typeof storageSchema>;
export type CuesConfig = Static<typeof cuesSchema>;
export type CartConfig = Omit<Static<typeof cartConfigSchema>, 'policy'> & { policy: PolicyConfig };

export const DEFAULT_LINK: LinkConfig = check(linkSchema, undefined);
export const DEFAULT_STORAGE: StorageConfig = check(storageSchema, undefined);

export interface CartConfigOptions {
  /** From `--sim`: forces the simulators. */
  simulate: boolean;
  /** The board when the file names none (`hardware.profile`): the one in the cart's identity. */
  profile?: string;
}

/** What the sections' schemas cannot say (pins of the board used once, windows that end after they start…). */
function cartRules(board: BoardProfile): (c: Static<typeof cartConfigSchema>, ctx: RuleContext) => void {
  return (c, ctx) => {
    if (ctx.typed('hardware')) hardwareRules(board)(c.hardware, within(ctx, 'hardware'));
    if (ctx.typed('policy')) policyRules(c.policy, within(ctx, 'policy'));
  };
}

/**
 * Checks a parsed configuration, every section (the policy too) against {@link cartConfigSchema}, and lists every
 * problem at once (a {@link ConfigError}); `simulate` (from `--sim`) forces the simulators. The one entry point for
 * a configuration from any source (the file, a remote document merged over it).
 */
export function validateCartConfig(input: unknown, options: CartConfigOptions): CartConfig {
  const problems: ConfigProblem[] = [];
  const o = input === undefined ? {} : input;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new ConfigError([{ path: '(file)', message: `${showValue(input)} must be a JSON object`, vi: `${showValue(input)} không hợp lệ, cần một đối tượng JSON { … }` }]);
  }
  const given: unknown = (o as Record<string, unknown>).hardware;
  const section = given === undefined ? {} : given;
  const sectionNamesBoard = typeof section === 'object' && section !== null && 'profile' in section;
  const profile = options.profile;
  if (profile !== undefined && !isBoardProfileName(profile) && !sectionNamesBoard) {
    problems.push({
      path: 'identity.profile',
      message: `${showValue(profile)} is not a board this version knows: set hardware.profile in the configuration`,
      vi: `${showValue(profile)} không phải bo mạch phiên bản này biết: hãy đặt hardware.profile trong cấu hình`,
    });
  }
  const written = typeof section === 'object' && section !== null && !Array.isArray(section) ? { simulate: false, ...section } : section;
  const { merged, board } = mergeHardwareSection(written, isBoardProfileName(profile) ? profile : undefined, problems);
  let config: Static<typeof cartConfigSchema> | undefined;
  try {
    config = check(cartConfigSchema, { ...o, hardware: merged }, { rules: cartRules(board) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  const hardware: HardwareConfig = options.simulate ? { ...config.hardware, simulate: true } : config.hardware;
  return { ...config, hardware, policy: completePolicy(config.policy) };
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
