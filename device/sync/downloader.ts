/**
 * Downloads one clip of a manifest from the controller (`GET {baseUrl}/content/clips/<sha256>`) into
 * `<partialDir>/<sha256>.part`, resuming from the bytes already there with `Range: bytes=N-` (a server that answers
 * 200 instead of 206 is read from the start again). It never writes more than the manifest's size (a server that
 * sends more is refused: `clip-oversized`), checks the free space before it starts (`disk-space`), keeps the
 * partial file when the disk fills up (`disk-full`) or the connection breaks, and hands the complete file to the
 * clip cache, which checks its size and SHA-256 and stores it content-addressed with temp file + fsync + rename.
 * A clip whose bytes do not match is deleted and refused (`clip-hash`).
 */
import { mkdir, open, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import type { ManifestClip } from '../../protocol/index.js';
import type { ControllerTls } from '../tls.js';
import { ContentRefused } from '../content/cache.js';
import { storageError, SyncError } from './errors.js';
import { DEFAULT_TIMEOUTS, httpGet, type HttpTimeouts } from './http-get.js';

/** Where a verified clip goes: `ClipCache` is one. */
export interface ClipSink {
  /** Checks `source`'s size and SHA-256 against `clip`, then stores a durable copy; throws `ContentRefused`. */
  addClip(clip: ManifestClip, source: string): Promise<void>;
}

export interface ClipDownloaderOptions {
  /** The controller's base URL, e.g. `http://10.8.0.1:8080/` (clips are under `content/clips/`). */
  baseUrl: URL;
  /** Folder of the partial downloads (`<cache>/partial`). */
  partialDir: string;
  cache: ClipSink;
  timeouts?: Partial<HttpTimeouts>;
  /** For an `https:` base URL: the pinned district CA and the cart's certificate (default: the system's roots). */
  tls?: ControllerTls;
  /** Space left free on the disk after a clip is downloaded and copied into the cache, bytes (default 16 MiB). */
  reserveBytes?: number;
  logger?: Logger;
}

export const DEFAULT_RESERVE_BYTES = 16 * 1024 * 1024;

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export class ClipDownloader {
  readonly #o: ClipDownloaderOptions;
  readonly #timeouts: HttpTimeouts;
  readonly #reserve: number;
  readonly #log: Logger;

  constructor(options: ClipDownloaderOptions) {
    if (!(options.baseUrl instanceof URL) || !['http:', 'https:'].includes(options.baseUrl.protocol)) {
      throw new TypeError(`baseUrl must be an http(s) URL, got ${String(options.baseUrl)}`);
    }
    if (typeof options.partialDir !== 'string' || options.partialDir === '') throw new TypeError(`partialDir must be a folder path, got ${JSON.stringify(options.partialDir)}`);
    const reserve = options.reserveBytes ?? DEFAULT_RESERVE_BYTES;
    if (!Number.isSafeInteger(reserve) || reserve < 0) throw new RangeError(`reserveBytes must be an integer from 0, got ${String(options.reserveBytes)}`);
    this.#o = options;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#reserve = reserve;
    this.#log = options.logger ?? silentLogger;
  }

  /** The partial file of a clip (its SHA-256 is 64 hex digits, checked by the protocol decoder). */
  partialFile(clip: ManifestClip): string {
    return join(this.#o.partialDir, `${clip.sha256}.part`);
  }

  /** Bytes of `clip` already downloaded (0 when none). */
  async have(clip: ManifestClip): Promise<number> {
    return stat(this.partialFile(clip)).then(
      (s) => s.size,
      () => 0,
    );
  }

  /**
   * Downloads the rest of `clip` and puts it in the cache. Throws `SyncError` (see errors.ts), or the signal's abort
   * error when aborted; the partial file stays for the next attempt unless its bytes were refused.
   * `onProgress` gets the bytes in the partial file as they grow.
   */
  async download(clip: ManifestClip, signal: AbortSignal, onProgress: (have: number) => void = () => undefined): Promise<void> {
    await mkdir(this.#o.partialDir, { recursive: true }).catch((err: unknown) => Promise.reject(storageError(err, this.#o.partialDir)));
    const file = this.partialFile(clip);
    const found = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    let have = found ?? 0;
    if (have > clip.size) {
      await rm(file, { force: true });
      have = 0;
    }
    let fresh = false;
    if (have < clip.size || found === null) {
      await this.#checkSpace(clip, have);
      fresh = await this.#fetch(clip, have, signal, onProgress);
    }
    try {
      await this.#o.cache.addClip(clip, file);
    } catch (err) {
      if (!(err instanceof ContentRefused)) throw storageError(err, `clip ${clip.id} into the cache`);
      await rm(file, { force: true });
      // Pieces written before a power cut may hold garbage: a resumed file gets one fresh download before a refusal.
      throw fresh
        ? new SyncError('rejected-clip', err.code, err.message, false)
        : new SyncError('rejected-clip', err.code, `${err.message} (assembled from resumed pieces: downloading it again from the start)`, true);
    }
    await rm(file, { force: true });
    this.#log.info(`clip ${clip.id} (${clip.size} bytes) downloaded and verified`);
  }

  async #checkSpace(clip: ManifestClip, have: number): Promise<void> {
    let free: number;
    try {
      const s = await statfs(this.#o.partialDir);
      free = s.bavail * s.bsize;
    } catch (err) {
      this.#log.warn(`free space of ${this.#o.partialDir} unknown: ${(err as Error).message}`);
      return;
    }
    const need = clip.size - have + clip.size + this.#reserve;
    if (free < need) {
      throw new SyncError(
        'storage',
        'disk-space',
        `clip ${clip.id} needs ${mib(need)} (the rest of the download, its copy into the cache and a ${mib(this.#reserve)} margin) but only ${mib(free)} is free: free some space on the SD card`,
        true,
      );
    }
  }

  /** One GET from `from`; returns true when this response alone holds the whole clip (not resumed). */
  async #fetch(clip: ManifestClip, from: number, signal: AbortSignal, onProgress: (have: number) => void): Promise<boolean> {
    const file = this.partialFile(clip);
    const url = new URL(`content/clips/${clip.sha256}`, this.#o.baseUrl);
    const res = await httpGet(url, { headers: from > 0 ? { Range: `bytes=${from}-` } : {}, timeouts: this.#timeouts, signal, ...(this.#o.tls ? { tls: this.#o.tls } : {}) });
    const refuse = async (code: 'clip-oversized' | 'clip-truncated', message: string, retry: boolean): Promise<never> => {
      res.cancel();
      await rm(file, { force: true });
      throw new SyncError('rejected-clip', code, message, retry);
    };
    const oversized = (n: number): Promise<never> =>
      refuse('clip-oversized', `the controller sends ${n} bytes or more for clip ${clip.id}; the manifest says ${clip.size}: refused`, false);
    let start: number;
    if (res.status === 200) start = 0;
    else if (res.status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      if (range === null || Number(range[1]) !== from) {
        res.cancel();
        await rm(file, { force: true });
        throw new SyncError('link', 'http-status', `the controller answered range "${String(res.headers['content-range'])}" to bytes=${from}- for clip ${clip.id}: starting it over`, true);
      }
      if (range[3] !== '*' && Number(range[3]) > clip.size) return oversized(Number(range[3]));
      start = from;
    } else if (res.status === 416) {
      return refuse('clip-truncated', `the controller has fewer than the ${from} bytes already downloaded of clip ${clip.id}: starting it over`, true);
    } else {
      res.cancel();
      throw new SyncError('link', 'http-status', `GET ${url.pathname} answered HTTP ${res.status}; the sync tries again later`, true);
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > clip.size - start) return oversized(start + declared);
    if (start === 0 && from > 0) this.#log.info(`clip ${clip.id}: the controller ignored the range, downloading it from the start`);

    let handle: FileHandle;
    try {
      handle = await open(file, start === 0 ? 'w' : 'a');
    } catch (err) {
      res.cancel();
      throw storageError(err, file);
    }
    let have = start;
    let over = false;
    try {
      for await (const chunk of res.chunks()) {
        if (have + chunk.length > clip.size) {
          over = true;
          break;
        }
        await writeAll(handle, chunk).catch((err: unknown) => {
          res.cancel();
          return Promise.reject(storageError(err, `clip ${clip.id}`));
        });
        have += chunk.length;
        onProgress(have);
      }
      if (!over) await handle.sync().catch((err: unknown) => Promise.reject(storageError(err, `clip ${clip.id}`)));
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (over) return oversized(have + 1);
    if (have < clip.size) {
      throw new SyncError('rejected-clip', 'clip-truncated', `the controller ended clip ${clip.id} after ${have} of ${clip.size} bytes; the download resumes later`, true);
    }
    return start === 0;
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    if (bytesWritten === 0) throw Object.assign(new Error('no byte written'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
}
