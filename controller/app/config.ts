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
 *     "backup": { "dir": "/var/backups/loa", "keep": 7, "hour": 2, "passphraseEnv": "LOA_BACKUP_PASSPHRASE" },
 *     "releases": { "keys": ["<raw Ed25519 public key, 64 hex digits>"] },
 *     "scope": { "kind": "province", "name": "Thanh Hóa", "province": { "code": "38", "name": "Thanh Hóa" } },
 *     "reportHeading": { "issuers": ["CÔNG AN TỈNH THANH HÓA", "ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA"],
 *                        "addressees": ["Công an tỉnh Thanh Hóa (PV05)", "Tỉnh đoàn Thanh Hóa"] },
 *     "summary": { "enabled": true, "hub": null, "intervalSeconds": 600 }
 *   }
 *
 * `district.id` is the controller's network name (topics, bundles, manifests: never changed once carts are
 * provisioned), whatever its scope. The 2021 plan was written for a district (huyện); since 1 July 2025 there are no
 * districts, so `scope` says what the controller serves: a province, or an area (a former district, a group of
 * merged communes) inside one (default: an area named like `district.name`). `reportHeading` gives the words of the
 * reports' header and signature block (controller/reports/heading.ts); null (the default) keeps the plan's words for
 * `district.name`. `summary` sends the signed daily summaries to the province hub: through this controller's own
 * broker (`hub` null: a Mosquitto bridge carries them) or straight to the hub's broker (`hub` given; the embedded
 * broker cannot bridge).
 *
 * `releases.keys` are the release keys (`loa release keygen` prints one): `loa release add` takes only bundles they
 * signed, and every provisioning bundle carries them for the cart to pin. They are not the district's key: whoever
 * holds the district key can command carts but cannot give them software.
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
import { ConfigError, readJsonConfig, type ConfigProblem } from '../../lib/config-error.js';
import { check, must, secret, Type, type RuleContext, type Static } from '../../lib/schema.js';
import { TOPIC_NAME, type DistrictOrigin } from '../../protocol/index.js';
import { configuredHeading, DEFAULT_BOARD, DEFAULT_RECIPIENTS, DEFAULT_SIGNER, type ReportHeading, type ReportScope } from '../reports/heading.js';

export { ConfigError, type ConfigProblem } from '../../lib/config-error.js';

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

/** The configuration as the controller uses it: {@link controllerConfigSchema} checked, TLS decided, URLs trimmed. */
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
  /** The release public keys (hex) carts pin and bundles must be signed by. */
  releases: { keys: string[] };
  /** What the controller serves: a province, or an area of communes in one. */
  scope: ReportScope;
  /** The reports' header and signature words; null: the 2021 plan's words for `district.name`. */
  reportHeading: ReportHeading | null;
  /** The signed daily summaries for the province hub (controller/province/). */
  summary: SummaryConfig;
}

export interface SummaryConfig {
  enabled: boolean;
  /** Null: publish to this controller's own broker (bridged to the hub); else the hub's broker, dialled directly. */
  hub: { url: string; username: string; password: string; caFile: string | null } | null;
  intervalSeconds: number;
}

export function isEmbedded(broker: ControllerConfig['broker']): broker is EmbeddedBrokerConfig {
  return 'embedded' in broker;
}

