/**
 * The cart's side of an `update` command (RemoteChanges['update']): answers at once, then works in the background.
 *
 *   1. GET `{contentUrl}releases/<version>/<arch>/release.json` and `release.sig` (size-capped), opened with the
 *      pinned release keys (never the district's) and checked to fit this cart: its architecture, newer than the
 *      running version unless the signed command is a rollback order, one it may replace, a database it reads;
 *   2. the payload (`payload.tar.br`) into `downloads/<version>-<arch>/`, resumed with `Range` after a cut or a broken link, never
 *      more than the manifest's size (endless data refused), within a byte budget per day (cellular data costs
 *      money: when it is spent the download waits for the next day);
 *   3. unpacked (unpack.ts: hash, every file, fsync, atomic rename) and verified again;
 *   4. the trial written durably (with a database backup to make when the new version writes a schema this one
 *      cannot read), `current` switched, an `installed` event kept, and the program restarted.
 *
 * Every refusal is a durable event `update` / `refused` with the detail `<version>: <code>: <message>`.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import type { Command, CommandStatus } from '../../protocol/index.js';
import { checkReleaseFits, isReleaseVersion, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, openReleaseManifest, ReleaseRefused, RELEASE_MEMBERS, type ReleaseArch, type ReleaseManifest } from '../../protocol/release.js';
import { SyncError } from '../sync/errors.js';
import { DEFAULT_TIMEOUTS, fetchBytes, httpGet, type HttpTimeouts } from '../sync/http-get.js';
import type { ControllerTls } from '../tls.js';
import type { UpdateEvent } from './health.js';
import { budgetDay, currentVersion, DOWNLOADS_DIR, readState, releaseDir, switchCurrent, updateState, type TrialDatabase } from './releases.js';
import { unpackRelease, verifyInstalledRelease } from './unpack.js';

export const DEFAULT_BYTES_PER_DAY = 50 * 1024 * 1024;
/** The budget is written to state.json at most this often while bytes come (a cut forgets at most this much). */
const BUDGET_SAVE_BYTES = 256 * 1024;

type UpdateCommand = Command & { action: 'update' };
type Answer = { status: CommandStatus; detail: string };

export interface UpdaterOptions {
  releasesDir: string;
  /** The cart database, backed up before a version that migrates it beyond what this one reads. */
  databaseFile: string;
  /** The district controller's base URL (the identity's contentUrl); null = updates refused. */
  contentUrl: string | null;
  tls?: ControllerTls;
  /** The pinned release keys (not the district's). */
  releaseKeys: () => readonly KeyObject[];
  /** The version running now, and whether it is a release (null) or the packaged program. */
  running: { version: string; release: boolean };
  arch: ReleaseArch | null;
  /** The cart database's schema now, and the highest one the running program reads. */
  schema: { version: number; readsUpTo: number };
  event: UpdateEvent;
  /** Stops the program cleanly so that the supervisor starts it again, on the new version. */
  restart: () => void;
  /** Bytes downloaded per day at most (default 50 MiB). */
  bytesPerDay?: number;
  now?: () => number;
  /** How often a spent budget, and a link down, are looked at again, ms (defaults 60 s and 30 s). */
  budgetPollMs?: number;
  retryMs?: number;
  timeouts?: Partial<HttpTimeouts>;
  logger?: Logger;
}

export class Updater {
  readonly #o: UpdaterOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #perDay: number;
  readonly #abort = new AbortController();
  #job: { version: string; done: Promise<void> } | null = null;

  constructor(options: UpdaterOptions) {
    const perDay = options.bytesPerDay ?? DEFAULT_BYTES_PER_DAY;
    if (!Number.isSafeInteger(perDay) || perDay < 1) throw new RangeError(`bytesPerDay must be a whole number of bytes ≥ 1, got ${String(options.bytesPerDay)}`);
    this.#o = options;
    this.#perDay = perDay;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger;
  }

  /** The background work of the last command, for tests and a clean stop; resolves when it has ended. */
  get job(): Promise<void> | null {
    return this.#job?.done ?? null;
  }

