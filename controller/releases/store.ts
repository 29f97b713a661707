/**
 * The releases the controller keeps for the carts (`loa release add FILE`): a bundle (protocol/release.ts) is read
 * member by member with the strict tar reader, its release.json verified against the release keys of the
 * configuration (`releases.keys`, raw Ed25519 public keys in hex) before a byte of the payload is kept, the payload's
 * size and SHA-256 checked against the manifest, and the three members stored as
 * `<data>/releases/<version>/<arch>/{release.json, release.sig, payload.tar.br}`: written into a temporary folder,
 * each file flushed, the folder renamed into place and its parent flushed, so a power cut leaves the release whole
 * or absent. A stored release is never replaced: the same bytes again are "already there", other bytes under the
 * same version and architecture are refused (a version names one build, everywhere).
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { sha256File, syncFolder, writeNewFileSynced } from '../../lib/durable.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { readTar, TarError, type TarEntry } from '../../lib/tar.js';
import {
  isReleaseVersion,
  keyId,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  openReleaseManifest,
  publicKeyFromRaw,
  RELEASE_MEMBERS,
  ReleaseRefused,
  type ReleaseArch,
  type ReleaseRefusal,
} from '../../protocol/index.js';
import { migrateArea } from '../db/database.js';
import { RELEASES_MIGRATIONS } from './schema.js';

export type ReleaseErrorCode = 'refused' | 'exists' | 'no-keys' | 'bad-key' | 'unknown-release' | 'unknown-unit' | 'bad-request' | 'state' | 'not-allowed';

/** A release or rollout request the controller will not carry out; `vi` and `en` say why and what to do. */
export class ReleaseError extends Error {
  constructor(
    readonly code: ReleaseErrorCode,
    readonly vi: string,
    readonly en: string,
    /** For `refused`: the protocol's reason (bad-signature, unknown-key, payload-hash…). */
    readonly refusal?: ReleaseRefusal,
  ) {
    super(`${vi} (${en})`);
    this.name = 'ReleaseError';
  }
}

/** A release as the store lists it. */
export interface StoredRelease {
  version: string;
  arch: ReleaseArch;
  replaces: string;
  keyId: string;
  manifest: { bytes: number; sha256: string };
  signature: { bytes: number; sha256: string };
  payload: { bytes: number; sha256: string };
  /** Unix seconds. */
  addedAt: number;
  addedBy: string;
}

export type ReleaseMember = keyof typeof RELEASE_MEMBERS;

export interface AddedRelease {
  release: StoredRelease;
  /** False when the very same release was there already (nothing was written). */
  added: boolean;
}

export interface ReleaseStoreOptions {
  db: SqliteDb;
  dataDir: string;
  /** The release public keys (`releases.keys` of the configuration): raw Ed25519 keys in hex, or KeyObjects. */
  keys?: readonly (string | KeyObject)[];
  /** Largest payload.tar.br accepted, bytes (default 512 MiB). */
  maxPayloadBytes?: number;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/**
 * The release keys named by a configuration's `releases.keys` (an array of hex strings), read from whatever shape
 * the configuration has today: the key is not in the controller's configuration schema yet (see the report).
 */
export function configuredReleaseKeys(config: unknown): string[] {
  const releases = (config as { releases?: { keys?: unknown } } | null)?.releases;
  const keys = releases?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** A raw Ed25519 public key in hex as a KeyObject; ReleaseError('bad-key') naming the bad value otherwise. */
export function releaseKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ReleaseError('bad-key', `khoá phát hành "${hex}" trong releases.keys không phải 64 chữ số hex (khoá công khai Ed25519)`, `release key "${hex}" in releases.keys is not 64 hex digits (a raw Ed25519 public key)`);
  }
  return publicKeyFromRaw(Buffer.from(hex, 'hex'));
}

interface ReleaseRow {
  version: string;
  arch: string;
  replaces: string;
  key_id: string;
  manifest_bytes: number;
  manifest_sha256: string;
  signature_bytes: number;
  signature_sha256: string;
  payload_bytes: number;
  payload_sha256: string;
  added_at: number;
  added_by: string;
}

