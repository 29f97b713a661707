// The contract with the cart's downloader, over real HTTP: the latest and a given signed manifest with its ETag,
// clips by SHA-256 with Range support, and 404 for anything no manifest lists or no longer approved.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerContentRoutes, parseRange } from '../../../controller/content/routes.js';
import { HttpServer } from '../../../controller/http/server.js';
import { culture, makeContent, police, type ContentRig } from '../content/harness.js';

let rig: ContentRig;
let server: HttpServer;
beforeEach(async () => {
  rig = await makeContent();
  server = new HttpServer({ port: 0 });
  registerContentRoutes(server, { library: rig.library, manifests: rig.manifests });
  await server.start();
});
afterEach(async () => {
  await server.stop();
  await rig.close();
});

async function approvedAndPublished(): Promise<{ sha256: string; bytes: Buffer }> {
  const clip = await rig.submit(culture);
  await rig.workflow.approve(police, clip.id);
  await rig.manifests.publish();
  return { sha256: clip.sha256, bytes: await readFile(rig.library.clipPath(clip.sha256)) };
}

describe('GET /content/manifest and /content/manifests/<version>', () => {
  it('404 before the first manifest', async () => {
    const r = await fetch(`${server.url}/content/manifest`);
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ code: 'no-manifest' });
  });

  it('serves the latest signed bytes with their SHA-256 as ETag, and each version', async () => {
    const v1 = await rig.manifests.publish();
    const v2 = await rig.manifests.publish();
    const r = await fetch(`${server.url}/content/manifest`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    const body = Buffer.from(await r.arrayBuffer());
    expect(body.equals(v2.signed)).toBe(true);
    expect(r.headers.get('etag')).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    const old = await fetch(`${server.url}/content/manifests/1`);
    expect(Buffer.from(await old.arrayBuffer()).equals(v1.signed)).toBe(true);
    expect((await fetch(`${server.url}/content/manifests/3`)).status).toBe(404);
    expect((await fetch(`${server.url}/content/manifests/abc`)).status).toBe(404);
    const again = await fetch(`${server.url}/content/manifest`, { headers: { 'If-None-Match': `"${v2.sha256}"` } });
    expect(again.status).toBe(304);
  });
});

describe('GET /content/clips/<sha256>', () => {
  it('serves the whole WAV with Accept-Ranges', async () => {
    const { sha256, bytes } = await approvedAndPublished();
    const r = await fetch(`${server.url}/content/clips/${sha256}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('content-type')).toBe('audio/wav');
    const body = Buffer.from(await r.arrayBuffer());
    expect(body.equals(bytes)).toBe(true);
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256);
  });

  it('answers a Range with 206, Content-Range and exactly those bytes', async () => {
    const { sha256, bytes } = await approvedAndPublished();
    const mid = await fetch(`${server.url}/content/clips/${sha256}`, { headers: { Range: 'bytes=10-19' } });
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
    expect(Buffer.from(await mid.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
    const rest = await fetch(`${server.url}/content/clips/${sha256}`, { headers: { Range: `bytes=${bytes.length - 100}-` } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-length')).toBe('100');
    expect(Buffer.from(await rest.arrayBuffer()).equals(bytes.subarray(bytes.length - 100))).toBe(true);
  });

  it('answers 416 for a range it cannot serve', async () => {
    const { sha256, bytes } = await approvedAndPublished();
    for (const range of [`bytes=${bytes.length}-`, 'bytes=20-10', 'bytes=a-b', 'bytes=0-1,5-6', 'items=0-1']) {
      const r = await fetch(`${server.url}/content/clips/${sha256}`, { headers: { Range: range } });
      expect(r.status, range).toBe(416);
      expect(r.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      expect(await r.json()).toMatchObject({ code: 'bad-range' });
    }
  });

  it('404 for an unknown hash, a malformed one, an unapproved clip and a withdrawn one', async () => {
    const { sha256 } = await approvedAndPublished();
    const pending = await rig.submit(culture);
    expect((await fetch(`${server.url}/content/clips/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${server.url}/content/clips/..%2Fcontroller.db`)).status).toBe(404);
    const unapproved = await fetch(`${server.url}/content/clips/${pending.sha256}`);
    expect(unapproved.status).toBe(404);
    expect(await unapproved.json()).toMatchObject({ code: 'unknown-clip' });
    // approved but not yet in a manifest: still not served
    await rig.workflow.approve(police, pending.id);
    expect((await fetch(`${server.url}/content/clips/${pending.sha256}`)).status).toBe(404);
    const [listed] = await rig.library.list({ status: 'approved' }).then((l) => l.filter((c) => c.sha256 === sha256));
    await rig.workflow.withdraw(police, listed!.id);
    expect((await fetch(`${server.url}/content/clips/${sha256}`)).status).toBe(404);
  });
});

describe('parseRange', () => {
  it('reads the forms a downloader sends', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('bad');
    expect(parseRange('bytes=-0', 100)).toBe('bad');
  });
});
