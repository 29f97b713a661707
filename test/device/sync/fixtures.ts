// Shared setup of the sync tests: the public test district key, tone clips, signed manifests and a cart cache
// with manifest 5 active (manifest 4 before it), fed by hand through `incoming/`.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../hardware/logger.js';
import { encodeToneWav } from '../../../hardware/audio/wav.js';
import { ClipCache } from '../../../device/content/cache.js';
import { ContentSync, type ContentSyncOptions } from '../../../device/sync/sync.js';
import type { SyncEventKind } from '../../../device/sync/errors.js';
import { ByteWriter, keyId, privateKeyFromSeed, publicKeyFromRaw, signObject, type Announcement, type Manifest, type ManifestClip } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';

export const DISTRICT = 'trieu-son';
export const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
export const pinned = publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'));
/** 2026-11-29 08:00 +07:00 */
export const NOW = 1_795_914_000;

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** A 1 s tone at 8 kHz: about 16 KB, big enough to be cut in the middle. */
export const tone = (hz: number): Buffer => encodeToneWav({ frequency: hz, seconds: 1, sampleRate: 8000 });

export const clipX = tone(330);
export const clipA = tone(440);
export const clipB = tone(550);
export const clipC = tone(660);
export const clipD = tone(770);

export function entry(id: string, bytes: Buffer): ManifestClip {
  return { id, sha256: sha(bytes), size: bytes.length, durationMs: 1000, priority: 'ordinary', title: `Clip ${id}`, validFrom: 0, validUntil: 0, targets: [] };
}

export function manifest(version: number, clips: Record<string, Buffer>, over: Partial<Manifest> = {}): Manifest {
  return {
    district: DISTRICT,
    version,
    issued: NOW - 60,
    expires: NOW + 86_400,
    targets: [{ kind: 'district', id: DISTRICT }],
    clips: Object.entries(clips).map(([id, bytes]) => entry(id, bytes)),
    ...over,
  };
}

export const signed = (m: Manifest, key: KeyObject = districtKey): Buffer => signObject({ type: 'manifest', manifest: m }, key);

/** What the uplink hands over once it has verified a signed announcement of `bytes`. */
export function announcement(version: number, bytes: Buffer): Announcement {
  return { district: DISTRICT, version, sha256: sha(bytes), size: bytes.length };
}

/**
 * A district-signed manifest whose one clip has the id `clipId`, written byte by byte: `signObject` refuses to write
 * an id outside the protocol's alphabet, an attacker's encoder would not.
 */
export function signedWithRawClipId(version: number, clipId: string, bytes: Buffer, key: KeyObject = districtKey): Buffer {
  const clip = new ByteWriter();
  clip.str(clipId).bytes(Buffer.from(sha(bytes), 'hex')).varint(bytes.length).varint(1000).u8(2).str('escape').u32(0).u32(0).varint(0);
  const w = new ByteWriter();
  w.u8(0x12).bytes(Buffer.from(keyId(key), 'hex')).u8(1);
  w.str(DISTRICT).varint(version).u32(NOW - 60).u32(NOW + 86_400).varint(1).u8(0).str(DISTRICT);
  w.varint(1).blob(clip.finish());
  const unsigned = w.finish();
  return Buffer.concat([unsigned, sign(null, unsigned, key)]);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'loa-sync-'));
}

export function openCache(dir: string): ClipCache {
  return new ClipCache({ dir, district: DISTRICT, districtKeys: () => [pinned], now: () => NOW, logger: silentLogger });
}

/** A cache with manifest 4 (clip x) then manifest 5 (clips a, b) imported: 5 active, 4 previous. */
export async function cacheWithV5(dir: string): Promise<ClipCache> {
  const cache = openCache(dir);
  await cache.open();
  for (const [m, files] of [
    [manifest(4, { x: clipX }), { x: clipX }],
    [manifest(5, { a: clipA, b: clipB }), { a: clipA, b: clipB }],
  ] as const) {
    writeFileSync(join(cache.incomingDir, 'manifest.bin'), signed(m));
    for (const [id, bytes] of Object.entries(files)) writeFileSync(join(cache.incomingDir, `${id}.wav`), bytes);
    await cache.importIncoming();
  }
  return cache;
}

export interface RecordedEvent {
  kind: SyncEventKind;
  code: string;
  detail: string;
}

/** A sync on `cache` with short timeouts and retry delays, recording its events. */
export function makeSync(cache: ClipCache, dir: string, baseUrl: string, more: Partial<ContentSyncOptions> = {}): { sync: ContentSync; events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  const sync = new ContentSync({
    cache,
    baseUrl,
    partialDir: join(dir, 'partial'),
    onEvent: (kind, code, detail) => events.push({ kind, code, detail }),
    retry: { initialMs: 20, maxMs: 100, factor: 2 },
    timeouts: { connectMs: 1000, idleMs: 400 },
    ...more,
  });
  return { sync, events };
}
