/**
 * The cart's content sync (issue 5, cart side). Driven by the district's signed announcements (`announce()`, from
 * the uplink) and by `syncNow()` (the `sync-now` command), it:
 *
 * 1. fetches the announced manifest version (`GET {baseUrl}/content/manifests/<version>`; `syncNow()` takes the
 *    latest, `GET {baseUrl}/content/manifest`), checks its size and SHA-256 against the signed announcement, then
 *    its signature, district, expiry and version with the clip cache;
 * 2. keeps it as the pending target (`<partialDir>/pending.manifest`, written durably), so a restart resumes;
 * 3. downloads the missing clips one at a time with resume (downloader.ts), retrying with backoff while the
 *    controller is away or the disk is full;
 * 4. activates it through the clip cache, which switches by one durable rename only when every clip is present and
 *    verified, and removes clips that neither the new nor the previous manifest references.
 *
 * A power cut at any moment leaves the old manifest or the new one active, never a mix. Every refusal and fault is
 * handed to `onEvent` (one event record), the same fault repeated while retrying only once.
 *
 * With `cues`, the district's spoken-cue pack (`GET {baseUrl}/content/cues`, a few hundred kB, whole, at most
 * MAX_CUE_PACK_BYTES) is asked for when the sync has nothing else to do after an announcement (the retained one
 * comes at each connection: the link is up, so an offline start records no fault) and on `syncNow()`, with
 * `If-None-Match` naming the pack in use and the last one refused: the controller answers 304 unless it has another.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { MAX_SIGNED, type Announcement, type Manifest, type ManifestClip } from '../../protocol/index.js';
import { writeFileDurably } from '../../lib/durable.js';
import { ContentRefused, type ActiveManifest } from '../content/cache.js';
import { cueRefusalKind, CueRefused, MAX_CUE_PACK_BYTES } from '../content/cues.js';
import { checkBackoff, jitteredDelay, type BackoffOptions } from '../link/backoff.js';
import { ClipDownloader, type ClipSink } from './downloader.js';
import { manifestRefusalKind, storageError, SyncError, type SyncEventKind } from './errors.js';
import { followRotations, type KeyRing } from './key-rotation.js';
import type { ControllerTls } from '../tls.js';
import { DEFAULT_TIMEOUTS, fetchBytes, httpGet, type HttpGetOptions, type HttpTimeouts } from './http-get.js';

/** What the sync needs of the clip cache (`ClipCache` is one). */
export interface ContentStore extends ClipSink {
  readonly active: ActiveManifest | null;
  /** Verifies a signed manifest (signature, district, expiry, no rollback); throws `ContentRefused`. */
  check(bytes: Buffer): Manifest;
  /** The clips of `m` not in the cache yet. */
  missing(m: Manifest): Promise<ManifestClip[]>;
  /** Switches to `bytes` once every clip is present; throws `ContentRefused`. */
  activate(bytes: Buffer): Promise<Manifest>;
}

/** What the sync needs of the spoken cues (`CueSet` is one). */
export interface CueStore {
  /** The pack in use: SHA-256 of its signed cues.json (the controller's ETag). */
  readonly installed: { version: number; sha256: string } | null;
  /** Checks and installs a pack; null when it is the one in use; throws `CueRefused`. */
  install(tar: Buffer): Promise<{ version: number; cues: number } | null>;
}

export interface ContentSyncOptions {
  cache: ContentStore;
  /** The controller's base URL, e.g. `http://10.8.0.1:8080`. */
  baseUrl: string;
  /** Folder of partial downloads and of the pending manifest (`<cache>/partial`). */
  partialDir: string;
  /** Records one event (kind from SPEC.md's event kinds, machine code, detail for people). */
  onEvent: (kind: SyncEventKind, code: string, detail: string) => void;
  /** Retry delays after a fault (default 5 s doubling up to 10 min, with jitter). */
  retry?: Partial<BackoffOptions>;
  timeouts?: Partial<HttpTimeouts>;
  /** For an `https:` base URL: the pinned district CA and the cart's certificate (default: the system's roots). */
  tls?: ControllerTls;
  /** Free space kept on the disk, bytes (default 16 MiB). */
  reserveBytes?: number;
  /** The pinned district keys, to follow a key rotation when a manifest is signed by a key not pinned yet. */
  keyRing?: KeyRing;
  /** The spoken cues, fetched when the district has a newer pack; without it no pack is asked for. */
  cues?: CueStore;
  logger?: Logger;
}