/** Whether a listening address is this machine's loopback only: the one place plain MQTT and HTTP are the default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

const closed = { additionalProperties: false } as const;
const text = (words?: ReturnType<typeof must>, value?: string) => Type.String({ minLength: 1, pattern: '\\S', ...words, ...(value === undefined ? {} : { default: value }) });
const folder = must('a folder path', 'đường dẫn một thư mục');
const whole = (minimum: number, maximum: number, value?: number) => Type.Integer({ minimum, maximum, ...(value === undefined ? {} : { default: value }) });
const address = (value: string) =>
  Type.String({ pattern: '^[A-Za-z0-9.:[\\]-]{1,253}$', default: value, ...must('an address such as 127.0.0.1 or 0.0.0.0', 'một địa chỉ như 127.0.0.1 hoặc 0.0.0.0') });
const url = (schemes: readonly string[]) =>
  Type.String({
    pattern: `^(${schemes.join('|')})://[^\\s/?#]+`,
    ...must(`a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`, `một địa chỉ URL bắt đầu bằng ${schemes.map((s) => `${s}://`).join(' hoặc ')}`),
  });
const tls = Type.Optional(Type.Boolean({ description: 'default: true unless the listener is on this machine\'s loopback' }));
const degrees = (limit: number) => Type.Number({ minimum: -limit, maximum: limit, ...must(`a number of degrees from -${limit} to ${limit}`, `một số độ từ -${limit} đến ${limit}`) });

const embeddedBroker = Type.Object(
  { embedded: Type.Object({ port: whole(0, 65_535, 1883), host: address('127.0.0.1'), tls, clientCertificates: Type.Boolean({ default: false }) }, { ...closed, default: {} }) },
  closed,
);
const externalBroker = Type.Object(
  {
    url: url(['mqtt', 'mqtts']),
    username: text(),
    password: Type.String({ minLength: 8, ...secret, ...must('a string of at least 8 characters', 'một chuỗi ít nhất 8 ký tự') }),
    files: Type.Union(
      [Type.Object({ passwordFile: text(), aclFile: text(), tlsDir: Type.Union([text(folder), Type.Null()], { default: null, ...folder }) }, closed), Type.Null()],
      { default: null, description: 'the Mosquitto password and ACL files the controller rewrites from its registry, and its TLS folder' },
    ),
  },
  closed,
);

const lines = (words: ReturnType<typeof must>, value?: string[]) => Type.Array(text(words), value === undefined ? {} : { default: value });
const headingLine = must('a line of text', 'một dòng chữ');
const issuerLine = must('lines such as "CÔNG AN TỈNH THANH HÓA"', 'các dòng như "CÔNG AN TỈNH THANH HÓA"');
const signer = Type.Object(
  { for: text(undefined, DEFAULT_SIGNER.for), title: text(undefined, DEFAULT_SIGNER.title), name: Type.String({ default: '', description: 'empty: a placeholder for the hand-written name' }) },
  { ...closed, default: {} },
);
const wordsSchema = {
  issuers: lines(issuerLine),
  board: text(),
  place: text(),
  addressees: Type.Array(text(headingLine), { minItems: 1, ...must('a list of who the report is addressed to, e.g. ["Công an tỉnh Thanh Hóa (PV05)", "Tỉnh đoàn Thanh Hóa"]', 'danh sách nơi báo cáo gửi đến (Kính gửi), ví dụ ["Công an tỉnh Thanh Hóa (PV05)", "Tỉnh đoàn Thanh Hóa"]') }),
  recipients: lines(headingLine),
  signer: Type.Object({ for: text(), title: text(), name: Type.String() }, closed),
};
const reportHeadingSchema = Type.Union(
  [
    Type.Object(
      {
        issuers: lines(issuerLine, []),
        board: text(undefined, DEFAULT_BOARD),
        place: Type.Optional(text(must('the place of the date line, e.g. "Thanh Hóa"', 'địa danh ở dòng ngày tháng, ví dụ "Thanh Hóa"'))),
        addressees: wordsSchema.addressees,
        recipients: lines(headingLine, [...DEFAULT_RECIPIENTS]),
        signer,
        wholeScope: Type.Optional(Type.Object({ vi: text(), en: text() }, closed)),
        en: Type.Optional(Type.Partial(Type.Object(wordsSchema, closed))),
      },
      closed,
    ),
    Type.Null(),
  ],
  { default: null, description: 'the words of the reports\' header and signature block; null: the 2021 plan\'s words for district.name' },
);
const scopeSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('province'), Type.Literal('area')], { default: 'area', ...must('"province" or "area"', '"province" (tỉnh) hoặc "area" (khu vực)') }),
    name: Type.Optional(text(must('the name people call it, e.g. "Thanh Hóa" or "Khu vực Triệu Sơn"', 'tên thường gọi, ví dụ "Thanh Hóa" hoặc "Khu vực Triệu Sơn"'))),
    province: Type.Union(
      [
        Type.Object(
          {
            code: Type.Union([Type.String({ pattern: '^[0-9]{2}$', ...must('the 2-digit code of the 2025 list, e.g. "38"', 'mã 2 chữ số theo danh mục 2025, ví dụ "38"') }), Type.Null()], { default: null }),
            name: text(),
          },
          closed,
        ),
        Type.Null(),
      ],
      { default: null },
    ),
  },
  { ...closed, default: {}, description: 'a province, or an area (a former district, merged communes) in one; default: an area named like district.name' },
);
const summarySchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    hub: Type.Union(
      [
        Type.Object(
          {
            url: url(['mqtt', 'mqtts']),
            username: text(),
            password: Type.String({ minLength: 8, ...secret, ...must('a string of at least 8 characters', 'một chuỗi ít nhất 8 ký tự') }),
            caFile: Type.Union([text(must('a file path', 'đường dẫn một tệp')), Type.Null()], { default: null }),
          },
          closed,
        ),
        Type.Null(),
      ],
      { default: null, description: "null: publish to this controller's own broker, bridged to the hub" },
    ),
    intervalSeconds: whole(60, 86_400, 600),
  },
  { ...closed, default: {} },
);

/** The controller's configuration file, as written (what is left out takes the defaults). */
export const controllerConfigSchema = Type.Object(
  {
    district: Type.Object(
      {
        id: Type.String({
          pattern: TOPIC_NAME.source,
          default: 'trieu-son',
          ...must('a-z, 0-9 and - (1–32, not starting with -), e.g. "trieu-son"', 'chữ a-z, số 0-9 và - (1–32 ký tự, không bắt đầu bằng -), ví dụ "trieu-son"'),
        }),
        name: text(undefined, 'Triệu Sơn'),
        // Both coordinates are required: half an origin is a typo, not a point (so no default here, which TypeBox
        // would merge into half an origin: complete() gives DEFAULT_ORIGIN to a district without one).
        origin: Type.Optional(Type.Object({ lat: degrees(90), lon: degrees(180) }, closed)),
      },
      { ...closed, default: {} },
    ),
    dataDir: text(folder, 'data/controller'),
    // No default here: TypeBox would merge a union's default object into a given broker; complete() fills it.
    broker: Type.Optional(Type.Union([externalBroker, embeddedBroker], { description: 'default: { "embedded": {} }, an MQTT broker inside the controller' })),
    http: Type.Object({ port: whole(0, 65_535, 8080), host: address('127.0.0.1'), tls }, { ...closed, default: {} }),
    publicUrls: Type.Object(
      { broker: Type.Union([url(['mqtt', 'mqtts']), Type.Null()], { default: null }), content: Type.Union([url(['http', 'https']), Type.Null()], { default: null }) },
      { ...closed, default: {}, description: 'the addresses written into provisioning bundles (what a cart dials); by default the listening ones' },
    ),
    serial: Type.Union(
      [Type.Object({ path: text(must('a serial port path such as /dev/ttyUSB0', 'đường dẫn cổng nối tiếp, ví dụ /dev/ttyUSB0')), baudRate: whole(300, 4_000_000, 57_600) }, closed), Type.Null()],
      { default: null },
    ),
    manifestExpiryDays: whole(1, 365, 30),
    commandTtlSeconds: whole(1, 7 * 86_400, 3600),
    staleAfterSeconds: whole(30, 7 * 86_400, 900),
    backup: Type.Object(
      {
        dir: Type.Union([text(folder), Type.Null()], { default: null, ...folder }),
        keep: whole(1, 365, 7),
        hour: whole(0, 23, 2),
        passphraseEnv: Type.String({
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          default: 'LOA_BACKUP_PASSPHRASE',
          ...must('an environment variable name such as LOA_BACKUP_PASSPHRASE', 'tên một biến môi trường, ví dụ LOA_BACKUP_PASSPHRASE'),
        }),
      },
      { ...closed, default: {} },
    ),
    releases: Type.Object(
      {
        keys: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{64}$', ...must('a raw Ed25519 public key, 64 hex digits (loa release keygen prints one)', 'một khoá công khai Ed25519, 64 chữ số hex (loa release keygen in ra)') }), {
          default: [],
          uniqueItems: true,
        }),
      },
      { ...closed, default: {} },
    ),
    scope: scopeSchema,
    reportHeading: reportHeadingSchema,
    summary: summarySchema,
  },
  { ...closed, default: {} },
);

