/**
 * A small hand-made district whose every report figure is worked out by hand in compute.test.ts: three communes,
 * four teams, six carts (one retired), November 2026.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_MIGRATIONS, migrateArea } from '../../../controller/db/database.js';
import { SqliteDb, type SqlValue } from '../../../lib/sqlite.js';

/** Unix seconds of a Vietnam-time moment in 2026 (month, day, hour, minute, second). */
export const at = (month: number, day: number, h = 0, m = 0, s = 0): number => Date.UTC(2026, month - 1, day, h - 7, m, s) / 1000;
export const nov = (day: number, h = 0, m = 0, s = 0): number => at(11, day, h, m, s);
const minute = (t: number): number => t / 60;

export interface TempDb {
  db: SqliteDb;
  /** The temporary folder of the database file. */
  dir: string;
  dispose(): Promise<void>;
}

export async function tempDb(): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), 'loa-reports-'));
  const db = await SqliteDb.open(join(dir, 'fleet.db'));
  await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
  return {
    db,
    dir,
    async dispose() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const HOSTILE = '<script>alert("x")</script> & "quoted", ok';

export async function fillFixture(db: SqliteDb): Promise<void> {
  const unit = (id: string, n: number, commune: string, team: string, provisioned: number, retired = 0): SqlValue[] =>
    [id, n, commune, team, 'pi-zero-2w', provisioned, Buffer.alloc(32, n), 'scrypt$x', retired];
  const play = (u: string, record: number, clip: string, start: number, seconds: number, lat: number | null = null, lon: number | null = null): SqlValue[] =>
    [u, record, clip, 1, start, 'gnss', seconds, 'completed', 'button', 70, lat, lon];
  const sample = (u: string, t: number, soc: number | null, uptime: number | null, amp: number | null): SqlValue[] =>
    [u, minute(t), soc, uptime, amp, amp === null ? null : Math.floor(amp / 2)];
  await db.transaction(async () => {
    await db.insertMany('communes', ['id', 'name', 'lat', 'lon'], [
      ['dan-luc', 'Xã Dân Lực', 19.9, 105.8],
      ['dan-ly', 'Xã Dân Lý', 19.9, 105.9],
      ['xa-xoi', 'Xã Xa Xôi', 20.1, 105.8],
    ]);
    await db.insertMany('teams', ['id', 'commune_id', 'name'], [
      ['team-a', 'dan-luc', 'Tổ A'],
      ['team-b', 'dan-ly', HOSTILE],
      ['team-d', 'xa-xoi', 'Tổ D'],
      ['team-c', 'xa-xoi', 'Tổ C'],
    ]);
    await db.insertMany('units', ['id', 'number', 'commune_id', 'team_id', 'profile', 'provisioned_at', 'unit_key', 'password_hash', 'retired'], [
      unit('a1', 1, 'dan-luc', 'team-a', at(10, 1)),
      unit('a2', 2, 'dan-luc', 'team-a', nov(16, 12)),
      unit('b1', 3, 'dan-ly', 'team-b', at(10, 1)),
      unit('r1', 4, 'dan-ly', 'team-b', at(10, 1), 1),
      unit('c1', 5, 'xa-xoi', 'team-c', at(10, 1)),
      unit('d1', 6, 'xa-xoi', 'team-d', at(10, 1)),
      unit('late', 7, 'xa-xoi', 'team-d', at(12, 1)), // provisioned after the period: not in it
    ]);
    await db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], [
      play('a1', 1, 'c9', nov(1) - 600, 300, 19.9005, 105.8005), // before the period
      play('a1', 2, 'c1', nov(2, 7), 100, 19.9005, 105.8005),
      play('a1', 3, 'c2', nov(2, 7, 2), 60, 19.9005, 105.8005), // 20 s after the last ended: same session
      play('a1', 4, 'c1', nov(2, 7, 20), 100, 19.9005, 105.8755), // 17 min later: a new session, 2.6 km from Dân Lý
      play('a1', 5, 'c3', nov(3, 23, 59), 30), // no position; local day 3
      play('a1', 6, 'c3', nov(4, 0, 5), 30), // 5.5 min later, local day 4: same session
      play('a1', 7, 'c9', at(12, 1), 50, 19.9005, 105.8005), // at the end: not in the period
      play('a2', 1, 'c2', nov(20, 8), 200, 19.9005, 105.8015),
      play('b1', 1, HOSTILE, nov(10, 8), 100, 19.9005, 105.9005),
      play('b1', 2, HOSTILE, nov(10, 8, 5), 100, 19.9005, 105.9005),
    ]);
    await db.insertMany('track_points', ['unit_id', 'record', 'idx', 'time', 'lat', 'lon'], [
      ['a1', 100, 0, nov(1) - 60, 19.9, 105.8], // before the period: starts the first segment
      ['a1', 100, 1, nov(1, 0, 1), 19.901, 105.8],
      ['a1', 100, 2, nov(1, 0, 3), 19.95, 105.8], // a glitch: 5 km in 2 minutes
      ['a1', 100, 3, nov(1, 0, 5), 19.902, 105.8],
      ['a1', 101, 0, nov(1, 1, 5), 19.902, 105.81],
      ['a1', 101, 1, at(12, 1, 0, 1), 19.912, 105.81], // after the period
    ]);
    await db.insertMany('telemetry_samples', ['unit_id', 'minute', 'soc', 'uptime_s', 'amplifier_s', 'audio_s'], [
      sample('a1', nov(1) - 3600, 80, 1000, 500), // before the period: the baseline of the first delta
      sample('a1', nov(2, 7), 50, 2000, 800), // +300
      sample('a1', nov(2, 7, 30), 25, 3800, 1500), // +700
      sample('a1', nov(3, 7), 40, 120, 60), // rebooted: +60
      sample('a1', nov(3, 7, 10), 29, 720, 400), // +340
      sample('a1', nov(3, 7, 11), 31, null, null), // battery only
      sample('a1', at(12, 1), 10, 9000, 9999), // after the period
      sample('b1', nov(10, 7, 59), 90, 30, 0), // first sample ever: its counter (0) counts
      sample('b1', nov(10, 8, 10), 88, 690, 210), // +210
    ]);
    await db.insertMany('events', ['unit_id', 'record', 'time', 'time_source', 'kind', 'code', 'detail'], [
      ['b1', 10, nov(10, 8), 'gnss', 'fault', 'audio', 'x'],
      ['b1', 11, nov(10, 9), 'gnss', 'fault', 'audio', 'x'],
      ['b1', 12, nov(10, 10), 'gnss', 'fault', 'gnss', 'x'],
      ['b1', 13, nov(10, 11), 'gnss', 'info', 'hello', 'x'],
      ['b1', 14, nov(1) - 1, 'gnss', 'fault', 'audio', 'before the period'],
    ]);
    await db.insertMany('status_changes', ['unit_id', 'time', 'online'], [
      ['a1', at(10, 30), 1],
      ['a1', nov(5, 10), 0], // online days 1–5
      ['a1', nov(25, 23), 1],
      ['a1', nov(26, 0, 30), 0], // 25, 26
      ['a1', nov(29, 8), 1], // 29, 30 (still online at the end)
      ['a2', nov(20, 7), 1],
      ['a2', nov(21, 9), 0], // 20, 21
    ]);
    await db.insertMany('records', ['unit_id', 'record', 'type', 'device_time', 'time_source', 'server_time', 'bytes'], [
      ['a1', 2, 'play', nov(2, 7), 'gnss', nov(10, 12), Buffer.from([1])], // a backlog arriving on the 10th
      ['a1', 3, 'play', nov(2, 7), 'gnss', nov(3, 12), Buffer.from([1])], // already online that day
      ['b1', 1, 'play', nov(10, 8), 'gnss', nov(10, 8, 10), Buffer.from([1])],
    ]);
  });
}
