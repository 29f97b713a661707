/**
 * Backups of a district controller's data folder, made while the controller runs, and their restore into a new folder.
 *
 * A backup is one folder `loa-backup-YYYYMMDD-HHMMSSZ` (UTC) holding:
 *   db/<name>.db         each SQLite database of the data folder (controller.db), copied with `VACUUM INTO` on a
 *                        connection of its own: a snapshot as of one commit while the controller goes on writing
 *   files/…              the other files as they are: clips/ (the content library, by SHA-256), key-rotations/,
 *                        boot-counter, …
 *   secrets.enc          the secret files (district-key, broker-controller.secret, bundles/, and any file only its
 *                        owner may read) sealed under a passphrase (seal.ts: scrypt → AES-256-GCM)
 *   manifest.json        written last: every file above with its size and SHA-256
 * It is built in `.loa-backup-….partial` beside it, every file flushed, then renamed: a backup killed half-way leaves
 * a hidden `.partial` folder (removed by the next scheduled run) and every earlier backup whole.
 *
 * A restore goes only into a missing or empty folder, checks the passphrase and every SHA-256 before writing anything,
 * builds the folder under a hidden name beside it and renames it into place. It raises the boot counter by
 * {@link RESTORE_BOOT_MARGIN}: the carts have seen the boots of the controller after the backup was made, and drop
 * district frames from a boot they have already passed.
 */
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { sha256File, syncFolder } from '../../lib/durable.js';
import { SqliteDb } from '../../lib/sqlite.js';
import { BackupError } from './errors.js';
import { seal, unseal } from './seal.js';

export const BACKUP_PREFIX = 'loa-backup-';
const FORMAT = 'loa-controller-backup';
const MANIFEST = 'manifest.json';
const SECRETS = 'secrets.enc';
/** How far a restore raises the boot counter (a controller restarts far fewer times than this between backups). */
export const RESTORE_BOOT_MARGIN = 1000;

/** Files that are secret whatever their mode; and folders whose every file is. */
const SECRET_NAMES = new Set(['district-key', 'district-key.next', 'broker-controller.secret']);
const SECRET_FOLDERS = new Set(['bundles']);
/**
 * Folders never sealed whatever their modes: the clips are large and public, the rotations signed, and the activity
 * photos (owner-only on the controller) are large — a year of them does not fit the sealed JSON in memory — and no
 * more private than the database beside them, which the backup holds unsealed too (the backup folder is 0700).
 */
const PUBLIC_FOLDERS = new Set(['clips', 'key-rotations', 'photos']);
/** SQLite's companions of a database, and the cart-style lock: never copied (the snapshot holds what they hold). */
const SKIPPED = /(-wal|-shm|-journal)$|^loa\.lock$/;

export type BackupStep = 'databases' | 'files' | 'secrets' | 'manifest';

export interface BackupOptions {
  /** The controller's data folder. */
  dataDir: string;
  /** Where the backup folder goes (made 0700 when missing). */
  outDir: string;
  passphrase: string;
  /** Unix milliseconds (default `Date.now`): names the backup. */
  clock?: () => number;
  /** Called after each step (progress for a person or a log). */
  onProgress?: (step: BackupStep) => void;
}

export interface BackupResult {
  path: string;
  /** Bytes of the finished backup, and how many files it holds (the sealed secrets counted one by one). */
  bytes: number;
  files: number;
  secrets: number;
}

interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  databases: string[];
  secrets: string[];
  files: ManifestEntry[];
}

/** Every file under `dir`, as paths relative to it with `/`, hidden (temporary) files left out. */
async function walk(dir: string, under = ''): Promise<string[]> {
  const found: string[] = [];
  let entries;
  try {
    entries = await readdir(join(dir, under), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const rel = under === '' ? e.name : `${under}/${e.name}`;
    if (e.isDirectory()) found.push(...(await walk(dir, rel)));
    else if (e.isFile()) found.push(rel);
  }
  return found;
}

async function flushFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes `dir` and every folder under it. */
async function flushFolders(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await flushFolders(join(dir, e.name));
  await syncFolder(dir);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\.\d+Z$/, 'Z');
}

