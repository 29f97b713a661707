// The releases folder and the launcher's choices, on real files: the packaged floor, the trial counted before each
// start, the rollbacks (crash loop, failed health check, missing release), a switch or a rollback a power cut left
// half done, and the cart database of a version that migrates it: backed up with VACUUM INTO before its first start
// and restored on rollback (schema above what the previous version reads), or kept as it is (within).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backUpDatabase, chooseProgram, isUnitRun } from '../../../device/update/launcher.js';
import { budgetDay, currentVersion, ownVersion, readState, releaseArch, switchCurrent, updateState, writeState, EMPTY_STATE } from '../../../device/update/releases.js';
import { settleRollback } from '../../../device/update/health.js';
import { CartStore } from '../../../device/store/index.js';
import { SqliteDb } from '../../../lib/sqlite.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function releasesDir(...versions: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-releases-'));
  dirs.push(dir);
  for (const v of versions) {
    await mkdir(join(dir, v, 'dist', 'cli'), { recursive: true });
    await writeFile(join(dir, v, 'dist', 'cli', 'main.js'), 'export async function main() { return 0; }\n');
  }
  return dir;
}

const choose = (dir: string, over: Partial<Parameters<typeof chooseProgram>[0]> = {}) => chooseProgram({ releasesDir: dir, packagedVersion: '0.1.0', now: () => 1_000, ...over });

/** As the updater leaves it: the trial written, then `current` switched. */
async function installed(dir: string, version: string, previous: string | null, extra: object = {}): Promise<void> {
  await updateState(dir, (s) => {
    s.trial = { version, previous, attempts: 0, ...extra };
  });
  await switchCurrent(dir, version);
}

describe('releases folder', () => {
  it('switches current atomically as a relative link, and removes it for the packaged version', async () => {
    const dir = await releasesDir('0.2.0', '0.3.0');
    expect(await currentVersion(dir)).toBeNull();
    await switchCurrent(dir, '0.2.0');
    await switchCurrent(dir, '0.3.0');
    expect(await readlink(join(dir, 'current'))).toBe('0.3.0');
    expect(existsSync(join(dir, 'current.new'))).toBe(false);
    await switchCurrent(dir, null);
    expect(await currentVersion(dir)).toBeNull();
  });

  it('reads a missing state as empty and writes it durably', async () => {
    const dir = await releasesDir();
    expect(await readState(dir)).toEqual(EMPTY_STATE);
    await writeState(dir, { ...EMPTY_STATE, budget: { day: 3, bytes: 10 } });
    expect((await readState(dir)).budget).toEqual({ day: 3, bytes: 10 });
  });

  it('knows the architectures, the budget day in Vietnam time and its own version', () => {
    expect([releaseArch('arm64'), releaseArch('arm'), releaseArch('x64'), releaseArch('ia32')]).toEqual(['arm64', 'armhf', 'amd64', null]);
    // 17:00 UTC is midnight in Vietnam: a new budget day.
    expect(budgetDay(Date.UTC(2026, 0, 1, 16, 59))).toBe(budgetDay(Date.UTC(2026, 0, 1, 0, 0)));
    expect(budgetDay(Date.UTC(2026, 0, 1, 17, 0))).toBe(budgetDay(Date.UTC(2026, 0, 1, 0, 0)) + 1);
    expect(ownVersion(import.meta.url)).toMatch(/^\d+\.\d+\.\d+/u);
  });

  it('launches only for `loa unit run`', () => {
    expect(isUnitRun(['unit', 'run', '--sim'])).toBe(true);
    expect(isUnitRun(['--lang', 'en', 'unit', 'run'])).toBe(true);
    expect(isUnitRun(['unit', 'status'])).toBe(false);
    expect(isUnitRun(['controller', 'run'])).toBe(false);
  });
});