/** For the status and the telemetry (`sync` field). */
export interface SyncState {
  activeVersion: number;
  /** The manifest being fetched, null when none. */
  targetVersion: number | null;
  clipsMissing: number;
  bytesToGo: number;
  /** `code: message` of the last refusal or fault, cleared when a manifest is activated. */
  lastError: string | null;
}

export interface ContentSyncEventMap {
  /** A new manifest is active: refresh the playlist. */
  activated: [manifest: Manifest];
  /** The state changed: a new target, a clip done, a fault, an activation (not every chunk). */
  state: [state: SyncState];
}

type Job = { from: 'announcement'; announcement: Announcement } | { from: 'latest' } | { from: 'pending'; bytes: Buffer };

interface Target {
  version: number;
  missing: ManifestClip[];
  /** Bytes already downloaded per clip SHA-256. */
  have: Map<string, number>;
}

const PENDING = 'pending.manifest';

export class ContentSync extends EventEmitter<ContentSyncEventMap> {
  readonly #o: ContentSyncOptions;
  readonly #log: Logger;
  readonly #base: URL;
  readonly #retry: BackoffOptions;
  readonly #timeouts: HttpTimeouts;
  readonly #downloader: ClipDownloader;
  #running = false;
  #loop: Promise<void> | null = null;
  #job: Job | null = null;
  #working: { job: Job; version: number | null; abort: AbortController } | null = null;
  #wake: (() => void) | null = null;
  #attempt = 0;
  #target: Target | null = null;
  #lastError: string | null = null;
  /** `kind/code` of the last fault recorded, so a fault repeated while retrying is recorded once. */
  #lastReported: string | null = null;
  /** Versions refused for their content: their announcements are ignored until `syncNow()`. */
  readonly #refused = new Set<number>();
  readonly #oldAnnounced = new Set<number>();
  /** The cue pack is to be asked for when the sync is idle; the ETag of the last pack refused. */
  #cuesDue = false;
  #cuesRefused: string | null = null;
  #cueAbort: AbortController | null = null;

