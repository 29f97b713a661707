// The provisioning bundle, its district origin and its high-water marks: a bundle written before origins existed, or
// before high-water marks (real files, made by the program as it was then), still parses and checks, as origin 0, 0
// and marks 0, 0; a new bundle carries both, last, covered by its SHA-256. Its TLS material (the pinned district CA,
// the cart's client certificate and key) comes after them, covered too when there; a bundle without it reads as null.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError, bundleFile, makeBundle, parseBundle, type BundleFields, type BundleTls } from '../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_UNIT_KEY } from '../../tools/vector-cases.js';

const BEFORE_ORIGIN = readFileSync(join(import.meta.dirname, 'fixtures', 'bundle-before-origin.json'));
const BEFORE_HIGH_WATER = readFileSync(join(import.meta.dirname, 'fixtures', 'bundle-before-high-water.json'));

const fields: BundleFields = {
  district: 'trieu-son',
  unitName: 'dan-luc-02',
  unitNumber: 2,
  commune: 'dan-luc',
  team: 'dan-luc-ttt',
  unitKey: TEST_UNIT_KEY.toString('hex'),
  districtKeys: [TEST_DISTRICT_PUBLIC],
  broker: { url: 'mqtt://10.0.0.5:1883', username: 'dan-luc-02', password: 'mat-khau-thu-nghiem-02' },
  contentUrl: 'http://10.0.0.5:8080',
  profile: 'pi-zero-2w',
  origin: { lat: 19.82, lon: 105.6 },
  highWater: { boot: 7, record: 1234 },
};

