/**
 * The district's Ed25519 content key: it signs every manifest, announcement and command, and carts pin its public
 * key when they are provisioned.
 *
 * Files, in the key folder:
 * - `district-key`: the raw 32-byte secret seed in hex, written durably with mode 0600. The key is made on the first
 *   start. A key file that the group or others may read is refused (with the `chmod` to run), and so is one owned
 *   by another user.
 * - `key-rotations/<n>.signed`: each signed `key-rotation` object (SPEC.md §5), made by the OLD key for the NEW one,
 *   kept so that carts still holding an old key can be handed the chain.
 *
 * Rotation survives a power cut at any step: the new seed is first written as `district-key.next`, then the signed
 * rotation, then `district-key.next` is renamed over `district-key`. At start, a `.next` with its rotation on disk
 * is finished; a `.next` without one is dropped (the old key stays).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFolder, writeFileDurably } from '../../lib/durable.js';
import { keyId, privateKeyFromSeed, rawPublicKey, readSigned, signObject } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { both, ContentError } from './errors.js';

export interface DistrictKeyOptions {
  /** The folder that holds the key file (made with mode 0700 when missing). */
  dir: string;
  /** The district name (it goes into key-rotation objects). */
  district: string;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
  logger?: Logger;
}

export interface KeyRotationResult {
  /** The signed `key-rotation` object, to hand to the carts. */
  signed: Buffer;
  oldPublicKey: string;
  newPublicKey: string;
}

const KEY_FILE = 'district-key';
const NEXT_FILE = 'district-key.next';
const ROTATIONS = 'key-rotations';

function seedOf(key: KeyObject): Buffer {
  // PKCS#8 DER of an Ed25519 key ends with the 32-byte seed.
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32);
}

export class DistrictKey {
  readonly #o: DistrictKeyOptions;
  readonly #log: Logger;
  #key: KeyObject | undefined;

  constructor(options: DistrictKeyOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  get path(): string {
    return join(this.#o.dir, KEY_FILE);
  }

  /** Loads the key, making it on the first start, and finishes a rotation cut short. */
  async start(): Promise<void> {
    await mkdir(join(this.#o.dir, ROTATIONS), { recursive: true, mode: 0o700 });
    await this.#finishRotation();
    const existing = await this.#load(this.path);
    if (existing) {
      this.#key = existing;
      return;
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFileDurably(this.path, `${seedOf(privateKey).toString('hex')}\n`, 0o600);
    this.#key = privateKey;
    this.#log.info(`made a new district key ${keyId(privateKey)} in ${this.path}`);
  }

  async stop(): Promise<void> {
    this.#key = undefined;
  }

  /** The private key, to sign with. */
  get privateKey(): KeyObject {
    if (!this.#key) throw new ContentError('key-not-started', 'the district key is not loaded: call start() first');
    return this.#key;
  }

  /** The raw 32-byte public key in hex: what a technician pins on each cart. */
  get publicKeyHex(): string {
    return rawPublicKey(this.privateKey).toString('hex');
  }

  /** The 4-byte key id (hex) that signed objects carry. */
  get keyId(): string {
    return keyId(this.privateKey);
  }

  /** Makes a new key, vouched for by the current one in a signed `key-rotation`, and switches to it. */
  async rotate(): Promise<KeyRotationResult> {
    const old = this.privateKey;
    const { privateKey: next } = generateKeyPairSync('ed25519');
    const nextPath = join(this.#o.dir, NEXT_FILE);
    await writeFileDurably(nextPath, `${seedOf(next).toString('hex')}\n`, 0o600);
    const issued = (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
    const rotation = { district: this.#o.district, newKey: rawPublicKey(next).toString('hex'), issued };
    const signed = signObject({ type: 'key-rotation', rotation }, old);
    const count = (await this.rotations()).length;
    await writeFileDurably(join(this.#o.dir, ROTATIONS, `${String(count + 1).padStart(4, '0')}.signed`), signed, 0o644);
    await rename(nextPath, this.path);
    await syncFolder(this.#o.dir);
    this.#key = next;
    this.#log.warn(`district key rotated from ${keyId(old)} to ${keyId(next)}`);
    return { signed, oldPublicKey: rawPublicKey(old).toString('hex'), newPublicKey: rotation.newKey };
  }

  /** Every signed key rotation made so far, oldest first. */
  async rotations(): Promise<Buffer[]> {
    const dir = join(this.#o.dir, ROTATIONS);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d{4,}\.signed$/.test(n)).sort();
    return Promise.all(names.map((n) => readFile(join(dir, n))));
  }

  async #finishRotation(): Promise<void> {
    const nextPath = join(this.#o.dir, NEXT_FILE);
    const next = await this.#load(nextPath);
    if (!next) return;
    const newKey = rawPublicKey(next).toString('hex');
    const vouched = (await this.rotations()).some((bytes) => {
      const body = readSigned(bytes).body;
      return body.type === 'key-rotation' && body.rotation.newKey === newKey;
    });
    if (vouched) {
      await rename(nextPath, this.path);
      this.#log.warn(`finished a district key rotation cut short: now using ${keyId(next)}`);
    } else {
      await unlink(nextPath);
      this.#log.warn('dropped a half-made district key (no rotation was signed for it); the old key stays');
    }
    await syncFolder(this.#o.dir);
  }

  /** The key in `path`, undefined when there is no such file; refuses a file others may read. */
  async #load(path: string): Promise<KeyObject | undefined> {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if ((info.mode & 0o077) !== 0) {
      throw new ContentError(
        'key-permissions',
        both(
          `Tệp khoá huyện ${path} có quyền ${(info.mode & 0o777).toString(8)}, người khác đọc được: hãy chạy \`chmod 600 ${path}\` rồi khởi động lại`,
          `the district key file ${path} has mode ${(info.mode & 0o777).toString(8)} and others can read it: run \`chmod 600 ${path}\` and start again`,
        ),
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      throw new ContentError(
        'key-owner',
        both(`Tệp khoá huyện ${path} thuộc người dùng khác (uid ${info.uid}): hãy chạy \`chown ${uid} ${path}\``, `the district key file ${path} belongs to uid ${info.uid}: run \`chown ${uid} ${path}\``),
      );
    }
    const text = (await readFile(path, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/i.test(text)) {
      throw new ContentError(
        'key-corrupt',
        both(`Tệp khoá huyện ${path} hỏng (cần 64 chữ số hex): khôi phục từ bản sao lưu`, `the district key file ${path} is damaged (64 hex digits expected): restore it from the backup`),
      );
    }
    return privateKeyFromSeed(Buffer.from(text, 'hex'));
  }
}