  constructor(options: ContentSyncOptions) {
    super();
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    if (typeof options.onEvent !== 'function') throw new TypeError(`onEvent must be a function, got ${typeof options.onEvent}`);
    if (!options.cache || typeof options.cache.activate !== 'function') throw new TypeError(`cache must be a ContentStore (a ClipCache), got ${String(options.cache)}`);
    this.#o = options;
    this.#base = base;
    this.#log = options.logger ?? silentLogger;
    this.#retry = checkBackoff({ initialMs: 5000, maxMs: 600_000, factor: 2, ...options.retry }, 'retry');
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#downloader = new ClipDownloader({
      baseUrl: base,
      partialDir: options.partialDir,
      cache: options.cache,
      timeouts: this.#timeouts,
      logger: this.#log,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.reserveBytes !== undefined ? { reserveBytes: options.reserveBytes } : {}),
    });
  }

  /** Resumes a sync left pending by the last run (a power cut mid-download), then waits for work. */
  async start(): Promise<void> {
    if (this.#running) return;
    await mkdir(this.#o.partialDir, { recursive: true });
    const pending = await readFile(join(this.#o.partialDir, PENDING)).catch(() => null);
    if (pending !== null && this.#job === null) this.#job = { from: 'pending', bytes: pending };
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Aborts a transfer in progress (its partial file stays for the next start) and stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#working?.abort.abort(new Error('content sync stopped'));
    this.#cueAbort?.abort(new Error('content sync stopped'));
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  state(): SyncState {
    const t = this.#target;
    let bytesToGo = 0;
    for (const c of t?.missing ?? []) bytesToGo += c.size - (t?.have.get(c.sha256) ?? 0);
    return { activeVersion: this.#activeVersion(), targetVersion: t?.version ?? null, clipsMissing: t?.missing.length ?? 0, bytesToGo, lastError: this.#lastError };
  }

  /**
   * A verified announcement from the uplink. The active version, or one already being fetched, is ignored; a newer
   * one replaces the one being fetched (its partial files stay); an older one than the active is recorded.
   */
  announce(a: Announcement): void {
    if (this.#o.cues && !this.#cuesDue) {
      this.#cuesDue = true;
      if (this.#job === null) this.#wake?.();
    }
    const active = this.#activeVersion();
    const v = a.version;
    if (v === active || this.#refused.has(v)) return;
    if (v < active) {
      if (!this.#oldAnnounced.has(v)) {
        this.#oldAnnounced.add(v);
        this.#report(new SyncError('manifest', 'rollback', `announcement of manifest ${v}, older than the active ${active}: ignored`, false));
      }
      return;
    }
    const queued = this.#job?.from === 'announcement' ? this.#job.announcement.version : null;
    const busy = this.#working?.version ?? null;
    if (v === queued || v === busy || (busy !== null && v < busy) || (queued !== null && v < queued)) return;
    this.#job = { from: 'announcement', announcement: a };
    if (busy !== null) this.#working?.abort.abort(new Error(`superseded by manifest ${v}`));
    this.#wake?.();
  }

  /** Fetches the latest manifest now, retrying at once what was refused or waiting for a retry. */
  syncNow(): void {
    this.#refused.clear();
    this.#lastReported = null;
    this.#attempt = 0;
    this.#cuesDue = true;
    this.#job = { from: 'latest' };
    this.#wake?.();
  }

  // --- the work loop ------------------------------------------------------------------------------------------------

  async #run(): Promise<void> {
    while (this.#running) {
      const job = this.#job;
      if (job === null && this.#cuesDue && this.#o.cues) {
        await this.#syncCues(this.#o.cues);
        continue;
      }
      if (job === null) {
        await this.#sleep(null);
        continue;
      }
      const working = { job, version: job.from === 'announcement' ? job.announcement.version : null, abort: new AbortController() };
      this.#working = working;
      let delay: number | null = null;
      try {
        await this.#syncOnce(job, working);
        if (this.#job === job) this.#job = null;
        this.#attempt = 0;
      } catch (err) {
        if (!working.abort.signal.aborted) delay = await this.#failed(job, working.version, err);
      } finally {
        this.#working = null;
      }
      this.emit('state', this.state());
      if (delay !== null && this.#running) await this.#sleep(delay);
    }
  }

  /** Records a failure; returns the delay before a retry, or null when the job is dropped (refused). */
  async #failed(job: Job, version: number | null, err: unknown): Promise<number | null> {
    const e = err instanceof SyncError ? err : new SyncError('storage', 'storage', `content sync: ${err instanceof Error ? err.message : String(err)}`, true);
    if (e.retry) {
      this.#report(e);
      return jitteredDelay(++this.#attempt, this.#retry);
    }
    if (version !== null) this.#refused.add(version);
    if (this.#job === job) this.#job = null;
    this.#attempt = 0;
    this.#target = null;
    // Dropped before the refusal is recorded: whoever reads the event finds no pending manifest left to resume.
    await rm(join(this.#o.partialDir, PENDING), { force: true }).catch(() => undefined);
    this.#report(e);
    return null;
  }

  #sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = ms === null ? null : setTimeout(done, ms);
      this.#wake = done;
    });
  }

  async #syncOnce(job: Job, working: { version: number | null; abort: AbortController }): Promise<void> {
    const signal = working.abort.signal;
    const active = this.#activeVersion();
    let bytes: Buffer;
    switch (job.from) {
      case 'announcement':
        if (job.announcement.version <= active) return;
        bytes = await this.#fetchAnnounced(job.announcement, signal);
        break;
      case 'latest':
        bytes = await fetchBytes(this.#url('content/manifest'), MAX_SIGNED, () => new SyncError('rejected-signature', 'manifest-size', `the latest manifest is over ${MAX_SIGNED} bytes: refused`, false), { ...this.#http(), signal });
        break;
      case 'pending':
        bytes = job.bytes;
        break;
    }
    const m = await this.#check(bytes, job);
    if (m === null) return;
    if (m.version === active) {
      if (job.from === 'pending') await rm(join(this.#o.partialDir, PENDING), { force: true });
      return;
    }
    working.version = m.version;
    const target = await this.#setTarget(m, bytes, job.from !== 'pending');
    while (target.missing.length > 0) {
      const clip = target.missing[0]!;
      await this.#downloader.download(clip, signal, (have) => target.have.set(clip.sha256, have));
      target.missing.shift();
      target.have.delete(clip.sha256);
      this.#lastReported = null;
      this.emit('state', this.state());
    }
    await this.#activate(bytes);
  }

  async #fetchAnnounced(a: Announcement, signal: AbortSignal): Promise<Buffer> {
    const v = a.version;
    const tooLong = (): SyncError => new SyncError('rejected-signature', 'manifest-size', `manifest ${v} is longer than the announced ${a.size} bytes: refused`, false);
    if (a.size > MAX_SIGNED) throw tooLong();
    const bytes = await fetchBytes(this.#url(`content/manifests/${v}`), a.size, tooLong, { ...this.#http(), signal });
    if (bytes.length !== a.size) throw new SyncError('rejected-signature', 'manifest-size', `manifest ${v} is ${bytes.length} bytes, the signed announcement says ${a.size}: refused`, false);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== a.sha256) {
      throw new SyncError('rejected-signature', 'manifest-hash', `manifest ${v}: SHA-256 ${hash.slice(0, 12)}… is not the announced ${a.sha256.slice(0, 12)}… (altered on the way): refused`, false);
    }
    return bytes;
  }

  /** The cache's check; a manifest signed by a key not pinned yet first makes the sync follow the rotation chain. */
  async #checkFollowingRotations(bytes: Buffer): Promise<Manifest> {
    try {
      return this.#o.cache.check(bytes);
    } catch (err) {
      const ring = this.#o.keyRing;
      if (!(err instanceof ContentRefused) || err.code !== 'unknown-key' || ring === undefined) throw err;
      const pinned = await followRotations(this.#base, ring, this.#http(), AbortSignal.timeout(120_000), (detail) =>
        this.#o.onEvent('rejected-signature', 'key-rotation', detail),
      );
      if (pinned === 0) throw err;
      this.#o.onEvent('manifest', 'key-rotated', `${pinned} new district key(s) pinned, each vouched for by a key already pinned`);
      return this.#o.cache.check(bytes);
    }
  }

  /** The cache's checks; a pending manifest that no longer passes (expired, superseded) is dropped quietly. */
  async #check(bytes: Buffer, job: Job): Promise<Manifest | null> {
    let m: Manifest;
    try {
      m = await this.#checkFollowingRotations(bytes);
    } catch (err) {
      if (!(err instanceof ContentRefused)) throw err;
      if (job.from === 'pending') {
        this.#log.info(`pending manifest dropped: ${err.message}`);
        await rm(join(this.#o.partialDir, PENDING), { force: true });
        return null;
      }
      throw new SyncError(manifestRefusalKind(err.code), err.code, err.message, false);
    }
    if (job.from === 'announcement' && m.version !== job.announcement.version) {
      throw new SyncError('manifest', 'manifest-version', `the controller sent manifest ${m.version} for the announced ${job.announcement.version}: refused`, false);
    }
    return m;
  }

  async #setTarget(m: Manifest, bytes: Buffer, save: boolean): Promise<Target> {
    const missing: ManifestClip[] = [];
    for (const c of await this.#o.cache.missing(m)) if (!missing.some((x) => x.sha256 === c.sha256)) missing.push(c);
    const have = new Map<string, number>();
    for (const c of missing) have.set(c.sha256, Math.min(c.size, await this.#downloader.have(c)));
    const target: Target = { version: m.version, missing, have };
    this.#target = target;
    try {
      if (save) await writeFileDurably(join(this.#o.partialDir, PENDING), bytes);
      await this.#clean(new Set(missing.map((c) => `${c.sha256}.part`)), false);
    } catch (err) {
      throw storageError(err, 'the pending manifest');
    }
    const s = this.state();
    this.#log.info(`manifest ${m.version}: ${s.clipsMissing} clip(s) to download, ${s.bytesToGo} bytes`);
    this.emit('state', s);
    return target;
  }

  async #activate(bytes: Buffer): Promise<void> {
    let m: Manifest;
    try {
      m = await this.#o.cache.activate(bytes);
    } catch (err) {
      if (err instanceof ContentRefused) throw new SyncError(manifestRefusalKind(err.code), err.code, err.message, err.code === 'clips-missing');
      throw storageError(err, 'the active manifest');
    }
    this.#target = null;
    this.#lastError = null;
    this.#lastReported = null;
    await this.#clean(new Set(), true).catch((err: unknown) => this.#log.warn(`cleaning ${this.#o.partialDir}: ${(err as Error).message}`));
    this.#log.info(`manifest ${m.version} active (${m.clips.length} clips)`);
    this.#event('manifest', 'activated', `manifest ${m.version} with ${m.clips.length} clips downloaded and activated`);
    this.emit('activated', m);
  }

  /** Removes partial files not in `keep`, temp files left by a power cut and, after an activation, the pending manifest. */
  async #clean(keep: Set<string>, activated: boolean): Promise<void> {
    for (const name of await readdir(this.#o.partialDir)) {
      const stale = name.endsWith('.part') ? !keep.has(name) : name.startsWith('.') || (name === PENDING && activated);
      if (stale) await rm(join(this.#o.partialDir, name), { force: true });
    }
  }

  // --- the spoken cues ----------------------------------------------------------------------------------------------

  /** Asks for the cue pack once; a fault is recorded and tried again at the next announcement. */
  async #syncCues(cues: CueStore): Promise<void> {
    this.#cuesDue = false;
    const abort = new AbortController();
    this.#cueAbort = abort;
    let etag: string | null = null;
    try {
      const known = [cues.installed?.sha256, this.#cuesRefused].filter((t) => t != null).map((t) => `"${t}"`);
      const res = await httpGet(this.#url('content/cues'), { ...this.#http(), signal: abort.signal, headers: known.length > 0 ? { 'If-None-Match': known.join(', ') } : {} });
      // 304: nothing newer; 404: the district has no pack (no espeak-ng there).
      if (res.status === 304 || res.status === 404) return res.cancel();
      if (res.status !== 200) {
        res.cancel();
        throw new SyncError('link', 'http-status', `GET /content/cues answered HTTP ${res.status}; tried again at the next announcement`, true);
      }
      etag = /^"([0-9a-f]{64})"$/.exec(String(res.headers.etag ?? ''))?.[1] ?? null;
      const parts: Buffer[] = [];
      let length = 0;
      for await (const chunk of res.chunks()) {
        length += chunk.length;
        if (length > MAX_CUE_PACK_BYTES) {
          res.cancel();
          throw new CueRefused('too-large', `Gói câu nói quá ${MAX_CUE_PACK_BYTES} byte: bỏ qua`, `the cue pack is over ${MAX_CUE_PACK_BYTES} bytes: ignored`);
        }
        parts.push(chunk);
      }
      const installed = await cues.install(Buffer.concat(parts, length));
      if (installed) this.#event('manifest', 'cues-installed', `spoken-cue pack ${installed.version} (${installed.cues} cues) downloaded and in use`);
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err instanceof CueRefused) {
        this.#cuesRefused = etag;
        this.#event(cueRefusalKind(err.code), err.code, err.en);
      } else {
        this.#report(err instanceof SyncError ? err : storageError(err, 'the spoken-cue pack'));
      }
    } finally {
      this.#cueAbort = null;
    }
  }

  // --- helpers ------------------------------------------------------------------------------------------------------

  #activeVersion(): number {
    return this.#o.cache.active?.manifest.version ?? 0;
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }

  /** The timeouts and TLS of every request to the controller. */
  #http(): Omit<HttpGetOptions, 'headers' | 'signal'> {
    return { timeouts: this.#timeouts, ...(this.#o.tls ? { tls: this.#o.tls } : {}) };
  }

  #report(e: SyncError): void {
    this.#lastError = `${e.code}: ${e.message}`;
    this.#log.warn(`${e.kind} ${e.code}: ${e.message}`);
    const key = `${e.kind}/${e.code}`;
    if (e.retry && key === this.#lastReported) return;
    this.#lastReported = e.retry ? key : null;
    this.#event(e.kind, e.code, e.message);
  }

  #event(kind: SyncEventKind, code: string, detail: string): void {
    try {
      this.#o.onEvent(kind, code, detail);
    } catch (err) {
      this.#log.error(`onEvent failed: ${(err as Error).message}`);
    }
  }
}
