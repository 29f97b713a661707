// Unpacking a release on the cart (device/update/unpack.ts), with real files, real brotli and real signatures: a good
// release lands whole at releases/<version>; every attack on the payload is refused with its code and leaves the
// releases folder as it was; a power cut's leftovers are cleaned at the next unpack.
//
// Which check catches what:
//   - the signed manifest fixes the payload's size and SHA-256: any payload the release key did not sign (a file
//     changed, two releases' files mixed, a file added or taken out) is refused 'payload-hash' before it is opened;
//     an attacker who also edits the manifest's payload hash breaks the signature ('bad-signature');
//   - the per-file checks ('file-hash', 'unexpected-file', 'missing-file', 'too-large') are the second wall: they
//     hold for a payload whose whole hash is in a validly signed manifest (a stolen release key, or a bug that skips
//     the first wall), and they keep a hostile archive inside its folder and off a full disk. The tests below reach
//     them by giving unpackRelease a manifest whose payload hash matches the hostile payload, as such a signer would.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, createBrotliCompress } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLED_MANIFEST, INSTALLED_SIGNATURE, unpackRelease, verifyInstalledRelease } from '../../../device/update/unpack.js';
import { TarWriter } from '../../../lib/tar.js';
import { openReleaseManifest, signReleaseManifest, type ReleaseManifest } from '../../../protocol/release.js';
import { privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from '../../../protocol/signed.js';

const releaseKey = privateKeyFromSeed(Buffer.alloc(32, 0x52));
const pinned = [publicKeyFromRaw(rawPublicKey(releaseKey))];

type Files = Record<string, string>;

/** Two releases of the same program: B changes one file of A. */
const A: Files = {
  'package.json': '{"name":"loa","version":"0.2.0","type":"module"}\n',
  'dist/cli/loa.js': '#!/usr/bin/env node\nconsole.log("0.2.0");\n',
  'dist/device/cart.js': 'export const cart = "A";\n',
  'node_modules/mqtt/package.json': '{"name":"mqtt"}\n',
  'node_modules/@serialport/bindings-cpp/node_modules/debug/node_modules/ms/some/deeply/nested/folder/with/a/long/name.js': 'module.exports = 1;\n',
};
const B: Files = { ...A, 'dist/device/cart.js': 'export const cart = "B";\n' };

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const modeOf = (path: string): number => (path.endsWith('loa.js') ? 0o755 : 0o644);

interface Entry {
  name: string;
  /** A folder entry when absent. */
  data?: Buffer;
}

const brotli = (raw: Buffer): Buffer => brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_LGWIN]: 22 } });

/** payload.tar.br of `entries` (all of `files` by default), as a builder or an attacker writes it. */
async function payloadOf(entries: readonly Entry[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const tar = new TarWriter(out);
  for (const e of entries) {
    if (e.data === undefined) await tar.dir(e.name);
    else await tar.file(e.name, e.data, modeOf(e.name));
  }
  await tar.finish();
  out.end();
  return brotli(Buffer.concat(chunks));
}

const entriesOf = (files: Files): Entry[] => Object.entries(files).map(([name, s]) => ({ name, data: Buffer.from(s) }));

/** The manifest listing `files`, with the payload hash of `payload` (what the release key signs). */
function manifestOf(files: Files, payload: Buffer, version = '0.2.0'): ReleaseManifest {
  return {
    format: 1,
    product: 'loa-unit',
    version,
    arch: 'arm64',
    replaces: '0.1.0',
    schema: { reads: [1, 2], writes: 2 },
    payload: { size: payload.length, sha256: sha(payload) },
    files: Object.entries(files).map(([path, s]) => ({ path, size: Buffer.byteLength(s), mode: modeOf(path), sha256: sha(s) })),
    created: 1_790_000_000,
  };
}

/** Every path under `dir`, relative, sorted: what the folder holds. */
async function tree(dir: string, rel = ''): Promise<string[]> {
  if (!existsSync(join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    out.push(path);
    if (e.isDirectory()) out.push(...(await tree(dir, path)));
  }
  return out.sort();
}

let root: string;
let releasesDir: string;

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'loa-unpack-'));
  releasesDir = join(root, 'releases');
});

