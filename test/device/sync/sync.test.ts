// The content sync against a local controller over real HTTP: old manifest active → new one active only when all
// its clips are in; every attack and fault refused with its event and the old manifest still active; resume after a
// dropped connection; a power cut in the middle of a sync.
import { existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClipCache } from '../../../device/content/cache.js';
import type { ContentSync } from '../../../device/sync/sync.js';
import { answer, ContentServer, dropAfter, stallAfter } from './content-server.js';
import {
  announcement,
  cacheWithV5,
  clipA,
  clipB,
  clipC,
  clipD,
  clipX,
  manifest,
  makeSync,
  openCache,
  sha,
  signed,
  signedWithRawClipId,
  tempDir,
  tone,
  type RecordedEvent,
} from './fixtures.js';

const v6 = manifest(6, { b: clipB, c: clipC, d: clipD });
const v6Bytes = signed(v6);

let dir: string;
let cache: ClipCache;
let server: ContentServer;
let sync: ContentSync;
let events: RecordedEvent[];

beforeEach(async () => {
  dir = tempDir();
  cache = await cacheWithV5(dir);
  server = new ContentServer();
  await server.start();
  for (const bytes of [clipB, clipC, clipD]) server.clips.set(sha(bytes), bytes);
  server.manifests.set(6, v6Bytes);
  ({ sync, events } = makeSync(cache, dir, server.baseUrl));
  await sync.start();
});

afterEach(async () => {
  await sync.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clipFiles = (): string[] => readdirSync(cache.clipsDir).sort();
const wavs = (...clips: Buffer[]): string[] => clips.map((c) => `${sha(c)}.wav`).sort();
const until = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 5000, interval: 10 });
const codes = (): string[] => events.map((e) => `${e.kind}/${e.code}`);

/** Offers `bytes` as manifest 6 (announced with its own hash, as a signed announcement would) and waits for `code`. */
async function refusedAs(bytes: Buffer, kind: string, code: string, version = 6): Promise<RecordedEvent> {
  server.manifests.set(version, bytes);
  sync.announce(announcement(version, bytes));
  await until(() => expect(codes()).toContain(`${kind}/${code}`));
  expect(cache.active?.manifest.version).toBe(5);
  expect(new Set(clipFiles())).toEqual(new Set(wavs(clipX, clipA, clipB)));
  return events.find((e) => e.code === code)!;
}

describe('ContentSync: the happy path', () => {
  it('switches from manifest 5 to 6 only once every clip is in, then removes clips no manifest keeps', async () => {
    const activeWhenAsked: number[] = [];
    server.clipHook = () => {
      activeWhenAsked.push(cache.active!.manifest.version);
      return false;
    };
    const activated = new Promise((resolve) => sync.once('activated', resolve));
    sync.announce(announcement(6, v6Bytes));
    sync.announce(announcement(6, v6Bytes)); // delivered again by the uplink: ignored
    await activated;
    expect(cache.active?.manifest.version).toBe(6);
    expect(activeWhenAsked).toEqual([5, 5]); // c and d; b was already in the cache
    expect(server.requests.filter((r) => r.path === '/content/manifests/6')).toHaveLength(1);
    // 6 is active, 5 the previous: x (only in 4) is gone, a (in 5) stays.
    expect(clipFiles()).toEqual(wavs(clipA, clipB, clipC, clipD));
    expect(await cache.verifyClip(cache.active!.manifest.clips[1]!)).toBe(true);
    expect(readdirSync(join(dir, 'partial'))).toEqual([]);
    expect(sync.state()).toEqual({ activeVersion: 6, targetVersion: null, clipsMissing: 0, bytesToGo: 0, lastError: null });
    expect(events).toEqual([{ kind: 'manifest', code: 'activated', detail: 'manifest 6 with 3 clips downloaded and activated' }]);
    sync.announce(announcement(6, v6Bytes));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests.filter((r) => r.path === '/content/manifests/6')).toHaveLength(1);
  });

  it('shows the target, the clips missing and the bytes to go while it downloads', async () => {
    let release: () => void = () => undefined;
    server.clipHook = (r) => {
      if (r.sha256 !== sha(clipD)) return false;
      release = () => void r.res.writeHead(200, { 'Content-Length': r.bytes.length }).end(r.bytes);
      return true;
    };
    sync.announce(announcement(6, v6Bytes));
    await until(() => expect(server.clipRequests(sha(clipD))).toHaveLength(1));
    expect(sync.state()).toEqual({ activeVersion: 5, targetVersion: 6, clipsMissing: 1, bytesToGo: clipD.length, lastError: null });
    release();
    await until(() => expect(sync.state().activeVersion).toBe(6));
  });

  it('takes the latest manifest on syncNow(), and a newer announcement replaces the one being fetched', async () => {
    const v7 = signed(manifest(7, { a: clipA, d: clipD }));
    server.manifests.set(7, v7);
    server.clipHook = (r) => r.sha256 === sha(clipC) && stallAfter(r, 100); // 6 never completes
    sync.announce(announcement(6, v6Bytes));
    await until(() => expect(server.clipRequests(sha(clipC))).toHaveLength(1));
    sync.announce(announcement(7, v7));
    await until(() => expect(sync.state().activeVersion).toBe(7));
    server.latest = signed(manifest(8, { d: clipD }));
    sync.syncNow();
    await until(() => expect(sync.state().activeVersion).toBe(8));
    expect(server.requests.some((r) => r.path === '/content/manifest')).toBe(true);
  });
});

