// Users on a real SQLite file: scrypt passwords with a salt, sessions stored hashed that expire, roles checked.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../../lib/sqlite.js';
import { openControllerDb } from '../../../controller/db/database.js';
import { requireRole, UserError } from '../../../controller/users/roles.js';
import { UserStore } from '../../../controller/users/users.js';

let dir: string;
let db: SqliteDb;
let users: UserStore;
const clock = { now: 1_795_914_000 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-users-'));
  db = await openControllerDb(join(dir, 'controller.db'));
  users = new UserStore({ db, sessionSeconds: 3600, clock: () => clock.now });
  await users.start();
  await users.add({ name: 'ca-huyen', role: 'approver', password: 'mật khẩu dài', displayName: 'Công an huyện' });
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err.code;
}

describe('UserStore', () => {
  it('stores a salted scrypt hash, never the password', async () => {
    await users.add({ name: 'doan-huyen', role: 'approver', password: 'mật khẩu dài' });
    const rows = await db.exclusive(() => db.all<{ password_hash: string }>('SELECT password_hash FROM users'));
    expect(rows.every((r) => r.password_hash.startsWith('scrypt$') && !r.password_hash.includes('mật'))).toBe(true);
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash); // same password, different salt
  });

  it('checks passwords and gives the same answer for an unknown name', async () => {
    expect((await users.authenticate('ca-huyen', 'mật khẩu dài')).role).toBe('approver');
    expect(await code(users.authenticate('ca-huyen', 'sai mật khẩu'))).toBe('bad-password');
    expect(await code(users.authenticate('khong-co', 'mật khẩu dài'))).toBe('bad-password');
  });

  it('opens sessions stored hashed, which expire and end on logout or when the user is disabled', async () => {
    const s = await users.login('ca-huyen', 'mật khẩu dài');
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await db.exclusive(() => db.all<{ token_hash: string }>('SELECT token_hash FROM sessions'));
    expect(stored.map((r) => r.token_hash)).not.toContain(s.token);
    expect((await users.sessionUser(s.token)).name).toBe('ca-huyen');
    clock.now += 3600;
    expect(await code(users.sessionUser(s.token))).toBe('session-expired');
    clock.now -= 3600;
    const s2 = await users.login('ca-huyen', 'mật khẩu dài');
    await users.logout(s2.token);
    expect(await code(users.sessionUser(s2.token))).toBe('bad-session');
    const s3 = await users.login('ca-huyen', 'mật khẩu dài');
    await users.setDisabled('ca-huyen', true);
    expect(await code(users.sessionUser(s3.token))).toBe('bad-session');
    expect(await code(users.login('ca-huyen', 'mật khẩu dài'))).toBe('bad-password');
  });

  it('refuses bad names, roles, short passwords and duplicates', async () => {
    expect(await code(users.add({ name: 'Có Dấu', role: 'viewer', password: '12345678' }))).toBe('bad-field');
    expect(await code(users.add({ name: 'x', role: 'boss' as 'viewer', password: '12345678' }))).toBe('bad-field');
    expect(await code(users.add({ name: 'x', role: 'viewer', password: 'ngắn' }))).toBe('bad-field');
    expect(await code(users.add({ name: 'ca-huyen', role: 'viewer', password: '12345678' }))).toBe('user-exists');
    expect(await code(users.get('khong-co'))).toBe('unknown-user');
    await users.setRole('ca-huyen', 'viewer');
    expect((await users.get('ca-huyen')).role).toBe('viewer');
  });
});

describe('requireRole', () => {
  it('lets the roles named and admin through, and says who was refused what', () => {
    expect(() => requireRole({ name: 'a', role: 'admin' }, ['approver'], 'approve')).not.toThrow();
    expect(() => requireRole({ name: 'b', role: 'approver' }, ['approver'], 'approve')).not.toThrow();
    expect(() => requireRole({ name: 'c', role: 'technician' }, ['approver'], 'approve')).toThrow(/"c" \(vai trò technician\) không được approve/);
  });
});
