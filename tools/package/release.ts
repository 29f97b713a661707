/**
 * The over-the-air release bundle `loa-release-VERSION-ARCH.tar` (protocol/release.ts), written by `npm run package`
 * beside each loa-unit .deb from the very folder the .deb carries under /usr/lib/loa/<version>/: release.json (every
 * file's path, size, mode and SHA-256), release.sig (Ed25519 by the release key) and payload.tar.br (brotli
 * quality 11, window 2^22: half the size of gzip -9, for carts that download it over paid cellular data).
 *
 * The release key is a PEM PKCS#8 Ed25519 private key: `--release-key FILE`, or the file named by LOA_RELEASE_KEY.
 * Without either, a development key is made once at build/release-key.pem (0600); what it signs is for testing only,
 * and the build says so.
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, createBrotliCompress } from 'node:zlib';
import { writeNewReleaseKey } from '../../cli/release-tools.js';
import { MIGRATIONS } from '../../device/store/schema.js';
import { moveDurably, sha256File } from '../../lib/durable.js';
import { BLOCK, TarWriter } from '../../lib/tar.js';
import { keyId } from '../../protocol/signed.js';
import { RELEASE_MEMBERS, releaseBundleName, signReleaseManifest, type ReleaseArch, type ReleaseFile, type ReleaseManifest } from '../../protocol/release.js';
import { StepError } from './shell.js';

export interface ReleaseBundleSpec {
  /** The release folder (package.json, dist/, node_modules/): every regular file in it is the payload. */
  payloadDir: string;
  version: string;
  arch: ReleaseArch;
  /** The oldest version the release may replace. */
  replaces: string;
  schema: ReleaseManifest['schema'];
  /** The release key (Ed25519, private). */
  key: KeyObject;
  outDir: string;
  /** Unix seconds; SOURCE_DATE_EPOCH or now by default. Also every payload file's mtime, so one tree gives one payload. */
  created?: number;
  /**
   * Brotli quality, 0–11. Default 11, the smallest payload: the 41 MB amd64 tar takes ~50 s (brotli uses one core)
   * and gives 4.6 MiB; quality 9 gives 5.1 MiB in ~5 s. Tests pass a low one for speed.
   */
  quality?: number;
}

export interface ReleaseBundleBuilt {
  file: string;
  /** The bundle's size. */
  bytes: number;
  /** The payload's files, uncompressed, added up. */
  payloadBytes: number;
  files: number;
  /** Time spent writing the compressed payload (reading, hashing, compressing), seconds. */
  compressSeconds: number;
}

/**
 * The cart database schema a release built from this tree reads and writes: it migrates any earlier version
 * (migrations only add, one step at a time, from 1) up to its own, and refuses a newer one (StoreError
 * 'schema-too-new'), so it reads 1…N and writes N.
 */
export function cartSchema(): ReleaseManifest['schema'] {
  return { reads: [1, MIGRATIONS.length], writes: MIGRATIONS.length };
}

interface PayloadFile {
  path: string;
  abs: string;
  size: number;
  mode: number;
}

/**
 * The payload's files, sorted by path. A symbolic link inside a `.bin` folder is a command link npm makes (never
 * loaded by the program) and is left out; any other link is refused, since a cart unpacks regular files only.
 */
async function payloadFiles(root: string, rel = ''): Promise<PayloadFile[]> {
  const out: PayloadFile[] = [];
  const entries = (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    const abs = join(root, path);
    if (e.isDirectory()) out.push(...(await payloadFiles(root, path)));
    else if (e.isFile()) {
      const st = await lstat(abs);
      out.push({ path, abs, size: st.size, mode: st.mode & 0o111 ? 0o755 : 0o644 });
    } else if (e.isSymbolicLink() && rel.split('/').at(-1) === '.bin') continue;
    else throw new StepError(`${abs} is not a regular file or a folder (a release carries files only): remove it from the payload`, '');
  }
  return out;
}

/** The exact size of the tar writePayload makes: a header and whole blocks per file, then two zero blocks. */
function tarSize(found: readonly PayloadFile[]): number {
  return found.reduce((sum, f) => sum + BLOCK + Math.ceil(f.size / BLOCK) * BLOCK, 2 * BLOCK);
}

/**
 * The brotli stream: a 2^22-byte window (lgwin 22) keeps a cart's decompression to ~4 MiB of memory, where the
 * 16 MiB maximum gains under 1 %; the size hint lets the encoder plan its blocks for the whole tar.
 */
function brotliFor(quality: number, sizeHint: number) {
  return createBrotliCompress({
    params: {
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_GENERIC,
      [zlib.BROTLI_PARAM_QUALITY]: quality,
      [zlib.BROTLI_PARAM_LGWIN]: 22,
      [zlib.BROTLI_PARAM_SIZE_HINT]: Math.min(sizeHint, 2 ** 31 - 1),
    },
  });
}