type Written = Static<typeof controllerConfigSchema>;

/** Triệu Sơn (Thanh Hóa): near the middle of the district the demo and the simulators use. */
const DEFAULT_ORIGIN: DistrictOrigin = { lat: 19.82, lon: 105.6 };

/** The configuration the controller uses: TLS decided where left out, URLs without a trailing slash. */
function complete(w: Written): ControllerConfig {
  const trim = (u: string | null): string | null => (u === null ? null : u.replace(/\/+$/, ''));
  const given = w.broker ?? check(embeddedBroker, { embedded: {} });
  const broker: ControllerConfig['broker'] =
    'embedded' in given ? { embedded: { ...given.embedded, tls: given.embedded.tls ?? !isLoopbackHost(given.embedded.host) } } : { ...given, url: trim(given.url)! };
  const scope: ReportScope = { kind: w.scope.kind, name: w.scope.name ?? w.district.name, province: w.scope.province };
  return {
    ...w,
    scope,
    reportHeading: w.reportHeading === null ? null : configuredHeading(w.reportHeading, scope),
    district: { ...w.district, origin: { ...(w.district.origin ?? DEFAULT_ORIGIN) } },
    broker,
    http: { ...w.http, tls: w.http.tls ?? !isLoopbackHost(w.http.host) },
    publicUrls: { broker: trim(w.publicUrls.broker), content: trim(w.publicUrls.content) },
  };
}

