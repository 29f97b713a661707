/**
 * The cart's small files: JSON read back with a clear error, and the boot counter. Durable writes themselves are in
 * lib/durable.ts.
 *
 * The boot counter: the protocol's replay protection (SPEC.md 2.1) needs a number that is raised at
 * every start and never reused, written to disk before the first frame is sent.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import { MAX_VARINT } from '../../protocol/index.js';
import { StoreError } from './errors.js';

/**
 * Reads and parses a JSON file. Resolves `undefined` when the file does not exist; rejects with
 * `StoreError('bad-file')` when it exists but is not JSON.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StoreError('bad-file', `${path} is not valid JSON; move it away and restore it from a backup`, { cause: err });
  }
}

/** Name of the boot counter file in the cart's data folder. */
export const BOOT_COUNTER_FILE = 'boot-counter.json';

/**
 * Raises the boot counter kept in `dataDir/boot-counter.json` by one and resolves the new value only once it is on
 * the card. The first boot is 1. Call it once per start, before the first frame is sent.
 *
 * Rejects with `StoreError('bad-boot-counter')` when the file exists but does not hold a counter: guessing a value
 * could reuse a boot, and the district would then drop the cart's frames as replays.
 */
export async function nextBootCounter(dataDir: string): Promise<number> {
  const { path, boot } = await readBootCounter(dataDir);
  if (boot >= MAX_VARINT) throw badCounter(path, `is at ${boot}, the largest boot counter the protocol carries`);
  const next = boot + 1;
  await writeFileDurably(path, `${JSON.stringify({ boot: next })}\n`);
  return next;
}

/**
 * Raises the stored boot counter to `last` when it is below (a file is written if there is none), so the next start
 * boots above `last`: the highest boot the district has seen from this cart (provisioning bundle, `highWater`). Never
 * lowers it; with no file and `last` 0 writes nothing. Resolves the counter as stored afterwards; rejects like
 * {@link nextBootCounter} on a damaged file.
 */
export async function raiseBootCounterTo(dataDir: string, last: number): Promise<number> {
  if (!Number.isSafeInteger(last) || last < 0 || last >= MAX_VARINT) throw new RangeError(`last must be a whole number from 0 to ${MAX_VARINT - 1}, got ${String(last)}`);
  const { path, boot } = await readBootCounter(dataDir);
  if (boot >= last) return boot;
  await writeFileDurably(path, `${JSON.stringify({ boot: last })}\n`);
  return last;
}

async function readBootCounter(dataDir: string): Promise<{ path: string; boot: number }> {
  if (typeof dataDir !== 'string' || dataDir === '') throw new TypeError(`dataDir must be a folder path, got ${JSON.stringify(dataDir)}`);
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, BOOT_COUNTER_FILE);
  let stored: unknown;
  try {
    stored = await readJsonFile(path);
  } catch (err) {
    throw badCounter(path, 'is not valid JSON', err);
  }
  if (stored === undefined) return { path, boot: 0 };
  const value = typeof stored === 'object' && stored !== null ? (stored as { boot?: unknown }).boot : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badCounter(path, `holds ${JSON.stringify(stored)}`);
  return { path, boot: value };
}

function badCounter(path: string, what: string, cause?: unknown): StoreError {
  return new StoreError(
    'bad-boot-counter',
    `${path} ${what}, not {"boot": <number>}. Write {"boot": N} there with N above the last boot the district saw from this cart, then restart`,
    cause === undefined ? undefined : { cause },
  );
}
