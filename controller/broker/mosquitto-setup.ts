/**
 * `loa controller mosquitto-setup`: the switch from the embedded broker to Debian's Mosquitto, run once as root on
 * the packaged controller. It writes what Mosquitto reads (the password and ACL files from the unit registry, the TLS
 * files for carts, a conf.d snippet) and then points the controller's configuration at it.
 *
 * Who may read what, on the Debian package (the controller runs as `loa`, Mosquitto drops to `mosquitto`):
 *   <files>/            loa:mosquitto 2750  setgid, so a file the controller rewrites later (as loa, temp + rename)
 *                                           is born in group mosquitto and Mosquitto can still read it
 *   <files>/passwd, acl loa:mosquitto 0640
 *   <files>/tls/        loa:mosquitto 2750  ca.crt, server.crt, crl.pem 0644, server.key 0640
 *   /etc/loa/controller.json  root:loa 0640 (it now holds the controller's MQTT password)
 *
 * Order matters: everything Mosquitto needs is written before the configuration changes, so a failure half-way leaves
 * the controller on its embedded broker, still working. Nothing this command did not make is overwritten: a conf.d
 * file without {@link CONF_MARKER} is refused, and the configuration's first copy (`.before-mosquitto`) is kept.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { copyFileDurably, writeFileDurably } from '../../lib/durable.js';
import { isEmbedded, loadControllerConfig, validateControllerConfig, type ControllerConfig } from '../app/config.js';
import { dataPaths } from '../app/data-dir.js';
import { openControllerDb } from '../db/database.js';
import { FleetRegistry } from '../fleet/registry.js';
import { UnitCertificates } from '../fleet/unit-certificates.js';
import { DistrictCa, tlsPaths, type Revocation } from '../tls/district-ca.js';
import { serverNames } from '../tls/district-tls.js';
import { mosquittoConfText, mosquittoTlsListenerText, writeMosquittoFiles, writeMosquittoTls, type MosquittoAccount } from './mosquitto-files.js';
import { CONTROLLER_USER } from './topic-rules.js';

/** The first line of the conf.d file: how a later run knows the file is its own to rewrite. */
export const CONF_MARKER = '# Written by Loa (loa controller mosquitto-setup), which rewrites it; remove this line to keep your own edits.';

/** The system's users and groups by name (Node has no getpwnam): from /etc/passwd and /etc/group, or a test's. */
export interface SystemAccounts {
  uid(user: string): number | undefined;
  gid(group: string): number | undefined;
}

/** Reads `name:x:id:…` lines (the format of both /etc/passwd and /etc/group). */
function idsOf(text: string, column: number): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    const id = Number(fields[column]);
    if (fields.length > column && fields[0] && Number.isInteger(id)) ids.set(fields[0], id);
  }
  return ids;
}

export function parseSystemAccounts(passwd: string, group: string): SystemAccounts {
  const users = idsOf(passwd, 2);
  const groups = idsOf(group, 2);
  return { uid: (name) => users.get(name), gid: (name) => groups.get(name) };
}

/** The accounts of this machine (a missing file reads as no accounts). */
export async function readSystemAccounts(files = { passwd: '/etc/passwd', group: '/etc/group' }): Promise<SystemAccounts> {
  const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
  return parseSystemAccounts(await read(files.passwd), await read(files.group));
}

export type MosquittoSetupErrorCode = 'other-broker' | 'conf-not-ours' | 'no-conf-dir' | 'no-district-ca' | 'port-clash';

/** A refusal a person can act on, in both languages; nothing was written. */
export class MosquittoSetupError extends Error {
  constructor(
    readonly code: MosquittoSetupErrorCode,
    readonly vi: string,
    readonly en: string,
  ) {
    super(en);
    this.name = 'MosquittoSetupError';
  }
}

export interface MosquittoSetupOptions {
  /** The controller's configuration file, rewritten at the end (`/etc/loa/controller.json`). */
  configFile: string;
  /** Mosquitto's conf.d folder (`/etc/mosquitto/conf.d`): `loa.conf` goes there. */
  confDir: string;
  /** Where the password, ACL and TLS files go (`/var/lib/loa/mosquitto`). */
  filesDir: string;
  /** The plain listener the controller dials (default 1883 on 127.0.0.1). */
  port?: number;
  host?: string;
  /** The TLS listener for carts, when they use TLS (default: the port they already dial, else 8883). */
  tlsPort?: number;
  accounts: SystemAccounts;
  /** Whether this process may change owners (it runs as root). */
  root: boolean;
  /** The controller's new MQTT password (default: 24 random bytes). */
  password?: string;
}

