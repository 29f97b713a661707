// `loa release add`'s store and the carts' release routes, on a real SQLite file, real files and real HTTP:
// a good bundle is stored durably and served with Range/ETag; a bundle signed by another key, altered after signing,
// or a second build under a stored version is refused and leaves nothing behind.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../controller/http/server.js';
import { registerReleaseRoutes } from '../../../controller/releases/routes.js';
import { ReleaseError, ReleaseStore } from '../../../controller/releases/store.js';
import { buildReleaseBundle } from '../../../tools/package/release.js';
import { makeBundle, makeReleaseRig, releaseKeyPair, T, type ReleaseRig } from './harness.js';

let rig: ReleaseRig;
beforeEach(async () => {
  rig = await makeReleaseRig();
});
afterEach(async () => {
  await rig.close();
});

async function bundleFile(name: string, bytes: Buffer): Promise<string> {
  const path = join(rig.fleet.dir, name);
  await writeFile(path, bytes);
  return path;
}

async function refusal(p: Promise<unknown>): Promise<ReleaseError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReleaseError);
  return err as ReleaseError;
}

describe('ReleaseStore.add', () => {
  it('verifies, stores the three members under <data>/releases/<version>/<arch>/ and records who added it', async () => {
    const payload = brotliCompressSync(Buffer.alloc(300_000, 7));
    const file = await bundleFile('b.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey, payload }));
    const done = await rig.store.add(file, 'ban-dieu-hanh');
    expect(done.added).toBe(true);
    expect(done.release).toMatchObject({ version: '0.2.0', arch: 'arm64', addedBy: 'ban-dieu-hanh', payload: { bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') } });
    expect(await readFile(rig.store.memberPath('0.2.0', 'arm64', 'payload'))).toEqual(payload);
    expect((await readdir(join(rig.fleet.dir, 'releases', '0.2.0', 'arm64'))).sort()).toEqual(['payload.tar.br', 'release.json', 'release.sig']);
    expect((await rig.store.list()).map((r) => `${r.version}/${r.arch}`)).toEqual(['0.2.0/arm64']);
  });

  it('stores a bundle made by the release tool (tools/package/release.ts) from a release folder', async () => {
    const tree = join(rig.fleet.dir, 'tree');
    await mkdir(join(tree, 'dist', 'cli'), { recursive: true });
    await writeFile(join(tree, 'package.json'), '{"name":"loa","version":"0.3.0"}\n');
    await writeFile(join(tree, 'dist', 'cli', 'loa.js'), "console.log('loa 0.3.0')\n");
    const built = await buildReleaseBundle({ payloadDir: tree, version: '0.3.0', arch: 'armhf', replaces: '0.1.0', schema: { reads: [1, 3], writes: 3 }, key: rig.key.privateKey, outDir: rig.fleet.dir, created: T });
    const done = await rig.store.add(built.file, 'ky-thuat');
    expect(done.release).toMatchObject({ version: '0.3.0', arch: 'armhf', replaces: '0.1.0' });
  });

  it('the same bundle again is already there; another build under the same version is refused', async () => {
    const file = await bundleFile('b.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey }));
    await rig.store.add(file, 'a');
    expect((await rig.store.add(file, 'b')).added).toBe(false);
    const other = await bundleFile('c.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey, payload: brotliCompressSync(Buffer.from('another build')) }));
    const err = await refusal(rig.store.add(other, 'a'));
    expect(err.code).toBe('exists');
    expect((await rig.store.list())[0]!.addedBy).toBe('a');
  });

  it('refuses a bundle signed by a key that is not a release key (a district key cannot push code)', async () => {
    const file = await bundleFile('b.tar', await makeBundle({ version: '0.2.0', key: releaseKeyPair().privateKey }));
    const err = await refusal(rig.store.add(file, 'a'));
    expect([err.code, err.refusal]).toEqual(['refused', 'unknown-key']);
    expect(err.message).not.toContain('\n');
    expect(await rig.store.list()).toEqual([]);
    expect(await readdir(join(rig.fleet.dir, 'releases'))).toEqual(['.incoming']);
    expect(await readdir(join(rig.fleet.dir, 'releases', '.incoming'))).toEqual([]);
  });

  it('refuses a release.json altered after signing, and a payload that is not the signed one', async () => {
    const tampered = await bundleFile('t.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey, tamper: true }));
    expect((await refusal(rig.store.add(tampered, 'a'))).refusal).toBe('bad-signature');
    const payload = brotliCompressSync(Buffer.alloc(2000, 1));
    const swapped = Buffer.from(await makeBundle({ version: '0.2.1', key: rig.key.privateKey, payload }));
    swapped[swapped.indexOf(payload) + Math.floor(payload.length / 2)]! ^= 0xff; // a byte inside payload.tar.br (11 bytes: brotli shrinks 2000 equal bytes to that)
    expect((await refusal(rig.store.add(await bundleFile('s.tar', swapped), 'a'))).refusal).toBe('payload-hash');
    expect(await rig.store.list()).toEqual([]);
  });

  it('refuses when no release key is configured, saying where to put one', async () => {
    const store = new ReleaseStore({ db: rig.fleet.db, dataDir: rig.fleet.dir });
    const err = await refusal(store.add(await bundleFile('b.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey })), 'a'));
    expect(err.code).toBe('no-keys');
    expect(err.en).toContain('releases');
  });
});

describe('GET /releases/<version>/<arch>/<member>', () => {
  it('serves every member with its hash as ETag, a Range of the payload as 206, 304 on If-None-Match, 404 for unknown', async () => {
    const payload = brotliCompressSync(Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251)));
    await rig.store.add(await bundleFile('b.tar', await makeBundle({ version: '0.2.0', key: rig.key.privateKey, payload })), 'a');
    const server = new HttpServer({ port: 0 });
    registerReleaseRoutes(server, { store: rig.store });
    await server.start();
    try {
      const base = `${server.url}/releases/0.2.0/arm64`;
      const json = await fetch(`${base}/release.json`);
      expect(json.status).toBe(200);
      expect(Buffer.from(await json.arrayBuffer())).toEqual(await readFile(rig.store.memberPath('0.2.0', 'arm64', 'manifest')));
      const part = await fetch(`${base}/payload.tar.br`, { headers: { range: 'bytes=100-' } });
      expect(part.status).toBe(206);
      // Plain bytes: a Content-Encoding of br would make an HTTP client decode the payload before its hash is checked.
      expect([part.headers.get('content-type'), part.headers.get('content-encoding')]).toEqual(['application/octet-stream', null]);
      expect(part.headers.get('content-range')).toBe(`bytes 100-${payload.length - 1}/${payload.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(payload.subarray(100));
      const etag = part.headers.get('etag')!;
      expect(etag).toBe(`"${createHash('sha256').update(payload).digest('hex')}"`);
      expect((await fetch(`${base}/payload.tar.br`, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fetch(`${base}/payload.tar.br`, { headers: { range: `bytes=${payload.length}-` } })).status).toBe(416);
      for (const path of ['/releases/0.3.0/arm64/release.json', '/releases/0.2.0/armhf/release.json', '/releases/0.2.0/arm64/other', '/releases/0.2.0/arm64/..%2Frelease.json']) {
        expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
      }
    } finally {
      await server.stop();
    }
  });
});
