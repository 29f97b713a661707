/**
 * The district controller's configuration: a JSON file (`loa controller run --config FILE`) over embedded defaults,
 * checked at start. Every problem is listed at once with its key path and the bad value ({@link ConfigError}).
 *
 *   {
 *     "district": { "id": "trieu-son", "name": "Triệu Sơn", "origin": { "lat": 19.82, "lon": 105.6 } },
 *     "dataDir": "data/controller",
 *     "broker": { "embedded": { "port": 1883, "host": "127.0.0.1", "tls": false, "clientCertificates": false } },
 *         or    { "url": "mqtt://127.0.0.1:1883", "username": "loa_controller", "password": "…",
 *                 "files": { "passwordFile": "/etc/mosquitto/loa.pw", "aclFile": "/etc/mosquitto/loa.acl",
 *                            "tlsDir": "/etc/mosquitto/loa-tls" } }
 *     "http": { "port": 8080, "host": "127.0.0.1", "tls": false },
 *     "publicUrls": { "broker": "mqtts://10.0.0.5:8883", "content": "https://10.0.0.5:8443" },
 *     "serial": null,   or { "path": "/dev/ttyUSB0", "baudRate": 57600 }
 *     "manifestExpiryDays": 30,
 *     "commandTtlSeconds": 3600,
 *     "staleAfterSeconds": 900,
 *     "backup": { "dir": "/var/backups/loa", "keep": 7, "hour": 2, "passphraseEnv": "LOA_BACKUP_PASSPHRASE" }
 *   }
 *
 * `district.origin` (degrees) is the point the carts' live positions are sent as offsets from (protocol SPEC.md, 0x03
 * fix): pick one near the middle of the district, where offsets are shortest. Each unit keeps the origin it was
 * registered with (it is in its provisioning bundle), so changing it later changes only the carts registered after.
 *
 * `publicUrls` are the addresses written into provisioning bundles (what a cart dials); by default the listening
 * addresses. An external broker's `files` are the Mosquitto password and ACL files the controller rewrites from its
 * registry when a unit is added (send Mosquitto SIGHUP afterwards).
 *
 * TLS (controller/tls/): a listener on any address but this machine's loopback speaks TLS unless `"tls": false` says
 * otherwise (MQTT over TLS, HTTPS), with a certificate from the district CA that the controller makes at its first
 * start and carts pin (it travels in their bundles). `clientCertificates` makes the embedded broker also ask each cart
 * for its certificate (issued into its bundle) and refuse a missing, foreign or revoked one. For Mosquitto,
 * `files.tlsDir` is where the controller keeps ca.crt, server.crt, server.key and crl.pem for its TLS listener
 * (see mosquitto-files.ts).
 */
import { readFile } from 'node:fs/promises';
import { TOPIC_NAME, type DistrictOrigin } from '../../protocol/index.js';

export interface EmbeddedBrokerConfig {
  /** `tls`: MQTT over TLS; `clientCertificates`: carts must also present their certificate (needs `tls`). */
  embedded: { port: number; host: string; tls: boolean; clientCertificates: boolean };
}

export interface ExternalBrokerConfig {
  url: string;
  username: string;
  password: string;
  files: { passwordFile: string; aclFile: string; tlsDir: string | null } | null;
}

export interface ControllerConfig {
  district: { id: string; name: string; origin: DistrictOrigin };
  dataDir: string;
  broker: EmbeddedBrokerConfig | ExternalBrokerConfig;
  http: { port: number; host: string; tls: boolean };
  publicUrls: { broker: string | null; content: string | null };
  serial: { path: string; baudRate: number } | null;
  manifestExpiryDays: number;
  commandTtlSeconds: number;
  staleAfterSeconds: number;
  /** The daily backup (controller/backup/): off while `dir` is null; the passphrase is read from the variable `passphraseEnv`. */
  backup: { dir: string | null; keep: number; hour: number; passphraseEnv: string };
}