/** Who owns the files: skipped (with the reason) when not root or when the accounts do not exist. */
export type Ownership = { done: true } | { done: false; reason: 'not-root' } | { done: false; reason: 'no-account'; missing: string[] };

export interface MosquittoSetupResult {
  confFile: string;
  passwordFile: string;
  aclFile: string;
  /** The TLS folder, when carts use TLS. */
  tlsDir: string | null;
  tlsListener: { port: number; host: string } | null;
  /** Units written into the files. */
  units: number;
  /** The controller's new broker address and account. */
  brokerUrl: string;
  username: string;
  configFile: string;
  /** The configuration as it was before the first setup; `made` false when an earlier run kept it. */
  savedCopy: { path: string; made: boolean };
  ownership: Ownership;
  /** Folders above `filesDir` that Mosquitto's user cannot pass through (no x for others nor for its group). */
  unreachable: string[];
}

export const OWNER = 'loa';
export const MOSQUITTO_GROUP = 'mosquitto';

export function setupPaths(filesDir: string, confDir: string): { passwordFile: string; aclFile: string; tlsDir: string; confFile: string } {
  return { passwordFile: join(filesDir, 'passwd'), aclFile: join(filesDir, 'acl'), tlsDir: join(filesDir, 'tls'), confFile: join(confDir, 'loa.conf') };
}

/** Whether carts reach the district over TLS, so that Mosquitto needs a TLS listener. */
export function cartsUseTls(c: ControllerConfig): boolean {
  if (isEmbedded(c.broker)) return c.broker.embedded.tls;
  return c.broker.files?.tlsDir != null || c.publicUrls.broker?.startsWith('mqtts:') === true;
}

/** The TLS listener's port: the one provisioned carts already dial, so that none of them needs a new bundle. */
export function defaultTlsPort(c: ControllerConfig): number {
  const dialled = c.publicUrls.broker?.startsWith('mqtts:') ? new URL(c.publicUrls.broker).port : '';
  if (dialled !== '') return Number(dialled);
  if (isEmbedded(c.broker) && c.broker.embedded.tls && c.broker.embedded.port !== 0) return c.broker.embedded.port;
  return 8883;
}

/** The conf.d file's text: the marker, the plain listener and files, and the TLS listener for carts. */
export function loaConfText(o: { port: number; host: string; passwordFile: string; aclFile: string; tls: { port: number; host: string; tlsDir: string } | null }): string {
  return [
    CONF_MARKER,
    '# The controller dials the first listener; carts the TLS one when there is one. Files: loa controller mosquitto-setup.',
    mosquittoConfText({ port: o.port, host: o.host, passwordFile: o.passwordFile, aclFile: o.aclFile, snippet: true }),
    ...(o.tls ? [mosquittoTlsListenerText(o.tls)] : []),
  ].join('\n');
}

/** The address the controller dials for a listener on `host` (any-address is dialled on loopback). */
function dialUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `mqtt://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** Refuses what this command must not change; checked before anything is written. */
async function refusals(o: MosquittoSetupOptions, config: ControllerConfig, tls: { port: number } | null, port: number): Promise<void> {
  const p = setupPaths(o.filesDir, o.confDir);
  if (!isEmbedded(config.broker)) {
    const f = config.broker.files;
    const same = f !== null && resolve(f.passwordFile) === resolve(p.passwordFile) && resolve(f.aclFile) === resolve(p.aclFile) && (f.tlsDir === null || resolve(f.tlsDir) === resolve(p.tlsDir));
    if (!same) {
      const named = f === null ? config.broker.url : `${f.passwordFile}, ${f.aclFile}`;
      throw new MosquittoSetupError(
        'other-broker',
        `cấu hình ${o.configFile} đã dùng một máy chủ MQTT bên ngoài với tệp khác (${named}): không ghi đè. Sửa mục broker bằng tay, hoặc đưa nó về { "embedded": {} } rồi chạy lại`,
        `the configuration ${o.configFile} already names an external broker with other files (${named}): not overwritten. Edit its broker section by hand, or set it back to { "embedded": {} } and run again`,
      );
    }
  }
  if (tls && tls.port === port) {
    throw new MosquittoSetupError('port-clash', `cổng TLS cho xe loa (${tls.port}) trùng cổng của bộ điều khiển: chọn --port hoặc --tls-port khác`, `the carts' TLS port (${tls.port}) is the controller's port too: choose another --port or --tls-port`);
  }
  const refused = await confDRefusal(o.confDir, p.confFile, CONF_MARKER);
  if (refused !== null) throw new MosquittoSetupError(refused.code, refused.vi, refused.en);
}

/**
 * Why Loa must not write `confFile` into Mosquitto's `confDir`: the folder is missing (Mosquitto is not installed, or
 * elsewhere), or the file is there without `marker` on its first line (someone else's). Null when it may.
 */
export async function confDRefusal(confDir: string, confFile: string, marker: string): Promise<{ code: 'no-conf-dir' | 'conf-not-ours'; vi: string; en: string } | null> {
  if (!(await stat(confDir).then((s) => s.isDirectory(), () => false))) {
    return {
      code: 'no-conf-dir',
      vi: `không có thư mục ${confDir}: cài Mosquitto (apt install mosquitto) hoặc chỉ thư mục conf.d bằng --conf-d`,
      en: `there is no folder ${confDir}: install Mosquitto (apt install mosquitto) or name its conf.d folder with --conf-d`,
    };
  }
  const first = await readFile(confFile, 'utf8').then((t) => t.split('\n', 1)[0], () => null);
  if (first === null || first === marker) return null;
  return {
    code: 'conf-not-ours',
    vi: `${confFile} không do Loa ghi (dòng đầu không có dấu của Loa): không ghi đè. Đổi tên hoặc chuyển nó đi rồi chạy lại`,
    en: `${confFile} was not written by Loa (its first line lacks Loa's marker): not overwritten. Rename or move it, then run again`,
  };
}

