// The fleet area's energy migration on a real SQLite file written by the program before it (fleet version 5): the
// unit's state and its telemetry history are all still there, with the new columns empty ("not known"), and the
// ingest's columns are writable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLEET_MIGRATIONS, migrateArea, openControllerDb } from '../../../controller/db/database.js';
import { listUnitStates } from '../../../controller/fleet/unit-state.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { TEST_UNIT_KEY } from '../../../tools/vector-cases.js';

const T = 1_795_914_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-energy-db-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function databaseBeforeEnergy(path: string): Promise<void> {
  const db = await SqliteDb.open(path);
  try {
    await migrateArea(db, 'fleet', FLEET_MIGRATIONS.slice(0, 5));
    await db.transaction(async () => {
      await db.run("INSERT INTO communes (id, name) VALUES ('dan-luc', 'Xã Dân Lực')");
      await db.run("INSERT INTO teams (id, commune_id, name) VALUES ('dan-luc-ttt', 'dan-luc', 'Tổ tuyên truyền Dân Lực')");
      await db.run(
        "INSERT INTO units (id, number, commune_id, team_id, profile, provisioned_at, unit_key, password_hash) VALUES ('dan-luc-01', 1, 'dan-luc', 'dan-luc-ttt', 'pi-zero-2w', ?, ?, 'scrypt$x')",
        [T, TEST_UNIT_KEY],
      );
      await db.run("INSERT INTO unit_state (unit_id, last_seen, soc, battery_mv, volume) VALUES ('dan-luc-01', ?, 64, 12480, 70)", [T]);
      for (let i = 0; i < 100; i++) {
        await db.run("INSERT INTO telemetry_samples (unit_id, minute, soc, battery_mv) VALUES ('dan-luc-01', ?, ?, ?)", [Math.floor(T / 60) + i, 80 - (i % 20), 12_600 - i]);
      }
    });
  } finally {
    await db.close();
  }
}

describe('the energy migration', () => {
  it('adds the forecast columns to unit_state and telemetry_samples without losing a row', async () => {
    const path = join(dir, 'loa.db');
    await databaseBeforeEnergy(path);
    const db = await openControllerDb(path);
    try {
      expect(await db.exclusive(() => db.get('SELECT version FROM schema_areas WHERE area = ?', ['fleet']))).toEqual({ version: FLEET_MIGRATIONS.length });
      const samples = await db.exclusive(() =>
        db.all<{ minute: number; soc: number; battery_mv: number; minutes_left: null; health_percent: null }>(
          'SELECT minute, soc, battery_mv, minutes_left, health_percent FROM telemetry_samples ORDER BY minute',
        ),
      );
      expect(samples).toHaveLength(100);
      expect(samples[99]).toEqual({ minute: Math.floor(T / 60) + 99, soc: 61, battery_mv: 12_501, minutes_left: null, health_percent: null });
      const [state] = await listUnitStates(db, { now: T + 10 });
      expect(state).toMatchObject({ unitId: 'dan-luc-01', soc: 64, batteryMv: 12_480, volume: 70, energy: null });
      await db.exclusive(() =>
        db.run("UPDATE unit_state SET minutes_left = 80, minutes_left_no_sun = 50, reserve_minutes = 15, minutes_to_full = NULL, health_percent = 91, energy_time = ? WHERE unit_id = 'dan-luc-01'", [T]),
      );
      const [after] = await listUnitStates(db, { now: T + 10 });
      expect(after!.energy).toEqual({ minutesLeft: 80, minutesLeftNoSun: 50, reserveMinutes: 15, minutesToFull: null, healthPercent: 91, at: T });
    } finally {
      await db.close();
    }
  });
});