function toRelease(r: ReleaseRow): StoredRelease {
  return {
    version: r.version,
    arch: r.arch as ReleaseArch,
    replaces: r.replaces,
    keyId: r.key_id,
    manifest: { bytes: r.manifest_bytes, sha256: r.manifest_sha256 },
    signature: { bytes: r.signature_bytes, sha256: r.signature_sha256 },
    payload: { bytes: r.payload_bytes, sha256: r.payload_sha256 },
    addedAt: r.added_at,
    addedBy: r.added_by,
  };
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function badBundle(vi: string, en: string, refusal: ReleaseRefusal = 'bad-archive'): ReleaseError {
  return new ReleaseError('refused', `gói phát hành bị từ chối: ${vi}`, `the release bundle is refused: ${en}`, refusal);
}

/** Reads one small member whole, refusing it past `max` bytes. */
async function readSmall(entry: TarEntry, max: number): Promise<Buffer> {
  if (entry.size > max) throw badBundle(`${entry.name} dài ${entry.size} byte, quá ${max}`, `${entry.name} is ${entry.size} bytes, over ${max}`, 'too-large');
  const parts: Buffer[] = [];
  for await (const chunk of entry.body) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The next member, which must be `name`. */
async function expectMember(entries: AsyncIterator<TarEntry>, name: string): Promise<TarEntry> {
  const next = await entries.next();
  if (next.done || next.value.type !== 'file' || next.value.name !== name) {
    const got = next.done ? 'hết gói / the end' : `"${next.value.name}"`;
    throw badBundle(`cần ${name} ở vị trí này, gặp ${got}`, `${name} was expected here, found ${got} (members: ${Object.values(RELEASE_MEMBERS).join(', ')}, in that order)`);
  }
  return next.value;
}

/** A verified bundle's members, in the incoming folder. */
interface Received {
  manifest: Buffer;
  signature: Buffer;
  version: string;
  arch: ReleaseArch;
  replaces: string;
  keyId: string;
  payloadSha256: string;
  payloadBytes: number;
}

export class ReleaseStore {
  readonly #o: ReleaseStoreOptions;
  readonly #clock: () => number;

  constructor(options: ReleaseStoreOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Brings the `releases` area of the database up to date. */
  async start(): Promise<void> {
    await migrateArea(this.#o.db, 'releases', RELEASES_MIGRATIONS);
  }

  get root(): string {
    return join(this.#o.dataDir, 'releases');
  }

  /** Where a stored release's member lives. */
  memberPath(version: string, arch: ReleaseArch, member: ReleaseMember): string {
    return join(this.root, version, arch, RELEASE_MEMBERS[member]);
  }

  #keys(): KeyObject[] {
    const keys = (this.#o.keys ?? []).map((k) => (typeof k === 'string' ? releaseKeyFromHex(k) : k));
    if (keys.length === 0) {
      throw new ReleaseError(
        'no-keys',
        'chưa có khoá phát hành nào trong cấu hình: thêm "releases": { "keys": ["<hex khoá công khai>"] } (loa release keygen in ra khoá)',
        'no release key is configured: add "releases": { "keys": ["<public key hex>"] } (loa release keygen prints it)',
      );
    }
    return keys;
  }

  /** Verifies and stores the bundle at `file` (or read from `source`); `addedBy` is recorded with it. */
  async add(file: string, addedBy: string, source?: Readable): Promise<AddedRelease> {
    const keys = this.#keys();
    const incoming = join(this.root, '.incoming', `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(incoming, { recursive: true });
    try {
      const read = await this.#receive(source ?? createReadStream(file), keys, incoming);
      return await this.#keep(read, incoming, addedBy);
    } catch (err) {
      if (err instanceof TarError) throw badBundle(`tệp không phải gói tar hợp lệ: ${err.message}`, `the file is not a well-formed tar: ${err.message}`);
      if (err instanceof ReleaseRefused) throw this.#refusal(err, keys);
      throw err;
    } finally {
      await rm(incoming, { recursive: true, force: true });
    }
  }

  #refusal(err: ReleaseRefused, keys: KeyObject[]): ReleaseError {
    const trusted = keys.map((k) => keyId(k)).join(', ');
    switch (err.code) {
      case 'unknown-key':
        return badBundle(`ký bằng khoá không có trong releases.keys (các khoá tin cậy: ${trusted}): ${err.message}`, err.message, err.code);
      case 'bad-signature':
        return badBundle(`chữ ký của release.json không đúng (đã bị sửa hoặc giả mạo): ${err.message}`, err.message, err.code);
      case 'payload-hash':
        return badBundle(`${RELEASE_MEMBERS.payload} không khớp với release.json (hỏng hoặc lẫn bản khác): ${err.message}`, err.message, err.code);
      default:
        return badBundle(err.message, err.message, err.code);
    }
  }

  /** Reads the three members into `incoming`, each flushed; the manifest is verified before the payload is read. */
  async #receive(source: Readable, keys: KeyObject[], incoming: string): Promise<Received> {
    const maxPayload = this.#o.maxPayloadBytes ?? 512 * 1024 * 1024;
    const entries = readTar(source, { maxEntries: 3, maxEntryBytes: Math.max(maxPayload, MAX_MANIFEST_BYTES) })[Symbol.asyncIterator]();
    const manifest = await readSmall(await expectMember(entries, RELEASE_MEMBERS.manifest), MAX_MANIFEST_BYTES);
    const signature = await readSmall(await expectMember(entries, RELEASE_MEMBERS.signature), MAX_SIGNATURE_BYTES);
    const m = openReleaseManifest(manifest, signature, keys);
    const payload = await expectMember(entries, RELEASE_MEMBERS.payload);
    if (payload.size !== m.payload.size) throw new ReleaseRefused('payload-hash', `${RELEASE_MEMBERS.payload} is ${payload.size} bytes, release.json says ${m.payload.size}`);
    const hash = createHash('sha256');
    const out = await open(join(incoming, RELEASE_MEMBERS.payload), 'wx', 0o644);
    try {
      for await (const chunk of payload.body) {
        hash.update(chunk);
        await out.write(chunk);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    const payloadSha256 = hash.digest('hex');
    if (payloadSha256 !== m.payload.sha256) throw new ReleaseRefused('payload-hash', `${RELEASE_MEMBERS.payload} has SHA-256 ${payloadSha256}, release.json says ${m.payload.sha256}`);
    const end = await entries.next();
    if (!end.done) throw badBundle(`thừa thành phần "${end.value.name}"`, `unexpected extra member "${end.value.name}"`);
    await writeNewFileSynced(join(incoming, RELEASE_MEMBERS.manifest), manifest);
    await writeNewFileSynced(join(incoming, RELEASE_MEMBERS.signature), signature);
    const signer = (JSON.parse(signature.toString('utf8')) as { keyId: string }).keyId;
    return { manifest, signature, version: m.version, arch: m.arch, replaces: m.replaces, keyId: signer, payloadSha256, payloadBytes: payload.size };
  }

  /** Moves a verified release into place (or finds the same one there) and records it. */
  async #keep(r: Received, incoming: string, addedBy: string): Promise<AddedRelease> {
    const release: StoredRelease = {
      version: r.version,
      arch: r.arch,
      replaces: r.replaces,
      keyId: r.keyId,
      manifest: { bytes: r.manifest.length, sha256: sha256(r.manifest) },
      signature: { bytes: r.signature.length, sha256: sha256(r.signature) },
      payload: { bytes: r.payloadBytes, sha256: r.payloadSha256 },
      addedAt: Math.floor(this.#clock() / 1000),
      addedBy,
    };
    const versionDir = join(this.root, r.version);
    const target = join(versionDir, r.arch);
    let added = false;
    if (await exists(target)) {
      await this.#sameAsStored(release);
    } else {
      await mkdir(versionDir, { recursive: true });
      // The folder's own entries (the three names) reach the disk before the folder is renamed into place.
      await syncFolder(incoming);
      await rename(incoming, target);
      await syncFolder(versionDir);
      await syncFolder(this.root);
      added = true;
    }
    // A crash between the rename and this row leaves the files alone: adding the same bundle again records them.
    const db = this.#o.db;
    const inserted = await db.transaction(() =>
      db.run(
        `INSERT OR IGNORE INTO releases (version, arch, replaces, key_id, manifest_bytes, manifest_sha256, signature_bytes, signature_sha256, payload_bytes, payload_sha256, added_at, added_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [release.version, release.arch, release.replaces, release.keyId, release.manifest.bytes, release.manifest.sha256, release.signature.bytes, release.signature.sha256, release.payload.bytes, release.payload.sha256, release.addedAt, addedBy],
      ),
    );
    if (inserted.changes === 1) return { release, added: true };
    return { release: (await this.get(release.version, release.arch))!, added };
  }

  /** The same version and architecture stored already: fine when it is the same release, refused otherwise. */
  async #sameAsStored(release: StoredRelease): Promise<void> {
    const stored = await this.get(release.version, release.arch);
    const manifestSha = stored?.manifest.sha256 ?? (await sha256File(this.memberPath(release.version, release.arch, 'manifest')));
    const payloadSha = stored?.payload.sha256 ?? (await sha256File(this.memberPath(release.version, release.arch, 'payload')));
    if (manifestSha === release.manifest.sha256 && payloadSha === release.payload.sha256) return;
    throw new ReleaseError(
      'exists',
      `đã có bản phát hành ${release.version} (${release.arch}) khác với gói này: một số phiên bản chỉ ứng với một bản dựng; đặt số phiên bản mới cho bản dựng mới`,
      `release ${release.version} (${release.arch}) is stored already with other bytes: a version names one build; give the new build a new version`,
    );
  }

  async get(version: string, arch: string): Promise<StoredRelease | undefined> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<ReleaseRow>('SELECT * FROM releases WHERE version = ? AND arch = ?', [version, arch]));
    return row && toRelease(row);
  }

  /** Every stored release, newest version first. */
  async list(): Promise<StoredRelease[]> {
    const db = this.#o.db;
    const rows = await db.exclusive(() => db.all<ReleaseRow>('SELECT * FROM releases ORDER BY added_at DESC, version DESC, arch'));
    return rows.map(toRelease);
  }

  /** Whether any architecture of `version` is stored. */
  async has(version: string): Promise<boolean> {
    if (!isReleaseVersion(version)) return false;
    const db = this.#o.db;
    return (await db.exclusive(() => db.get('SELECT 1 FROM releases WHERE version = ? LIMIT 1', [version]))) !== undefined;
  }
}



async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}