/** The units' accounts and the revocations, from the controller's database; none when it was never started. */
async function readRegistry(config: ControllerConfig, root: boolean): Promise<{ units: MosquittoAccount[]; revocations: Revocation[] }> {
  const db = dataPaths(config.dataDir).db;
  if (!(await exists(db))) return { units: [], revocations: [] };
  const sqlite = await openControllerDb(db);
  try {
    return { units: await new FleetRegistry({ db: sqlite }).brokerAccounts(), revocations: await new UnitCertificates({ db: sqlite }).revocations() };
  } finally {
    await sqlite.close();
    // Opened as root, SQLite may leave its -wal/-shm owned by root: the controller (loa) could then not open it.
    if (root) await keepOwner([`${db}-wal`, `${db}-shm`], db);
  }
}

/** Gives `paths` (those that exist) the owner and group of `like`. */
async function keepOwner(paths: readonly string[], like: string): Promise<void> {
  const want = await stat(like);
  for (const path of paths) {
    const s = await stat(path).catch(() => null);
    if (s && (s.uid !== want.uid || s.gid !== want.gid)) await chown(path, want.uid, want.gid);
  }
}

/** The owners to give, or why none are given. */
function owners(o: MosquittoSetupOptions): { ids: { loa: number; mosquitto: number; loaGroup: number } | null; ownership: Ownership } {
  if (!o.root) return { ids: null, ownership: { done: false, reason: 'not-root' } };
  const loa = o.accounts.uid(OWNER);
  const mosquitto = o.accounts.gid(MOSQUITTO_GROUP);
  const loaGroup = o.accounts.gid(OWNER);
  const missing = [...(loa === undefined ? [`user ${OWNER}`] : []), ...(mosquitto === undefined ? [`group ${MOSQUITTO_GROUP}`] : []), ...(loaGroup === undefined ? [`group ${OWNER}`] : [])];
  if (loa === undefined || mosquitto === undefined || loaGroup === undefined) return { ids: null, ownership: { done: false, reason: 'no-account', missing } };
  return { ids: { loa, mosquitto, loaGroup }, ownership: { done: true } };
}

/**
 * A folder of ours, given to `owner` when known: setgid so that files born in it later take its group. chmod:
 * mkdir's mode passes the umask.
 */
export async function ownFolder(dir: string, owner: { uid: number; gid: number } | null): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o2750 });
  if (owner) await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o2750);
}

/** Keeps a copy of `file` as it was before the first setup (`<file>.before-mosquitto`); a later run keeps that one. */
export async function keepFirstCopy(file: string): Promise<{ path: string; made: boolean }> {
  const path = `${file}.before-mosquitto`;
  const made = !(await exists(path));
  if (made) await copyFileDurably(file, path);
  return { path, made };
}

/** Folders above `dir` that a user in group `gid` (not their owner) cannot pass through. */
export async function unreachableFolders(dir: string, gid: number | undefined): Promise<string[]> {
  const out: string[] = [];
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    const s = await stat(d).catch(() => null);
    if (s && !(s.mode & 0o001) && !(gid !== undefined && s.gid === gid && s.mode & 0o010)) out.push(d);
    if (d === dirname(d)) break;
  }
  return out.reverse();
}

