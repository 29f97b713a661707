// The cart's side of the spoken cues, on a pack the district's code makes with the real espeak-ng (skipped with the
// printed reason where it is missing; CI installs it): checked with the pinned district keys and every file's
// SHA-256 when it arrives, at start and before a cue is spoken; a changed byte, another district's key, another
// district, a missing file, an older pack refused with a reason (code, vi, en); the import from incoming/; and which
// cue answers which refusal.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CuePacks } from '../../controller/content/cues.js';
import { validateCartConfig } from '../../device/config.js';
import { CueSet } from '../../device/content/cues.js';
import { ConfigError } from '../../lib/config-error.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { readTar, TarWriter } from '../../lib/tar.js';
import { privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from '../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../tools/vector-cases.js';
import { missing } from '../support/tools.js';

const DISTRICT = 'trieu-son';
/** 2026-11-29 08:00:00 +07:00 */
const T = 1_795_914_000;
const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
const pinned = publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'));
const root = mkdtempSync(join(tmpdir(), 'loa-cart-cues-'));
afterAll(() => rm(root, { recursive: true, force: true }));

let made = 0;
/** A pack as the district makes it, signed with `key` for `district`, at version `version`. */
async function districtPack(key: KeyObject, district: string, version: number): Promise<Buffer> {
  const dir = join(root, `district-${++made}-${district}-${rawPublicKey(key).toString('hex').slice(0, 8)}`);
  return (await new CuePacks({ dataDir: dir, district, signer: { privateKey: key }, clock: () => version }).build()).tar;
}

async function untar(tar: Buffer): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for await (const e of readTar(Readable.from([tar]))) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    out.push([e.name, Buffer.concat(parts)]);
  }
  return out;
}

async function retar(members: [string, Buffer][]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) });
  const w = new TarWriter(sink);
  for (const [name, data] of members) await w.file(name, data);
  await w.finish();
  return Buffer.concat(chunks);
}

/** The pack with one member changed by `change` (or removed when it returns null). */
async function altered(tar: Buffer, name: string, change: (b: Buffer) => Buffer | null): Promise<Buffer> {
  const members = await untar(tar);
  return retar(members.flatMap(([n, b]): [string, Buffer][] => (n !== name ? [[n, b]] : ((c) => (c === null ? [] : [[n, c]]))(change(Buffer.from(b))))));
}

const flip = (at: number) => (b: Buffer): Buffer => {
  b[at] = b[at]! ^ 0x01;
  return b;
};

let n = 0;
function cart(keys: KeyObject[] = [pinned], logger: Logger = silentLogger): { dir: string; cues: CueSet } {
  const dir = join(root, `cart${++n}`, 'content');
  return { dir, cues: new CueSet({ dir, district: DISTRICT, districtKeys: () => keys, logger }) };
}

