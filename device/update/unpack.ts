/**
 * Unpacks a verified release into the cart's releases folder, so that a power cut at any instant leaves either no
 * trace of it (a staging folder, removed at the next call) or the whole release at `<releasesDir>/<version>`:
 *
 *   1. the payload file's size and SHA-256 against the signed manifest (an altered or swapped payload stops here);
 *   2. payload.tar.br streamed through brotli with a cap on the decompressed bytes (a brotli bomb stops at the cap,
 *      not at a full disk) and the strict tar reader (no links, no devices, no `..`);
 *   3. each file must be in the manifest, is written with its manifest mode into `staging/<version>.<random>/`,
 *      its size and SHA-256 checked as it is written, and flushed; every manifest file must have come;
 *   4. `.loa-release.json` (the manifest's canonical bytes) and `.loa-release.sig` are written last, folders are
 *      flushed, and the staging folder is renamed to `<releasesDir>/<version>` (one atomic rename) and the releases
 *      folder flushed. A folder holding `.loa-release.json` is therefore always a complete release.
 *
 * Step 1 makes steps 2–3 redundant for an honest signer; they are what still stands if the payload hash check were
 * ever wrong or skipped, and they are what keeps a hostile archive (one signed by a stolen release key) inside its
 * folder and off a full disk.
 *
 * Only what this code made is ever removed: entries of `staging/` with its names, and a `<releasesDir>/<version>`
 * folder that is being replaced (moved into `staging/` first, so that a power cut during the removal leaves it
 * there to be removed next time).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createBrotliDecompress } from 'node:zlib';
import { sha256File, syncFolder, writeNewFileSynced } from '../../lib/durable.js';
import type { Logger } from '../../lib/logger.js';
import { readTar, TarError, BLOCK } from '../../lib/tar.js';
import {
  encodeReleaseManifest,
  isReleasePath,
  isReleaseVersion,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  RELEASE_MEMBERS,
  ReleaseRefused,
  type ReleaseFile,
  type ReleaseManifest,
} from '../../protocol/release.js';

/** The files every installed release folder holds beside its payload. */
export const INSTALLED_MANIFEST = '.loa-release.json';
export const INSTALLED_SIGNATURE = '.loa-release.sig';
const STAGING = 'staging';
/** Names this code gives inside staging/: `<version>.<hex>` while unpacking, `aside.<hex>` while removing. */
const OURS = /^(?:\d[0-9A-Za-z.+-]*\.[0-9a-f]{12}|aside\.[0-9a-f]{12})$/u;
/** Files written and flushed at the same time: the waits on the disk overlap, and the file system commits together. */
const FILES_IN_FLIGHT = 16;

export interface UnpackOptions {
  /** payload.tar.br as taken out of the bundle. */
  payloadFile: string;
  /** The manifest, already opened with the pinned release keys (openReleaseManifest) and checked to fit. */
  manifest: ReleaseManifest;
  releasesDir: string;
  /** release.sig as received, kept as `.loa-release.sig` so the folder can be verified again later; none is written without it. */
  signature?: Uint8Array;
  logger?: Logger;
}

/**
 * Unpacks the release (see the file's comment); returns `<releasesDir>/<version>`. Throws ReleaseRefused. One call
 * at a time per releases folder (the updater's job): a call removes the staging folders it finds as leftovers.
 */
