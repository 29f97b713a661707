// Schema creation and forward migrations on real files, and the durability settings of every connection.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartStore } from '../../../device/store/index.js';
import { migrate, MIGRATIONS, userVersion, type Migration } from '../../../device/store/schema.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { play, T0, tempDir } from './fixtures.js';

describe('schema', () => {
  it('creates every table in an empty file, in WAL mode with synchronous=FULL', async () => {
    const path = join(await tempDir(), 'cart.db');
    await writeFile(path, ''); // an empty file is a new database
    const store = await CartStore.open({ path });
    await store.appendDurable([play(T0)]);
    const db = await SqliteDb.open(path);
    expect(await userVersion(db)).toBe(MIGRATIONS.length);
    const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
    expect(tables).toEqual(['command_results', 'counters', 'events', 'outbox', 'play_checkpoints', 'plays', 'power_samples', 'runtime_counters', 'settings', 'track_points']);
    expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await db.get('PRAGMA synchronous')).toEqual({ synchronous: 2 }); // FULL
    expect(await db.get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
    await db.close();
    await store.close();
  });

  it('migrates forward one step at a time and keeps the data', async () => {
    const path = join(await tempDir(), 'cart.db');
    const v1: Migration = { description: 'one', sql: 'CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);' };
    const v2: Migration = { description: 'two', sql: "ALTER TABLE a ADD COLUMN y TEXT; UPDATE a SET y = 'kept';" };
    const steps: number[] = [];
    const db = await SqliteDb.open(path);
    expect(await migrate(db, [v1], (to) => steps.push(to))).toBe(0);
    expect(await migrate(db, [v1, v2], (to) => steps.push(to))).toBe(1);
    expect(await migrate(db, [v1, v2], (to) => steps.push(to))).toBe(2); // nothing left to do
    expect(steps).toEqual([1, 2]);
    expect(await db.all('SELECT x, y FROM a')).toEqual([{ x: 1, y: 'kept' }]);
    await db.close();
  });

  it('leaves the old version in place when a migration fails', async () => {
    const path = join(await tempDir(), 'cart.db');
    const db = await SqliteDb.open(path);
    await migrate(db, [{ description: 'one', sql: 'CREATE TABLE a (x INTEGER);' }]);
    const broken: Migration = { description: 'broken', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' };
    await expect(migrate(db, [{ description: 'one', sql: '' }, broken])).rejects.toThrow(/no such table: nowhere/);
    expect(await userVersion(db)).toBe(1);
    expect(await db.all("SELECT name FROM sqlite_master WHERE name = 'b'")).toEqual([]);
    await db.close();
  });

  it('refuses a database written by a newer program', async () => {
    const path = join(await tempDir(), 'cart.db');
    const db = await SqliteDb.open(path);
    await db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    await db.close();
    await expect(CartStore.open({ path })).rejects.toMatchObject({ code: 'schema-too-new' });
  });
});