describe('the launcher', () => {
  it('runs the packaged program with no release, or one not newer than it', async () => {
    const dir = await releasesDir('0.1.0');
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    await installed(dir, '0.1.0', null);
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    // A technician's apt upgrade wins, and the trial of the older release is dropped.
    expect((await readState(dir)).trial).toBeNull();
  });

  it('counts each start of a version on trial and rolls a crash loop back to the previous version', async () => {
    const dir = await releasesDir('0.2.0', '0.3.0');
    await switchCurrent(dir, '0.2.0');
    await installed(dir, '0.3.0', '0.2.0');
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.3.0', trial: true });
      expect((await readState(dir)).trial).toMatchObject({ attempts: attempt, startedAt: 1_000 });
    }
    expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.2.0', trial: false });
    const state = await readState(dir);
    expect(state).toMatchObject({ trial: null, lastFailure: { version: '0.3.0', reason: 'crash-loop', at: 1_000 }, lastFailureReported: false });
    expect(await currentVersion(dir)).toBe('0.2.0');
  });

  it('rolls back at once a version that marked its trial failed, to the packaged one when it came from there', async () => {
    const dir = await releasesDir('0.2.0');
    await installed(dir, '0.2.0', null);
    expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.2.0' });
    await updateState(dir, (s) => (s.trial!.failed = 'health-timeout'));
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    expect(await currentVersion(dir)).toBeNull();
    expect((await readState(dir)).lastFailure).toMatchObject({ version: '0.2.0', reason: 'health-timeout' });
  });

  it('rolls back a trial whose release folder is gone', async () => {
    const dir = await releasesDir('0.2.0');
    await installed(dir, '0.2.0', null);
    await rm(join(dir, '0.2.0'), { recursive: true });
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    expect((await readState(dir)).lastFailure).toMatchObject({ reason: 'missing-release' });
  });

  it('finishes a switch a cut stopped after the trial was written', async () => {
    const dir = await releasesDir('0.2.0');
    await updateState(dir, (s) => (s.trial = { version: '0.2.0', previous: null, attempts: 0 }));
    expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.2.0', trial: true });
    expect(await currentVersion(dir)).toBe('0.2.0');
  });

  it('finishes a rollback a cut stopped after the link went back', async () => {
    const dir = await releasesDir('0.2.0', '0.3.0');
    await switchCurrent(dir, '0.2.0');
    await updateState(dir, (s) => (s.trial = { version: '0.3.0', previous: '0.2.0', attempts: 2, failed: 'crash-loop' }));
    expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.2.0', trial: false });
    expect(await readState(dir)).toMatchObject({ trial: null, lastFailure: { version: '0.3.0', reason: 'crash-loop' } });
  });
});

/** A cart database as the running version leaves it: schema 2, some records, two of them acknowledged. */
async function cartDb(): Promise<{ dataDir: string; path: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-update-db-'));
  dirs.push(dataDir);
  const path = join(dataDir, 'cart.db');
  const store = await CartStore.open({ path });
  await store.appendDurable([1, 2, 3].map((n) => ({ type: 'event', at: { time: 1000 + n, source: 'system' }, kind: 'info', code: 'before', detail: `${n}` })));
  await store.acknowledge([[1, 2]]);
  await store.setSetting('lastCommandCounter', 7);
  await store.close();
  return { dataDir, path };
}

/** What a new version does to the database: migrates it to schema 3, keeps records (one acknowledged) and obeys a command. */
async function newVersionWrites(path: string): Promise<void> {
  const db = await SqliteDb.open(path);
  await db.exec('CREATE TABLE v3_things (id INTEGER PRIMARY KEY); PRAGMA user_version = 3;');
  await db.run("UPDATE counters SET value = 10 WHERE name = 'next_record'");
  for (const r of [4, 5, 6, 7, 8, 9]) await db.run('INSERT INTO outbox (record, type, bytes, created_ms, acked_ms) VALUES (?, ?, ?, ?, ?)', [r, 'event', Buffer.from([1]), 1, r === 4 ? 2 : null]);
  await db.run("UPDATE settings SET value = '12' WHERE key = 'lastCommandCounter'");
  await db.close();
}