export async function unpackRelease(o: UnpackOptions): Promise<string> {
  const m = o.manifest;
  if (!isReleaseVersion(m.version)) throw new ReleaseRefused('bad-manifest', `version ${JSON.stringify(m.version)} is not like 1.2.3`);
  const canonical = encodeReleaseManifest(m);
  const stagingRoot = join(o.releasesDir, STAGING);
  await mkdir(stagingRoot, { recursive: true });
  await removeLeftovers(stagingRoot, o.logger);
  const target = join(o.releasesDir, m.version);
  // A finished unpack of this very manifest is reused, if its files are still whole (else it is unpacked again).
  if (await isComplete(target, canonical)) {
    const whole = await verifyInstalledRelease(target, m).then(
      () => true,
      (err: unknown) => (o.logger?.warn(`release ${m.version} in ${target} is damaged: unpacking it again`, { reason: (err as Error).message }), false),
    );
    if (whole) {
      o.logger?.info(`release ${m.version} is already unpacked in ${target}`);
      return target;
    }
  }
  await checkPayloadFile(o.payloadFile, m);
  const folder = join(stagingRoot, `${m.version}.${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(folder, { mode: 0o755 });
    const made = await extractPayload(o.payloadFile, m, folder);
    await writeNewFileSynced(join(folder, INSTALLED_MANIFEST), canonical);
    if (o.signature !== undefined) await writeNewFileSynced(join(folder, INSTALLED_SIGNATURE), Buffer.from(o.signature));
    for (const dir of [...made].sort((a, b) => b.length - a.length)) await syncFolder(join(folder, dir));
    await syncFolder(folder);
    await syncFolder(stagingRoot);
    await putAside(target, stagingRoot, o.logger);
    await rename(folder, target);
    await syncFolder(o.releasesDir);
  } catch (err) {
    await rm(folder, { recursive: true, force: true });
    throw err;
  }
  o.logger?.info(`release ${m.version} unpacked into ${target}`, { files: m.files.length });
  return target;
}

/** Staging folders a power cut left behind; only names this code gives are touched. */
async function removeLeftovers(stagingRoot: string, logger?: Logger): Promise<void> {
  for (const name of await readdir(stagingRoot)) {
    if (!OURS.test(name)) continue;
    logger?.warn(`removing ${name}, left in ${stagingRoot} by an unpack that did not finish`);
    await rm(join(stagingRoot, name), { recursive: true, force: true });
  }
}

/** True when `dir` holds a finished unpack of exactly this manifest. */
async function isComplete(dir: string, canonical: Buffer): Promise<boolean> {
  const mine = await readFile(join(dir, INSTALLED_MANIFEST)).catch(() => null);
  return mine !== null && mine.equals(canonical);
}

/** Moves a folder in the way of the rename into staging/ (so a power cut during the removal leaves it ours), then removes it. */
async function putAside(target: string, stagingRoot: string, logger?: Logger): Promise<void> {
  const found = await lstat(target).catch(() => null);
  if (found === null) return;
  if (!found.isDirectory()) throw new ReleaseRefused('bad-archive', `${target} exists and is not a release folder: remove it by hand`);
  const aside = join(stagingRoot, `aside.${randomBytes(6).toString('hex')}`);
  logger?.warn(`${target} is an unfinished or different unpack of this version: replacing it`);
  await rename(target, aside);
  await syncFolder(dirname(target));
  await rm(aside, { recursive: true, force: true });
}

async function checkPayloadFile(file: string, m: ReleaseManifest): Promise<void> {
  const size = (await stat(file)).size;
  if (size > m.payload.size) throw new ReleaseRefused('too-large', `${RELEASE_MEMBERS.payload} is ${size} bytes, the manifest says ${m.payload.size}`);
  if (size !== m.payload.size) throw new ReleaseRefused('payload-hash', `${RELEASE_MEMBERS.payload} is ${size} bytes, the manifest says ${m.payload.size}`);
  const sha = await sha256File(file);
  if (sha !== m.payload.sha256) throw new ReleaseRefused('payload-hash', `${RELEASE_MEMBERS.payload} has SHA-256 ${sha}, the manifest says ${m.payload.sha256}`);
}

/** Every folder the manifest's files need, relative (`dist`, `dist/cli`, …). */
function foldersOf(files: readonly ReleaseFile[]): Set<string> {
  const dirs = new Set<string>();
  for (const f of files) for (let d = posix.dirname(f.path); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  return dirs;
}

const blocks = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** The most a tar of exactly these files and folders can decompress to: headers, bodies, the end and a 10 KiB record. */
function tarBytesAtMost(files: readonly ReleaseFile[], folders: number): number {
  return files.reduce((sum, f) => sum + BLOCK + blocks(f.size), 0) + folders * BLOCK + 2 * BLOCK + 20 * BLOCK;
}

/** The decompressed stream, refused with 'too-large' past `cap` bytes. */
async function* capped(source: AsyncIterable<Buffer>, cap: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > cap) throw new ReleaseRefused('too-large', `${RELEASE_MEMBERS.payload} unpacks to more than the ${cap} bytes its manifest allows`);
    yield chunk;
  }
}

/**
 * Whether a stream error is the brotli decoder's: a damaged stream is ERR__ERROR_FORMAT_… (the decoder's own
 * BROTLI_DECODER_ERROR_… name), one cut short is Z_BUF_ERROR ("unexpected end of file").
 */
function isBrotliError(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('ERR__ERROR_') || code.startsWith('Z_') || code === 'ERR_BROTLI_DECOMPRESSION_FAILED');
}

/** A TarError or a brotli error as the refusal it is; anything else (a full disk) unchanged. */
function asRefusal(err: unknown): unknown {
  if (err instanceof TarError) return new ReleaseRefused(err.code === 'too-large' || err.code === 'too-many' ? 'too-large' : 'bad-archive', `${RELEASE_MEMBERS.payload}: ${err.message}`);
  const code = (err as NodeJS.ErrnoException).code;
  if (isBrotliError(code)) return new ReleaseRefused('bad-archive', `${RELEASE_MEMBERS.payload} is not a whole brotli stream (${(err as Error).message}, ${String(code)})`);
  return err;
}

/** Unpacks the payload's files into `folder`; returns the folders made (relative), for flushing. */
async function extractPayload(payloadFile: string, m: ReleaseManifest, folder: string): Promise<Set<string>> {
  const wanted = new Map(m.files.map((f) => [f.path, f]));
  const allowedDirs = foldersOf(m.files);
  const made = new Set<string>();
  const pool = new FilePool();
  const input = createReadStream(payloadFile);
  const brotli = createBrotliDecompress();
  input.on('error', (err) => brotli.destroy(err));
  input.pipe(brotli);
  const cap = tarBytesAtMost(m.files, allowedDirs.size);
  const maxEntryBytes = m.files.reduce((max, f) => Math.max(max, f.size), 0);
  try {
    const entries = readTar(capped(brotli as Readable & AsyncIterable<Buffer>, cap), { maxEntries: m.files.length + allowedDirs.size, maxEntryBytes });
    for await (const entry of entries) {
      if (entry.type === 'dir') {
        if (!allowedDirs.has(entry.name)) throw new ReleaseRefused('unexpected-file', `${RELEASE_MEMBERS.payload} has a folder "${entry.name}" that no file of the manifest is in`);
        await makeFolders(folder, entry.name, made);
        continue;
      }
      const f = isReleasePath(entry.name) ? wanted.get(entry.name) : undefined;
      if (f === undefined) throw new ReleaseRefused('unexpected-file', `${RELEASE_MEMBERS.payload} has "${entry.name}", which is not in the manifest (or comes twice)`);
      wanted.delete(f.path);
      if (entry.size > f.size) throw new ReleaseRefused('too-large', `${f.path} is ${entry.size} bytes in the archive, the manifest says ${f.size}`);
      await makeFolders(folder, posix.dirname(f.path), made);
      await writeChecked(join(folder, f.path), f, entry.body, pool);
      await pool.room();
    }
  } catch (err) {
    throw asRefusal(err);
  } finally {
    input.destroy();
    brotli.destroy();
    await pool.drain().catch(() => undefined);
  }
  await pool.drain();
  if (wanted.size > 0) {
    const missing = [...wanted.keys()];
    throw new ReleaseRefused('missing-file', `${RELEASE_MEMBERS.payload} lacks ${missing.length} file(s) of the manifest: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
  }
  return made;
}

