// The small router over node:http on a loopback port: params, JSON errors with their status, 405, size limits,
// 500 for a handler that fails, and stop().
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError, HttpServer, sendJson } from '../../../controller/http/server.js';

let server: HttpServer;
beforeEach(async () => {
  server = new HttpServer({ port: 0, maxBodyBytes: 100, maxUrlLength: 200 });
  server.route('GET', '/things/:id', (req, res) => sendJson(res, 200, { id: req.params.id, q: req.query.get('q') }));
  server.route('POST', '/things', async (req, res) => sendJson(res, 201, { got: (await req.body()).length }));
  server.route('GET', '/teapot', () => {
    throw new HttpError(418, 'teapot', 'tôi là ấm trà');
  });
  server.route('GET', '/boom', () => {
    throw new Error('secret detail');
  });
  await server.start();
});
afterEach(() => server.stop());

describe('HttpServer', () => {
  it('routes by method and pattern, with decoded params and the query', async () => {
    const r = await fetch(`${server.url}/things/dan%20luc?q=1`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ id: 'dan luc', q: '1' });
    const head = await fetch(`${server.url}/things/a`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('answers errors as JSON { error, code } with the status', async () => {
    const missing = await fetch(`${server.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not-found' });
    const tea = await fetch(`${server.url}/teapot`);
    expect(tea.status).toBe(418);
    expect(await tea.json()).toEqual({ error: 'tôi là ấm trà', code: 'teapot' });
    const wrongMethod = await fetch(`${server.url}/things/1`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });

  it('answers 500 without the detail when a handler fails, and reports it', async () => {
    const failures: unknown[] = [];
    server.on('failure', (f) => failures.push(f.error));
    const r = await fetch(`${server.url}/boom`);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'internal error', code: 'internal' });
    expect(failures).toHaveLength(1);
  });

  it('limits the body and the URL', async () => {
    const ok = await fetch(`${server.url}/things`, { method: 'POST', body: 'x'.repeat(100) });
    expect(await ok.json()).toEqual({ got: 100 });
    const big = await fetch(`${server.url}/things`, { method: 'POST', body: 'x'.repeat(101) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'body-too-large' });
    const long = await fetch(`${server.url}/things/${'a'.repeat(300)}`);
    expect(long.status).toBe(414);
  });

  it('answers 413 to an oversized body sent in chunks, without Content-Length', async () => {
    const answer = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/things`, { method: 'POST' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.write('x'.repeat(60));
      req.write('x'.repeat(60));
      req.end('x'.repeat(60));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'body-too-large' });
  });

  it('gzips a JSON answer of 1 KiB or more for a client that takes gzip, and only then', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: `xe-${i}`, commune: 'Xã Dân Lực', soc: 80 }));
    server.route('GET', '/big', (_req, res) => sendJson(res, 200, { rows }));
    const raw = (encoding: string | undefined): Promise<{ headers: Record<string, unknown>; bytes: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = request(`${server.url}/big`, { headers: encoding === undefined ? {} : { 'Accept-Encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    const zipped = await raw('br, gzip;q=0.8');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(gunzipSync(zipped.bytes).toString())).toEqual({ rows });
    const plain = await raw(undefined);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.bytes.length * 5).toBeLessThan(plain.bytes.length);
    expect((await raw('gzip;q=0')).headers['content-encoding']).toBeUndefined();
    expect((await fetch(`${server.url}/things/a`, { headers: { 'Accept-Encoding': 'gzip' } })).headers.get('content-encoding')).toBeNull();
  });

  it('stops listening on stop()', async () => {
    const url = server.url;
    await server.stop();
    await expect(fetch(`${url}/things/1`)).rejects.toThrow();
  });
});