describe('ContentSync: attacks and faults are refused, each with an event, and manifest 5 stays active', () => {
  it('an unsigned manifest: without its signature, or with an empty one', async () => {
    // The signature is checked before the body is read (SPEC.md §5): without it, the last 64 bytes of the body are
    // taken for one, and do not verify.
    await refusedAs(v6Bytes.subarray(0, v6Bytes.length - 64), 'rejected-signature', 'bad-signature');
    await refusedAs(Buffer.concat([v6Bytes.subarray(0, v6Bytes.length - 64), Buffer.alloc(64)]), 'rejected-signature', 'bad-signature', 7);
    await until(() => expect(events.filter((e) => e.code === 'bad-signature')).toHaveLength(2));
  });

  it('a manifest signed by another key', async () => {
    await refusedAs(signed(v6, generateKeyPairSync('ed25519').privateKey), 'rejected-signature', 'unknown-key');
  });

  it('a tampered manifest: against the announcement, and on its own signature', async () => {
    const tampered = Buffer.from(v6Bytes);
    tampered[tampered.indexOf('Clip c')] ^= 0x20; // the title now reads "clip c"
    server.manifests.set(6, tampered);
    sync.announce(announcement(6, v6Bytes));
    await until(() => expect(codes()).toContain('rejected-signature/manifest-hash'));
    server.latest = tampered;
    sync.syncNow();
    await until(() => expect(codes()).toContain('rejected-signature/bad-signature'));
    expect(cache.active?.manifest.version).toBe(5);
  });

  it('a clip whose bytes do not match its hash: the pending manifest is gone when the refusal is recorded', async () => {
    // What the partial folder holds at the moment each event is recorded: a refusal is recorded once it is final.
    await sync.stop();
    const onDisk = new Map<string, string[]>();
    ({ sync, events } = makeSync(cache, dir, server.baseUrl, {
      onEvent: (kind, code, detail) => {
        events.push({ kind, code, detail });
        onDisk.set(code, readdirSync(join(dir, 'partial')));
      },
    }));
    await sync.start();
    const wrong = tone(990).subarray(0, clipC.length);
    server.clipHook = (r) => r.sha256 === sha(clipC) && answer(r, 200, { 'Content-Length': wrong.length }, wrong);
    const e = await refusedAs(v6Bytes, 'rejected-clip', 'clip-hash');
    expect(e.detail).toMatch(/clip c: SHA-256/);
    expect(onDisk.get('clip-hash')).toEqual([]);
    expect(readdirSync(join(dir, 'partial'))).toEqual([]);
    expect(sync.state().lastError).toMatch(/^clip-hash/);
    await new Promise((r) => setTimeout(r, 150));
    expect(server.clipRequests(sha(clipC))).toHaveLength(1); // refused, not retried
  });

  it('a truncated download: recorded once while retried (Range, then from the start), completed when the controller has it all', async () => {
    const half = clipC.length >> 1;
    // The controller has only the first half, and says so: a clean end, nothing to tell it from the whole clip.
    server.clipHook = (r) =>
      r.sha256 === sha(clipC) &&
      (r.start === 0
        ? answer(r, 200, { 'Content-Length': half }, r.bytes.subarray(0, half))
        : answer(r, 416, { 'Content-Range': `bytes */${half}` }, Buffer.alloc(0)));
    await refusedAs(v6Bytes, 'rejected-clip', 'clip-truncated');
    await until(() => expect(server.clipRequests(sha(clipC)).length).toBeGreaterThan(3));
    expect(events.filter((e) => e.code === 'clip-truncated')).toHaveLength(1);
    expect(server.clipRequests(sha(clipC)).slice(1)).toContain(`bytes=${half}-`);
    expect(cache.active?.manifest.version).toBe(5);
    server.clipHook = null;
    await until(() => expect(cache.active?.manifest.version).toBe(6));
  });

  it('an older manifest replayed: announced, and served as the latest', async () => {
    sync.announce(announcement(4, signed(manifest(4, { x: clipX }))));
    await until(() => expect(codes()).toEqual(['manifest/rollback']));
    server.latest = signed(manifest(3, { x: clipX }));
    sync.syncNow();
    await until(() => expect(codes()).toEqual(['manifest/rollback', 'manifest/rollback']));
    expect(events[1]!.detail).toMatch(/manifest 3 is older than the active one \(5\)/);
    expect(cache.active?.manifest.version).toBe(5);
  });

  it('an expired manifest', async () => {
    await refusedAs(signed(manifest(6, { c: clipC }, { expires: 1_795_000_000 })), 'manifest', 'expired');
  });

  it('a manifest for another district', async () => {
    const e = await refusedAs(signed(manifest(6, { c: clipC }, { district: 'nong-cong' })), 'manifest', 'bad-value');
    expect(e.detail).toMatch(/district "nong-cong"/);
  });

  it('a clip id that tries to escape the cache folder', async () => {
    const e = await refusedAs(signedWithRawClipId(6, '../x', clipC), 'manifest', 'bad-value');
    expect(e.detail).toMatch(/clip id "\.\.\/x"/);
    expect(server.clipRequests(sha(clipC))).toEqual([]);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('an oversized clip', async () => {
    server.clipHook = (r) => r.sha256 === sha(clipC) && answer(r, 200, {}, Buffer.concat([r.bytes, Buffer.alloc(4096)])); // chunked: no length to refuse up front
    await refusedAs(v6Bytes, 'rejected-clip', 'clip-oversized');
    expect(readdirSync(join(dir, 'partial'))).not.toContain(`${sha(clipC)}.part`);
  });

  it('a clip that does not fit on the disk', async () => {
    await sync.stop();
    ({ sync, events } = makeSync(cache, dir, server.baseUrl, { reserveBytes: Number.MAX_SAFE_INTEGER }));
    await sync.start();
    const e = await refusedAs(v6Bytes, 'storage', 'disk-space');
    expect(e.detail).toMatch(/free some space/);
    expect(server.clipRequests(sha(clipC))).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))('the disk filling up mid-download: the partial file is kept and the download resumes', async () => {
    // The kernel's /dev/full answers every write with ENOSPC: the partial file of clip c is made to point there.
    const part = join(dir, 'partial', `${sha(clipC)}.part`);
    symlinkSync('/dev/full', part);
    await refusedAs(v6Bytes, 'storage', 'disk-full');
    expect(existsSync(part)).toBe(true);
    expect(sync.state()).toMatchObject({ targetVersion: 6, clipsMissing: 2 });
    rmSync(part); // space freed
    await until(() => expect(cache.active?.manifest.version).toBe(6));
  });

  it('the controller going away mid-download: retried with backoff, resumed with Range, the result correct', async () => {
    const cut = 5000;
    let drops = 0;
    server.clipHook = (r) => r.sha256 === sha(clipC) && drops++ === 0 && dropAfter(r, cut);
    const activated = new Promise((resolve) => sync.once('activated', resolve));
    sync.announce(announcement(6, v6Bytes));
    await activated;
    expect(codes()).toEqual(['link/controller-gone', 'manifest/activated']);
    expect(server.clipRequests(sha(clipC))).toEqual([undefined, `bytes=${cut}-`]);
    expect(await cache.verifyClip(cache.active!.manifest.clips.find((c) => c.id === 'c')!)).toBe(true);
  });

  it('the controller gone altogether: one link event while it retries, then the sync completes when it is back', async () => {
    const port = Number(new URL(server.baseUrl).port);
    await server.stop();
    sync.announce(announcement(6, v6Bytes));
    await until(() => expect(codes()).toContain('link/unreachable'));
    await new Promise((r) => setTimeout(r, 200));
    expect(codes()).toEqual(['link/unreachable']);
    const back = new ContentServer();
    for (const bytes of [clipC, clipD]) back.clips.set(sha(bytes), bytes);
    back.manifests.set(6, v6Bytes);
    await back.start(port);
    server = back;
    await until(() => expect(cache.active?.manifest.version).toBe(6));
  });
});

describe('ContentSync: a power cut in the middle of a sync', () => {
  it('leaves manifest 5 active, and the next run resumes the pending manifest where the download stopped', async () => {
    server.clipHook = (r) => r.sha256 === sha(clipD) && stallAfter(r, 7000);
    sync.announce(announcement(6, v6Bytes));
    const part = join(dir, 'partial', `${sha(clipD)}.part`);
    await until(() => expect(existsSync(part) && readdirSync(join(dir, 'partial')).length).toBeTruthy());
    await until(() => expect(sync.state().bytesToGo).toBe(clipD.length - 7000));
    await sync.stop(); // the power goes

    cache = openCache(dir);
    await cache.open();
    expect(cache.active?.manifest.version).toBe(5);
    server.clipHook = null;
    ({ sync, events } = makeSync(cache, dir, server.baseUrl));
    const activated = new Promise((resolve) => sync.once('activated', resolve));
    await sync.start(); // no announcement needed: the pending manifest is resumed
    await activated;
    expect(cache.active?.manifest.version).toBe(6);
    expect(server.clipRequests(sha(clipD))).toEqual([undefined, 'bytes=7000-']);
    expect(codes()).toEqual(['manifest/activated']);
    expect(readdirSync(join(dir, 'partial'))).toEqual([]);
  });
});