async function isSecret(dataDir: string, rel: string): Promise<boolean> {
  const top = rel.split('/')[0]!;
  if (SECRET_NAMES.has(rel) || SECRET_FOLDERS.has(top)) return true;
  if (PUBLIC_FOLDERS.has(top)) return false;
  return ((await stat(join(dataDir, rel))).mode & 0o077) === 0;
}

/** Makes a backup of `dataDir` in a new folder of `outDir` (see the file's comment). */
export async function makeBackup(o: BackupOptions): Promise<BackupResult> {
  if (o.passphrase.length === 0) throw new BackupError('no-passphrase', 'Mật khẩu sao lưu rỗng (the backup passphrase is empty)');
  const all = (await walk(o.dataDir)).filter((rel) => !SKIPPED.test(basename(rel)));
  const databases = all.filter((rel) => !rel.includes('/') && rel.endsWith('.db'));
  if (!databases.includes('controller.db')) {
    throw new BackupError('no-database', `Không có cơ sở dữ liệu của bộ điều khiển trong ${o.dataDir} (there is no controller.db in ${o.dataDir})`);
  }
  const name = `${BACKUP_PREFIX}${stamp((o.clock ?? Date.now)())}`;
  const final = join(o.outDir, name);
  if (await exists(final)) throw new BackupError('exists', `${final} đã có (${final} already exists)`);
  await mkdir(o.outDir, { recursive: true, mode: 0o700 });
  const temp = join(o.outDir, `.${name}.partial`);
  await rm(temp, { recursive: true, force: true });
  await mkdir(join(temp, 'db'), { recursive: true, mode: 0o700 });
  try {
    for (const db of databases) {
      const conn = await SqliteDb.open(join(o.dataDir, db));
      try {
        await conn.snapshotTo(join(temp, 'db', db));
      } finally {
        await conn.close();
      }
      await flushFile(join(temp, 'db', db));
    }
    o.onProgress?.('databases');

    const secrets: Record<string, string> = {};
    for (const rel of all.filter((r) => !databases.includes(r))) {
      if (await isSecret(o.dataDir, rel)) {
        secrets[rel] = (await readFile(join(o.dataDir, rel))).toString('base64');
        continue;
      }
      const to = join(temp, 'files', ...rel.split('/'));
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await copyFile(join(o.dataDir, rel), to);
      await flushFile(to);
    }
    o.onProgress?.('files');
    await writeFile(join(temp, SECRETS), await seal(Buffer.from(JSON.stringify(secrets)), o.passphrase), { mode: 0o600 });
    await flushFile(join(temp, SECRETS));
    o.onProgress?.('secrets');

    const files: ManifestEntry[] = [];
    for (const rel of await walk(temp)) {
      const s = await stat(join(temp, rel));
      files.push({ path: rel, bytes: s.size, sha256: await sha256File(join(temp, rel)) });
    }
    const manifest: Manifest = { format: FORMAT, version: 1, createdAt: new Date((o.clock ?? Date.now)()).toISOString(), databases, secrets: Object.keys(secrets), files };
    await writeFile(join(temp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
    await flushFile(join(temp, MANIFEST));
    await flushFolders(temp);
    o.onProgress?.('manifest');
    await rename(temp, final);
    await syncFolder(o.outDir);
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0) + (await stat(join(final, MANIFEST))).size;
    return { path: final, bytes, files: files.length - 1 + Object.keys(secrets).length, secrets: Object.keys(secrets).length };
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Whether `dir` is missing or empty: the only folders a restore writes into. */
async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') return false;
    throw err;
  }
}

async function readManifest(from: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(from, MANIFEST), 'utf8');
  } catch {
    throw new BackupError('not-a-backup', `${from} không phải một bản sao lưu hoàn chỉnh: không có ${MANIFEST} (${from} is not a finished backup: no ${MANIFEST})`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new BackupError('damaged', `${join(from, MANIFEST)} hỏng (${join(from, MANIFEST)} is damaged)`);
  }
  if (m.format !== FORMAT || m.version !== 1 || !Array.isArray(m.files)) {
    throw new BackupError('not-a-backup', `${from} không phải bản sao lưu ${FORMAT} v1 (${from} is not a ${FORMAT} v1 backup)`);
  }
  for (const f of m.files) {
    if (typeof f.path !== 'string' || f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw new BackupError('damaged', `${MANIFEST}: đường dẫn không hợp lệ ${JSON.stringify(f.path)} (bad path)`);
    }
  }
  return m;
}

