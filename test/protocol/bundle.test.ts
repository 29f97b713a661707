// The provisioning bundle, its district origin and its high-water marks: a bundle written before origins existed, or
// before high-water marks (real files, made by the program as it was then), still parses and checks, as origin 0, 0
// and marks 0, 0; a new bundle carries both, last, covered by its SHA-256.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError, makeBundle, parseBundle, type BundleFields } from '../../protocol/index.js';
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

describe('the provisioning bundle', () => {
  it('reads a bundle written before origins existed: it checks, and its origin is 0, 0', () => {
    const b = parseBundle(BEFORE_ORIGIN);
    expect(b).toMatchObject({ unitName: 'dan-luc-01', unitNumber: 1, profile: 'pi-zero-2w', origin: { lat: 0, lon: 0 } });
    expect(b.sha256).toBe(JSON.parse(BEFORE_ORIGIN.toString('utf8')).sha256);
    // Still a checked file: a changed field is caught.
    expect(() => parseBundle(BEFORE_ORIGIN.toString('utf8').replace('"unitNumber": 1', '"unitNumber": 2'))).toThrow(/SHA-256/);
  });

  it('round-trips a bundle with its origin and high-water marks, last before sha256', () => {
    const made = makeBundle(fields);
    const text = JSON.stringify(made, null, 2);
    expect(Object.keys(JSON.parse(text) as object).slice(-3)).toEqual(['origin', 'highWater', 'sha256']);
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
    expect(() => parseBundle(JSON.stringify({ ...made, highWater: { boot: -1, record: 1234 } }))).toThrow(/highWater \(boot -1 must be a whole number/);
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
    expect(() => parseBundle(JSON.stringify(bad))).toThrow(/sai trường origin \(lon 185 must be a number of degrees from -180 to 180\)/);
    expect(() => parseBundle(JSON.stringify({ ...bad, origin: '19.82,105.6' }))).toThrow(/origin/);
    expect(() => makeBundle({ ...fields, origin: { lat: Number.NaN, lon: 105.6 } })).toThrow(/origin: lat NaN must be a number of degrees/);
  });
});
