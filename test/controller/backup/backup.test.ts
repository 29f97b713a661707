// Backups of a controller data folder made while the database is written to, restored into a new folder: the reports
// from the copy equal the original's; the secrets are sealed and need the passphrase; a restore never overwrites.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupError, listBackups, makeBackup, pruneBackups, restoreBackup, RESTORE_BOOT_MARGIN } from '../../../controller/backup/index.js';
import { openControllerDb } from '../../../controller/db/database.js';
import { computeReport, parsePeriod } from '../../../controller/reports/index.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { makeControllerFolder, NOW, PERIOD } from './fixture.js';

const PASS = 'mật khẩu dài của huyện';
let dir: string;
let data: string;
let out: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-backup-'));
  data = join(dir, 'data');
  out = join(dir, 'backups');
  await makeControllerFolder(data);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(folder: string): Promise<unknown> {
  const db = await SqliteDb.open(join(folder, 'controller.db'));
  try {
    return await computeReport(db, { period: parsePeriod(PERIOD), now: NOW, rollup: false });
  } finally {
    await db.close();
  }
}

describe('makeBackup while the controller writes, then restoreBackup', () => {
  it('copies a consistent snapshot; the restored reports equal the original ones', async () => {
    const before = await report(data);
    const db = await openControllerDb(join(data, 'controller.db'));
    let writes = 0;
    let stop = false;
    try {
      await db.exclusive(() => db.exec('CREATE TABLE noise (n INTEGER PRIMARY KEY, at TEXT NOT NULL)'));
      // Rows committed one transaction each, all through the backup.
      const writer = (async () => {
        while (!stop) {
          // Counted once committed: the backup may start while row n is still being written.
          const n = writes + 1;
          await db.transaction(() => db.run('INSERT INTO noise (n, at) VALUES (?, ?)', [n, 'x'.repeat(200)]));
          writes = n;
        }
      })();
      while (writes < 20) await new Promise((r) => setTimeout(r, 1));
      const startedAt = writes;
      const done = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS, clock: () => Date.UTC(2026, 11, 2, 19, 0, 5) });
      stop = true;
      await writer;
      expect(writes).toBeGreaterThan(startedAt);
      expect(done.path).toBe(join(out, 'loa-backup-20261202-190005Z'));
      expect(done.secrets).toBe(3);

      const restored = join(dir, 'restored');
      const r = await restoreBackup({ from: done.path, dataDir: restored, passphrase: PASS });
      expect(r.bootCounter).toBe(12 + RESTORE_BOOT_MARGIN);
      expect(await report(restored)).toEqual(before);

      // One commit's view: the rows 1…k with no gap, k between the rows before and after the backup.
      const copy = await SqliteDb.open(join(restored, 'controller.db'));
      try {
        const c = await copy.get<{ count: number; max: number }>('SELECT count(*) AS count, max(n) AS max FROM noise');
        expect(c!.count).toBe(c!.max);
        expect(c!.count).toBeGreaterThanOrEqual(startedAt);
        expect(c!.count).toBeLessThanOrEqual(writes);
        expect((await copy.get<{ integrity_check: string }>('PRAGMA integrity_check'))!.integrity_check).toBe('ok');
      } finally {
        await copy.close();
      }

      // Secrets back with their bytes and mode 0600; clips and public files as they were; temp files left out.
      for (const f of ['district-key', 'broker-controller.secret', 'bundles/dan-luc-01.json']) {
        expect(await readFile(join(restored, f))).toEqual(await readFile(join(data, f)));
        expect((await stat(join(restored, f))).mode & 0o777).toBe(0o600);
      }
      expect(await readFile(join(restored, 'clips', 'a'.repeat(64)))).toEqual(await readFile(join(data, 'clips', 'a'.repeat(64))));
      expect(await readFile(join(restored, 'key-rotations', '0001.signed'))).toEqual(Buffer.from([1, 2, 3, 4]));
      expect(await readdir(join(restored, 'clips'))).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
      // Activity photos are copied as files, not sealed with the keys (a year of them would not fit in memory).
      const photo = `${'c'.repeat(64)}.jpg`;
      expect(await readFile(join(done.path, 'files', 'photos', photo))).toEqual(await readFile(join(data, 'photos', photo)));
      expect(await readFile(join(restored, 'photos', photo))).toEqual(await readFile(join(data, 'photos', photo)));
      expect((await stat(restored)).mode & 0o777).toBe(0o700);
    } finally {
      stop = true;
      await db.close();
    }
  });

  it('keeps the secrets out of the backup in clear', async () => {
    const done = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS });
    const names = await readdir(done.path, { recursive: true });
    expect(names).not.toContain('district-key');
    expect(names.some((n) => n.includes('bundles'))).toBe(false);
    const sealed = await readFile(join(done.path, 'secrets.enc'), 'utf8');
    expect(sealed).not.toContain('ab'.repeat(32));
    expect(sealed).not.toContain(Buffer.from('ab'.repeat(32)).toString('base64').slice(0, 20));
    expect(await readdir(out)).toEqual([done.path.slice(out.length + 1)]);
  });
});

describe('restoreBackup refuses', () => {
  it('a wrong passphrase, writing nothing', async () => {
    const done = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS });
    const target = join(dir, 'restored');
    const err = await restoreBackup({ from: done.path, dataDir: target, passphrase: 'sai' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).code).toBe('wrong-passphrase');
    expect((err as Error).message).toMatch(/wrong backup passphrase/);
    expect(await readdir(dir)).toEqual(['backups', 'data']);
  });

  it('a folder that holds anything, leaving it as it was', async () => {
    const done = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS });
    const target = join(dir, 'busy');
    await mkdir(target);
    await writeFile(join(target, 'notes.txt'), 'giữ nguyên');
    const err = await restoreBackup({ from: done.path, dataDir: target, passphrase: PASS }).catch((e: unknown) => e);
    expect((err as BackupError).code).toBe('target-not-empty');
    expect(await readdir(target)).toEqual(['notes.txt']);
    // An empty folder is fine.
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await restoreBackup({ from: done.path, dataDir: empty, passphrase: PASS });
    expect((await readdir(empty)).sort()).toContain('controller.db');
  });

  it('a damaged backup, before writing', async () => {
    const done = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS });
    await writeFile(join(done.path, 'files', 'clips', 'a'.repeat(64)), 'changed');
    const err = await restoreBackup({ from: done.path, dataDir: join(dir, 'restored'), passphrase: PASS }).catch((e: unknown) => e);
    expect((err as BackupError).code).toBe('damaged');
    expect(await readdir(dir)).toEqual(['backups', 'data']);
  });
});

describe('pruneBackups', () => {
  it('keeps the newest N and removes the half backups killed runs left', async () => {
    for (const s of [1, 2, 3]) await makeBackup({ dataDir: data, outDir: out, passphrase: PASS, clock: () => Date.UTC(2026, 10, s, 19) });
    await mkdir(join(out, '.loa-backup-20261104-190000Z.partial'));
    expect(await pruneBackups(out, 2)).toEqual(['loa-backup-20261101-190000Z', '.loa-backup-20261104-190000Z.partial']);
    expect(await listBackups(out)).toEqual(['loa-backup-20261102-190000Z', 'loa-backup-20261103-190000Z']);
  });
});