/** PEM text of the right shapes (the bundle checks shapes only; the TLS tests use real certificates). */
const pem = (label: string, body: Buffer): string => `-----BEGIN ${label}-----\n${body.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
const tls: BundleTls = {
  ca: pem('CERTIFICATE', Buffer.alloc(300, 1)),
  cert: pem('CERTIFICATE', Buffer.alloc(300, 2)),
  key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
};

describe('the provisioning bundle', () => {
  it('reads a bundle written before origins existed: it checks, and its origin is 0, 0', () => {
    const b = parseBundle(BEFORE_ORIGIN);
    expect(b).toMatchObject({ unitName: 'dan-luc-01', unitNumber: 1, profile: 'pi-zero-2w', origin: { lat: 0, lon: 0 } });
    expect(b.sha256).toBe(JSON.parse(BEFORE_ORIGIN.toString('utf8')).sha256);
    // Still a checked file: a changed field is caught.
    expect(() => parseBundle(BEFORE_ORIGIN.toString('utf8').replace('"unitNumber": 1', '"unitNumber": 2'))).toThrow(/SHA-256/);
  });

  it('round-trips a bundle with its origin and high-water marks, last before tls and sha256', () => {
    const made = makeBundle(fields);
    const text = JSON.stringify(made, null, 2);
    expect(Object.keys(JSON.parse(text) as object).slice(-5)).toEqual(['origin', 'highWater', 'tls', 'releaseKeys', 'sha256']);
    expect(made.tls).toBeNull();
    expect(parseBundle(text)).toEqual(made);
    expect(parseBundle(text).origin).toEqual({ lat: 19.82, lon: 105.6 });
    expect(parseBundle(text).highWater).toEqual({ boot: 7, record: 1234 });
  });

  it('reads a bundle written before high-water marks: it checks, with its origin, and its marks are 0, 0', () => {
    const b = parseBundle(BEFORE_HIGH_WATER);
    expect(b).toMatchObject({ unitName: 'dan-luc-03', origin: { lat: 19.82, lon: 105.6 }, highWater: { boot: 0, record: 0 } });
    expect(b.sha256).toBe(JSON.parse(BEFORE_HIGH_WATER.toString('utf8')).sha256);
    expect(parseBundle(BEFORE_ORIGIN).highWater).toEqual({ boot: 0, record: 0 });
  });

  it('covers the high-water marks with the SHA-256, and refuses marks that are not whole numbers in range', () => {
    const made = makeBundle(fields);
    expect(() => parseBundle(JSON.stringify({ ...made, highWater: { boot: 7, record: 1 } }))).toThrow(/SHA-256/);
    const { highWater: _dropped, ...without } = made;
    expect(() => parseBundle(JSON.stringify(without))).toThrow(/SHA-256/);
    expect(() => parseBundle(JSON.stringify({ ...made, highWater: { boot: -1, record: 1234 } }))).toThrow(/highWater\.boot \(-1 must be a whole number from 0 to/);
    expect(() => parseBundle(JSON.stringify({ ...made, highWater: 7 }))).toThrow(/highWater/);
    expect(() => makeBundle({ ...fields, highWater: { boot: 7, record: 1.5 } })).toThrow(/highWater: record 1.5/);
  });

  it('covers the origin with the SHA-256: a bundle whose origin was changed or dropped is damaged', () => {
    const made = makeBundle(fields);
    const moved = JSON.stringify({ ...made, origin: { lat: 20.82, lon: 105.6 } });
    expect(() => parseBundle(moved)).toThrow(BundleError);
    expect(() => parseBundle(moved)).toThrow(/SHA-256/);
    const { origin: _dropped, ...without } = made;
    expect(() => parseBundle(JSON.stringify(without))).toThrow(/SHA-256/);
  });

  it('refuses an origin off the globe, naming the field and the value', () => {
    const bad = { ...makeBundle(fields), origin: { lat: 19.82, lon: 185 } };
    expect(() => parseBundle(JSON.stringify(bad))).toThrow(/sai trường origin\.lon \(185 must be a number of degrees from -180 to 180\)/);
    expect(() => parseBundle(JSON.stringify({ ...bad, origin: '19.82,105.6' }))).toThrow(/origin/);
    expect(() => makeBundle({ ...fields, origin: { lat: Number.NaN, lon: 105.6 } })).toThrow(/origin: lat NaN must be a number of degrees/);
  });

  it('reads a bundle without tls (older, or a district without TLS) as tls null, and it still checks', () => {
    expect(parseBundle(BEFORE_ORIGIN).tls).toBeNull();
    expect(parseBundle(BEFORE_HIGH_WATER).tls).toBeNull();
    // Written without the key at all, as every bundle before TLS was: same digest as with "tls": null.
    const { tls: _none, ...without } = makeBundle(fields);
    expect(parseBundle(JSON.stringify(without)).tls).toBeNull();
    expect(makeBundle({ ...fields, tls: null }).sha256).toBe(without.sha256);
  });

  it('round-trips a bundle with tls, last before sha256, covered by the SHA-256', () => {
    const made = makeBundle({ ...fields, tls });
    const text = JSON.stringify(made, null, 2);
    expect(Object.keys(JSON.parse(text) as object).slice(-5)).toEqual(['origin', 'highWater', 'tls', 'releaseKeys', 'sha256']);
    expect(parseBundle(text)).toEqual(made);
    expect(parseBundle(text).tls).toEqual(tls);
    expect(made.sha256).not.toBe(makeBundle(fields).sha256);
  });

  it('carries the release keys the cart pins, covered by the SHA-256; none = the same file and digest as before releases', () => {
    const key = 'ab'.repeat(32);
    const made = makeBundle({ ...fields, releaseKeys: [key] });
    const file = bundleFile(made);
    expect(Object.keys(JSON.parse(file) as object).slice(-2)).toEqual(['releaseKeys', 'sha256']);
    expect(parseBundle(file).releaseKeys).toEqual([key]);
    expect(made.sha256).not.toBe(makeBundle(fields).sha256);
    expect(makeBundle({ ...fields, releaseKeys: [] }).sha256).toBe(makeBundle(fields).sha256);
    expect(bundleFile(makeBundle(fields))).not.toContain('releaseKeys');
    expect(() => parseBundle(file.replace(key, 'zz'))).toThrow(/releaseKeys\[0\]/);
  });

  it('writes a bundle without tls as the same file as before TLS; with tls, last before sha256; both check by the plain rule', () => {
    const plain = JSON.parse(bundleFile(makeBundle(fields))) as Record<string, unknown>;
    expect(Object.keys(plain).slice(-3)).toEqual(['origin', 'highWater', 'sha256']);
    const withTls = JSON.parse(bundleFile(makeBundle({ ...fields, tls }))) as Record<string, unknown>;
    expect(Object.keys(withTls).slice(-4)).toEqual(['origin', 'highWater', 'tls', 'sha256']);
    for (const b of [plain, withTls]) {
      const { sha256, ...rest } = b;
      expect(createHash('sha256').update(JSON.stringify(rest)).digest('hex')).toBe(sha256);
      expect(parseBundle(JSON.stringify(b)).sha256).toBe(sha256);
    }
  });

  it('a bundle whose tls was changed, swapped or dropped is damaged', () => {
    const made = makeBundle({ ...fields, tls });
    const other = pem('CERTIFICATE', Buffer.alloc(300, 3));
    for (const changed of [{ ...tls, ca: other }, { ...tls, cert: other }, { ...tls, cert: tls.ca, ca: tls.cert }]) {
      const text = JSON.stringify({ ...made, tls: changed });
      expect(() => parseBundle(text)).toThrow(BundleError);
      expect(() => parseBundle(text)).toThrow(/SHA-256/);
    }
    expect(() => parseBundle(JSON.stringify({ ...made, tls: null }))).toThrow(/SHA-256/);
    const { tls: _dropped, ...without } = made;
    expect(() => parseBundle(JSON.stringify(without))).toThrow(/SHA-256/);
  });

  it('refuses tls that is not PEM with the right labels, naming the part, in both languages', () => {
    const made = makeBundle({ ...fields, tls });
    const refused = (bad: unknown): BundleError => {
      try {
        parseBundle(JSON.stringify({ ...made, tls: bad }));
      } catch (err) {
        return err as BundleError;
      }
      throw new Error(`tls ${JSON.stringify(bad)} was accepted`);
    };
    const rsaKey = tls.key.replaceAll('PRIVATE KEY', 'EC PRIVATE KEY');
    const keyAsCa = refused({ ...tls, ca: tls.key });
    expect(keyAsCa).toMatchObject({ code: 'bad-bundle', name: 'BundleError' });
    expect(keyAsCa.message).toMatch(/^Gói cài đặt thiếu hoặc sai trường tls \(ca must be PEM "-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----", got PRIVATE KEY\) \(the bundle lacks or has bad tls/);
    expect(refused({ ...tls, key: rsaKey }).message).toMatch(/tls \(key must be PEM "-----BEGIN PRIVATE KEY-----".*got EC PRIVATE KEY\)/);
    expect(refused({ ...tls, cert: 'MIIB…' }).message).toMatch(/cert must be PEM .*got no PEM/);
    expect(refused({ ...tls, key: tls.key.replace('-----END PRIVATE KEY-----', '') }).message).toMatch(/key must be PEM/);
    expect(refused({ ca: tls.ca, cert: tls.cert }).message).toMatch(/tls\.key \(nothing must be a string\)/);
    expect(refused('tls').message).toMatch(/tls \("tls" must be null or \{ "ca", "cert", "key" \}/);
    expect(() => makeBundle({ ...fields, tls: { ...tls, cert: 'nope' } })).toThrow(/tls: cert must be PEM/);
  });
});