export const DEFAULT_CONFIG: ControllerConfig = complete(check(controllerConfigSchema, undefined));

/**
 * What the schema cannot say: client certificates need TLS; a public address speaks what its listener speaks; a
 * province names its province; the embedded broker cannot bridge summaries to a hub.
 */
function controllerRules(w: Written, ctx: RuleContext): void {
  scopeRules(w, ctx);
  if (ctx.valid('broker') && w.broker && 'embedded' in w.broker) {
    const e = w.broker.embedded;
    if (e.clientCertificates && !(e.tls ?? !isLoopbackHost(e.host))) {
      ctx.problem('broker.embedded.clientCertificates', 'needs "tls": true (carts present certificates only over TLS)', 'cần "tls": true (chứng chỉ của xe chỉ dùng được qua TLS)');
    }
  }
  // A cart dialling http:// an HTTPS port never syncs.
  const mismatch = (key: string, value: string | null, secure: boolean, want: string): void => {
    if (value === null || /^(mqtts|https):/.test(value) === secure) return;
    const wanted = value.replace(/^[a-z]+:/, want);
    ctx.problem(key, `${value} does not match the listener (TLS ${secure ? 'on' : 'off'}): write ${wanted}`, `${value} không khớp với máy chủ (TLS ${secure ? 'bật' : 'tắt'}): viết ${wanted}`);
  };
  if (ctx.valid('publicUrls.content') && ctx.valid('http')) {
    const secure = w.http.tls ?? !isLoopbackHost(w.http.host);
    mismatch('publicUrls.content', w.publicUrls.content, secure, secure ? 'https:' : 'http:');
  }
  const embedded = w.broker === undefined ? { host: '127.0.0.1', tls: undefined } : 'embedded' in w.broker ? w.broker.embedded : undefined;
  if (ctx.valid('publicUrls.broker') && ctx.valid('broker') && embedded) {
    const secure = embedded.tls ?? !isLoopbackHost(embedded.host);
    mismatch('publicUrls.broker', w.publicUrls.broker, secure, secure ? 'mqtts:' : 'mqtt:');
  }
}

function scopeRules(w: Written, ctx: RuleContext): void {
  if (ctx.valid('scope') && w.scope.kind === 'province' && w.scope.province === null) {
    ctx.problem('scope.province', 'a province controller names its province: { "code": "38", "name": "Thanh Hóa" }', 'bộ điều khiển cấp tỉnh cần ghi tỉnh: { "code": "38", "name": "Thanh Hóa" }');
  }
  if (!ctx.valid('summary')) return;
  const { enabled, hub } = w.summary;
  if (enabled && hub === null && ctx.valid('broker') && (w.broker === undefined || 'embedded' in w.broker)) {
    ctx.problem('summary.hub', 'the embedded broker cannot bridge to the hub: give the hub\'s broker { "url", "username", "password" }, or use Mosquitto with a bridge', 'broker nhúng không bắc cầu (bridge) tới máy chủ tỉnh được: ghi broker của máy chủ tỉnh { "url", "username", "password" }, hoặc dùng Mosquitto có bridge');
  }
  if (hub !== null && hub.caFile !== null && hub.url.startsWith('mqtt:')) {
    const tls = hub.url.replace(/^mqtt:/, 'mqtts:');
    ctx.problem('summary.hub.caFile', `is used only over TLS: write ${tls} or leave caFile out`, `chỉ dùng với TLS: viết ${tls} hoặc bỏ caFile`);
  }
}

/** Checks a parsed configuration (undefined = all defaults). Throws {@link ConfigError} listing every problem. */
export function validateControllerConfig(input: unknown): ControllerConfig {
  return complete(check(controllerConfigSchema, input, { rules: controllerRules }));
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
  const parsed = await readJsonConfig(path);
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