export interface RestoreOptions {
  /** The backup folder. */
  from: string;
  /** The new data folder: missing or empty. */
  dataDir: string;
  passphrase: string;
}

export interface RestoreResult {
  dataDir: string;
  files: number;
  secrets: number;
  bootCounter: number | undefined;
}

/** Restores the backup `from` into the new data folder `dataDir` (see the file's comment). */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  if (!(await isEmptyOrMissing(o.dataDir))) {
    throw new BackupError('target-not-empty', `${o.dataDir} không rỗng: chỉ khôi phục vào thư mục mới hoặc rỗng (${o.dataDir} is not empty: restore only into a new or empty folder)`);
  }
  const manifest = await readManifest(o.from);
  const secrets = JSON.parse((await unseal(await readFile(join(o.from, SECRETS), 'utf8'), o.passphrase)).toString('utf8')) as Record<string, string>;
  for (const f of manifest.files) {
    const sha = await sha256File(join(o.from, f.path)).catch(() => 'missing');
    if (sha !== f.sha256) throw new BackupError('damaged', `${join(o.from, f.path)}: SHA-256 không khớp, bản sao lưu hỏng (does not match the manifest: the backup is damaged)`);
  }
  for (const rel of Object.keys(secrets)) {
    if (rel.startsWith('/') || rel.split('/').includes('..')) throw new BackupError('damaged', `${SECRETS}: đường dẫn không hợp lệ ${JSON.stringify(rel)} (bad path)`);
  }

  const temp = join(dirname(o.dataDir), `.${basename(o.dataDir)}.restoring-${process.pid}`);
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true, mode: 0o700 });
  let bootCounter: number | undefined;
  try {
    for (const f of manifest.files) {
      const [top, ...rest] = f.path.split('/');
      if (top !== 'db' && top !== 'files') continue;
      const to = join(temp, ...rest);
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await copyFile(join(o.from, f.path), to);
      if (relative(temp, to) === 'boot-counter') bootCounter = await raiseBoot(to);
      await flushFile(to);
    }
    for (const [rel, data] of Object.entries(secrets)) {
      const to = join(temp, ...rel.split('/'));
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await writeFile(to, Buffer.from(data, 'base64'), { mode: 0o600 });
      await flushFile(to);
    }
    await flushFolders(temp);
    await mkdir(dirname(o.dataDir), { recursive: true });
    await rename(temp, o.dataDir); // over an empty folder too (rename(2))
    await syncFolder(dirname(o.dataDir));
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const files = manifest.files.filter((f) => f.path.startsWith('db/') || f.path.startsWith('files/')).length;
  return { dataDir: o.dataDir, files, secrets: Object.keys(secrets).length, bootCounter };
}

async function raiseBoot(path: string): Promise<number> {
  const text = (await readFile(path, 'utf8')).trim();
  const boot = (/^\d+$/.test(text) ? Number(text) : 0) + RESTORE_BOOT_MARGIN;
  await writeFile(path, `${boot}\n`);
  return boot;
}

/** The finished backups in `dir`, oldest first (names sort by time). */
export async function listBackups(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.startsWith(BACKUP_PREFIX)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Removes all but the newest `keep` finished backups of `dir`, and the `.partial` folders that killed runs left.
 * Returns the names removed.
 */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  const finished = await listBackups(dir);
  const old = finished.slice(0, Math.max(0, finished.length - keep));
  const partial = (await readdir(dir)).filter((n) => n.startsWith(`.${BACKUP_PREFIX}`) && n.endsWith('.partial'));
  for (const n of [...old, ...partial]) await rm(join(dir, n), { recursive: true, force: true });
  if (old.length + partial.length > 0) await syncFolder(dir);
  return [...old, ...partial];
}