describe.skipIf(missing('espeak-ng'))('CueSet', () => {
  let pack: Buffer;
  let newer: Buffer;
  beforeAll(async () => {
    pack = await districtPack(districtKey, DISTRICT, T);
    newer = await districtPack(districtKey, DISTRICT, T + 60);
  }, 60_000);

  it('installs a pack signed by a pinned key, keeps it across a restart, and measures the checks', async () => {
    const { dir, cues } = cart();
    expect(await cues.open()).toBeNull();
    expect(cues.cueFor(['outside-hours'], { minutesLeft: null })).toBeNull(); // no pack yet
    let started = performance.now();
    const installed = await cues.install(pack);
    const installMs = performance.now() - started;
    expect(installed).toMatchObject({ version: T, cues: 17 });
    expect(await readFile(join(dir, 'cues', 'current'), 'utf8')).toBe(`v${T}\n`);
    expect(await cues.install(pack)).toBeNull(); // the same pack: nothing to do
    const again = new CueSet({ dir, district: DISTRICT, districtKeys: () => [pinned], logger: silentLogger });
    started = performance.now();
    expect(await again.open()).toBeNull();
    const openMs = performance.now() - started;
    expect(again.installed).toEqual(cues.installed);
    started = performance.now();
    const cue = again.cueFor(['outside-hours'], { minutesLeft: null });
    const speakCheckMs = performance.now() - started;
    expect(cue).toEqual({ id: 'outside-hours', file: join(dir, 'cues', `v${T}`, 'outside-hours.wav'), text: 'Ngoài giờ phát thanh' });
    console.log(`[measure] cart: install (untar + signature + 17 SHA-256 + durable writes) ${installMs.toFixed(1)} ms, open (read + verify all) ${openMs.toFixed(1)} ms, check before speaking ${speakCheckMs.toFixed(2)} ms`);
  });

  it('takes a newer pack and removes the old one; refuses an older one', async () => {
    const { dir, cues } = cart();
    await cues.install(pack);
    expect(await cues.install(newer)).toMatchObject({ version: T + 60 });
    expect((await readdir(join(dir, 'cues'))).sort()).toEqual(['current', `v${T + 60}`]);
    await expect(cues.install(pack)).rejects.toMatchObject({ code: 'rollback', vi: expect.stringContaining('cũ hơn') });
    expect(cues.installed?.version).toBe(T + 60);
  });

  it.each([
    ['a changed byte of a cue', 'cue-hash', (tar: Buffer) => altered(tar, 'quiet-zone.wav', flip(500))],
    ['a changed byte of cues.json', 'bad-signature', (tar: Buffer) => altered(tar, 'cues.json', (b) => Buffer.from(b.toString('utf8').replace('Ngoài giờ', 'Ngoài gìờ')))],
    ['a missing file', 'cue-missing', (tar: Buffer) => altered(tar, 'daily-limit.wav', () => null)],
    ['a cue cut short', 'cue-size', (tar: Buffer) => altered(tar, 'daily-limit.wav', (b) => b.subarray(0, b.length - 2))],
    ['no signature', 'bad-pack', (tar: Buffer) => altered(tar, 'cues.sig', () => null)],
    ['not a tar', 'bad-pack', (tar: Buffer) => Promise.resolve(tar.subarray(0, 1000))],
  ])('refuses %s (%s) and keeps the pack in use', async (_what, code, make) => {
    const { cues } = cart();
    await cues.install(pack);
    const bad = await make(newer);
    const err = await cues.install(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, vi: expect.any(String), en: expect.any(String) });
    expect(cues.installed?.version).toBe(T);
    expect(cues.cueFor(['quiet-zone'], { minutesLeft: null })?.id).toBe('quiet-zone');
  });

  it("refuses another district's key, and a pack signed by our key for another district", async () => {
    const { privateKey: other } = generateKeyPairSync('ed25519');
    const { cues } = cart();
    await expect(cues.install(await districtPack(other, DISTRICT, T))).rejects.toMatchObject({ code: 'unknown-key', vi: expect.stringContaining('không phải khoá huyện') });
    await expect(cues.install(await districtPack(districtKey, 'yen-dinh', T))).rejects.toMatchObject({ code: 'wrong-district' });
    expect(cues.installed).toBeNull();
    // The key pinned after a rotation: the same pack is now taken.
    const rotated = cart([pinned, other]);
    expect(await rotated.cues.install(await districtPack(other, DISTRICT, T))).toMatchObject({ version: T });
  });

  it('checks the files again at start and before speaking: a damaged cue is not spoken, the next refusal is', async () => {
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, error: (m: unknown) => void lines.push(String(m)) };
    const { dir, cues } = cart([pinned], logger);
    await cues.install(pack);
    const file = join(dir, 'cues', `v${T}`, 'outside-hours.wav');
    const bytes = await readFile(file);
    bytes[300] = bytes[300]! ^ 0xff;
    await writeFile(file, bytes);
    expect(cues.cueFor(['outside-hours', 'quiet-zone'], { minutesLeft: null })?.id).toBe('quiet-zone');
    expect(lines.join('\n')).toContain('outside-hours');
    await appendFile(join(dir, 'cues', `v${T}`, 'quiet-zone.wav'), Buffer.from([0]));
    expect(cues.cueFor(['quiet-zone'], { minutesLeft: null })).toBeNull();
    const restarted = new CueSet({ dir, district: DISTRICT, districtKeys: () => [pinned], logger: silentLogger });
    expect(await restarted.open()).toMatchObject({ code: 'cue-hash', vi: expect.any(String), en: expect.any(String) });
    expect(restarted.installed).toBeNull();
    // …and the key no longer pinned: refused at start too.
    const fresh = cart();
    await fresh.cues.install(pack);
    const unpinned = new CueSet({ dir: fresh.dir, district: DISTRICT, districtKeys: () => [], logger: silentLogger });
    expect(await unpinned.open()).toMatchObject({ code: 'unknown-key' });
    // A pack half-written by a power cut (its temporary folder) is removed at start; the one in use stays.
    await mkdir(join(fresh.dir, 'cues', `.v${T + 60}.123.tmp`), { recursive: true });
    const after = new CueSet({ dir: fresh.dir, district: DISTRICT, districtKeys: () => [pinned], logger: silentLogger });
    expect(await after.open()).toBeNull();
    expect(await readdir(join(fresh.dir, 'cues'))).not.toContain(`.v${T + 60}.123.tmp`);
  });

  it('imports incoming/cues.tar (then removes it); a refused one stays there with the reason', async () => {
    const { dir, cues } = cart();
    await cues.open();
    expect(await cues.importIncoming()).toBeNull();
    await mkdir(join(dir, 'incoming'), { recursive: true });
    await writeFile(cues.incomingFile, await altered(pack, 'cues.json', flip(40)));
    expect(await cues.importIncoming()).toEqual({ refused: expect.objectContaining({ code: 'bad-signature' }) });
    expect(existsSync(cues.incomingFile)).toBe(true);
    await writeFile(cues.incomingFile, pack);
    expect(await cues.importIncoming()).toEqual({ installed: expect.objectContaining({ version: T }) });
    expect(existsSync(cues.incomingFile)).toBe(false);
  });

  it('chooses the first refusal that has a cue, and the minutes left for the battery', async () => {
    const { cues } = cart();
    await cues.install(pack);
    const id = (codes: string[], minutesLeft: number | null = null): string | null => cues.cueFor(codes, { minutesLeft })?.id ?? null;
    expect(id(['outside-hours', 'quiet-zone'])).toBe('outside-hours');
    expect(id(['position-unknown', 'battery-unknown', 'quiet-zone'])).toBe('quiet-zone'); // no cue for the first two
    expect(id(['position-unknown'])).toBeNull();
    expect(id([])).toBeNull();
    expect(id(['no-approved-clip'])).toBe('no-approved-clip');
    expect(id(['time-unknown', 'outside-hours'])).toBe('time-unknown');
    expect(id(['energy-reserve'])).toBe('energy-reserve');
    expect(id(['low-battery'])).toBe('low-battery');
    expect(id(['energy-reserve'], 47)).toBe('battery-minutes-45');
    expect(id(['energy-reserve'], 45)).toBe('battery-minutes-45');
    expect(id(['energy-reserve'], 5)).toBe('battery-minutes-5');
    expect(id(['energy-reserve'], 4.9)).toBe('low-battery');
    expect(id(['energy-reserve'], 0)).toBe('low-battery');
    expect(id(['low-battery'], 1440)).toBe('battery-minutes-120');
    expect(id(['outside-hours', 'energy-reserve'], 20)).toBe('outside-hours');
    expect(cues.cueFor(['energy-reserve'], { minutesLeft: 21 })?.text).toBe('Pin còn khoảng 20 phút');
  });
});

describe('the cues section of the configuration', () => {
  it('speaks by default at 30 %, and names a bad value by its key path', () => {
    expect(validateCartConfig({}, { simulate: true }).cues).toEqual({ enabled: true, volumePercent: 30 });
    expect(validateCartConfig({ cues: { enabled: false, volumePercent: 15 } }, { simulate: true }).cues).toEqual({ enabled: false, volumePercent: 15 });
    const err = (() => {
      try {
        validateCartConfig({ cues: { volumePercent: 130, loud: true } }, { simulate: true });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.path).sort()).toEqual(['cues.loud', 'cues.volumePercent']);
  });
});
