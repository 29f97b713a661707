// Sessions in the browser (docs/console.md) on a running controller: POST /api/session sets an HttpOnly,
// SameSite=Strict cookie (Secure over HTTPS), the cookie opens every /api route, writes made with it need the CSRF
// token, a bearer token needs none, DELETE /api/session ends it; the security headers are on API answers too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, cookieOf, expectSecurityHeaders, PASSWORD, startConsole, type ConsoleRig } from './harness.js';

describe('cookie sessions over plain HTTP', () => {
  let rig: ConsoleRig;
  let base: string;

  beforeAll(async () => {
    rig = await startConsole();
    base = rig.controller.httpUrl;
    await rig.controller.users.add({ name: 'xem', role: 'viewer', password: PASSWORD, displayName: 'Cán bộ xem' });
    await rig.controller.users.add({ name: 'duyet', role: 'approver', password: PASSWORD });
  });

  afterAll(async () => {
    await rig.close();
  });

  const login = (user: string, password = PASSWORD): ReturnType<typeof ask> => ask(base, '/api/session', { method: 'POST', body: { user, password } });

  it('sets loa_session HttpOnly SameSite=Strict (not Secure over HTTP) and answers the user and a CSRF token', async () => {
    const r = await login('xem');
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ user: { name: 'xem', role: 'viewer', displayName: 'Cán bộ xem' }, csrf: expect.stringMatching(/^[\w-]{43}$/) });
    const set = r.headers['set-cookie'];
    expect(set).toHaveLength(1);
    expect(set![0]).toMatch(/^loa_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expectSecurityHeaders(r, expect);
    const again = await ask(base, '/api/session', { headers: { Cookie: cookieOf(r) } });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(r.json);
  });

  it('refuses a wrong password 401 and answers GET /api/session 401 without a cookie', async () => {
    const bad = await login('xem', 'sai-mat-khau');
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const none = await ask(base, '/api/session');
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('no-session');
    expectSecurityHeaders(none, expect);
    const forged = await ask(base, '/api/session', { headers: { Cookie: 'loa_session=abc' } });
    expect(forged.status).toBe(401);
  });

  it('opens GET routes with the cookie alone, and refuses writes without the right X-CSRF-Token (403 csrf)', async () => {
    const r = await login('duyet');
    const cookie = cookieOf(r);
    const csrf = r.json.csrf as string;
    expect((await ask(base, '/api/units', { headers: { Cookie: cookie } })).status).toBe(200);
    const write = { method: 'POST', body: { target: { kind: 'unit', id: 'khong-co' }, action: 'stop' } };
    const without = await ask(base, '/api/commands', { ...write, headers: { Cookie: cookie } });
    expect(without.status).toBe(403);
    expect(without.json.code).toBe('csrf');
    expectSecurityHeaders(without, expect);
    const wrong = await ask(base, '/api/commands', { ...write, headers: { Cookie: cookie, 'X-CSRF-Token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` } });
    expect(wrong.json.code).toBe('csrf');
    // Another session's token is no good either.
    const other = await login('duyet');
    expect((await ask(base, '/api/commands', { ...write, headers: { Cookie: cookie, 'X-CSRF-Token': other.json.csrf as string } })).json.code).toBe('csrf');
    // With its own token the request reaches the route: the unit does not exist.
    const right = await ask(base, '/api/commands', { ...write, headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
    expect(right.status, right.text).toBe(404);
    expect(right.json.code).toBe('unknown-unit');
  });

  it('takes a bearer token without any CSRF token, as before', async () => {
    const r = await ask(base, '/api/login', { method: 'POST', body: { user: 'duyet', password: PASSWORD } });
    const token = r.json.token as string;
    const write = await ask(base, '/api/commands', { method: 'POST', body: { target: { kind: 'unit', id: 'khong-co' }, action: 'stop' }, headers: { Authorization: `Bearer ${token}` } });
    expect(write.status).toBe(404);
    expect(write.json.code).toBe('unknown-unit');
  });

  it('ends the session on DELETE /api/session (with its CSRF token) and clears the cookie', async () => {
    const r = await login('xem');
    const cookie = cookieOf(r);
    expect((await ask(base, '/api/session', { method: 'DELETE', headers: { Cookie: cookie } })).json.code).toBe('csrf');
    const out = await ask(base, '/api/session', { method: 'DELETE', headers: { Cookie: cookie, 'X-CSRF-Token': r.json.csrf as string } });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']![0]).toMatch(/^loa_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await ask(base, '/api/session', { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('ends the browser’s previous session when it logs in again', async () => {
    const first = await login('xem');
    const second = await ask(base, '/api/session', { method: 'POST', body: { user: 'xem', password: PASSWORD }, headers: { Cookie: cookieOf(first) } });
    expect(second.status).toBe(200);
    expect((await ask(base, '/api/session', { headers: { Cookie: cookieOf(first) } })).status).toBe(401);
    expect((await ask(base, '/api/session', { headers: { Cookie: cookieOf(second) } })).status).toBe(200);
  });

  it('throttles logins through /api/session like /api/login: 429 with Retry-After', async () => {
    await rig.controller.users.add({ name: 'doan', role: 'viewer', password: PASSWORD });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await login('doan', `sai-${i}-mat-khau`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json.code).toBe('throttled');
    // The same account's throttle holds on /api/login too: one throttle for both doors.
    expect((await ask(base, '/api/login', { method: 'POST', body: { user: 'doan', password: PASSWORD } })).status).toBe(429);
  });
});

describe('cookie sessions over HTTPS', () => {
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsole({ tls: true });
    await rig.controller.users.add({ name: 'xem', role: 'viewer', password: PASSWORD });
  });

  afterAll(async () => {
    await rig.close();
  });

  it('marks the cookie Secure, and keeps the security headers', async () => {
    expect(rig.controller.httpUrl).toMatch(/^https:/);
    const r = await ask(rig.controller.httpUrl, '/api/session', { method: 'POST', body: { user: 'xem', password: PASSWORD }, ca: rig.ca! });
    expect(r.status, r.text).toBe(200);
    expect(r.headers['set-cookie']![0]).toMatch(/^loa_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
    expectSecurityHeaders(r, expect);
    const out = await ask(rig.controller.httpUrl, '/api/session', { method: 'DELETE', ca: rig.ca!, headers: { Cookie: cookieOf(r), 'X-CSRF-Token': r.json.csrf as string } });
    expect(out.headers['set-cookie']![0]).toMatch(/; Secure$/);
  });
});