/** Flushes a file's new owner to the disk (a chown after a durable write). */
async function syncFile(path: string): Promise<void> {
  const f = await open(path, 'r');
  try {
    await f.sync();
  } finally {
    await f.close();
  }
}

/** The configuration file's JSON with `broker` replaced where it stood, every other key as it was. */
export function withBroker(raw: Record<string, unknown>, broker: Record<string, unknown>): Record<string, unknown> {
  return Object.hasOwn(raw, 'broker') ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, k === 'broker' ? broker : v])) : { ...raw, broker };
}

/** Writes everything Mosquitto needs, then switches the controller's configuration to it. */
export async function setUpMosquitto(options: MosquittoSetupOptions): Promise<MosquittoSetupResult> {
  // Mosquitto reads the paths from its own working folder, and the controller from its: both get absolute ones.
  const o = { ...options, filesDir: resolve(options.filesDir), confDir: resolve(options.confDir) };
  const config = await loadControllerConfig(o.configFile);
  const raw = JSON.parse(await readFile(o.configFile, 'utf8')) as Record<string, unknown>;
  const port = o.port ?? 1883;
  const host = o.host ?? '127.0.0.1';
  const p = setupPaths(o.filesDir, o.confDir);
  const embeddedHost = isEmbedded(config.broker) ? config.broker.embedded.host : '0.0.0.0';
  const tls = cartsUseTls(config) ? { port: o.tlsPort ?? defaultTlsPort(config), host: embeddedHost, tlsDir: p.tlsDir } : null;
  await refusals(o, config, tls, port);
  const ca = tls ? await DistrictCa.existing({ dataDir: config.dataDir, district: config.district.id }) : null;
  if (tls && !ca) {
    throw new MosquittoSetupError(
      'no-district-ca',
      `xe loa dùng TLS nhưng chưa có chứng chỉ gốc của huyện trong ${config.dataDir}: khởi động bộ điều khiển một lần (systemctl start loa-controller) rồi chạy lại`,
      `carts use TLS but there is no district CA in ${config.dataDir} yet: start the controller once (systemctl start loa-controller) and run again`,
    );
  }
  const username = isEmbedded(config.broker) ? CONTROLLER_USER : config.broker.username;
  const password = o.password ?? randomBytes(24).toString('base64url');
  const broker = { url: dialUrl(host, port), username, password, files: { passwordFile: p.passwordFile, aclFile: p.aclFile, tlsDir: tls ? p.tlsDir : null } };
  const next = withBroker(raw, broker);
  const nextConfig = validateControllerConfig(next);
  const { ids, ownership } = owners(o);
  const registry = await readRegistry(config, o.root);

  const owner = ids && { uid: ids.loa, gid: ids.mosquitto };
  await ownFolder(o.filesDir, owner);
  await writeMosquittoFiles({ district: config.district.id, units: registry.units, controller: { username, password }, passwordFile: p.passwordFile, aclFile: p.aclFile, passwordFileMode: 0o640 });
  const written = [p.passwordFile, p.aclFile];
  if (tls && ca) {
    await ownFolder(p.tlsDir, owner);
    const server = await ca.serverCredentials(serverNames(nextConfig));
    if (o.root) await keepOwner([tlsPaths(config.dataDir).serverKey, tlsPaths(config.dataDir).serverCert], tlsPaths(config.dataDir).caCert);
    await writeMosquittoTls(p.tlsDir, { ca: ca.certPem, ...server, crl: await ca.crl(registry.revocations) });
    written.push(...['ca.crt', 'server.crt', 'server.key', 'crl.pem'].map((f) => join(p.tlsDir, f)));
  }
  if (ids) for (const f of written) await chown(f, ids.loa, ids.mosquitto);
  await writeFileDurably(p.confFile, loaConfText({ port, host, passwordFile: p.passwordFile, aclFile: p.aclFile, tls }), 0o644);

  const savedCopy = await keepFirstCopy(o.configFile);
  await writeFileDurably(o.configFile, `${JSON.stringify(next, null, 2)}\n`, 0o640);
  if (ids) {
    await chown(o.configFile, 0, ids.loaGroup);
    await syncFile(o.configFile);
  }
  return {
    confFile: p.confFile,
    passwordFile: p.passwordFile,
    aclFile: p.aclFile,
    tlsDir: tls ? p.tlsDir : null,
    tlsListener: tls ? { port: tls.port, host: tls.host } : null,
    units: registry.units.length,
    brokerUrl: broker.url,
    username,
    configFile: o.configFile,
    savedCopy,
    ownership,
    unreachable: await unreachableFolders(o.filesDir, o.accounts.gid(MOSQUITTO_GROUP)),
  };
}
