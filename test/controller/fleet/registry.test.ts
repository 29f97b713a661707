// The registry and the database areas, on real SQLite files.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../lib/sqlite.js';
import { areaVersion, migrateArea, openControllerDb, FLEET_MIGRATIONS } from '../../../controller/db/database.js';
import { hashPassword, verifyMosquittoHash, verifyPassword } from '../../../controller/fleet/passwords.js';
import { makeFleet, type Fleet } from './harness.js';

let fleet: Fleet;
beforeEach(async () => (fleet = await makeFleet()));
afterEach(() => fleet.close());

describe('the controller database', () => {
  it('brings the fleet area to its last version once, and lets other areas add their own tables', async () => {
    expect(await areaVersion(fleet.db, 'fleet')).toBe(FLEET_MIGRATIONS.length);
    expect(await migrateArea(fleet.db, 'fleet', FLEET_MIGRATIONS)).toBe(FLEET_MIGRATIONS.length); // no error: nothing re-run
    const reports = ['CREATE TABLE report_runs (id INTEGER PRIMARY KEY)', 'ALTER TABLE report_runs ADD COLUMN kind TEXT'];
    await migrateArea(fleet.db, 'reports', reports.slice(0, 1));
    expect(await areaVersion(fleet.db, 'reports')).toBe(1);
    await migrateArea(fleet.db, 'reports', reports);
    expect(await areaVersion(fleet.db, 'reports')).toBe(2);
    await fleet.db.exclusive(() => fleet.db.run("INSERT INTO report_runs (kind) VALUES ('monthly')"));
  });

  it('refuses a file written by a newer program, and rolls back a failed migration', async () => {
    await expect(migrateArea(fleet.db, 'fleet', FLEET_MIGRATIONS.slice(0, 1))).rejects.toMatchObject({ code: 'schema-too-new' });
    await expect(migrateArea(fleet.db, 'content', ['CREATE TABLE clips (id TEXT)', 'CREATE TABLE clips (id TEXT)'])).rejects.toThrow(/already exists/);
    expect(await areaVersion(fleet.db, 'content')).toBe(1);
    await expect(migrateArea(fleet.db, 'Bad Area', [])).rejects.toMatchObject({ code: 'bad-area' });
  });

  it('opens again an existing file without migrating twice, with foreign keys on', async () => {
    const path = join(fleet.dir, 'again.db');
    const first = await openControllerDb(path);
    await first.close();
    const db = await openControllerDb(path);
    try {
      await expect(db.exclusive(() => db.run("INSERT INTO teams (id, commune_id, name) VALUES ('t', 'nowhere', 'x')"))).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await db.close();
    }
    const raw = await SqliteDb.open(path);
    expect(await raw.get('SELECT version FROM schema_areas WHERE area = ?', ['fleet'])).toEqual({ version: FLEET_MIGRATIONS.length });
    await raw.close();
  });
});

describe('FleetRegistry', () => {
  it('numbers units in order, with their own 32-byte keys', () => {
    const { a, b, c } = fleet.carts;
    expect([a.unit.number, b.unit.number, c.unit.number]).toEqual([1, 2, 3]);
    expect(a.unit.key.length).toBe(32);
    expect(a.unit.key.equals(b.unit.key)).toBe(false);
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('stores the password only as hashes, and checks it', async () => {
    const { a } = fleet.carts;
    const row = await fleet.db.exclusive(() => fleet.db.get<{ password_hash: string }>('SELECT password_hash FROM units WHERE id = ?', [a.unit.id]));
    expect(row!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row!.password_hash).not.toContain(a.password);
    expect(await fleet.registry.verifyUnitPassword(a.unit.id, a.password)).toBe(true);
    expect(await fleet.registry.verifyUnitPassword(a.unit.id, fleet.carts.b.password)).toBe(false);
    expect(await fleet.registry.verifyUnitPassword('nobody', a.password)).toBe(false);
    const [account] = await fleet.registry.brokerAccounts();
    expect(verifyMosquittoHash(a.password, account!.mosquittoHash)).toBe(true);
  });

  it('resets a password: the old one stops working', async () => {
    const { a } = fleet.carts;
    const reset = await fleet.registry.resetUnitPassword(a.unit.id);
    expect(await fleet.registry.verifyUnitPassword(a.unit.id, a.password)).toBe(false);
    expect(await fleet.registry.verifyUnitPassword(a.unit.id, reset.password)).toBe(true);
  });

  it('finds units by id and number, lists them by team and commune, and retires them', async () => {
    expect((await fleet.registry.unitByNumber(2))?.id).toBe('dan-luc-02');
    expect((await fleet.registry.unitById('dinh-tan-01'))?.number).toBe(3);
    expect((await fleet.registry.listUnits({ commune: 'dan-luc' })).map((u) => u.id)).toEqual(['dan-luc-01', 'dan-luc-02']);
    await fleet.registry.retireUnit('dan-luc-02');
    expect((await fleet.registry.listUnits({ team: 'dan-luc-ttt' })).map((u) => u.id)).toEqual(['dan-luc-01']);
    expect(await fleet.registry.verifyUnitPassword('dan-luc-02', fleet.carts.b.password)).toBe(false);
    expect((await fleet.registry.brokerAccounts()).map((x) => x.id)).toEqual(['dan-luc-01', 'dinh-tan-01']);
    const added = await fleet.registry.addUnit({ id: 'dan-luc-03', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-3' });
    expect(added.unit.number).toBe(4); // numbers are never reused
  });

  it('refuses bad or duplicate names and teams of another commune, in Vietnamese first', async () => {
    const r = fleet.registry;
    await expect(r.addUnit({ id: 'Dan Luc', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'x' })).rejects.toMatchObject({ code: 'bad-id' });
    await expect(r.addUnit({ id: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'x' })).rejects.toMatchObject({ code: 'exists' });
    await expect(r.addUnit({ id: 'x-1', commune: 'dinh-tan', team: 'dan-luc-ttt', profile: 'x' })).rejects.toMatchObject({ code: 'wrong-commune' });
    await expect(r.addTeam({ id: 't', commune: 'nowhere', name: 'T' })).rejects.toThrow(/Không có xã "nowhere"/);
    await expect(r.addCommune({ id: 'dan-luc', name: 'again' })).rejects.toMatchObject({ code: 'exists' });
  });

  it('keeps members of a team', async () => {
    await fleet.registry.addMember({ team: 'dan-luc-ttt', name: 'Nguyễn Văn An', role: 'leader', phone: '0912345678' });
    await fleet.registry.addMember({ team: 'dan-luc-ttt', name: 'Lê Thị Bình' });
    expect((await fleet.registry.listMembers('dan-luc-ttt')).map((m) => [m.name, m.role])).toEqual([
      ['Nguyễn Văn An', 'leader'],
      ['Lê Thị Bình', 'member'],
    ]);
    await expect(fleet.registry.addMember({ team: 'nowhere', name: 'X' })).rejects.toMatchObject({ code: 'unknown-team' });
  });
});

describe('password hashes', () => {
  it('verify only the right password, and refuse malformed hashes', async () => {
    const hash = await hashPassword('mật khẩu');
    expect(await verifyPassword('mật khẩu', hash)).toBe(true);
    expect(await verifyPassword('mat khau', hash)).toBe(false);
    expect(await verifyPassword('mật khẩu', 'plain')).toBe(false);
    expect(await verifyPassword('mật khẩu', hash.replace('scrypt$16384', 'scrypt$0'))).toBe(false);
  });
});
