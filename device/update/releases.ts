/**
 * The releases folder of a cart (`LOA_RELEASES`, /var/lib/loa/releases on a Pi): the unpacked releases
 * `<version>/`, the `current` link naming the one to run, `state.json` (the trial of a new version, the last failure,
 * the day's download budget) and `downloads/` (partial downloads).
 *
 * Every change survives a power cut at any instant: state.json is written durably (temp, fsync, rename), `current`
 * is switched by making `current.new` and renaming it over `current`, then flushing the folder. The order of the
 * writes (state first, link second; see launcher.ts and updater.ts) lets the next start finish what a cut stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncFolder, writeFileDurably } from '../../lib/durable.js';
import type { ReleaseArch } from '../../protocol/release.js';

export const STATE_FILE = 'state.json';
export const CURRENT_LINK = 'current';
export const DOWNLOADS_DIR = 'downloads';

/** Why a trial version was given up. */
export type TrialFailure = 'crash-loop' | 'health-timeout' | 'backup-failed' | 'missing-release';

/** The cart database of a trial whose schema the previous version cannot read: backed up before its first start. */
export interface TrialDatabase {
  /** cart.db. */
  path: string;
  /** The copy made (VACUUM INTO) before the new version opened it; restored on rollback. */
  backup: string;
  /** True once the backup is complete and durable. */
  backedUp: boolean;
}

export interface Trial {
  version: string;
  /** The version to go back to; null = the packaged one (no `current` link). */
  previous: string | null;
  /** Starts of the trial version so far (counted by the launcher before each one). */
  attempts: number;
  /** Unix ms of the first start. */
  startedAt?: number;
  /** Set by the trial version itself when it fails its health check; the launcher then rolls back. */
  failed?: TrialFailure;
  database?: TrialDatabase;
  /** Read from the failed version's database when it is to be restored (kept before the restore). */
  carry?: DatabaseCarry;
}

/** What a restored database must not forget of the failed version's (null: unknown, its database unreadable). */
export interface DatabaseCarry {
  /** Its next_record: the restored database numbers its records above, so no number the district stored is reused. */
  nextRecord: number | null;
  /** Its lastCommandCounter: a command the trial version obeyed is not obeyed again. */
  lastCommandCounter: number | null;
  /** Records it kept after the backup and the district had not acknowledged: lost with the restore. */
  lostRecords: number | null;
}

export interface ReleasesState {
  trial: Trial | null;
  lastFailure: { version: string; reason: TrialFailure; at: number } | null;
  lastFailureReported: boolean;
  /** Set by a rollback that restored the database: the program applies it once it has opened the database. */
  restoredCarry: DatabaseCarry | null;
  /** Bytes of release downloads on the day `day` (days since the epoch, Vietnam time). */
  budget: { day: number; bytes: number };
}

export const EMPTY_STATE: ReleasesState = {
  trial: null,
  lastFailure: null,
  lastFailureReported: true,
  restoredCarry: null,
  budget: { day: 0, bytes: 0 },
};

/** Reads state.json; a missing file is the empty state. An unreadable one is reported (the caller decides). */
export async function readState(dir: string): Promise<ReleasesState> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_STATE);
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<ReleasesState>;
  return { ...structuredClone(EMPTY_STATE), ...parsed };
}

export async function writeState(dir: string, state: ReleasesState): Promise<void> {
  await writeFileDurably(join(dir, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
}

/** Reads, changes and durably writes state.json; resolves the new state. */
export async function updateState(dir: string, change: (s: ReleasesState) => void): Promise<ReleasesState> {
  const state = await readState(dir);
  change(state);
  await writeState(dir, state);
  return state;
}

/** The version `current` points at, or null when there is no link (the packaged version runs). */
export async function currentVersion(dir: string): Promise<string | null> {
  try {
    return await readlink(join(dir, CURRENT_LINK));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EINVAL') return null;
    throw err;
  }
}

/**
 * Points `current` at `version` (a relative link, so the folder can move), or removes it (null: the packaged
 * version). Atomic: a reader sees the old link or the new one.
 */
export async function switchCurrent(dir: string, version: string | null): Promise<void> {
  const link = join(dir, CURRENT_LINK);
  if (version === null) {
    await unlink(link).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  } else {
    const next = join(dir, `${CURRENT_LINK}.new`);
    await unlink(next).catch(() => undefined);
    await symlink(version, next);
    await rename(next, link);
  }
  await syncFolder(dir);
}

/** The folder of an installed release, and its program. */
export function releaseDir(dir: string, version: string): string {
  return join(dir, version);
}

export function releaseMainFile(dir: string, version: string): string {
  return join(dir, version, 'dist', 'cli', 'main.js');
}

/** The release architecture of a Node architecture (process.arch), or null for one Loa is not built for. */
export function releaseArch(nodeArch: string): ReleaseArch | null {
  if (nodeArch === 'arm64') return 'arm64';
  if (nodeArch === 'arm') return 'armhf';
  if (nodeArch === 'x64') return 'amd64';
  return null;
}

/** Days since the epoch in Vietnam time (UTC+7, no daylight saving): the download budget's day. */
export function budgetDay(nowMs: number): number {
  return Math.floor((nowMs + 7 * 3600_000) / 86_400_000);
}

/**
 * The version in the package.json above `moduleUrl` (this program's own: the packaged one, or a release's). Found by
 * walking up, so it works from the compiled `dist/` and from the TypeScript sources alike.
 */
export function ownVersion(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'loa' && typeof pkg.version === 'string') return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json of loa above ${fileURLToPath(moduleUrl)}: the program's files are incomplete, reinstall it`);
    dir = up;
  }
}
