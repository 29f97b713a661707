// One clip download against a local controller over real HTTP: resume with Range, a server that ignores Range,
// the size cap, the idle timeout, an unreachable controller, and a resumed file that turns out wrong.
import { existsSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClipCache } from '../../../device/content/cache.js';
import { ClipDownloader } from '../../../device/sync/downloader.js';
import { SyncError } from '../../../device/sync/errors.js';
import { answer, ContentServer, dropAfter, stallAfter } from './content-server.js';
import { clipC, entry, openCache, sha, tempDir } from './fixtures.js';

const clip = entry('c', clipC);
let dir: string;
let partialDir: string;
let cache: ClipCache;
let server: ContentServer;
let downloader: ClipDownloader;
const signal = new AbortController().signal;

beforeEach(async () => {
  dir = tempDir();
  partialDir = join(dir, 'partial');
  cache = openCache(dir);
  await cache.open();
  server = new ContentServer();
  await server.start();
  server.clips.set(clip.sha256, clipC);
  downloader = new ClipDownloader({ baseUrl: new URL(server.baseUrl), partialDir, cache, timeouts: { connectMs: 1000, idleMs: 200 } });
});

afterEach(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<void>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

const partial = (bytes: Buffer): void => {
  mkdirSync(partialDir, { recursive: true });
  writeFileSync(downloader.partialFile(clip), bytes);
};

describe('ClipDownloader', () => {
  it('downloads a clip into the cache, content-addressed, and leaves no partial file', async () => {
    const progress: number[] = [];
    await downloader.download(clip, signal, (n) => progress.push(n));
    expect(existsSync(join(cache.clipsDir, `${clip.sha256}.wav`))).toBe(true);
    expect(await cache.verifyClip(clip)).toBe(true);
    expect(existsSync(downloader.partialFile(clip))).toBe(false);
    expect(progress.at(-1)).toBe(clipC.length);
  });

  it('resumes with Range after the connection drops: the second request asks for the rest, the result is correct', async () => {
    let drops = 0;
    server.clipHook = (r) => drops++ === 0 && dropAfter(r, 6000);
    const e = await failure(downloader.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['link', 'controller-gone', true]);
    expect(await downloader.have(clip)).toBe(6000);
    await downloader.download(clip, signal);
    expect(server.clipRequests(clip.sha256)).toEqual([undefined, 'bytes=6000-']);
    expect(await cache.verifyClip(clip)).toBe(true);
  });

  it('starts over when the server answers 200 to a Range request', async () => {
    partial(Buffer.alloc(6000, 0x55));
    server.clipHook = (r) => answer(r, 200, { 'Content-Length': r.bytes.length }, r.bytes);
    await downloader.download(clip, signal);
    expect(server.clipRequests(clip.sha256)).toEqual(['bytes=6000-']);
    expect(await cache.verifyClip(clip)).toBe(true);
  });

  it('refuses a server that announces more bytes than the manifest size, and deletes the partial file', async () => {
    partial(clipC.subarray(0, 1000));
    server.clipHook = (r) => answer(r, 206, { 'Content-Range': `bytes 1000-${clipC.length + 99}/${clipC.length + 100}` }, Buffer.alloc(clipC.length - 900));
    const e = await failure(downloader.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['rejected-clip', 'clip-oversized', false]);
    server.clipHook = (r) => answer(r, 200, { 'Content-Length': clipC.length + 1 }, Buffer.concat([r.bytes, Buffer.alloc(1)]));
    expect((await failure(downloader.download(clip, signal))).code).toBe('clip-oversized');
    expect(existsSync(downloader.partialFile(clip))).toBe(false);
    expect(existsSync(join(cache.clipsDir, `${clip.sha256}.wav`))).toBe(false);
  });

  it('times out when the controller stops sending, keeping what arrived', async () => {
    server.clipHook = (r) => stallAfter(r, 3000);
    const started = performance.now();
    const e = await failure(downloader.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['link', 'timeout', true]);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await downloader.have(clip)).toBe(3000);
  });

  it('tells an unreachable controller apart', async () => {
    await server.stop();
    const e = await failure(downloader.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['link', 'unreachable', true]);
    server = new ContentServer();
    await server.start();
  });

  it('downloads a resumed file that does not match again from the start once; a fresh one that does not match is refused', async () => {
    partial(Buffer.alloc(6000, 0x55)); // garbage left by a power cut
    const e = await failure(downloader.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['rejected-clip', 'clip-hash', true]);
    expect(existsSync(downloader.partialFile(clip))).toBe(false);
    await downloader.download(clip, signal);
    expect(server.clipRequests(clip.sha256)).toEqual(['bytes=6000-', undefined]);
    expect(await cache.verifyClip(clip)).toBe(true);

    const other = entry('d', Buffer.alloc(clipC.length, 1));
    server.clips.set(other.sha256, clipC); // the controller serves the wrong bytes
    const refused = await failure(downloader.download(other, signal));
    expect([refused.code, refused.retry]).toEqual(['clip-hash', false]);
  });

  it('refuses to start a clip that would not leave the margin free, without a request', async () => {
    const tight = new ClipDownloader({ baseUrl: new URL(server.baseUrl), partialDir, cache, reserveBytes: Number.MAX_SAFE_INTEGER });
    const e = await failure(tight.download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['storage', 'disk-space', true]);
    expect(server.clipRequests(clip.sha256)).toEqual([]);
    expect(sha(clipC)).toBe(clip.sha256);
  });

  it('downloads an empty clip too', async () => {
    const empty = entry('e', Buffer.alloc(0));
    server.clips.set(empty.sha256, Buffer.alloc(0));
    await downloader.download(empty, signal);
    expect(await cache.verifyClip(empty)).toBe(true);
  });

  it('names a bad option and repeats its value', () => {
    expect(() => new ClipDownloader({ baseUrl: new URL('ftp://x/'), partialDir, cache })).toThrow(/baseUrl must be an http\(s\) URL, got ftp:\/\/x\//);
    expect(() => new ClipDownloader({ baseUrl: new URL(server.baseUrl), partialDir, cache, reserveBytes: -1 })).toThrow(/reserveBytes must be an integer from 0, got -1/);
  });
});