async function makeFolders(root: string, rel: string, made: Set<string>): Promise<void> {
  const chain: string[] = [];
  for (let d = rel; d !== '.' && d !== '/' && !made.has(d); d = posix.dirname(d)) chain.unshift(d);
  for (const d of chain) {
    try {
      await mkdir(join(root, d), { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstat(join(root, d))).isDirectory()) {
        throw new ReleaseRefused('bad-archive', `${RELEASE_MEMBERS.payload}: "${d}" is both a file and a folder`);
      }
    }
    made.add(d);
  }
}

/** Files up to this size are read whole and checked before a byte reaches the disk, then written by the pool. */
const SMALL_FILE = 1024 * 1024;

/** A new file (`wx` never follows or reuses what is there). */
async function openNew(path: string, f: ReleaseFile): Promise<FileHandle> {
  try {
    return await open(path, 'wx', f.mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ReleaseRefused('unexpected-file', `${RELEASE_MEMBERS.payload} has "${f.path}" twice`);
    throw err;
  }
}

/** Counts and hashes a body as it passes; throws 'too-large' past the file's size. */
function checker(f: ReleaseFile): { take(chunk: Buffer): void; done(): void } {
  const hash = createHash('sha256');
  let seen = 0;
  return {
    take(chunk) {
      seen += chunk.length;
      if (seen > f.size) throw new ReleaseRefused('too-large', `${f.path} runs past its ${f.size} bytes`);
      hash.update(chunk);
    },
    done() {
      const sha = hash.digest('hex');
      if (seen !== f.size || sha !== f.sha256) throw new ReleaseRefused('file-hash', `${f.path} (${seen} bytes, SHA-256 ${sha}) is not the file the manifest lists (${f.size} bytes, ${f.sha256})`);
    },
  };
}

/**
 * Writes one file, its size and SHA-256 checked. A small file is checked in memory first and then written, flushed
 * and closed by the pool (many at a time: the waits on the disk overlap); a large one is checked as it is written,
 * and the pool flushes and closes it.
 */
async function writeChecked(path: string, f: ReleaseFile, body: AsyncIterable<Buffer>, pool: FilePool): Promise<void> {
  const check = checker(f);
  if (f.size <= SMALL_FILE) {
    const parts: Buffer[] = [];
    for await (const chunk of body) {
      check.take(chunk);
      parts.push(chunk);
    }
    check.done();
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    pool.add(async () => {
      const handle = await openNew(path, f);
      try {
        await handle.writeFile(data);
        await handle.chmod(f.mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    return;
  }
  const handle = await openNew(path, f);
  try {
    for await (const chunk of body) {
      check.take(chunk);
      await handle.write(chunk);
    }
    check.done();
    await handle.chmod(f.mode);
  } catch (err) {
    await handle.close();
    throw err;
  }
  pool.add(() => handle.sync().finally(() => handle.close()));
}

/** Runs file writes and flushes a few at a time, while the archive is read on; the first failure is kept. */
class FilePool {
  readonly #pending = new Set<Promise<void>>();
  #failed: Error | undefined = undefined;

  add(task: () => Promise<void>): void {
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        this.#failed ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  async room(): Promise<void> {
    while (this.#pending.size >= FILES_IN_FLIGHT) await Promise.race(this.#pending);
    if (this.#failed !== undefined) throw this.#failed;
  }

  async drain(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#failed !== undefined) throw this.#failed;
  }
}


/**
 * Checks an unpacked release folder against its manifest: `.loa-release.json` is this manifest, every file is a
 * regular file of its size, mode and SHA-256, and nothing else is there. Throws ReleaseRefused ('missing-file',
 * 'file-hash', 'unexpected-file', 'bad-manifest') naming the first problem. Used before switching to a release and
 * by a technician's check.
 */
export async function verifyInstalledRelease(dir: string, manifest: ReleaseManifest): Promise<void> {
  const mine = await readFile(join(dir, INSTALLED_MANIFEST)).catch(() => null);
  if (mine === null) throw new ReleaseRefused('missing-file', `${dir} has no ${INSTALLED_MANIFEST}: it is not a finished release`);
  if (!mine.equals(encodeReleaseManifest(manifest))) throw new ReleaseRefused('bad-manifest', `${dir}/${INSTALLED_MANIFEST} is not the manifest of release ${manifest.version}`);
  for (const f of manifest.files) {
    const path = join(dir, f.path);
    const st = await lstat(path).catch(() => null);
    if (st === null || !st.isFile()) throw new ReleaseRefused('missing-file', `${f.path} is missing from ${dir}${st === null ? '' : ' (not a regular file)'}`);
    if (st.size !== f.size || (st.mode & 0o7777) !== f.mode) throw new ReleaseRefused('file-hash', `${path} is ${st.size} bytes, mode ${(st.mode & 0o7777).toString(8)}; the manifest says ${f.size} bytes, mode ${f.mode.toString(8)}`);
    const sha = await sha256File(path);
    if (sha !== f.sha256) throw new ReleaseRefused('file-hash', `${path} has SHA-256 ${sha}, the manifest says ${f.sha256}`);
  }
  const listed = new Set([...manifest.files.map((f) => f.path), ...foldersOf(manifest.files), INSTALLED_MANIFEST, INSTALLED_SIGNATURE]);
  for (const rel of await walk(dir, '')) {
    if (!listed.has(rel)) throw new ReleaseRefused('unexpected-file', `${join(dir, rel)} is not part of release ${manifest.version}`);
  }
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    out.push(path);
    if (e.isDirectory()) out.push(...(await walk(root, path)));
  }
  return out;
}

// --- the bundle ---------------------------------------------------------------------------------------------------

export interface ExtractedBundle {
  /** release.json's bytes, as signed. */
  manifest: Buffer;
  /** release.sig's bytes. */
  signature: Buffer;
  /** Where payload.tar.br was written. */
  payloadFile: string;
  payloadBytes: number;
}

/** Reads a member's bytes, refusing more than `max`. */
async function small(body: AsyncIterable<Buffer>, size: number, max: number, name: string): Promise<Buffer> {
  if (size > max) throw new ReleaseRefused('too-large', `${name} is ${size} bytes, over the ${max} allowed`);
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Takes a release bundle apart without trusting it: release.json and release.sig into memory (size-capped),
 * payload.tar.br streamed to `payloadFile` (a new file, at most `maxPayloadBytes`). Exactly those three members in
 * that order, or ReleaseRefused 'bad-archive' / 'too-large'. The manifest is still to be opened with the pinned keys.
 */
export async function extractReleaseBundle(bundle: string, payloadFile: string, maxPayloadBytes = 512 * 1024 * 1024): Promise<ExtractedBundle> {
  const order = [RELEASE_MEMBERS.manifest, RELEASE_MEMBERS.signature, RELEASE_MEMBERS.payload];
  const got: Buffer[] = [];
  let payloadBytes = -1;
  let n = 0;
  const input = createReadStream(bundle);
  try {
    for await (const entry of readTar(input, { maxEntries: 3, maxEntryBytes: Math.max(maxPayloadBytes, MAX_MANIFEST_BYTES) })) {
      const expected = order[n++];
      if (entry.type !== 'file' || entry.name !== expected) {
        throw new ReleaseRefused('bad-archive', `the bundle's members must be ${order.join(', ')} in that order; found "${entry.name}"${expected ? ` where ${expected} belongs` : ' after them'}`);
      }
      if (expected === RELEASE_MEMBERS.manifest) got.push(await small(entry.body, entry.size, MAX_MANIFEST_BYTES, expected));
      else if (expected === RELEASE_MEMBERS.signature) got.push(await small(entry.body, entry.size, MAX_SIGNATURE_BYTES, expected));
      else {
        if (entry.size > maxPayloadBytes) throw new ReleaseRefused('too-large', `${expected} is ${entry.size} bytes, over the ${maxPayloadBytes} allowed`);
        payloadBytes = await copyOut(entry.body, payloadFile);
      }
    }
  } catch (err) {
    throw asRefusal(err);
  } finally {
    input.destroy();
  }
  if (payloadBytes < 0) throw new ReleaseRefused('bad-archive', `the bundle ends before ${order[n]}`);
  return { manifest: got[0]!, signature: got[1]!, payloadFile, payloadBytes };
}

async function copyOut(body: AsyncIterable<Buffer>, path: string): Promise<number> {
  const handle = await open(path, 'wx', 0o644);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      await handle.write(chunk);
      bytes += chunk.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}
