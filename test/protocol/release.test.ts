// The release manifest (protocol/release.ts): version order, the release key's signature (and why a district key or
// any other key is not one), whether a release fits a cart, and the manifests that are refused before anything else.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkReleaseFits,
  compareVersions,
  encodeReleaseManifest,
  openReleaseManifest,
  parseReleaseManifest,
  signReleaseManifest,
  type CartSoftware,
  type ReleaseManifest,
} from '../../protocol/release.js';
import { privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from '../../protocol/signed.js';

const releaseKey = privateKeyFromSeed(Buffer.alloc(32, 0x52));
const releasePublic = publicKeyFromRaw(rawPublicKey(releaseKey));
const districtKey = privateKeyFromSeed(Buffer.alloc(32, 0x44));
const districtPublic = publicKeyFromRaw(rawPublicKey(districtKey));

const SHA = (c: string): string => c.repeat(64);

function manifest(over: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    format: 1,
    product: 'loa-unit',
    version: '0.2.0',
    arch: 'arm64',
    replaces: '0.1.0',
    schema: { reads: [1, 2], writes: 2 },
    payload: { size: 1234, sha256: SHA('a') },
    files: [
      { path: 'package.json', size: 80, mode: 0o644, sha256: SHA('b') },
      { path: 'dist/cli/loa.js', size: 900, mode: 0o755, sha256: SHA('c') },
    ],
    created: 1_790_000_000,
    ...over,
  };
}

const cart = (over: Partial<CartSoftware> = {}): CartSoftware => ({ arch: 'arm64', version: '0.1.0', schemaVersion: 2, ...over });

describe('compareVersions', () => {
  it.each([
    ['0.2.0', '0.1.9', 1],
    ['0.10.0', '0.9.0', 1],
    ['1.0.0', '1.0.0', 0],
    ['0.2.0-rc.1', '0.2.0', -1],
    ['0.2.0', '0.2.0-rc.1', 1],
    ['0.2.0-rc.2', '0.2.0-rc.10', -1],
    ['0.2.0-alpha', '0.2.0-beta', -1],
    ['0.2.0-rc.1', '0.2.0-rc.1.1', -1],
    ['0.2.0-1', '0.2.0-alpha', -1],
    ['0.2.0-rc.1', '0.1.9', 1],
  ])('%s vs %s → %i', (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
    expect(compareVersions(b, a)).toBe(-order || 0);
  });

  it('refuses what is not a version', () => {
    expect(() => compareVersions('0.2', '0.1.0')).toThrow(expect.objectContaining({ code: 'bad-manifest' }));
    expect(() => compareVersions('0.1.0', '../0.1.0')).toThrow(expect.objectContaining({ code: 'bad-manifest' }));
  });
});

describe('the release signature', () => {
  it('opens what the release key signed, and gives back the same manifest', () => {
    const signed = signReleaseManifest(manifest(), releaseKey);
    const opened = openReleaseManifest(signed.manifest, signed.signature, [districtPublic, releasePublic]);
    expect(encodeReleaseManifest(opened).equals(signed.manifest)).toBe(true);
    expect(opened.files.map((f) => f.path)).toEqual(['dist/cli/loa.js', 'package.json']);
  });

  it('refuses a release signed by another key: unknown-key', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const signed = signReleaseManifest(manifest(), other);
    expect(() => openReleaseManifest(signed.manifest, signed.signature, [releasePublic])).toThrow(expect.objectContaining({ code: 'unknown-key' }));
  });

  it('refuses a release signed by the district key, which is pinned for content but not as a release key', () => {
    // The cart pins both, for different things: the release check is given the release keys only.
    const signed = signReleaseManifest(manifest(), districtKey);
    expect(() => openReleaseManifest(signed.manifest, signed.signature, [releasePublic])).toThrow(expect.objectContaining({ code: 'unknown-key' }));
  });

  it('refuses release.json with one byte changed anywhere: bad-signature', () => {
    const signed = signReleaseManifest(manifest(), releaseKey);
    for (let i = 0; i < signed.manifest.length; i += 5) {
      const t = Buffer.from(signed.manifest);
      t[i] ^= 0x01;
      expect(() => openReleaseManifest(t, signed.signature, [releasePublic]), `byte ${i}`).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    }
  });

  it('refuses a signature file that is not one', () => {
    const signed = signReleaseManifest(manifest(), releaseKey);
    expect(() => openReleaseManifest(signed.manifest, Buffer.from('not json'), [releasePublic])).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    expect(() => openReleaseManifest(signed.manifest, Buffer.alloc(5000, 0x20), [releasePublic])).toThrow(expect.objectContaining({ code: 'too-large' }));
  });
});