export const DEFAULT_CONFIG: ControllerConfig = {
  // Triệu Sơn (Thanh Hóa): near the middle of the district the demo and the simulators use.
  district: { id: 'trieu-son', name: 'Triệu Sơn', origin: { lat: 19.82, lon: 105.6 } },
  dataDir: 'data/controller',
  broker: { embedded: { port: 1883, host: '127.0.0.1', tls: false, clientCertificates: false } },
  http: { port: 8080, host: '127.0.0.1', tls: false },
  publicUrls: { broker: null, content: null },
  serial: null,
  manifestExpiryDays: 30,
  commandTtlSeconds: 3600,
  staleAfterSeconds: 900,
  backup: { dir: null, keep: 7, hour: 2, passphraseEnv: 'LOA_BACKUP_PASSPHRASE' },
};

export function isEmbedded(broker: ControllerConfig['broker']): broker is EmbeddedBrokerConfig {
  return 'embedded' in broker;
}

/** One thing wrong in a configuration: where, and what (the message repeats the bad value), in English and Vietnamese. */
export interface ConfigProblem {
  path: string;
  message: string;
  vi: string;
}

/** A configuration that cannot be used; `problems` lists all of them, one a line in the message. */
export class ConfigError extends Error {
  readonly code = 'bad-config';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Cấu hình bộ điều khiển không hợp lệ (the controller configuration is not valid):\n` + problems.map((p) => `- ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The bad value as a message repeats it: `vi` in the Vietnamese text, `en` in the English. */
function show(value: unknown): { vi: string; en: string } {
  if (value === undefined) return { vi: 'không có gì', en: 'nothing' };
  if (Array.isArray(value)) return { vi: 'một danh sách', en: 'a list' };
  if (isPlain(value)) return { vi: 'một đối tượng', en: 'an object' };
  const shown = JSON.stringify(value);
  return { vi: shown, en: shown };
}

/** Adds a problem in both languages. */
function report(problems: ConfigProblem[], path: string, vi: string, en: string): void {
  problems.push({ path, message: en, vi });
}

/** The Vietnamese for "`value` must be `expected`": "thiếu, cần …" or "95 không hợp lệ, cần …". */
function needVi(value: unknown, expected: string): string {
  return value === undefined ? `thiếu, cần ${expected}` : `${show(value).vi} không hợp lệ, cần ${expected}`;
}

/** What a text value must be, in both languages. */
interface Expected {
  vi: string;
  en: string;
}

/** Reads the keys of one object section, reporting unknown keys; undefined when the section is not an object. */
function section(path: string, value: unknown, known: readonly string[], problems: ConfigProblem[]): Plain | undefined {
  if (!isPlain(value)) {
    report(problems, path, needVi(value, 'một đối tượng { … }'), `${show(value).en} must be an object`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) report(problems, `${path}.${key}`, `không phải một mục cấu hình (các mục có: ${known.join(', ')})`, `is not a known setting (known: ${known.join(', ')})`);
  }
  return value;
}

function integer(path: string, value: unknown, fallback: number, min: number, max: number, problems: ConfigProblem[]): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    report(problems, path, needVi(value, `một số nguyên từ ${min} đến ${max}`), `${show(value).en} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function degrees(path: string, value: unknown, fallback: number, limit: number, problems: ConfigProblem[]): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
    report(problems, path, needVi(value, `một số độ từ -${limit} đến ${limit}`), `${show(value).en} must be a number of degrees from -${limit} to ${limit}`);
    return fallback;
  }
  return value;
}

const NON_EMPTY: Expected = { vi: 'một chuỗi không rỗng', en: 'a non-empty string' };

function text(path: string, value: unknown, fallback: string | undefined, problems: ConfigProblem[], pattern?: RegExp, expected: Expected = NON_EMPTY): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '' || (pattern && !pattern.test(value))) {
    report(problems, path, needVi(value, expected.vi), `${show(value).en} must be ${expected.en}`);
    return fallback ?? '';
  }
  return value;
}

function flag(path: string, value: unknown, fallback: boolean, problems: ConfigProblem[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    report(problems, path, needVi(value, 'true hoặc false'), `${show(value).en} must be true or false`);
    return fallback;
  }
  return value;
}

/** Whether a listening address is this machine's loopback only: the one place plain MQTT and HTTP are the default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

function url(path: string, value: unknown, protocols: readonly string[], problems: ConfigProblem[]): string | null {
  if (value === undefined || value === null) return null;
  let ok = false;
  if (typeof value === 'string') {
    try {
      ok = protocols.includes(new URL(value).protocol);
    } catch {
      ok = false;
    }
  }
  const starts = protocols.map((p) => `${p}//`);
  if (!ok) report(problems, path, needVi(value, `một địa chỉ URL bắt đầu bằng ${starts.join(' hoặc ')}`), `${show(value).en} must be a URL starting with ${starts.join(' or ')}`);
  return ok ? (value as string).replace(/\/+$/, '') : null;
}

const HOST = /^[A-Za-z0-9.:[\]-]{1,253}$/;
const ADDRESS: Expected = { vi: 'một địa chỉ như 127.0.0.1 hoặc 0.0.0.0', en: 'an address such as 127.0.0.1 or 0.0.0.0' };
const TOP_KEYS = ['district', 'dataDir', 'broker', 'http', 'publicUrls', 'serial', 'manifestExpiryDays', 'commandTtlSeconds', 'staleAfterSeconds', 'backup'];

function validateBroker(value: unknown, problems: ConfigProblem[]): ControllerConfig['broker'] {
  const d = DEFAULT_CONFIG.broker as EmbeddedBrokerConfig;
  if (value === undefined) return { embedded: { ...d.embedded } };
  if (isPlain(value) && 'embedded' in value) {
    const b = section('broker', value, ['embedded'], problems);
    const e = b && section('broker.embedded', b.embedded, ['port', 'host', 'tls', 'clientCertificates'], problems);
    const host = text('broker.embedded.host', e?.host, d.embedded.host, problems, HOST, ADDRESS);
    const tls = flag('broker.embedded.tls', e?.tls, !isLoopbackHost(host), problems);
    const clientCertificates = flag('broker.embedded.clientCertificates', e?.clientCertificates, false, problems);
    if (clientCertificates && !tls) {
      report(problems, 'broker.embedded.clientCertificates', 'cần "tls": true (chứng chỉ của xe chỉ dùng được qua TLS)', 'needs "tls": true (carts present certificates only over TLS)');
    }
    return { embedded: { port: integer('broker.embedded.port', e?.port, d.embedded.port, 0, 65_535, problems), host, tls, clientCertificates } };
  }
  const b = section('broker', value, ['url', 'username', 'password', 'files'], problems);
  if (!b) return { embedded: { ...d.embedded } };
  const brokerUrl = url('broker.url', b.url, ['mqtt:', 'mqtts:'], problems);
  if (b.url === undefined) {
    report(
      problems,
      'broker.url',
      'thiếu: máy chủ MQTT bên ngoài cần { "url", "username", "password" } (hoặc dùng { "embedded": { "port": 1883 } })',
      'is missing: an external broker needs { "url", "username", "password" } (or use { "embedded": { "port": 1883 } })',
    );
  }
  let files: ExternalBrokerConfig['files'] = null;
  if (b.files !== undefined && b.files !== null) {
    const f = section('broker.files', b.files, ['passwordFile', 'aclFile', 'tlsDir'], problems);
    files = {
      passwordFile: text('broker.files.passwordFile', f?.passwordFile, undefined, problems),
      aclFile: text('broker.files.aclFile', f?.aclFile, undefined, problems),
      tlsDir: f?.tlsDir === undefined || f.tlsDir === null ? null : text('broker.files.tlsDir', f.tlsDir, undefined, problems, undefined, { vi: 'đường dẫn một thư mục', en: 'a folder path' }),
    };
  }
  return {
    url: brokerUrl ?? '',
    username: text('broker.username', b.username, undefined, problems),
    password: text('broker.password', b.password, undefined, problems, /^.{8,}$/u, { vi: 'một chuỗi ít nhất 8 ký tự', en: 'a string of at least 8 characters' }),
    files,
  };
}

/** The origin, both coordinates required: half an origin is a typo, not a point. */
function validateOrigin(value: unknown, problems: ConfigProblem[]): DistrictOrigin {
  const d = DEFAULT_CONFIG.district.origin;
  if (value === undefined) return { ...d };
  const s = section('district.origin', value, ['lat', 'lon'], problems);
  if (!s) return { ...d };
  return { lat: degrees('district.origin.lat', s.lat, d.lat, 90, problems), lon: degrees('district.origin.lon', s.lon, d.lon, 180, problems) };
}

function validateDistrict(value: unknown, problems: ConfigProblem[]): ControllerConfig['district'] {
  const d = DEFAULT_CONFIG.district;
  if (value === undefined) return { ...d, origin: { ...d.origin } };
  const s = section('district', value, ['id', 'name', 'origin'], problems);
  return {
    id: text('district.id', s?.id, d.id, problems, TOPIC_NAME, { vi: 'chữ a-z, số 0-9 và - (1–32 ký tự, không bắt đầu bằng -), ví dụ "trieu-son"', en: 'a-z, 0-9 and - (1–32, not starting with -), e.g. "trieu-son"' }),
    name: text('district.name', s?.name, d.name, problems),
    origin: validateOrigin(s?.origin, problems),
  };
}

/** Checks a parsed configuration (undefined = all defaults). Throws {@link ConfigError} listing every problem. */
export function validateControllerConfig(input: unknown): ControllerConfig {
  const problems: ConfigProblem[] = [];
  const o = section('(file)', input === undefined ? {} : input, TOP_KEYS, problems) ?? {};
  const dd = DEFAULT_CONFIG;
  const district = validateDistrict(o.district, problems);
  const http = { ...dd.http };
  if (o.http !== undefined) {
    const s = section('http', o.http, ['port', 'host', 'tls'], problems);
    http.port = integer('http.port', s?.port, dd.http.port, 0, 65_535, problems);
    http.host = text('http.host', s?.host, dd.http.host, problems, HOST, ADDRESS);
    http.tls = flag('http.tls', s?.tls, !isLoopbackHost(http.host), problems);
  }
  const publicUrls = { ...dd.publicUrls };
  if (o.publicUrls !== undefined) {
    const s = section('publicUrls', o.publicUrls, ['broker', 'content'], problems);
    publicUrls.broker = url('publicUrls.broker', s?.broker, ['mqtt:', 'mqtts:'], problems);
    publicUrls.content = url('publicUrls.content', s?.content, ['http:', 'https:'], problems);
  }
  let serial: ControllerConfig['serial'] = null;
  if (o.serial !== undefined && o.serial !== null) {
    const s = section('serial', o.serial, ['path', 'baudRate'], problems);
    serial = { path: text('serial.path', s?.path, undefined, problems, undefined, { vi: 'đường dẫn cổng nối tiếp, ví dụ /dev/ttyUSB0', en: 'a serial port path such as /dev/ttyUSB0' }), baudRate: integer('serial.baudRate', s?.baudRate, 57_600, 300, 4_000_000, problems) };
  }
  const backup = { ...dd.backup };
  if (o.backup !== undefined) {
    const s = section('backup', o.backup, ['dir', 'keep', 'hour', 'passphraseEnv'], problems);
    backup.dir = s?.dir === undefined || s.dir === null ? null : text('backup.dir', s.dir, undefined, problems, undefined, { vi: 'đường dẫn một thư mục', en: 'a folder path' });
    backup.keep = integer('backup.keep', s?.keep, dd.backup.keep, 1, 365, problems);
    backup.hour = integer('backup.hour', s?.hour, dd.backup.hour, 0, 23, problems);
    backup.passphraseEnv = text('backup.passphraseEnv', s?.passphraseEnv, dd.backup.passphraseEnv, problems, /^[A-Za-z_][A-Za-z0-9_]*$/, { vi: 'tên một biến môi trường, ví dụ LOA_BACKUP_PASSPHRASE', en: 'an environment variable name such as LOA_BACKUP_PASSPHRASE' });
  }
  const config: ControllerConfig = {
    district,
    dataDir: text('dataDir', o.dataDir, dd.dataDir, problems, undefined, { vi: 'đường dẫn một thư mục', en: 'a folder path' }),
    broker: validateBroker(o.broker, problems),
    http,
    publicUrls,
    serial,
    manifestExpiryDays: integer('manifestExpiryDays', o.manifestExpiryDays, dd.manifestExpiryDays, 1, 365, problems),
    commandTtlSeconds: integer('commandTtlSeconds', o.commandTtlSeconds, dd.commandTtlSeconds, 1, 7 * 86_400, problems),
    staleAfterSeconds: integer('staleAfterSeconds', o.staleAfterSeconds, dd.staleAfterSeconds, 30, 7 * 86_400, problems),
    backup,
  };
  checkPublicSchemes(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A public address must speak what the listener behind it speaks: a cart dialling http:// an HTTPS port never syncs. */
function checkPublicSchemes(c: ControllerConfig, problems: ConfigProblem[]): void {
  const mismatch = (key: string, value: string, secure: boolean, want: string): void => {
    const saysSecure = /^(mqtts|https):/.test(value);
    if (saysSecure === secure) return;
    const wanted = value.replace(/^[a-z]+:/, want);
    report(problems, key, `${value} không khớp với máy chủ (TLS ${secure ? 'bật' : 'tắt'}): viết ${wanted}`, `${value} does not match the listener (TLS ${secure ? 'on' : 'off'}): write ${wanted}`);
  };
  if (c.publicUrls.content) mismatch('publicUrls.content', c.publicUrls.content, c.http.tls, c.http.tls ? 'https:' : 'http:');
  if (c.publicUrls.broker && isEmbedded(c.broker)) mismatch('publicUrls.broker', c.publicUrls.broker, c.broker.embedded.tls, c.broker.embedded.tls ? 'mqtts:' : 'mqtt:');
}

/** Whether the controller serves TLS anywhere, so that it needs its district CA. */
export function usesTls(c: ControllerConfig): boolean {
  return c.http.tls || (isEmbedded(c.broker) ? c.broker.embedded.tls : c.broker.files?.tlsDir != null);
}

/**
 * Reads and checks a configuration file (no file = the defaults); `overrides.dataDir` (the `--data` option) wins
 * over the file.
 */
export async function loadControllerConfig(path: string | undefined, overrides: { dataDir?: string } = {}): Promise<ControllerConfig> {
  let parsed: unknown;
  if (path !== undefined) {
    let body: string;
    try {
      body = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError([{ path: '(file)', message: `${path} cannot be read (${code})`, vi: `không đọc được ${path} (${code})` }]);
    }
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new ConfigError([{ path: '(file)', message: `${path} is not valid JSON: ${(err as Error).message}`, vi: `${path} không phải JSON hợp lệ: ${(err as Error).message}` }]);
    }
  }
  const config = validateControllerConfig(parsed);
  return overrides.dataDir === undefined ? config : { ...config, dataDir: overrides.dataDir };
}

/** The broker address written into bundles: the public one, else the external URL, else the embedded listener. */
export function bundleBrokerUrl(config: ControllerConfig, listeningUrl?: string): string {
  if (config.publicUrls.broker) return config.publicUrls.broker;
  if (!isEmbedded(config.broker)) return config.broker.url;
  return listeningUrl ?? embeddedBrokerUrl(config.broker);
}

/** Where the embedded broker listens, as a client on this machine dials it (0.0.0.0 is dialled as 127.0.0.1). */
export function embeddedBrokerUrl(broker: EmbeddedBrokerConfig): string {
  const host = broker.embedded.host === '0.0.0.0' ? '127.0.0.1' : broker.embedded.host;
  return `${broker.embedded.tls ? 'mqtts' : 'mqtt'}://${host}:${broker.embedded.port}`;
}

/** The content (HTTP) address written into bundles: the public one, else the listener. */
export function bundleContentUrl(config: ControllerConfig, listeningUrl?: string): string {
  if (config.publicUrls.content) return config.publicUrls.content;
  if (listeningUrl) return listeningUrl;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  return `${config.http.tls ? 'https' : 'http'}://${host}:${config.http.port}`;
}

/** Whether a URL names this machine only (localhost, 127.0.0.0/8, ::1, 0.0.0.0): no cart can dial it. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0.0.0.0' || host === '::';
}

/**
 * The addresses a provisioning bundle would carry that a cart could never reach (this machine's loopback), each with
 * the configuration key that sets the address carts dial. Empty when carts can dial both.
 */
export function loopbackBundleAddresses(config: ControllerConfig): { key: 'publicUrls.broker' | 'publicUrls.content'; url: string }[] {
  const found: { key: 'publicUrls.broker' | 'publicUrls.content'; url: string }[] = [];
  const broker = bundleBrokerUrl(config);
  const content = bundleContentUrl(config);
  if (isLoopbackUrl(broker)) found.push({ key: 'publicUrls.broker', url: broker });
  if (isLoopbackUrl(content)) found.push({ key: 'publicUrls.content', url: content });
  return found;
}
