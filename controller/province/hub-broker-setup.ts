/**
 * The province hub's Mosquitto, written by Loa (issue 17): `loa province mosquitto-setup` (run once as root) and the
 * area accounts of `loa province area add` / `area password`. The hub's counterpart of the controller's
 * broker/mosquitto-setup.ts, with the same care:
 *
 *   <files>/            root:mosquitto 2750  setgid, so a password file or ACL rewritten later keeps the group
 *   <files>/passwd, acl root:mosquitto 0640  the hub's account `loa_hub` and one account per area (named by its id)
 *   <conf.d>/loa-hub.conf               0644  the listener (hubBrokerFiles); its first line is {@link HUB_CONF_MARKER}
 *   the hub's configuration                  `broker` switched to this Mosquitto, every other key kept; the first
 *                                            copy kept as `<file>.before-mosquitto`
 *
 * A password is printed once and never kept: the hub database holds only `$7$` hashes (hub-db.ts), from which the
 * password file is rewritten whenever an account changes; Mosquitto reads it again on SIGHUP (`systemctl reload
 * mosquitto`). Refusals come before any write, and nothing this code did not write is overwritten.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { access, chown, constants, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { CONF_MARKER, confDRefusal, keepFirstCopy, MOSQUITTO_GROUP, OWNER, ownFolder, setupPaths, withBroker, type SystemAccounts } from '../broker/mosquitto-setup.js';
import { mosquittoHash } from '../fleet/passwords.js';
import { hubAclText, hubBrokerFiles, HUB_USER } from './bridge-conf.js';
import { loadHubConfig, validateHubConfig } from './hub-config.js';
import * as hdb from './hub-db.js';

/** The first line of `loa-hub.conf`: how a later run knows the file is its own to rewrite. */
export const HUB_CONF_MARKER = '# Written by Loa (loa province mosquitto-setup), which rewrites it; remove this line to keep your own edits.';

export const HUB_CONF_NAME = 'loa-hub.conf';

export const HUB_BROKER_DEFAULTS = { filesDir: '/var/lib/loa/province-mosquitto', confDir: '/etc/mosquitto/conf.d', port: 8883, host: '0.0.0.0' } as const;

export type HubBrokerErrorCode = 'no-conf-dir' | 'conf-not-ours' | 'shares-controller' | 'no-tls-file' | 'unknown-area' | 'files-not-writable';

/** A refusal a person can act on, in both languages; nothing was written. */
export class HubBrokerError extends Error {
  constructor(
    readonly code: HubBrokerErrorCode,
    readonly vi: string,
    readonly en: string,
  ) {
    super(en);
    this.name = 'HubBrokerError';
  }
}

/** A new MQTT password: 24 random bytes, 32 characters of base64url (one word, as Mosquitto's files need). */
export function newAreaPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The password file's text from hashes only (the hub's own, then one line per area). */
export function hubPasswordText(hub: { user: string; hash: string }, areas: readonly { id: string; mosquittoHash: string }[]): string {
  return [`${hub.user}:${hub.hash}`, ...areas.map((a) => `${a.id}:${a.mosquittoHash}`), ''].join('\n');
}

/** What the areas dial, for the `bridge-setup` line printed with a password. */
export interface HubBrokerPlace {
  port: number;
  /** The hub's name or address when known (a chosen --host, the TLS certificate's name); null: the technician's. */
  host: string | null;
  /** The CA certificate of a TLS listener (the area needs a copy); null: plain MQTT. */
  tlsCa: string | null;
}

const placeOf = (r: hdb.BrokerRow): HubBrokerPlace => ({ port: r.port, host: r.public_host, tlsCa: r.tls_ca });

/** Who may change a file's group: root, when the machine has the group `mosquitto`. */
export interface Ownership {
  accounts: SystemAccounts;
  root: boolean;
}

function mosquittoGid(o: Ownership): number | undefined {
  return o.root ? o.accounts.gid(MOSQUITTO_GROUP) : undefined;
}

