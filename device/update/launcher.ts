/**
 * Which program `loa unit run` runs: the packaged one (/usr/lib/loa/<pkgver>, installed by the .deb) or a release
 * installed over the air (`<releases>/current`). Runs first in every start, before anything heavy is loaded, and
 * always from the packaged code, so a broken release can never break the choice.
 *
 * - The packaged version is the floor: no `current`, or a `current` not newer than it (a technician's apt upgrade
 *   wins), runs the packaged program.
 * - A version on trial is counted (attempts + 1, durably) before each start; past `maxAttempts` (a crash loop, or a
 *   hang the watchdog killed) or once the version itself marked its trial failed (health check), it is rolled back
 *   BEFORE anything runs: `current` back to the previous version, its database restored when it was backed up,
 *   the failure kept for the old program to report.
 * - The chosen release runs in this same process (`import()` of its dist/cli/main.js): same PID, so systemd's
 *   NotifyAccess=main and the watchdog keep working; its own node_modules resolve from its folder.
 *
 * Power cuts: each step is durable, and a start that finds a half-done switch or rollback finishes it (see
 * `settleInterrupted`).
 */
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { compareVersions } from '../../protocol/release.js';
import { copyFileDurably, moveDurably } from '../../lib/durable.js';
import { currentVersion, readState, releaseMainFile, switchCurrent, writeState, type ReleasesState, type Trial, type TrialFailure } from './releases.js';

export const DEFAULT_MAX_ATTEMPTS = 3;

export interface ChooseOptions {
  releasesDir: string;
  packagedVersion: string;
  maxAttempts?: number;
  now?: () => number;
  /** One line for the journal. */
  log?: (line: string) => void;
}

export type LaunchChoice = { kind: 'packaged'; why: string } | { kind: 'release'; version: string; main: string; trial: boolean };

