// The console's files (controller/web/static.ts) on a real HttpServer: caching by kind of file, compression made once,
// ETag revalidation, SPA fallback, byte ranges of the base map, content types, no way out of the two folders, a page
// that says to build when there is no build, and the security headers on every kind of answer.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer, sendJson } from '../../../controller/http/server.js';
import { byteRange, defaultWebRoot, inside, registerStaticFiles } from '../../../controller/web/static.js';
import { APP_JS, ask, expectSecurityHeaders, INDEX_HTML, makeDist } from './harness.js';

let dir: string;
let server: HttpServer;
let base: string;
const MAP = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-static-'));
  const root = await makeDist(dir);
  const mapDir = join(dir, 'data', 'map');
  await mkdir(join(mapDir, 'fonts', 'Noto Sans Regular'), { recursive: true });
  await writeFile(join(mapDir, 'district.pmtiles'), MAP);
  await writeFile(join(mapDir, 'fonts', 'Noto Sans Regular', '0-255.pbf'), Buffer.from([0x0a, 0x02, 0x08, 0x01]));
  await writeFile(join(mapDir, 'communes.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
  await writeFile(join(dir, 'data', 'secret.txt'), 'bí mật');
  await writeFile(join(dir, 'data', 'map', '.hidden'), 'ẩn');
  // A fixed old mtime, so that Last-Modified is known and If-Modified-Since can be checked.
  await utimes(join(root, 'robots.txt'), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
  server = new HttpServer({ port: 0 });
  server.route('GET', '/api/ping', (_req, res) => sendJson(res, 200, { ok: true }));
  registerStaticFiles(server, { root, mapDir });
  await server.start();
  base = server.url;
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('security headers', () => {
  it('are on an API answer, a file, the SPA page, a 404 and a 405', async () => {
    for (const path of ['/api/ping', '/assets/app-3f2a9c.js', '/xe/dan-luc-01', '/assets/khong-co.js', '/api/khong-co']) {
      expectSecurityHeaders(await ask(base, path), expect);
    }
    const notAllowed = await ask(base, '/api/ping', { method: 'POST' });
    expect(notAllowed.status).toBe(405);
    expectSecurityHeaders(notAllowed, expect);
  });
});

describe('the built console', () => {
  it('serves hashed assets for a year, immutable, compressed with brotli or gzip as accepted', async () => {
    const br = await ask(base, '/assets/app-3f2a9c.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.status).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(APP_JS);
    expect(br.body.length).toBeLessThan(APP_JS.length / 4);
    const gz = await ask(base, '/assets/app-3f2a9c.js', { headers: { 'Accept-Encoding': 'gzip, br;q=0' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(APP_JS);
    const plain = await ask(base, '/assets/app-3f2a9c.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(APP_JS);
    // Three representations, three ETags.
    expect(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size).toBe(3);
  });

  it('answers 304 to a matching If-None-Match or a recent If-Modified-Since', async () => {
    const first = await ask(base, '/assets/app-3f2a9c.js', { headers: { 'Accept-Encoding': 'br' } });
    const again = await ask(base, '/assets/app-3f2a9c.js', { headers: { 'Accept-Encoding': 'br', 'If-None-Match': first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await ask(base, '/assets/app-3f2a9c.js', { headers: { 'If-None-Match': '"autre"' } })).status).toBe(200);
    const robots = await ask(base, '/robots.txt');
    expect(robots.headers['last-modified']).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(robots.headers['cache-control']).toBe('no-cache');
    expect((await ask(base, '/robots.txt', { headers: { 'If-Modified-Since': 'Fri, 02 Jan 2026 03:04:05 GMT' } })).status).toBe(304);
    expect((await ask(base, '/robots.txt', { headers: { 'If-Modified-Since': 'Fri, 02 Jan 2026 03:04:04 GMT' } })).status).toBe(200);
  });

  it('answers index.html, no-cache, for / and client-side routes, and 404 for missing assets and API paths', async () => {
    for (const path of ['/', '/xe/dan-luc-01', '/bao-cao/2026-11?xa=dan-luc']) {
      const r = await ask(base, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.text).toBe(INDEX_HTML);
    }
    const head = await ask(base, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const path of ['/assets/khong-co.js', '/api/khong-co', '/content/khong-co', '/map/khong-co.pmtiles']) {
      const r = await ask(base, path);
      expect(r.status, path).toBe(404);
      expect(r.json.code).toBe('not-found');
    }
    expect((await ask(base, '/xe/dan-luc-01', { method: 'POST' })).status).toBe(404);
  });

  it('gives fonts and other binary files their types and no compression', async () => {
    const font = await ask(base, '/assets/font-1.woff2', { headers: { 'Accept-Encoding': 'br, gzip' } });
    expect(font.headers['content-type']).toBe('font/woff2');
    expect(font.headers['content-encoding']).toBeUndefined();
    expect(font.text).toBe('wOF2 fake font');
  });
});

describe('the operator’s map files', () => {
  it('serves the PMTiles base map with byte ranges', async () => {
    const whole = await ask(base, '/map/district.pmtiles');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('application/octet-stream');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(MAP)).toBe(true);
    const part = await ask(base, '/map/district.pmtiles', { headers: { Range: 'bytes=100-227' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-227/4096');
    expect(part.body.equals(MAP.subarray(100, 228))).toBe(true);
    const tail = await ask(base, '/map/district.pmtiles', { headers: { Range: 'bytes=-16' } });
    expect(tail.body.equals(MAP.subarray(4080))).toBe(true);
    const outside = await ask(base, '/map/district.pmtiles', { headers: { Range: 'bytes=5000-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe('bytes */4096');
    // If-Range with another version: the whole file, not a piece of a file the client does not have.
    const stale = await ask(base, '/map/district.pmtiles', { headers: { Range: 'bytes=0-9', 'If-Range': '"old"' } });
    expect(stale.status).toBe(200);
  });

  it('serves glyphs as application/x-protobuf', async () => {
    const r = await ask(base, '/map/fonts/Noto%20Sans%20Regular/0-255.pbf');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    expect([...r.body]).toEqual([0x0a, 0x02, 0x08, 0x01]);
  });

  it('serves the communes\' boundaries as GeoJSON', async () => {
    const r = await ask(base, '/map/communes.geojson');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/geo+json; charset=utf-8');
    expect(JSON.parse(r.body.toString())).toEqual({ type: 'FeatureCollection', features: [] });
  });

  it('never reads outside its folders', async () => {
    for (const path of ['/map/..%2fsecret.txt', '/map/%2e%2e%2fsecret.txt', '/map/..%5csecret.txt', '/map/.hidden', '/map/fonts/..%2F..%2Fsecret.txt', '/map/%00', '/assets/..%2f..%2fdata%2fsecret.txt']) {
      const r = await ask(base, path);
      expect(r.status, path).toBe(404);
      expect(r.text, path).not.toContain('bí mật');
    }
    // Paths the URL parser folds (`..` segments) land on the console's own files, never above it.
    for (const path of ['/map/../../data/secret.txt', '/../data/secret.txt', '/%2e%2e/data/secret.txt', '/..%2fdata%2fsecret.txt']) {
      const r = await ask(base, path);
      expect(r.text, path).not.toContain('bí mật');
    }
  });
});

describe('without a build', () => {
  it('answers a page saying to run npm run build, in Vietnamese and English', async () => {
    const empty = new HttpServer({ port: 0 });
    registerStaticFiles(empty, { root: join(dir, 'khong-co-web') });
    await empty.start();
    try {
      const r = await ask(empty.url, '/xe/dan-luc-01');
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.text).toContain('npm run build');
      expect(r.text).toContain('hãy chạy');
      expect(r.text).toContain('The console is not built');
      expect(r.text).not.toMatch(/<script|<style|style=/);
      expectSecurityHeaders(r, expect);
    } finally {
      await empty.stop();
    }
  });
});

describe('helpers', () => {
  it('reads one byte range, and ignores what it cannot read', () => {
    expect(byteRange('bytes=0-0', 10)).toEqual([0, 0]);
    expect(byteRange('bytes=5-', 10)).toEqual([5, 9]);
    expect(byteRange('bytes=5-100', 10)).toEqual([5, 9]);
    expect(byteRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(byteRange('bytes=-30', 10)).toEqual([0, 9]);
    expect(byteRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(byteRange('bytes=5-2', 10)).toBeUndefined();
    expect(byteRange('bytes=0-1,3-4', 10)).toBeUndefined();
    expect(byteRange('items=0-1', 10)).toBeUndefined();
    expect(byteRange(undefined, 10)).toBeUndefined();
  });

  it('joins only plain names under the folder', () => {
    expect(inside('/srv/web', ['assets', 'a.js'])).toBe('/srv/web/assets/a.js');
    for (const bad of [['..', 'x'], ['a', '..'], ['.env'], ['a/b'], ['a\\b'], ['a\0'], [''], []]) expect(inside('/srv/web', bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('finds dist/web of the installation from the module’s own address', () => {
    expect(defaultWebRoot('file:///opt/loa/current/dist/controller/web/static.js')).toBe('/opt/loa/current/dist/web');
    expect(defaultWebRoot('file:///work/loa/controller/web/static.ts')).toBe('/work/loa/dist/web');
  });
});
