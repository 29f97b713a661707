// The promise wrapper over sqlite3: errors reach the caller, transactions are atomic and never interleave.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../lib/sqlite.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'loa-sqlite-'));

async function fresh(): Promise<{ db: SqliteDb; path: string }> {
  const path = join(await tempDir(), 'w.db');
  const db = await SqliteDb.open(path);
  await db.exec('CREATE TABLE t (n INTEGER, who TEXT)');
  return { db, path };
}

describe('SqliteDb', () => {
  it('rejects bad SQL every time instead of hanging', async () => {
    const { db } = await fresh();
    await expect(db.run('INSERT INTO nowhere VALUES (1)')).rejects.toThrow(/no such table: nowhere/);
    await expect(db.all('SELECT * FROM nowhere')).rejects.toThrow(/no such table: nowhere/);
    await db.close();
    await expect(db.run('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('rolls a transaction back when its work throws, and others see only committed rows', async () => {
    const { db, path } = await fresh();
    const other = await SqliteDb.open(path);
    await expect(
      db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (1, ?)', ['a']);
        expect(await other.all('SELECT * FROM t')).toEqual([]); // not committed yet
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await db.all('SELECT * FROM t')).toEqual([]);
    const seen: number[] = [];
    await db.transaction(() => db.run('INSERT INTO t VALUES (2, ?)', ['b']), () => seen.push(1));
    expect(seen).toEqual([1]);
    expect(await other.all('SELECT n FROM t')).toEqual([{ n: 2 }]);
    await other.close();
    await db.close();
  });

  it('runs transactions one after the other even when started together', async () => {
    const { db } = await fresh();
    const tx = (who: string): Promise<void> =>
      db.transaction(async () => {
        for (let i = 0; i < 5; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, who]);
      });
    await Promise.all([tx('a'), tx('b'), tx('c')]);
    const rows = await db.all<{ who: string }>('SELECT who FROM t ORDER BY rowid');
    expect(rows.map((r) => r.who).join('')).toBe('aaaaabbbbbccccc');
    await db.close();
  });

  it('inserts many rows in order with multi-row INSERTs', async () => {
    const { db } = await fresh();
    const rows = Array.from({ length: 150 }, (_, i) => [i, `r${i}`]);
    await db.transaction(() => db.insertMany('t', ['n', 'who'], rows));
    await db.insertMany('t', ['n', 'who'], []);
    expect((await db.all<{ n: number }>('SELECT n FROM t ORDER BY rowid')).map((r) => r.n)).toEqual(rows.map((r) => r[0]));
    await db.close();
  });

  it('skips rows whose key is already there when asked, and counts only the rows inserted', async () => {
    const { db } = await fresh();
    await db.exec('CREATE TABLE k (n INTEGER PRIMARY KEY, who TEXT)');
    await db.insertMany('k', ['n', 'who'], [[1, 'old']]);
    const rows = [...Array.from({ length: 300 }, (_, i) => [i, 'new']), [5, 'repeat']];
    expect(await db.transaction(() => db.insertMany('k', ['n', 'who'], rows, { ignoreConflicts: true }))).toBe(299);
    expect(await db.all('SELECT n, who FROM k WHERE n IN (1, 5) ORDER BY n')).toEqual([{ n: 1, who: 'old' }, { n: 5, who: 'new' }]);
    await expect(db.insertMany('k', ['n', 'who'], [[1, 'again']])).rejects.toThrow(/UNIQUE constraint failed/);
    await db.close();
  });
});
