// The over-the-air release bundle as `npm run package` writes it (tools/package/release.ts) and as a person reads it
// (`loa release inspect`, `loa release keygen`): real files in a temporary folder, real brotli, real Ed25519.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { brotliDecompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lang } from '../../cli/i18n.js';
import type { CliIo } from '../../cli/io.js';
import { runRelease } from '../../cli/release-tools.js';
import { extractReleaseBundle } from '../../device/update/unpack.js';
import { TarWriter } from '../../lib/tar.js';
import { openReleaseManifest, rawPublicKey, RELEASE_MEMBERS } from '../../protocol/index.js';
import { privateKeyFromSeed } from '../../protocol/signed.js';
import { buildReleaseBundle, cartSchema, releaseKeyFor } from '../../tools/package/release.js';
import { missing } from '../support/tools.js';

const key = privateKeyFromSeed(Buffer.alloc(32, 0x52));
const publicHex = rawPublicKey(key).toString('hex');
const otherHex = rawPublicKey(privateKeyFromSeed(Buffer.alloc(32, 0x53))).toString('hex');

let dir: string;
let payloadDir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-bundle-'));
  payloadDir = join(dir, 'usr', 'lib', 'loa', '0.1.0');
  await mkdir(join(payloadDir, 'dist', 'cli'), { recursive: true });
  await mkdir(join(payloadDir, 'node_modules', 'ms', '.bin'), { recursive: true });
  await writeFile(join(payloadDir, 'package.json'), '{"name":"loa","version":"0.1.0","type":"module","private":true}\n');
  await writeFile(join(payloadDir, 'dist', 'cli', 'loa.js'), '#!/usr/bin/env node\n');
  await chmod(join(payloadDir, 'dist', 'cli', 'loa.js'), 0o755);
  await writeFile(join(payloadDir, 'node_modules', 'ms', 'index.js'), 'module.exports = (s) => s * 1000;\n'.repeat(50));
  // npm's command link inside a nested .bin: never loaded by the program, left out of the payload.
  await symlink('../index.js', join(payloadDir, 'node_modules', 'ms', '.bin', 'ms'));
});

const build = (outDir: string, over: { version?: string; quality?: number } = {}) =>
  buildReleaseBundle({ payloadDir, version: over.version ?? '0.2.0', arch: 'arm64', replaces: '0.1.0', schema: cartSchema(), key, outDir, created: 1_790_000_000, ...(over.quality === undefined ? {} : { quality: over.quality }) });

/** The payload member's bytes, taken out with GNU tar. */
function payloadOf(bundle: string): Buffer {
  const x = spawnSync('tar', ['xOf', bundle, RELEASE_MEMBERS.payload]);
  expect(x.status, x.stderr.toString()).toBe(0);
  return x.stdout;
}

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    io: { stdout, stderr, stdin: new PassThrough(), env: {} },
    out: () => Buffer.concat(chunks.out).toString('utf8'),
    err: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}

async function loaRelease(args: string[], lang: Lang = 'vi'): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo();
  const code = await runRelease(args, c.io, lang);
  return { code, stdout: c.out(), stderr: c.err() };
}