/** Decides what runs, after finishing or doing any rollback; every change is durable before it resolves. */
export async function chooseProgram(o: ChooseOptions): Promise<LaunchChoice> {
  const dir = o.releasesDir;
  const log = o.log ?? (() => undefined);
  const state = await readState(dir);
  let current = await currentVersion(dir);
  current = await settleInterrupted(o, state, current);
  if (current === null) return { kind: 'packaged', why: 'no release installed over the air' };
  const trial = state.trial?.version === current ? state.trial : null;
  if (compareVersions(current, o.packagedVersion) <= 0) {
    if (trial !== null) {
      state.trial = null;
      await writeState(dir, state);
    }
    return { kind: 'packaged', why: `release ${current} is not newer than the packaged ${o.packagedVersion}` };
  }
  if (!existsSync(releaseMainFile(dir, current))) {
    if (trial !== null) return rollBack(o, state, trial, 'missing-release');
    log(`release ${current} is missing from ${dir}: running the packaged ${o.packagedVersion}`);
    await switchCurrent(dir, null);
    return { kind: 'packaged', why: `release ${current} is missing` };
  }
  if (trial === null) return { kind: 'release', version: current, main: releaseMainFile(dir, current), trial: false };
  if (trial.failed !== undefined) return rollBack(o, state, trial, trial.failed);
  trial.attempts += 1;
  trial.startedAt ??= (o.now ?? Date.now)();
  if (trial.attempts > (o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return rollBack(o, state, trial, 'crash-loop');
  await writeState(dir, state);
  if (trial.database !== undefined && !trial.database.backedUp) {
    try {
      await backUpDatabase(trial.database.path, trial.database.backup);
    } catch (err) {
      log(`cannot back up ${trial.database.path} before release ${trial.version} migrates it: ${(err as Error).message}`);
      return rollBack(o, state, trial, 'backup-failed');
    }
    trial.database.backedUp = true;
    await writeState(dir, state);
  }
  log(`release ${trial.version} on trial: start ${trial.attempts} of ${o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}`);
  return { kind: 'release', version: current, main: releaseMainFile(dir, current), trial: true };
}

/**
 * A trial whose version is not `current`: either the updater was cut between writing the trial and switching the
 * link (nothing started yet: the switch is finished, the release folder being complete), or a rollback was cut after
 * it marked the trial failed (it is finished). Resolves what `current` is now.
 */
async function settleInterrupted(o: ChooseOptions, state: ReleasesState, current: string | null): Promise<string | null> {
  const trial = state.trial;
  if (trial === null || trial.version === current) return current;
  if (trial.failed !== undefined) {
    await rollBack(o, state, trial, trial.failed);
    return state.trial === null ? await currentVersion(o.releasesDir) : current;
  }
  if (trial.attempts === 0 && current === trial.previous && existsSync(releaseMainFile(o.releasesDir, trial.version))) {
    await switchCurrent(o.releasesDir, trial.version);
    return trial.version;
  }
  state.trial = null;
  await writeState(o.releasesDir, state);
  return current;
}

/**
 * Gives the trial version up: marks it failed (with what its database held, when it is to be restored), points
 * `current` back, restores the database, then clears the trial and keeps the failure for the old program to report.
 * Each step may be repeated after a cut. Resolves the choice of the previous version.
 */
async function rollBack(o: ChooseOptions, state: ReleasesState, trial: Trial, reason: TrialFailure): Promise<LaunchChoice> {
  const dir = o.releasesDir;
  const restore = trial.database?.backedUp === true ? trial.database : null;
  if (trial.failed === undefined || (restore !== null && trial.carry === undefined)) {
    trial.failed = reason;
    if (restore !== null) trial.carry = await readCarry(restore.path, restore.backup);
    await writeState(dir, state);
  }
  await switchCurrent(dir, trial.previous);
  if (restore !== null) await restoreDatabase(restore.path, restore.backup);
  state.trial = null;
  state.lastFailure = { version: trial.version, reason, at: (o.now ?? Date.now)() };
  state.lastFailureReported = false;
  state.restoredCarry = trial.carry ?? null;
  await writeState(dir, state);
  o.log?.(`release ${trial.version} failed (${reason}): back to ${trial.previous ?? `the packaged ${o.packagedVersion}`}${restore ? ', its database restored from before the update' : ''}`);
  if (trial.previous === null || compareVersions(trial.previous, o.packagedVersion) <= 0) return { kind: 'packaged', why: `release ${trial.version} rolled back (${reason})` };
  return { kind: 'release', version: trial.previous, main: releaseMainFile(dir, trial.previous), trial: false };
}

// --- the database of a trial whose schema the previous version cannot read -------------------------------------------

/**
 * A consistent copy of cart.db made with SQLite's VACUUM INTO while no program has it open (the launcher runs
 * before the trial version's first start), flushed and renamed into place.
 */
export async function backUpDatabase(path: string, backup: string): Promise<void> {
  if (!existsSync(path)) return;
  const { SqliteDb } = await import('../../lib/sqlite.js');
  const temp = `${backup}.tmp`;
  await unlink(temp).catch(() => undefined);
  const db = await SqliteDb.open(path);
  try {
    await db.run('VACUUM INTO ?', [temp]);
  } finally {
    await db.close();
  }
  await moveDurably(temp, backup);
}

/** What the failed version's database knew that the restored one must not forget: the numbering, the command counter, how many records go. */
async function readCarry(path: string, backup: string): Promise<NonNullable<Trial['carry']>> {
  const carry: NonNullable<Trial['carry']> = { nextRecord: null, lastCommandCounter: null, lostRecords: null };
  if (!existsSync(path)) return carry;
  try {
    const { SqliteDb } = await import('../../lib/sqlite.js');
    const before = await SqliteDb.open(backup);
    const from = (await before.get<{ value: number }>("SELECT value FROM counters WHERE name = 'next_record'"))?.value ?? 1;
    await before.close();
    const db = await SqliteDb.open(path);
    try {
      carry.nextRecord = (await db.get<{ value: number }>("SELECT value FROM counters WHERE name = 'next_record'"))?.value ?? null;
      const counter = await db.get<{ value: string }>("SELECT value FROM settings WHERE key = 'lastCommandCounter'");
      carry.lastCommandCounter = counter === undefined ? null : Number(JSON.parse(counter.value));
      carry.lostRecords = (await db.get<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE acked_ms IS NULL AND record >= ?', [from]))?.n ?? null;
    } finally {
      await db.close();
    }
  } catch {
    // A database the failed version left unreadable: restored all the same, the numbering raised by the program later.
  }
  return carry;
}

/** Puts the backup back: the failed version's write-ahead log first removed, so it is never replayed onto the copy. */
async function restoreDatabase(path: string, backup: string): Promise<void> {
  if (!existsSync(backup)) return;
  for (const extra of ['-wal', '-shm']) await unlink(`${path}${extra}`).catch(() => undefined);
  await copyFileDurably(backup, path);
}

// --- `loa unit run` ----------------------------------------------------------------------------------------------

/** True for `loa [--lang x] unit run …`: the only command that runs a release. */
export function isUnitRun(argv: readonly string[]): boolean {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--lang') i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words[0] === 'unit' && words[1] === 'run';
}

export type ProgramMain = (argv: string[]) => Promise<number>;

/**
 * For `loa unit run` with LOA_RELEASES set: the `main` of the release to run (in this process, with
 * LOA_RELEASE_RUNNING set to its version), or null to run the packaged program. A launcher failure never stops the
 * cart: it is told on stderr and the packaged program runs.
 */
export async function launchRelease(argv: readonly string[], env: NodeJS.ProcessEnv, packaged: () => string): Promise<ProgramMain | null> {
  const dir = env.LOA_RELEASES;
  if (dir === undefined || dir === '' || env.LOA_RELEASE_RUNNING !== undefined || !isUnitRun(argv)) return null;
  const log = (line: string): void => void process.stderr.write(`loa: ${line}\n`);
  const maxAttempts = Number(env.LOA_UPDATE_MAX_ATTEMPTS ?? DEFAULT_MAX_ATTEMPTS);
  let choice: LaunchChoice;
  let packagedVersion = 'packaged';
  try {
    packagedVersion = packaged();
    choice = await chooseProgram({ releasesDir: dir, packagedVersion, maxAttempts, log });
  } catch (err) {
    log(`cannot choose the release to run (${(err as Error).message}): running the packaged ${packagedVersion}`);
    return null;
  }
  if (choice.kind === 'packaged') return null;
  env.LOA_RELEASE_RUNNING = choice.version;
  try {
    const m = (await import(pathToFileURL(choice.main).href)) as { main: ProgramMain };
    return m.main;
  } catch (err) {
    // A version on trial that cannot even load has crashed: its start was counted, the next ones roll it back.
    if (choice.trial) throw err;
    log(`release ${choice.version} cannot load (${(err as Error).message}): running the packaged ${packagedVersion}`);
    delete env.LOA_RELEASE_RUNNING;
    return null;
  }
}