/** payload.tar.br: the files in path order, owner root, mtime `created`, brotli; each file hashed as it is read. */
async function writePayload(found: readonly PayloadFile[], out: string, created: number, quality: number): Promise<ReleaseFile[]> {
  const brotli = brotliFor(quality, tarSize(found));
  const done = pipeline(brotli, createWriteStream(out, { flags: 'wx', mode: 0o644 }));
  const tar = new TarWriter(brotli);
  const files: ReleaseFile[] = [];
  for (const f of found) {
    const hash = createHash('sha256');
    const stream = (async function* () {
      for await (const chunk of createReadStream(f.abs)) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    })();
    await tar.file(f.path, { size: f.size, stream }, f.mode, created);
    files.push({ path: f.path, size: f.size, mode: f.mode, sha256: hash.digest('hex') });
  }
  await tar.finish();
  brotli.end();
  await done;
  return files;
}

/** Writes `loa-release-VERSION-ARCH.tar` into `outDir` (a temporary name first, then renamed). */
export async function buildReleaseBundle(o: ReleaseBundleSpec): Promise<ReleaseBundleBuilt> {
  const created = o.created ?? Number(process.env.SOURCE_DATE_EPOCH ?? Math.floor(Date.now() / 1000));
  const found = await payloadFiles(o.payloadDir);
  await mkdir(o.outDir, { recursive: true });
  const file = join(o.outDir, releaseBundleName(o.version, o.arch));
  const temp = `${file}.${process.pid}.tmp`;
  const payload = `${temp}.${RELEASE_MEMBERS.payload}`;
  const quality = o.quality ?? 11;
  if (!Number.isInteger(quality) || quality < 0 || quality > 11) throw new StepError(`quality ${quality}: a whole number from 0 to 11 (brotli)`, '');
  try {
    const started = performance.now();
    const files = await writePayload(found, payload, created, quality);
    const compressSeconds = (performance.now() - started) / 1000;
    const payloadSize = (await stat(payload)).size;
    const manifest: ReleaseManifest = {
      format: 1,
      product: 'loa-unit',
      version: o.version,
      arch: o.arch,
      replaces: o.replaces,
      schema: o.schema,
      payload: { size: payloadSize, sha256: await sha256File(payload) },
      files,
      created,
    };
    const signed = signReleaseManifest(manifest, o.key);
    const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
    const closed = new Promise<void>((resolve, reject) => out.on('close', resolve).on('error', reject));
    const tar = new TarWriter(out);
    await tar.file(RELEASE_MEMBERS.manifest, signed.manifest, 0o644, created);
    await tar.file(RELEASE_MEMBERS.signature, signed.signature, 0o644, created);
    await tar.file(RELEASE_MEMBERS.payload, { size: payloadSize, stream: createReadStream(payload) }, 0o644, created);
    await tar.finish();
    out.end();
    await closed;
    await moveDurably(temp, file);
    return { file, bytes: (await stat(file)).size, payloadBytes: files.reduce((s, f) => s + f.size, 0), files: files.length, compressSeconds };
  } finally {
    await rm(payload, { force: true });
    await rm(temp, { force: true });
  }
}

export interface ReleaseKey {
  key: KeyObject;
  /** The development key made (or found) at build/release-key.pem: what it signs is for testing only. */
  development: boolean;
  file: string;
}

/** Reads a PEM PKCS#8 Ed25519 private key; a StepError that says what is wrong otherwise. */
export async function readReleaseKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file));
  } catch (err) {
    throw new StepError(`release key ${file}: ${(err as Error).message} (a PEM PKCS#8 Ed25519 private key: loa release keygen --out FILE)`, '');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new StepError(`release key ${file} is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, not Ed25519 (loa release keygen --out FILE makes one)`, '');
  return key;
}

/** The key to sign with: `--release-key`, else LOA_RELEASE_KEY, else the development key (made once). */
export async function releaseKeyFor(o: { option?: string | undefined; env: NodeJS.ProcessEnv; repo: string }): Promise<ReleaseKey> {
  const named = o.option ?? (o.env.LOA_RELEASE_KEY || undefined);
  if (named !== undefined) return { key: await readReleaseKey(named), development: false, file: named };
  const file = join(o.repo, 'build', 'release-key.pem');
  const key = await readReleaseKey(file).catch(async (err: unknown) => {
    if ((await stat(file).catch(() => null)) !== null) throw err;
    return writeNewReleaseKey(file);
  });
  return { key, development: true, file };
}

/** The one line a build signed with the development key prints. */
export function developmentKeyWarning(k: ReleaseKey): string {
  return (
    `Bản phát hành ký bằng khoá thử ${k.file} (${keyId(k.key)}) chỉ dùng để thử nghiệm; bản thật: --release-key TỆP hoặc LOA_RELEASE_KEY / ` +
    `releases signed with the development key ${k.file} (${keyId(k.key)}) are for testing only; real ones: --release-key FILE or LOA_RELEASE_KEY`
  );
}