/** Writes a file Mosquitto reads as its own user: 0640, group mosquitto when that can be given. */
async function writeForMosquitto(path: string, text: string, gid: number | undefined): Promise<void> {
  await writeFileDurably(path, text, 0o640);
  if (gid !== undefined) await chown(path, 0, gid);
}

/** Rewrites the password file and the ACL from the database (the hub's hash and every area's). */
async function rewriteFiles(db: SqliteDb, row: hdb.BrokerRow, gid: number | undefined): Promise<string[]> {
  const areas = await hdb.areaAccountRows(db);
  await writeForMosquitto(row.password_file, hubPasswordText({ user: row.hub_user, hash: row.hub_hash }, areas), gid);
  await writeForMosquitto(row.acl_file, hubAclText(areas, row.hub_user), gid);
  return [row.password_file, row.acl_file];
}

// --- area accounts (`loa province area add`, `area password`) ---------------------------------------------------

export interface AreaAccountOptions extends Ownership {
  db: SqliteDb;
  area: string;
  /** A new password even when the area has one (`area password`); false keeps an existing one (`area add` again). */
  renew: boolean;
  /** Unix seconds. */
  now: number;
  /** Default: {@link newAreaPassword}. */
  password?: string;
}

export interface AreaAccountResult {
  /** The new password, to print once; null when the area's account was kept. */
  password: string | null;
  /** Where the setup put the broker; null before `loa province mosquitto-setup`. */
  place: HubBrokerPlace | null;
  /** The files rewritten (the password file and the ACL), empty before the setup or when nothing changed. */
  rewritten: string[];
}

/** Refuses before the new hash is stored when the broker's files cannot be rewritten by this user. */
async function checkWritable(row: hdb.BrokerRow): Promise<void> {
  for (const dir of new Set([dirname(row.password_file), dirname(row.acl_file)])) {
    const ok = await access(dir, constants.W_OK).then(() => true, () => false);
    if (!ok) {
      throw new HubBrokerError(
        'files-not-writable',
        `không ghi được vào ${dir} (tệp mật khẩu của Mosquitto): chạy lại lệnh bằng root (sudo …)`,
        `cannot write in ${dir} (Mosquitto's password file): run the command again as root (sudo …)`,
      );
    }
  }
}

/**
 * Gives a registered area an account at the hub's Mosquitto (user name: its id): a new random password, whose hash
 * only is stored, and the broker's files rewritten when the setup wrote them (a SIGHUP then loads them).
 */
export async function giveAreaAccount(o: AreaAccountOptions): Promise<AreaAccountResult> {
  if (!(await hdb.areaRows(o.db)).some((a) => a.id === o.area)) {
    throw new HubBrokerError('unknown-area', `chưa đăng ký khu vực ${o.area}: loa province area add ${o.area} … trước`, `area ${o.area} is not registered: loa province area add ${o.area} … first`);
  }
  const row = await hdb.brokerRow(o.db);
  const place = row === undefined ? null : placeOf(row);
  const had = (await hdb.areaAccountRows(o.db)).some((a) => a.id === o.area);
  if (had && !o.renew) return { password: null, place, rewritten: [] };
  if (row) await checkWritable(row);
  const password = o.password ?? newAreaPassword();
  await hdb.setAreaAccount(o.db, o.area, mosquittoHash(password), o.now);
  const rewritten = row ? await rewriteFiles(o.db, row, mosquittoGid(o)) : [];
  return { password, place, rewritten };
}

// --- `loa province mosquitto-setup` -----------------------------------------------------------------------------

export interface HubBrokerSetupOptions extends Ownership {
  /** The hub's configuration file (`/etc/loa/province.json`): made when missing, else only its `broker` changes. */
  configFile: string;
  /** `--data`: wins over the configuration's `dataDir`. */
  dataDir?: string;
  /** Mosquitto's conf.d folder: `loa-hub.conf` goes there. */
  confDir: string;
  /** Where the password file and the ACL go. */
  filesDir: string;
  port: number;
  host: string;
  /** A TLS listener (PEM files the technician provides) instead of the plain one. */
  tls: { cert: string; key: string; ca: string } | null;
  /** Unix seconds. */
  now: number;
  /** The hub service's new password (default: {@link newAreaPassword}). */
  password?: string;
}