describe('buildReleaseBundle', () => {
  it('writes loa-release-VERSION-ARCH.tar: release.json, release.sig, payload.tar.br, signed by the release key', async () => {
    const built = await build(join(dir, 'out'));
    expect(built.file).toBe(join(dir, 'out', 'loa-release-0.2.0-arm64.tar'));
    expect(built.files).toBe(3);
    expect(built.bytes).toBe((await stat(built.file)).size);
    expect(built.compressSeconds).toBeGreaterThanOrEqual(0);
    expect(built.payloadBytes).toBe(Buffer.byteLength('{"name":"loa","version":"0.1.0","type":"module","private":true}\n') + 20 + 'module.exports = (s) => s * 1000;\n'.length * 50);
    const b = await extractReleaseBundle(built.file, join(dir, RELEASE_MEMBERS.payload));
    const m = openReleaseManifest(b.manifest, b.signature, [createPrivateKey(key.export({ format: 'pem', type: 'pkcs8' }))]);
    expect(m).toMatchObject({ version: '0.2.0', arch: 'arm64', replaces: '0.1.0', schema: cartSchema(), created: 1_790_000_000 });
    expect(m.files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['dist/cli/loa.js', '755'],
      ['node_modules/ms/index.js', '644'],
      ['package.json', '644'],
    ]);
    expect(cartSchema().writes).toBeGreaterThanOrEqual(2);
  });

  // The payload is decompressed with Node's brotli (no brotli command needed), then listed by GNU tar.
  it.skipIf(missing('tar'))('is a tar that GNU tar lists in that order, with a brotli payload GNU tar unpacks', async () => {
    const built = await build(join(dir, 'out'));
    const list = spawnSync('tar', ['tf', built.file], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(['release.json', 'release.sig', 'payload.tar.br']);
    const x = spawnSync('tar', ['tf', '-'], { input: brotliDecompressSync(payloadOf(built.file)), encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    expect(x.stdout.trim().split('\n').sort()).toEqual(['dist/cli/loa.js', 'node_modules/ms/index.js', 'package.json']);
  });

  it.skipIf(missing('tar'))('compresses at the brotli quality asked (11 by default) and refuses one outside 0–11', async () => {
    const [best, fast] = [await build(join(dir, 'best')), await build(join(dir, 'fast'), { quality: 0 })];
    const [a, b] = [payloadOf(best.file), payloadOf(fast.file)];
    expect(a.length).toBeLessThan(b.length);
    expect(brotliDecompressSync(a).equals(brotliDecompressSync(b))).toBe(true);
    await expect(build(join(dir, 'bad'), { quality: 12 })).rejects.toThrow(/quality 12: a whole number from 0 to 11/);
  });

  it('gives the same bytes from the same folder and date', async () => {
    const [a, b] = [await build(join(dir, 'a')), await build(join(dir, 'b'))];
    expect((await readFile(a.file)).equals(await readFile(b.file))).toBe(true);
  });

  it('refuses a payload with a symbolic link outside a .bin folder, naming it', async () => {
    await symlink('/etc/passwd', join(payloadDir, 'dist', 'passwd'));
    await expect(build(join(dir, 'out'))).rejects.toThrow(/dist\/passwd is not a regular file/);
  });

  it('signs with the development key made once at build/release-key.pem (0600) when no key is named', async () => {
    const first = await releaseKeyFor({ env: {}, repo: dir });
    expect(first.development).toBe(true);
    expect((await stat(join(dir, 'build', 'release-key.pem'))).mode & 0o777).toBe(0o600);
    const again = await releaseKeyFor({ env: {}, repo: dir });
    expect(rawPublicKey(again.key).equals(rawPublicKey(first.key))).toBe(true);
    const named = await releaseKeyFor({ env: { LOA_RELEASE_KEY: join(dir, 'build', 'release-key.pem') }, repo: join(dir, 'elsewhere') });
    expect(named.development).toBe(false);
    await writeFile(join(dir, 'not-a-key.pem'), 'hello');
    await expect(releaseKeyFor({ option: join(dir, 'not-a-key.pem'), env: {}, repo: dir })).rejects.toThrow(/release key .*not-a-key\.pem/);
  });
});

describe('loa release inspect', () => {
  it('says what a bundle holds without trusting it, and checks it end to end with --key', async () => {
    const built = await build(join(dir, 'out'));
    const plain = await loaRelease(['inspect', built.file]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Bản phát hành loa-unit 0.2.0 cho arm64, thay được bản 0.1.0 trở lên');
    expect(plain.stdout).toContain('3 tệp');
    expect(plain.stdout).toContain('Chưa kiểm tra chữ ký');
    const checked = await loaRelease(['inspect', built.file, '--key', otherHex, '--key', publicHex], 'en');
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain('Signature good; all 3 files have their size and SHA-256.');
    expect(checked.code).toBe(0);
  });

  it('exits 1 with the code for a bundle signed by a key not given, or altered', async () => {
    const built = await build(join(dir, 'out'));
    const wrong = await loaRelease(['inspect', built.file, '--key', otherHex], 'en');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^loa release inspect: .* refused \(unknown-key\): /);
    // One byte of the payload changed, inside its brotli data (the member's header, then its bytes).
    const bytes = await readFile(built.file);
    const at = bytes.indexOf(Buffer.from(RELEASE_MEMBERS.payload)) + 512 + 30;
    expect(at).toBeGreaterThan(1024 + 512);
    bytes[at] ^= 0xff;
    await writeFile(built.file, bytes);
    const altered = await loaRelease(['inspect', built.file, '--key', publicHex]);
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(/từ chối .* \(payload-hash\)/);
  });

  it('refuses a bundle whose members are out of order: bad-archive', async () => {
    const file = join(dir, 'odd.tar');
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(file);
    const tar = new TarWriter(out);
    await tar.file(RELEASE_MEMBERS.payload, Buffer.from('x'));
    await tar.file('release.json', Buffer.from('{}'));
    await tar.finish();
    await new Promise((resolve) => out.end(resolve));
    const r = await loaRelease(['inspect', file], 'en');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(bad-archive)');
  });

  it('says a missing file in one line, exit 1', async () => {
    const r = await loaRelease(['inspect', join(dir, 'nothing.tar')], 'en');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('loa release keygen', () => {
  it('writes a new key 0600 and prints its public half; refuses to overwrite one, exit 2', async () => {
    const file = join(dir, 'keys', 'release.pem');
    const made = await loaRelease(['keygen', '--out', file], 'en');
    expect(made.code).toBe(0);
    const hex = made.stdout.trim().split('\n').at(-1)!;
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(rawPublicKey(createPrivateKey(await readFile(file))).toString('hex')).toBe(hex);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const before = await readFile(file);
    const again = await loaRelease(['keygen', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('không ghi đè');
    expect((await readFile(file)).equals(before)).toBe(true);
  });
});
