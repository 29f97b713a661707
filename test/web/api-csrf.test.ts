// The console's API client after a controller restart: the session survives, its CSRF token does not.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../web/src/api.js';

const json = (status: number, value: unknown): Response => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('Api', () => {
  it('fetches the new CSRF token and sends a write refused for its token once more', async () => {
    const sent: { method: string; path: string; token: string | undefined }[] = [];
    let key = 'old';
    vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const token = (init.headers as Record<string, string> | undefined)?.['X-CSRF-Token'];
      sent.push({ method, path, token });
      if (path === '/api/session') return json(200, { user: { name: 'duyet', role: 'approver', displayName: 'Duyệt' }, csrf: key });
      return token === key ? json(201, { version: 7 }) : json(403, { error: 'csrf', code: 'csrf' });
    });
    const api = new Api(() => undefined);
    await api.session();
    key = 'new'; // the controller restarted
    expect(await api.send('POST', '/api/manifests')).toEqual({ version: 7 });
    expect(sent.map((s) => `${s.method} ${s.path} ${s.token ?? '-'}`)).toEqual(['GET /api/session -', 'POST /api/manifests old', 'GET /api/session -', 'POST /api/manifests new']);
  });

  it('does not try again when the session itself is gone', async () => {
    let posts = 0;
    vi.stubGlobal('fetch', async (path: string) => {
      if (path === '/api/session') return json(401, { error: 'no session', code: 'no-session' });
      posts++;
      return json(403, { error: 'csrf', code: 'csrf' });
    });
    await expect(new Api(() => undefined).send('POST', '/api/manifests')).rejects.toMatchObject({ status: 403, code: 'csrf' });
    expect(posts).toBe(1);
  });
});