export interface HubBrokerSetupResult {
  confFile: string;
  passwordFile: string;
  aclFile: string;
  /** Area accounts written into the files. */
  areas: number;
  brokerUrl: string;
  username: string;
  configFile: string;
  /** The configuration as it was before the first setup (none when there was no file); made false: kept from before. */
  savedCopy: { path: string; made: boolean } | null;
  /** The files' group is mosquitto; else why not. */
  grouped: true | 'not-root' | 'no-group';
  place: HubBrokerPlace;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const anyAddress = (host: string): boolean => host === '0.0.0.0' || host === '::';
const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** The first name a TLS certificate is valid for (DNS or IP), which a client must dial; null when it has none. */
function certificateName(pem: string): string | null {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  const first = /(?:DNS|IP Address):([^,\s]+)/.exec(san);
  return first ? first[1]! : null;
}

/** The TLS certificate's name, refusing a missing or unreadable file before anything is written. */
async function tlsName(tls: NonNullable<HubBrokerSetupOptions['tls']>): Promise<string | null> {
  for (const [flag, path] of [['--tls-cert', tls.cert], ['--tls-key', tls.key], ['--tls-ca', tls.ca]] as const) {
    if (!(await access(path, constants.R_OK).then(() => true, () => false))) {
      throw new HubBrokerError('no-tls-file', `${flag} ${path}: không đọc được tệp: kiểm tra đường dẫn`, `${flag} ${path}: the file cannot be read: check the path`);
    }
  }
  try {
    return certificateName(await readFile(tls.cert, 'utf8'));
  } catch {
    throw new HubBrokerError('no-tls-file', `--tls-cert ${tls.cert}: không phải chứng chỉ PEM`, `--tls-cert ${tls.cert}: not a PEM certificate`);
  }
}

/** Refuses what this command must not change; checked before anything is written. */
async function refusals(o: HubBrokerSetupOptions, confFile: string): Promise<void> {
  const refused = await confDRefusal(o.confDir, confFile, HUB_CONF_MARKER);
  if (refused !== null) throw new HubBrokerError(refused.code, refused.vi, refused.en);
  // Two password files in one Mosquitto stop it at start ("Duplicate password_file"): the hub needs its own.
  const controllerConf = setupPaths(o.filesDir, o.confDir).confFile;
  if ((await readFile(controllerConf, 'utf8').then((t) => t.split('\n', 1)[0], () => null)) === CONF_MARKER) {
    throw new HubBrokerError(
      'shares-controller',
      `Mosquitto này đã phục vụ một bộ điều khiển (${controllerConf}); hai tệp mật khẩu thì Mosquitto không khởi động: trung tâm tỉnh cần Mosquitto riêng (máy khác, hoặc --conf-d của một Mosquitto khác)`,
      `this Mosquitto already serves a controller (${controllerConf}); with two password files Mosquitto does not start: the hub needs its own Mosquitto (another machine, or --conf-d of another Mosquitto)`,
    );
  }
}

/**
 * The conf.d file: the marker, then hubBrokerFiles' listener without its persistence lines: Debian's mosquitto.conf
 * already keeps sessions (`persistence true`, its own folder), a second `persistence_location` stops Mosquitto at
 * start and `persistence false` would lose the areas' sessions at a restart.
 */
function confText(o: HubBrokerSetupOptions, files: { passwordFile: string; aclFile: string }): string {
  const tls = o.tls ? { cafile: o.tls.ca, certfile: o.tls.cert, keyfile: o.tls.key } : null;
  const text = hubBrokerFiles({ areas: [], hub: { password: 'unused' }, port: o.port, host: o.host, ...files, persistenceDir: null, tls }).confText;
  return [HUB_CONF_MARKER, ...text.split('\n').filter((l) => !/^persistence(_location)?\s/.test(l))].join('\n');
}

/** The configuration as JSON (none: an empty one) and its data folder (`--data` first). */
async function readConfig(o: HubBrokerSetupOptions): Promise<{ raw: Record<string, unknown> | null; dataDir: string }> {
  if (!(await exists(o.configFile))) return { raw: null, dataDir: resolve(o.dataDir ?? validateHubConfig(undefined).dataDir) };
  const config = await loadHubConfig(o.configFile);
  const raw = JSON.parse(await readFile(o.configFile, 'utf8')) as Record<string, unknown>;
  return { raw, dataDir: resolve(o.dataDir ?? config.dataDir) };
}

/** Writes the configuration with its new `broker`: never readable by others (it holds the password), owner kept. */
async function writeConfig(o: HubBrokerSetupOptions, next: Record<string, unknown>, existed: boolean): Promise<HubBrokerSetupResult['savedCopy']> {
  const text = `${JSON.stringify(next, null, 2)}\n`;
  if (!existed) {
    await mkdir(dirname(o.configFile), { recursive: true });
    await writeFileDurably(o.configFile, text, 0o640);
    // The loa-province service runs as loa: a new file is root:loa, as the package ships it.
    const loa = o.root ? o.accounts.gid(OWNER) : undefined;
    if (loa !== undefined) await chown(o.configFile, 0, loa);
    return null;
  }
  const saved = await keepFirstCopy(o.configFile);
  const before = await stat(o.configFile);
  await writeFileDurably(o.configFile, text, (before.mode & 0o770) | 0o600);
  if (o.root) await chown(o.configFile, before.uid, before.gid);
  return saved;
}

/** Writes everything the hub's Mosquitto needs, records it in the hub database, then switches the configuration. */
export async function setUpHubBroker(options: HubBrokerSetupOptions): Promise<HubBrokerSetupResult> {
  // Mosquitto reads paths from its own working folder: absolute ones.
  const o = { ...options, confDir: resolve(options.confDir), filesDir: resolve(options.filesDir), configFile: resolve(options.configFile) };
  const files = { passwordFile: join(o.filesDir, 'passwd'), aclFile: join(o.filesDir, 'acl') };
  const confFile = join(o.confDir, HUB_CONF_NAME);
  await refusals(o, confFile);
  const certName = o.tls ? await tlsName(o.tls) : null;
  const { raw, dataDir } = await readConfig(o);

  const password = o.password ?? newAreaPassword();
  const dialHost = certName ?? (anyAddress(o.host) ? '127.0.0.1' : o.host);
  const brokerUrl = `${o.tls ? 'mqtts' : 'mqtt'}://${urlHost(dialHost)}:${o.port}`;
  const broker = { url: brokerUrl, username: HUB_USER, password, caFile: o.tls ? o.tls.ca : null };
  const next = raw === null ? { dataDir, broker } : withBroker(raw, broker);
  validateHubConfig(next);
  const place: HubBrokerPlace = { port: o.port, host: certName ?? (anyAddress(o.host) ? null : o.host), tlsCa: o.tls?.ca ?? null };
  const row: hdb.BrokerRow = { password_file: files.passwordFile, acl_file: files.aclFile, hub_user: HUB_USER, hub_hash: mosquittoHash(password), port: o.port, public_host: place.host, tls_ca: place.tlsCa };
  const gid = mosquittoGid(o);

  await mkdir(dataDir, { recursive: true });
  const db = await hdb.openHubDb(join(dataDir, 'province.db'));
  let areas: number;
  try {
    await ownFolder(o.filesDir, gid === undefined ? null : { uid: 0, gid });
    areas = (await hdb.areaAccountRows(db)).length;
    await rewriteFiles(db, row, gid);
    await writeFileDurably(confFile, confText(o, files), 0o644);
    await hdb.setBrokerRow(db, row, o.now);
  } finally {
    await db.close();
  }
  const savedCopy = await writeConfig(o, next, raw !== null);
  const grouped = gid !== undefined ? true : o.root ? 'no-group' : 'not-root';
  return { confFile, ...files, areas, brokerUrl, username: HUB_USER, configFile: o.configFile, savedCopy, grouped, place };
}