  /** Answers the command at once ('ok' downloading, or refused) and goes on in the background. */
  async update(c: UpdateCommand): Promise<Answer> {
    const version = c.version;
    const refuse = async (code: string, message: string): Promise<Answer> => {
      await this.#refused(version, code, message);
      return { status: 'refused', detail: `${code}: ${message}` };
    };
    if (this.#o.contentUrl === null) return refuse('no-source', 'this cart has no district address (contentUrl) to download releases from');
    if (this.#o.arch === null) return refuse('wrong-arch', `no release is built for this processor (${process.arch})`);
    if (this.#o.releaseKeys().length === 0) return refuse('unknown-key', 'no release key is pinned on this cart: provision it again with a bundle that carries the release keys');
    const trial = (await readState(this.#o.releasesDir)).trial;
    if (trial !== null) return refuse('busy', `release ${trial.version} is on trial; try again once it has passed its health check or been rolled back`);
    if (this.#job !== null) {
      if (this.#job.version === version) return { status: 'ok', detail: `downloading ${version}` };
      return refuse('busy', `release ${this.#job.version} is being installed`);
    }
    const done = this.#install(c).finally(() => {
      this.#job = null;
    });
    this.#job = { version, done };
    return { status: 'ok', detail: `downloading ${version}` };
  }

  /** Stops a download under way (the partial file stays for the next command). */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('the updater stopped'));
    await this.#job?.done;
  }

  async #install(c: UpdateCommand): Promise<void> {
    try {
      await this.#prune(c.version);
      const manifest = await this.#manifest(c);
      const payload = await this.#download(manifest);
      const dir = await this.#unpack(manifest, payload.file, payload.signature);
      await this.#switch(manifest, dir);
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      if (err instanceof ReleaseRefused) {
        // A refused payload is not resumed next time: downloaded again from the start.
        if (this.#o.arch !== null) await rm(join(this.#o.releasesDir, DOWNLOADS_DIR, `${c.version}-${this.#o.arch}`), { recursive: true, force: true });
        await this.#refused(c.version, err.code, err.message);
      }
      else {
        this.#log.error(`release ${c.version} not installed: ${(err as Error).message}`);
        await this.#o.event('failed', `${c.version}: ${(err as Error).message}`).catch(() => undefined);
      }
    }
  }

  async #refused(version: string, code: string, message: string): Promise<void> {
    this.#log.warn(`release ${version} refused (${code}): ${message}`);
    await this.#o.event('refused', `${version}: ${code}: ${message}`).catch((err: unknown) => this.#log.error(`event not kept: ${String(err)}`));
  }

  #url(version: string, member: string): URL {
    return new URL(`releases/${version}/${this.#o.arch!}/${member}`, this.#o.contentUrl!);
  }

  #http(): { timeouts: HttpTimeouts; signal: AbortSignal; tls?: ControllerTls } {
    return { timeouts: { ...DEFAULT_TIMEOUTS, ...this.#o.timeouts }, signal: this.#abort.signal, ...(this.#o.tls ? { tls: this.#o.tls } : {}) };
  }

  /** Steps that fail on the link are tried again (the district may be away for hours); anything else is thrown. */
  async #retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
    let wait = this.#o.retryMs ?? 30_000;
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (!(err instanceof SyncError) || !err.retry || this.#abort.signal.aborted) throw err;
        this.#log.warn(`${what}: ${err.message}; trying again in ${Math.round(wait / 1000)} s`);
        await this.#sleep(wait);
        wait = Math.min(wait * 2, 10 * 60_000);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.#abort.signal;
      if (signal.aborted) return reject(signal.reason as Error);
      const stopped = (): void => {
        clearTimeout(t);
        reject(signal.reason as Error);
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', stopped);
        resolve();
      }, ms);
      signal.addEventListener('abort', stopped, { once: true });
    });
  }

  /**
   * Removes the releases (and partial downloads) other than the one `current` names, the one running (the version
   * to go back to) and the one asked for: an SD card keeps at most three.
   */
  async #prune(wanted: string): Promise<void> {
    const releases = this.#o.releasesDir;
    const keep = new Set([wanted, this.#o.running.version, (await currentVersion(releases)) ?? '']);
    for (const name of await readdir(releases).catch(() => [])) {
      if (isReleaseVersion(name) && !keep.has(name)) await rm(join(releases, name), { recursive: true, force: true });
    }
    for (const name of await readdir(join(releases, DOWNLOADS_DIR)).catch(() => [])) {
      if (!name.startsWith(`${wanted}-`)) await rm(join(releases, DOWNLOADS_DIR, name), { recursive: true, force: true });
    }
  }

  // --- 1. the signed manifest -----------------------------------------------------------------------------------

  async #manifest(c: UpdateCommand): Promise<ReleaseManifest & { signature: Buffer }> {
    const tooLarge = (name: string, max: number) => () => new SyncError('link', 'too-large', `${name} of release ${c.version} is over ${max} bytes`, false);
    const [json, sig] = await this.#retrying(`release ${c.version}`, async () => [
      await fetchBytes(this.#url(c.version, RELEASE_MEMBERS.manifest), MAX_MANIFEST_BYTES, tooLarge(RELEASE_MEMBERS.manifest, MAX_MANIFEST_BYTES), this.#http()),
      await fetchBytes(this.#url(c.version, RELEASE_MEMBERS.signature), MAX_SIGNATURE_BYTES, tooLarge(RELEASE_MEMBERS.signature, MAX_SIGNATURE_BYTES), this.#http()),
    ]).catch((err: unknown) => {
      if (err instanceof SyncError && err.code === 'too-large') throw new ReleaseRefused('too-large', err.message);
      throw err;
    });
    const m = openReleaseManifest(json, sig, this.#o.releaseKeys());
    if (m.version !== c.version) throw new ReleaseRefused('bad-manifest', `the district asked for ${c.version} and sent the signed release ${m.version} (an old release replayed?)`);
    checkReleaseFits(m, { arch: this.#o.arch!, version: this.#o.running.version, schemaVersion: this.#o.schema.version, allowDowngrade: c.rollback });
    return { ...m, signature: sig };
  }

  // --- 2. the payload, resumable, within the day's budget ----------------------------------------------------------

  async #download(m: ReleaseManifest & { signature: Buffer }): Promise<{ file: string; signature: Buffer }> {
    const dir = join(this.#o.releasesDir, DOWNLOADS_DIR, `${m.version}-${m.arch}`);
    await mkdir(dir, { recursive: true });
    const file = join(dir, RELEASE_MEMBERS.payload);
    const part = `${file}.part`;
    if (existsSync(file)) return { file, signature: m.signature };
    const size = (): Promise<number> => stat(part).then((s) => s.size, () => 0);
    for (;;) {
      if ((await size()) > m.payload.size) await rm(part, { force: true });
      if ((await size()) === m.payload.size) break;
      const allowance = await this.#allowance(m.version);
      // Each try starts from what the partial file holds now: a broken try may have added to it.
      const got = await this.#retrying(`payload of release ${m.version}`, async () => {
        const have = await size();
        return this.#fetchRange(m, part, have, Math.min(m.payload.size, have + allowance));
      });
      if (got < 0) await rm(part, { force: true });
    }
    await rename(part, file);
    return { file, signature: m.signature };
  }

  /** Bytes that may still come today; waits (durably counted) for the next day when none. */
  async #allowance(version: string): Promise<number> {
    let told = false;
    for (;;) {
      const { budget } = await readState(this.#o.releasesDir);
      const today = budgetDay(this.#now());
      const used = budget.day === today ? budget.bytes : 0;
      if (used < this.#perDay) return this.#perDay - used;
      if (!told) this.#log.info(`release ${version}: today's download budget (${this.#perDay} bytes) is spent; the download resumes tomorrow`);
      told = true;
      await this.#sleep(this.#o.budgetPollMs ?? 60_000);
    }
  }

  async #count(bytes: number): Promise<void> {
    if (bytes === 0) return;
    const today = budgetDay(this.#now());
    await updateState(this.#o.releasesDir, (s) => {
      s.budget = { day: today, bytes: (s.budget.day === today ? s.budget.bytes : 0) + bytes };
    });
  }

  /**
   * One GET of bytes [from, to) appended to `part`; resolves the bytes written, or -1 when the partial file must
   * start over (the server no longer has those bytes). More than the manifest's size is refused.
   */
  async #fetchRange(m: ReleaseManifest, part: string, from: number, to: number): Promise<number> {
    const url = this.#url(m.version, RELEASE_MEMBERS.payload);
    const res = await httpGet(url, { ...this.#http(), headers: { Range: `bytes=${from}-${to - 1}` } });
    let start: number;
    if (res.status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/u.exec(String(res.headers['content-range'] ?? ''));
      if (range === null || Number(range[1]) !== from) {
        res.cancel();
        return -1;
      }
      if (range[3] !== '*' && Number(range[3]) !== m.payload.size) {
        res.cancel();
        throw new ReleaseRefused('too-large', `the district's payload of release ${m.version} is ${range[3]} bytes; the signed manifest says ${m.payload.size}`);
      }
      start = from;
    } else if (res.status === 200) start = 0;
    else if (res.status === 416) {
      res.cancel();
      return -1;
    } else {
      res.cancel();
      throw new SyncError('link', 'http-status', `GET ${url.pathname} answered HTTP ${res.status}`, true);
    }
    // A server that ignores the range sends everything: only today's allowance of it is kept.
    const limit = start === from ? to : Math.min(m.payload.size, to - from);
    const handle: FileHandle = await open(part, start === 0 ? 'w' : 'a');
    let have = start;
    let uncounted = 0;
    try {
      for await (const chunk of res.chunks()) {
        if (have + chunk.length > m.payload.size) {
          res.cancel();
          throw new ReleaseRefused('too-large', `the district sends more than the ${m.payload.size} bytes of release ${m.version}'s payload: refused`);
        }
        const keep = Math.min(chunk.length, limit - have);
        await handle.write(chunk, 0, keep);
        have += keep;
        uncounted += chunk.length;
        if (uncounted >= BUDGET_SAVE_BYTES) {
          await this.#count(uncounted);
          uncounted = 0;
        }
        if (have >= limit) {
          res.cancel();
          break;
        }
      }
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
      await this.#count(uncounted);
    }
    return have - start;
  }

  // --- 3. and 4. unpack, then the switch ---------------------------------------------------------------------------

  async #unpack(m: ReleaseManifest, payloadFile: string, signature: Buffer): Promise<string> {
    const dir = releaseDir(this.#o.releasesDir, m.version);
    // Unpacked before a cut stopped the switch: kept when it is whole.
    if (existsSync(dir)) {
      const whole = await verifyInstalledRelease(dir, m).then(() => true, () => false);
      if (whole) return dir;
    }
    const installed = await unpackRelease({ payloadFile, manifest: m, releasesDir: this.#o.releasesDir, signature, logger: this.#log });
    await verifyInstalledRelease(installed, m);
    return installed;
  }

  async #switch(m: ReleaseManifest, dir: string): Promise<void> {
    const releases = this.#o.releasesDir;
    const previous = this.#o.running.release ? this.#o.running.version : null;
    // A version that writes a schema this one cannot read: its database is backed up before its first start.
    const database: TrialDatabase | undefined =
      m.schema.writes > this.#o.schema.readsUpTo ? { path: this.#o.databaseFile, backup: join(releases, `cart-before-${m.version}.db`), backedUp: false } : undefined;
    // The trial first, then the event, then the link: a start after a cut anywhere here finishes the switch
    // (launcher.ts), so the event is never kept for a switch that does not happen, nor missing for one that does.
    await updateState(releases, (s) => {
      s.trial = { version: m.version, previous, attempts: 0, ...(database ? { database } : {}) };
    });
    await this.#o.event('installed', `${m.version}${database ? ' (its database schema is new: backed up before its first start)' : ''}`);
    await switchCurrent(releases, m.version);
    await rm(join(releases, DOWNLOADS_DIR, `${m.version}-${m.arch}`), { recursive: true, force: true });
    this.#log.info(`release ${m.version} installed in ${dir}: restarting on it (on trial)`);
    this.#o.restart();
  }
}