async function put(payload: Buffer): Promise<string> {
  const file = join(root, `payload-${randomBytes(3).toString('hex')}.tar.br`);
  await writeFile(file, payload);
  return file;
}

/** A cart that already has release 0.1.0 unpacked; what an attack must leave exactly as it is. */
async function withPrevious(): Promise<string[]> {
  const old = { ...A, 'package.json': '{"version":"0.1.0"}\n' };
  const payload = await payloadOf(entriesOf(old));
  await unpackRelease({ payloadFile: await put(payload), manifest: manifestOf(old, payload, '0.1.0'), releasesDir });
  return tree(releasesDir);
}

async function expectRefused(payload: Buffer, manifest: ReleaseManifest, code: string): Promise<void> {
  const before = await withPrevious();
  await expect(unpackRelease({ payloadFile: await put(payload), manifest, releasesDir })).rejects.toMatchObject({ name: 'ReleaseRefused', code });
  expect(await tree(releasesDir)).toEqual(before);
  // …and nothing escaped next to it.
  expect((await readdir(root)).filter((n) => !n.startsWith('payload-') && !n.endsWith('.tar.br'))).toEqual(['releases']);
}

describe('unpackRelease', () => {
  it('unpacks a signed release into releases/<version>: every file with its bytes and mode, its manifest and signature beside them', async () => {
    const payload = await payloadOf(entriesOf(A));
    const signed = signReleaseManifest(manifestOf(A, payload), releaseKey);
    const manifest = openReleaseManifest(signed.manifest, signed.signature, pinned);
    const dir = await unpackRelease({ payloadFile: await put(payload), manifest, releasesDir, signature: signed.signature });
    expect(dir).toBe(join(releasesDir, '0.2.0'));
    for (const [path, content] of Object.entries(A)) {
      expect(await readFile(join(dir, path), 'utf8')).toBe(content);
      expect((await stat(join(dir, path))).mode & 0o7777).toBe(modeOf(path));
    }
    expect((await readFile(join(dir, INSTALLED_MANIFEST))).equals(signed.manifest)).toBe(true);
    expect((await readFile(join(dir, INSTALLED_SIGNATURE))).equals(signed.signature)).toBe(true);
    expect(await readdir(join(releasesDir, 'staging'))).toEqual([]);
    await verifyInstalledRelease(dir, manifest);
  });

  it('takes tar folder entries, and reuses a release already unpacked whole', async () => {
    const payload = await payloadOf([{ name: 'dist' }, { name: 'dist/cli' }, ...entriesOf(A)]);
    const manifest = manifestOf(A, payload);
    const dir = await unpackRelease({ payloadFile: await put(payload), manifest, releasesDir });
    const marker = (await stat(join(dir, INSTALLED_MANIFEST))).ino;
    // The second call finds it complete: nothing is unpacked again (not even the payload is read: it is gone).
    expect(await unpackRelease({ payloadFile: join(root, 'gone.tar.br'), manifest, releasesDir })).toBe(dir);
    expect((await stat(join(dir, INSTALLED_MANIFEST))).ino).toBe(marker);
  });

  it('unpacks again over a finished release whose files were damaged since', async () => {
    const payload = await payloadOf(entriesOf(A));
    const manifest = manifestOf(A, payload);
    const payloadFile = await put(payload);
    const dir = await unpackRelease({ payloadFile, manifest, releasesDir });
    await writeFile(join(dir, 'dist', 'device', 'cart.js'), 'damaged');
    expect(await unpackRelease({ payloadFile, manifest, releasesDir })).toBe(dir);
    await verifyInstalledRelease(dir, manifest);
    expect(await readdir(join(releasesDir, 'staging'))).toEqual([]);
  });

  describe('refuses, leaving the releases folder as it was', () => {
    it('a payload with one file changed, the signed manifest unchanged: payload-hash (and editing the manifest breaks the signature)', async () => {
      const payload = await payloadOf(entriesOf(A));
      const signed = signReleaseManifest(manifestOf(A, payload), releaseKey);
      const manifest = openReleaseManifest(signed.manifest, signed.signature, pinned);
      // The attacker pads the changed file until the compressed payload has the signed size: only its hash tells.
      let tampered: Buffer = Buffer.alloc(0);
      for (let pad = 0; pad < 200 && tampered.length !== payload.length; pad++) {
        tampered = await payloadOf(entriesOf({ ...A, 'dist/device/cart.js': `process.exit(1); //${' '.repeat(pad)}\n` }));
      }
      expect(tampered.length).toBe(payload.length);
      await expectRefused(tampered, manifest, 'payload-hash');
      // The attacker puts the tampered payload's hash into release.json: the signature no longer verifies.
      const edited = Buffer.from(signed.manifest.toString('utf8').replace(sha(payload), sha(tampered)).replace(`"size": ${payload.length}`, `"size": ${tampered.length}`));
      expect(() => openReleaseManifest(edited, signed.signature, pinned)).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    });

    it("a mix of two releases' files under release A's manifest: payload-hash", async () => {
      const payloadA = await payloadOf(entriesOf(A));
      const mixed = await payloadOf(entriesOf({ ...A, 'dist/device/cart.js': B['dist/device/cart.js']! }));
      await expectRefused(mixed, manifestOf(A, payloadA), 'payload-hash');
    });

    it("a mix of two releases' files even when the payload hash matches it (a signer who hashed only the payload): file-hash", async () => {
      const mixed = await payloadOf(entriesOf({ ...A, 'dist/device/cart.js': B['dist/device/cart.js']! }));
      const manifest = { ...manifestOf(A, mixed) }; // A's files, the mixed payload's hash
      await expectRefused(mixed, manifest, 'file-hash');
    });

    it('a payload file of the wrong size on disk: too-large when longer, payload-hash when shorter', async () => {
      const payload = await payloadOf(entriesOf(A));
      const manifest = manifestOf(A, payload);
      await expectRefused(Buffer.concat([payload, Buffer.alloc(1)]), manifest, 'too-large');
      await expectRefused(payload.subarray(0, payload.length - 1), manifest, 'payload-hash');
    });

    it('an extra file: unexpected-file', async () => {
      const payload = await payloadOf([...entriesOf(A), { name: 'dist/backdoor.js', data: Buffer.from('evil\n') }]);
      await expectRefused(payload, manifestOf(A, payload), 'unexpected-file');
    });

    it('a file that comes twice (the second copy would overwrite the checked one): unexpected-file', async () => {
      const payload = await payloadOf([...entriesOf(A), { name: 'dist/device/cart.js', data: Buffer.from('evil\n') }]);
      await expectRefused(payload, manifestOf(A, payload), 'unexpected-file');
    });

    it('a missing file: missing-file', async () => {
      const payload = await payloadOf(entriesOf(A).filter((e) => e.name !== 'node_modules/mqtt/package.json'));
      await expectRefused(payload, manifestOf(A, payload), 'missing-file');
    });

    it.each(['../escaped.js', '../../escaped.js', 'dist/../../escaped.js', '/tmp/escaped.js', './dist/cli/loa.js'])('a path that is not plain and relative (%s): unexpected-file', async (name) => {
      const payload = await payloadOf([...entriesOf(A), { name, data: Buffer.from('evil\n') }]);
      await expectRefused(payload, manifestOf(A, payload), 'unexpected-file');
      expect(existsSync(join(root, 'escaped.js'))).toBe(false);
      expect(existsSync('/tmp/escaped.js')).toBe(false);
    });

    it('a file longer than the manifest says: too-large, before its bytes are written', async () => {
      const files = { ...A, 'dist/device/cart.js': 'x'.repeat(100) };
      const payload = await payloadOf(entriesOf({ ...files, 'dist/device/cart.js': 'x'.repeat(5000) }));
      await expectRefused(payload, manifestOf(files, payload), 'too-large');
    });

    it('a damaged archive (brotli cut short, not brotli at all, a tar header altered): bad-archive', async () => {
      const good = await payloadOf(entriesOf(A));
      const cut = good.subarray(0, good.length - 30);
      await expectRefused(cut, manifestOf(A, cut), 'bad-archive'); // Z_BUF_ERROR, "unexpected end of file"
      const notBrotli = Buffer.from('this is not a brotli stream, whatever its name says\n');
      await expectRefused(notBrotli, manifestOf(A, notBrotli), 'bad-archive'); // ERR__ERROR_FORMAT_…
      const raw = brotliDecompressSync(good);
      raw[1024 + 3] ^= 0x01; // the second header's name (after package.json's header and one block): its checksum no longer matches
      const damaged = brotli(raw);
      await expectRefused(damaged, manifestOf(A, damaged), 'bad-archive');
    });

    it('endless data (a brotli bomb of 256 MiB of zeros after the files): too-large at once, without filling the disk', async () => {
      // A whole, valid tar of A followed by zeros: a tar reader takes zeros after the end as padding, so only the
      // cap on the decompressed bytes stops it.
      const file = join(root, 'bomb.tar.br');
      const compress = createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
      const done = pipeline(compress, createWriteStream(file));
      const tar = new TarWriter(compress);
      for (const e of entriesOf(A)) await tar.file(e.name, e.data!, modeOf(e.name));
      await tar.finish();
      const zeros = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 256; i++) if (!compress.write(zeros)) await new Promise((r) => compress.once('drain', r));
      compress.end();
      await done;
      const bomb = await readFile(file);
      expect(bomb.length).toBeLessThan(64 * 1024); // 256 MiB in under 64 KiB
      const started = performance.now();
      await expectRefused(bomb, manifestOf(A, bomb), 'too-large');
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });

  it('after a power cut: removes the staging leftovers and the half-made folder at releases/<version>, then unpacks', async () => {
    const payload = await payloadOf(entriesOf(A));
    const manifest = manifestOf(A, payload);
    await mkdir(join(releasesDir, 'staging', '0.2.0.0123456789ab', 'dist'), { recursive: true });
    await writeFile(join(releasesDir, 'staging', '0.2.0.0123456789ab', 'dist', 'half.js'), 'half');
    await mkdir(join(releasesDir, 'staging', 'aside.ba9876543210'), { recursive: true });
    await writeFile(join(releasesDir, 'staging', 'a technician’s note.txt'), 'not ours: kept');
    await mkdir(join(releasesDir, '0.2.0', 'dist'), { recursive: true });
    await writeFile(join(releasesDir, '0.2.0', 'dist', 'stale.js'), 'stale'); // no .loa-release.json: unfinished
    const dir = await unpackRelease({ payloadFile: await put(payload), manifest, releasesDir });
    await verifyInstalledRelease(dir, manifest);
    expect(existsSync(join(dir, 'dist', 'stale.js'))).toBe(false);
    expect(await readdir(join(releasesDir, 'staging'))).toEqual(['a technician’s note.txt']);
  });
});

describe('verifyInstalledRelease', () => {
  async function installed(): Promise<{ dir: string; manifest: ReleaseManifest }> {
    const payload = await payloadOf(entriesOf(A));
    const manifest = manifestOf(A, payload);
    return { dir: await unpackRelease({ payloadFile: await put(payload), manifest, releasesDir }), manifest };
  }

  it('finds a changed file, a changed mode, a missing file, an added file, another release’s manifest', async () => {
    const { dir, manifest } = await installed();
    const cart = join(dir, 'dist', 'device', 'cart.js');
    await writeFile(cart, B['dist/device/cart.js']!);
    await expect(verifyInstalledRelease(dir, manifest)).rejects.toMatchObject({ code: 'file-hash' });
    await writeFile(cart, A['dist/device/cart.js']!);
    await verifyInstalledRelease(dir, manifest);
    await chmod(cart, 0o755);
    await expect(verifyInstalledRelease(dir, manifest)).rejects.toMatchObject({ code: 'file-hash' });
    await chmod(cart, 0o644);
    await writeFile(join(dir, 'dist', 'extra.js'), '');
    await expect(verifyInstalledRelease(dir, manifest)).rejects.toMatchObject({ code: 'unexpected-file' });
    await rm(join(dir, 'dist', 'extra.js'));
    await rm(cart);
    await expect(verifyInstalledRelease(dir, manifest)).rejects.toMatchObject({ code: 'missing-file' });
    await expect(verifyInstalledRelease(dir, { ...manifest, version: '0.3.0' })).rejects.toMatchObject({ code: 'bad-manifest' });
  });
});
