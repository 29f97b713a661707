// The console's user administration on a running controller: admins only, no password hash ever answered, a new
// user can log in, a password set by an admin ends that user's sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, loginAs, PASSWORD, startController, type Rig } from '../app/harness.js';

let rig: Rig;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  rig = await startController();
  base = rig.controller.httpUrl;
  for (const [name, role] of [['quan-tri', 'admin'], ['ca-huyen', 'approver'], ['xem', 'viewer']] as const) tokens[role] = await loginAs(rig, name, role);
});

afterAll(async () => {
  await rig.close();
});

describe('users API', () => {
  it('lists the users to an admin only, without password hashes', async () => {
    const r = await call(base, 'GET', '/api/users', { token: tokens.admin! });
    expect(r.status).toBe(200);
    expect(r.json.users.map((u: { name: string }) => u.name)).toEqual(['ca-huyen', 'quan-tri', 'xem']);
    expect(r.json.users[0]).toEqual({ name: 'ca-huyen', displayName: 'ca-huyen', role: 'approver', createdAt: expect.any(Number), disabled: false });
    expect(r.text).not.toMatch(/scrypt|hash/i);
    for (const role of ['approver', 'viewer']) expect((await call(base, 'GET', '/api/users', { token: tokens[role]! })).status).toBe(403);
    expect((await call(base, 'GET', '/api/users')).status).toBe(401);
  });

  it('adds a user who can then log in; refuses a duplicate, a bad role and a short password', async () => {
    const body = { name: 'xa-dan-luc', role: 'submitter', password: 'mat-khau-xa-dan-luc', displayName: 'UBND xã Dân Lực' };
    expect((await call(base, 'POST', '/api/users', { token: tokens.approver!, body })).status).toBe(403);
    const r = await call(base, 'POST', '/api/users', { token: tokens.admin!, body });
    expect(r.status).toBe(201);
    expect(r.json.user).toEqual({ name: 'xa-dan-luc', displayName: 'UBND xã Dân Lực', role: 'submitter', createdAt: expect.any(Number), disabled: false });
    const login = await call(base, 'POST', '/api/login', { body: { user: 'xa-dan-luc', password: 'mat-khau-xa-dan-luc' } });
    expect(login.json.user).toMatchObject({ name: 'xa-dan-luc', role: 'submitter' });
    expect((await call(base, 'POST', '/api/users', { token: tokens.admin!, body })).status).toBe(409);
    const role = await call(base, 'POST', '/api/users', { token: tokens.admin!, body: { ...body, name: 'khac', role: 'chief' } });
    expect(role.status).toBe(400);
    expect(role.json.error).toContain('role: "chief" must be admin | approver');
    const short = await call(base, 'POST', '/api/users', { token: tokens.admin!, body: { ...body, name: 'khac', password: 'ngan-7!' } });
    expect(short.status).toBe(400);
    expect(short.json.error).toContain('at least 8 characters');
    expect(short.text).not.toContain('ngan-7!');
  });

  it('sets a password: the user’s sessions end and only the new password works', async () => {
    const viewer = tokens.viewer!;
    expect((await call(base, 'POST', '/api/users/xem/password', { token: viewer, body: { password: 'tu-doi-mat-khau' } })).status).toBe(403);
    const r = await call(base, 'POST', '/api/users/xem/password', { token: tokens.admin!, body: { password: 'mat-khau-moi-123' } });
    expect(r.status).toBe(204);
    expect((await call(base, 'GET', '/api/plays', { token: viewer })).status).toBe(401);
    expect((await call(base, 'POST', '/api/login', { body: { user: 'xem', password: PASSWORD } })).status).toBe(401);
    expect((await call(base, 'POST', '/api/login', { body: { user: 'xem', password: 'mat-khau-moi-123' } })).status).toBe(200);
    expect((await call(base, 'POST', '/api/users/khong-co/password', { token: tokens.admin!, body: { password: 'mat-khau-moi-123' } })).status).toBe(404);
  });
});