describe('checkReleaseFits', () => {
  it('takes a newer release for this architecture that replaces this version and reads this database', () => {
    expect(() => checkReleaseFits(manifest(), cart())).not.toThrow();
  });

  it.each<[string, Partial<ReleaseManifest>, Partial<CartSoftware>, string]>([
    ['for another architecture', { arch: 'armhf' }, {}, 'wrong-arch'],
    ['the version running now', { version: '0.1.0' }, {}, 'not-newer'],
    ['older than the running one', { version: '0.1.0' }, { version: '0.2.0' }, 'not-newer'],
    ['a pre-release of the running version', { version: '0.2.0-rc.1' }, { version: '0.2.0' }, 'not-newer'],
    ['equal even with a rollback order', { version: '0.2.0' }, { version: '0.2.0', allowDowngrade: true }, 'not-newer'],
    ['for carts newer than this one', { version: '0.5.0', replaces: '0.3.0' }, { version: '0.2.0' }, 'too-old'],
    ['reading database schemas above this cart’s', { schema: { reads: [3, 4], writes: 4 } }, { schemaVersion: 2 }, 'schema'],
    ['reading database schemas below this cart’s', { schema: { reads: [1, 1], writes: 1 } }, { schemaVersion: 2 }, 'schema'],
  ])('refuses a release %s', (_what, m, c, code) => {
    expect(() => checkReleaseFits(manifest(m), cart(c))).toThrow(expect.objectContaining({ code }));
  });

  it('takes an older release with a signed rollback order, if it can read the database', () => {
    expect(() => checkReleaseFits(manifest({ version: '0.1.0' }), cart({ version: '0.2.0', allowDowngrade: true }))).not.toThrow();
    expect(() => checkReleaseFits(manifest({ version: '0.1.0', schema: { reads: [1, 1], writes: 1 } }), cart({ version: '0.2.0', allowDowngrade: true }))).toThrow(
      expect.objectContaining({ code: 'schema' }),
    );
  });
});

describe('parseReleaseManifest refuses', () => {
  const withFile = (f: Record<string, unknown>): unknown => ({ ...manifest(), files: [f] });
  const file = { path: 'dist/a.js', size: 1, mode: 0o644, sha256: SHA('d') };

  it.each<[string, unknown, string]>([
    ['a path with ..', withFile({ ...file, path: 'dist/../../etc/passwd' }), 'bad-manifest'],
    ['a path of . segments', withFile({ ...file, path: './dist/a.js' }), 'bad-manifest'],
    ['an absolute path', withFile({ ...file, path: '/etc/passwd' }), 'bad-manifest'],
    ['an empty segment', withFile({ ...file, path: 'dist//a.js' }), 'bad-manifest'],
    ['a backslash path', withFile({ ...file, path: 'dist\\..\\a.js' }), 'bad-manifest'],
    ['a file listed twice', { ...manifest(), files: [file, { ...file, size: 2 }] }, 'bad-manifest'],
    ['a setuid mode', withFile({ ...file, mode: 0o4755 }), 'bad-manifest'],
    ['a world-writable mode', withFile({ ...file, mode: 0o666 }), 'bad-manifest'],
    ['a short hash', withFile({ ...file, sha256: 'abc' }), 'bad-manifest'],
    ['a negative size', withFile({ ...file, size: -1 }), 'bad-manifest'],
    ['no files', { ...manifest(), files: [] }, 'bad-manifest'],
    ['another product', { ...manifest(), product: 'loa-controller' }, 'wrong-product'],
    ['an unknown architecture', { ...manifest(), arch: 'riscv64' }, 'bad-manifest'],
    ['a version with a slash', { ...manifest(), version: '0.2.0/../../x' }, 'bad-manifest'],
    ['a schema range upside down', { ...manifest(), schema: { reads: [3, 1], writes: 3 } }, 'bad-manifest'],
    ['a newer format', { ...manifest(), format: 2 }, 'bad-manifest'],
    ['not an object', [], 'bad-manifest'],
  ])('%s', (_what, input, code) => {
    expect(() => parseReleaseManifest(input)).toThrow(expect.objectContaining({ code }));
  });

  it('but takes a space inside a name, as node_modules has (help-me/fixture/hello world.txt), never at either end', () => {
    expect(parseReleaseManifest(withFile({ ...file, path: 'node_modules/help-me/fixture/hello world.txt' })).files[0]!.path).toBe('node_modules/help-me/fixture/hello world.txt');
    for (const path of ['dist/ a.js', 'dist/a.js ', 'dist/ /a.js', ' ']) expect(() => parseReleaseManifest(withFile({ ...file, path })), path).toThrow(expect.objectContaining({ code: 'bad-manifest' }));
  });

  it('and signing refuses to sign such a manifest', () => {
    expect(() => signReleaseManifest(withFile({ ...file, path: '../x' }) as ReleaseManifest, releaseKey)).toThrow(expect.objectContaining({ code: 'bad-manifest' }));
  });
});