describe('the database of a version on trial', () => {
  it('is backed up before a migration the previous version cannot read, and restored on rollback without reusing a record number', async () => {
    const dir = await releasesDir('0.2.0');
    const { path } = await cartDb();
    const backup = join(dir, 'cart-before-0.2.0.db');
    await installed(dir, '0.2.0', null, { database: { path, backup, backedUp: false } });
    expect(await choose(dir)).toMatchObject({ kind: 'release', version: '0.2.0' });
    expect((await readState(dir)).trial?.database?.backedUp).toBe(true);
    await newVersionWrites(path);
    // The packaged version cannot open schema 3: that is why it was backed up.
    await expect(CartStore.open({ path })).rejects.toMatchObject({ code: 'schema-too-new' });
    await updateState(dir, (s) => (s.trial!.failed = 'health-timeout'));
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    expect((await readState(dir)).restoredCarry).toEqual({ nextRecord: 10, lastCommandCounter: 12, lostRecords: 5 });

    const store = await CartStore.open({ path });
    const events: [string, string][] = [];
    await settleRollback(dir, store, async (code, detail) => void events.push([code, detail]));
    await settleRollback(dir, store, async (code, detail) => void events.push([code, detail])); // once only
    expect(events).toEqual([['rolled-back', '0.2.0: health-timeout; database restored from before the update, 5 records it kept and had not sent are lost']]);
    expect(await store.getSetting('lastCommandCounter')).toBe(12);
    const [next] = await store.appendDurable([{ type: 'event', at: { time: 2000, source: 'system' }, kind: 'update', code: 'x', detail: '' }]);
    // Above every number the failed version may have sent: its unacknowledged record 3 was numbered 10 again.
    expect(next!.record).toBe(11);
    expect((await store.eventsSince(0)).map((e) => e.code)).toEqual(['before', 'before', 'before', 'x']);
    await store.close();
    expect(await readState(dir)).toMatchObject({ restoredCarry: null, lastFailureReported: true });
  });

  it('is restored by the next start when a cut stopped the rollback before the restore', async () => {
    const dir = await releasesDir('0.2.0');
    const { path } = await cartDb();
    const backup = join(dir, 'cart-before-0.2.0.db');
    await backUpDatabase(path, backup);
    await newVersionWrites(path);
    // The rollback had marked the trial failed with what the database held, and pointed `current` back; then the cut.
    const carry = { nextRecord: 10, lastCommandCounter: 12, lostRecords: 5 };
    await updateState(dir, (s) => (s.trial = { version: '0.2.0', previous: null, attempts: 3, failed: 'crash-loop', carry, database: { path, backup, backedUp: true } }));
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    expect(await readState(dir)).toMatchObject({ trial: null, restoredCarry: carry, lastFailure: { version: '0.2.0', reason: 'crash-loop' } });
    const store = await CartStore.open({ path }); // schema 2 again
    expect((await store.eventsSince(0)).map((e) => e.code)).toEqual(['before', 'before', 'before']);
    await store.close();
  });

  it('is kept as it is when the new version writes a schema the previous one reads: nothing is lost', async () => {
    const dir = await releasesDir('0.2.0');
    const { path } = await cartDb();
    await installed(dir, '0.2.0', null);
    await choose(dir);
    const store = await CartStore.open({ path });
    await store.appendDurable([{ type: 'event', at: { time: 3000, source: 'system' }, kind: 'info', code: 'by-0.2.0', detail: '' }]);
    await store.close();
    await updateState(dir, (s) => (s.trial!.failed = 'health-timeout'));
    expect(await choose(dir)).toMatchObject({ kind: 'packaged' });
    const again = await CartStore.open({ path });
    expect((await again.eventsSince(0)).map((e) => e.code)).toEqual(['before', 'before', 'before', 'by-0.2.0']);
    await again.close();
    expect((await readState(dir)).restoredCarry).toBeNull();
  });
});
