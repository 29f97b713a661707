// The fleet area's origin migration on a real SQLite file that already holds a unit: the unit registered before it
// keeps origin 0, 0 (its bundle had none, its cart encodes fixes from 0, 0); a unit registered after it gets the
// configured district origin, in the registry and in its bundle.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { dataPaths, ensureDataDir } from '../../../controller/app/data-dir.js';
import { openOffice, provisionUnit } from '../../../controller/app/office.js';
import { FLEET_MIGRATIONS, migrateArea, openControllerDb } from '../../../controller/db/database.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { parseBundle } from '../../../protocol/index.js';
import { TEST_UNIT_KEY } from '../../../tools/vector-cases.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-origin-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A controller database as the program before origins left it: fleet area version 2, one unit registered. */
async function databaseBeforeOrigins(path: string): Promise<void> {
  const db = await SqliteDb.open(path);
  try {
    await migrateArea(db, 'fleet', FLEET_MIGRATIONS.slice(0, 2));
    await db.transaction(async () => {
      await db.run("INSERT INTO communes (id, name) VALUES ('dan-luc', 'Xã Dân Lực')");
      await db.run("INSERT INTO teams (id, commune_id, name) VALUES ('dan-luc-ttt', 'dan-luc', 'Tổ tuyên truyền Dân Lực')");
      await db.run(
        "INSERT INTO units (id, number, commune_id, team_id, profile, provisioned_at, unit_key, password_hash) VALUES ('dan-luc-01', 1, 'dan-luc', 'dan-luc-ttt', 'pi-zero-2w', 1795914000, ?, 'scrypt$x')",
        [TEST_UNIT_KEY],
      );
      await db.run("INSERT INTO unit_state (unit_id) VALUES ('dan-luc-01')");
    });
  } finally {
    await db.close();
  }
}

describe('the origin migration', () => {
  it('keeps 0, 0 for a unit registered before it, and stores the configured origin for a new one', async () => {
    const dataDir = join(dir, 'data');
    await ensureDataDir(dataDir);
    await databaseBeforeOrigins(dataPaths(dataDir).db);
    // Not the default origin, so that it can only have come from this configuration.
    const origin = { lat: 19.9, lon: 105.45 };
    const office = await openOffice(validateControllerConfig({ dataDir, district: { id: 'trieu-son', name: 'Triệu Sơn', origin } }));
    try {
      expect((await office.registry.unitById('dan-luc-01'))?.origin).toEqual({ lat: 0, lon: 0 });
      const done = await provisionUnit(office, { unit: 'dan-luc-02', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
      expect((await office.registry.unitById('dan-luc-02'))?.origin).toEqual(origin);
      expect(done.bundle.origin).toEqual(origin);
      expect(parseBundle(await readFile(done.path)).origin).toEqual(origin);
    } finally {
      await office.close();
    }
    // As stored, read again after a reopen (which migrates nothing more).
    const db = await openControllerDb(dataPaths(dataDir).db);
    try {
      const rows = await db.exclusive(() => db.all('SELECT id, origin_lat AS lat, origin_lon AS lon FROM units ORDER BY number'));
      expect(rows).toEqual([{ id: 'dan-luc-01', lat: 0, lon: 0 }, { id: 'dan-luc-02', ...origin }]);
      expect(await db.exclusive(() => db.get('SELECT version FROM schema_areas WHERE area = ?', ['fleet']))).toEqual({ version: FLEET_MIGRATIONS.length });
    } finally {
      await db.close();
    }
  });
});
