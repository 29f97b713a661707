/**
 * What is wrong with a configuration or an input, shared by every layer that checks one (the cart's hardware and
 * policy sections, the controller's configuration, API bodies): the problem with its key path, the error that lists
 * them all, how a bad value is repeated, and the "did you mean" for a misspelt key.
 */
import { readFile } from 'node:fs/promises';

/** One thing wrong in a configuration: where, and what (the message repeats the bad value). */
export interface ConfigProblem {
  /** Key path, e.g. `hardware.relay.pin`, `policy.quietZones[2].radiusM`. */
  path: string;
  /** English. */
  message: string;
  /** Vietnamese, when there is one (the CLI shows it unless English was asked for). */
  vi?: string;
}

/**
 * A configuration that cannot be used. `problems` lists every problem found, not only the first; the message
 * shows them one a line as `path: what is wrong`, for a technician to fix in one go.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'LOA_CONFIG';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]!.path}: ${problems[0]!.message}`
        : `Invalid configuration (${problems.length} problems):\n${problems.map((p) => `- ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

/** A value as the message repeats it: strings quoted, objects shown briefly. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** {@link showValue} for a Vietnamese message. */
export function showValueVi(value: unknown): string {
  if (value === undefined) return 'không có gì';
  if (Array.isArray(value)) return value.length === 0 ? 'một danh sách rỗng' : `một danh sách ${value.length} mục`;
  if (typeof value === 'object' && value !== null) return 'một đối tượng';
  return showValue(value);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/** The closest of `candidates` to `word` when it is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * The parsed JSON of a configuration file, for a loader to check (no path: undefined, i.e. all the defaults). A file
 * that cannot be read or is not JSON is a ConfigError of one problem at `(file)`, in English and Vietnamese.
 */
export async function readJsonConfig(path: string | undefined): Promise<unknown> {
  if (path === undefined) return undefined;
  let body: string;
  try {
    body = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([{ path: '(file)', message: `${path} cannot be read (${code})`, vi: `không đọc được ${path} (${code})` }]);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `${path} is not valid JSON: ${(err as Error).message}`, vi: `${path} không phải JSON hợp lệ: ${(err as Error).message}` }]);
  }
}
