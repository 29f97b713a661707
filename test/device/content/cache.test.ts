// The clip cache takes content only through the signed-manifest checks, and a refused manifest changes nothing.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../hardware/logger.js';
import { encodeToneWav } from '../../../hardware/audio/wav.js';
import { ClipCache, ContentRefused } from '../../../device/content/cache.js';
import { privateKeyFromSeed, publicKeyFromRaw, signObject, type Manifest } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import { createHash } from 'node:crypto';

const district = privateKeyFromSeed(TEST_DISTRICT_SEED);
const pinned = publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'));
const NOW = 1_795_914_000;
const tone = (hz: number) => encodeToneWav({ frequency: hz, seconds: 1, sampleRate: 8000 });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const a = tone(440);
const b = tone(660);

function manifest(version: number, over: Partial<Manifest> = {}): Manifest {
  return {
    district: 'trieu-son',
    version,
    issued: NOW - 10,
    expires: NOW + 86_400,
    targets: [{ kind: 'district', id: 'trieu-son' }],
    clips: [
      { id: 'a', sha256: sha(a), size: a.length, durationMs: 1000, priority: 'ordinary', title: 'A', validFrom: 0, validUntil: 0, targets: [] },
      { id: 'b', sha256: sha(b), size: b.length, durationMs: 1000, priority: 'emergency', title: 'B', validFrom: 0, validUntil: 0, targets: [] },
    ],
    ...over,
  };
}

const c = tone(880);
const withC = (version: number): Manifest =>
  manifest(version, { clips: [...manifest(version).clips, { id: 'c', sha256: sha(c), size: c.length, durationMs: 1000, priority: 'ordinary', title: 'C', validFrom: 0, validUntil: 0, targets: [] }] });

let dir: string;
let cache: ClipCache;

async function place(m: Manifest, key = district, files: Record<string, Buffer> = { a, b }): Promise<void> {
  writeFileSync(join(cache.incomingDir, 'manifest.bin'), signObject({ type: 'manifest', manifest: m }, key));
  for (const [id, bytes] of Object.entries(files)) writeFileSync(join(cache.incomingDir, `${id}.wav`), bytes);
}

async function refusal(): Promise<string> {
  try {
    await cache.importIncoming();
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(ContentRefused);
    return (err as ContentRefused).code;
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loa-cache-'));
  cache = new ClipCache({ dir, district: 'trieu-son', districtKeys: () => [pinned], now: () => NOW, logger: silentLogger });
  await cache.open();
});

describe('ClipCache', () => {
  it('imports a signed manifest and its clips by hand, content-addressed, and keeps it across restarts', async () => {
    await place(manifest(5));
    expect((await cache.importIncoming())?.version).toBe(5);
    expect(readdirSync(cache.clipsDir).sort()).toEqual([`${sha(a)}.wav`, `${sha(b)}.wav`].sort());
    expect(readdirSync(cache.incomingDir)).toEqual([]);
    const again = new ClipCache({ dir, district: 'trieu-son', districtKeys: () => [pinned], now: () => NOW, logger: silentLogger });
    await again.open();
    expect(again.active?.manifest.version).toBe(5);
    expect(await again.verifyClip(again.active!.manifest.clips[0]!)).toBe(true);
  });

  it('refuses, and changes nothing, for each attack a hand-placed manifest can carry', async () => {
    await place(manifest(5));
    await cache.importIncoming();
    const cases: [string, () => Promise<void>, string][] = [
      ['signed by another key', () => place(manifest(6), generateKeyPairSync('ed25519').privateKey), 'unknown-key'],
      ['an older manifest replayed', () => place(manifest(4)), 'rollback'],
      ['expired', () => place(manifest(6, { expires: NOW - 1 })), 'expired'],
      ['for another district', () => place(manifest(6, { district: 'nong-cong' })), 'bad-value'],
      ['a clip whose bytes do not match its hash', () => place(withC(6), district, { c: tone(990) }), 'clip-hash'],
      ['an oversized clip', () => place(withC(6), district, { c: Buffer.concat([c, Buffer.alloc(10)]) }), 'clip-size'],
      ['a clip missing', async () => {
        rmSync(join(cache.incomingDir, 'c.wav'));
        await place(withC(6), district, {});
      }, 'clips-missing'],
    ];
    for (const [what, setup, code] of cases) {
      await setup();
      expect(await refusal(), what).toBe(code);
      expect(cache.active?.manifest.version, what).toBe(5);
    }
    const tampered = signObject({ type: 'manifest', manifest: manifest(7) }, district);
    tampered[tampered.length - 70] ^= 1;
    writeFileSync(join(cache.incomingDir, 'manifest.bin'), tampered);
    expect(await refusal()).toBe('bad-signature');
    const flipped = Buffer.from(c);
    flipped[100] ^= 1;
    await place(withC(8), district, { c: flipped });
    expect(await refusal()).toBe('clip-hash');
    expect(cache.active?.manifest.version).toBe(5);
  });

  it('notices at play time that a cached clip no longer matches its hash (a failing SD card)', async () => {
    await place(manifest(5));
    await cache.importIncoming();
    const clip = cache.active!.manifest.clips[0]!;
    const bytes = Buffer.from(a);
    bytes[60] ^= 0xff;
    writeFileSync(cache.fileOf(clip), bytes);
    expect(await cache.verifyClip(clip)).toBe(false);
  });

  it('removes clips that neither the active nor the previous manifest references', async () => {
    await place(manifest(5));
    await cache.importIncoming();
    const onlyC = manifest(6, { clips: [{ id: 'c', sha256: sha(c), size: c.length, durationMs: 1000, priority: 'ordinary', title: 'C', validFrom: 0, validUntil: 0, targets: [] }] });
    await place(onlyC, district, { c });
    await cache.importIncoming();
    expect(readdirSync(cache.clipsDir)).toHaveLength(3);
    const onlyA = manifest(7, { clips: [manifest(5).clips[0]!] });
    await place(onlyA, district, { a });
    await cache.importIncoming();
    expect(readdirSync(cache.clipsDir).sort()).toEqual([`${sha(a)}.wav`, `${sha(c)}.wav`].sort());
    expect(existsSync(join(cache.clipsDir, `${sha(b)}.wav`))).toBe(false);
  });
});

describe('ClipCache after a restart', () => {
  it('still has every clip of the active manifest playable (sizes checked at start, hashes at play time)', async () => {
    await place(manifest(5));
    await cache.importIncoming();
    const clip = cache.active!.manifest.clips[1]!;
    writeFileSync(cache.fileOf(clip), Buffer.alloc(10));
    const again = new ClipCache({ dir, district: 'trieu-son', districtKeys: () => [pinned], now: () => NOW, logger: silentLogger });
    await again.open();
    expect([...again.presentClipIds()]).toEqual(['a']);
  });
});
