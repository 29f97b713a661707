/**
 * The provisioning bundle: everything a technician installs on a new cart, written by the district
 * (`loa controller unit add`, readable by its owner only: it holds the cart's secret key and MQTT password) and
 * installed by the cart (`loa unit provision`). Both programs read and write it through this file.
 *
 *   { "format": "loa-bundle-1", "district", "unitName", "unitNumber", "commune", "team",
 *     "unitKey" (hex), "districtKeys" ([raw Ed25519 public key, hex]), "broker": { "url", "username", "password" },
 *     "contentUrl", "profile", "origin": { "lat", "lon" }, "highWater": { "boot", "record" },
 *     "tls": { "ca", "cert", "key" }, "releaseKeys" ([raw Ed25519 public key, hex]), "sha256" }
 *
 * `releaseKeys` are the keys the cart pins for software releases (protocol/release.ts): not the district's key, so
 * that a stolen district key cannot push code. Missing (and left out of the digest) when the district has none:
 * such a cart refuses every release until it is provisioned again.
 *
 * `origin` is the district origin the cart's fixes are offsets from (origin.ts): the one the district stored for the
 * unit when it registered it. A bundle written before origins existed has none and reads as 0, 0, which is what the
 * district stored for the units registered then.
 *
 * `highWater` is the highest boot and the highest record number the district has stored for the unit when it wrote
 * the bundle (0, 0 for a new unit): a cart provisioned with it boots above that boot and numbers its records above
 * that record, so a cart re-provisioned into an empty data folder (a new SD card) is not dropped as a replay and
 * never reuses a record number (SPEC.md 2.1 and 3). A bundle written before high-water marks has none and reads as
 * 0, 0: the cart then starts from its own counters, as before.
 *
 * `tls` is for a district whose controller speaks TLS (MQTT over TLS, HTTPS), PEM text: `ca` the district CA's
 * certificate, which the cart pins (it trusts no other root for its controller), `cert` the cart's own client
 * certificate (common name = the unit's id) and `key` its private key (PKCS#8, "BEGIN PRIVATE KEY") — a secret like
 * `unitKey`. A bundle without TLS has none (or `null`) and reads as null: the cart then dials plain, or trusts the
 * system's roots for an `mqtts://` or `https://` address, as before.
 *
 * `sha256` is the SHA-256 (hex) of `JSON.stringify` (no spaces) of the same object without `sha256`, keys in exactly
 * the order above, `origin`, `highWater` and `tls` each included only when the bundle has it (`tls` only when it is
 * an object, not `null`), so an older bundle still checks: a check against a bundle damaged on its way (a USB stick,
 * a chat message), not a signature.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../lib/config-error.js';
import { check, must, secret, Type, type RuleContext, type Static } from '../lib/schema.js';
import { MAX_VARINT } from './bytes.js';
import { NO_ORIGIN, originProblem, toOrigin, type DistrictOrigin } from './origin.js';

export const BUNDLE_FORMAT = 'loa-bundle-1';

const degrees = (limit: number) => Type.Number({ minimum: -limit, maximum: limit, ...must(`a number of degrees from -${limit} to ${limit}`, `một số độ từ -${limit} đến ${limit}`) });
/** A district origin, degrees (origin.ts). */
export const originSchema = Type.Object({ lat: degrees(90), lon: degrees(180) }, { description: 'the district origin the cart encodes its fixes from' });
const mark = Type.Integer({ minimum: 0, maximum: MAX_VARINT - 1 });

/** The highest boot and record number the district stored for a unit (0 when none). */
const highWaterSchema = Type.Object({ boot: mark, record: mark });

/** The cart's TLS material, PEM: the district CA it pins, its client certificate (CN = unit id) and that key. */
export const tlsSchema = Type.Object({
  ca: Type.String({ description: 'the district CA certificate: the only root the cart trusts for its controller' }),
  cert: Type.String({ description: "the cart's client certificate, issued by that CA" }),
  key: Type.String({ ...secret, description: 'its private key, PKCS#8 ("-----BEGIN PRIVATE KEY-----")' }),
});

/** A provisioning bundle file (see the top of this file); `origin`, `highWater` and `tls` are missing from older ones. */
export const bundleSchema = Type.Object({
  format: Type.Literal(BUNDLE_FORMAT),
  district: Type.String(),
  unitName: Type.String(),
  unitNumber: Type.Integer(),
  commune: Type.String(),
  team: Type.String(),
  unitKey: Type.String({ ...secret, description: "the cart's secret key, hex" }),
  districtKeys: Type.Array(Type.String(), { description: 'raw Ed25519 public keys, hex, that the cart pins' }),
  broker: Type.Object({ url: Type.String(), username: Type.String(), password: Type.String(secret) }),
  contentUrl: Type.String(),
  profile: Type.String(),
  origin: Type.Optional(originSchema),
  highWater: Type.Optional(highWaterSchema),
  tls: Type.Optional(Type.Union([tlsSchema, Type.Null()], must('null or { "ca", "cert", "key" } (PEM)', 'null hoặc { "ca", "cert", "key" } (PEM)'))),
  releaseKeys: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{64}$', ...must('64 hex digits', '64 chữ số hex') }), { description: 'raw Ed25519 release public keys, hex, that the cart pins for software' })),
  sha256: Type.String({ description: 'SHA-256 (hex) of the canonical JSON of the rest: a check against damage, not a signature' }),
});

export type BundleHighWater = Static<typeof highWaterSchema>;
export type BundleTls = Static<typeof tlsSchema>;

/** What a bundle without `highWater` reads as: nothing stored, the cart keeps its own counters. */
export const NO_HIGH_WATER: BundleHighWater = Object.freeze({ boot: 0, record: 0 });

/** What a new bundle is made of (`makeBundle`): every field but the format and the digest, `origin` and `highWater` required. */
export type BundleFields = Omit<Static<typeof bundleSchema>, 'format' | 'sha256' | 'origin' | 'highWater' | 'releaseKeys'> & { origin: DistrictOrigin; highWater: BundleHighWater; releaseKeys?: string[] };

/**
 * The fields as a bundle file holds them: `origin`, `highWater` and `tls` are missing from the ones written before
 * them (and `tls` from the ones of a district without TLS).
 */
export type WrittenBundleFields = Omit<BundleFields, 'origin' | 'highWater'> & { origin?: DistrictOrigin; highWater?: BundleHighWater };

/**
 * A checked bundle. `origin` and `highWater` are always there (0, 0 for a bundle written before them), `tls` too
 * (null for a bundle without TLS); `sha256` is the one the file was written with.
 */
export interface ProvisioningBundle extends BundleFields {
  format: typeof BUNDLE_FORMAT;
  tls: BundleTls | null;
  releaseKeys: string[];
  sha256: string;
}

/** A bundle that is not one (`bad-bundle`), or was damaged on its way (`damaged`). */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly code: 'bad-bundle' | 'damaged' = 'bad-bundle',
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The object without `sha256`, keys in the bundle's fixed order; `origin`, `highWater` and `tls` last, when there. */
function ordered(
  f: WrittenBundleFields,
): Omit<ProvisioningBundle, 'sha256' | 'origin' | 'highWater' | 'tls' | 'releaseKeys'> & { origin?: DistrictOrigin; highWater?: BundleHighWater; tls?: BundleTls; releaseKeys?: string[] } {
  return {
    format: BUNDLE_FORMAT,
    district: f.district,
    unitName: f.unitName,
    unitNumber: f.unitNumber,
    commune: f.commune,
    team: f.team,
    unitKey: f.unitKey,
    districtKeys: [...f.districtKeys],
    broker: { url: f.broker.url, username: f.broker.username, password: f.broker.password },
    contentUrl: f.contentUrl,
    profile: f.profile,
    ...(f.origin === undefined ? {} : { origin: { lat: f.origin.lat, lon: f.origin.lon } }),
    ...(f.highWater === undefined ? {} : { highWater: { boot: f.highWater.boot, record: f.highWater.record } }),
    ...(f.tls === undefined || f.tls === null ? {} : { tls: { ca: f.tls.ca, cert: f.tls.cert, key: f.tls.key } }),
    ...(f.releaseKeys === undefined || f.releaseKeys.length === 0 ? {} : { releaseKeys: [...f.releaseKeys] }),
  };
}

/** One or more PEM blocks labelled `label`, and nothing else but white space around them. */
function pemBlocks(label: string, many: boolean): RegExp {
  const block = `-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----`;
  return new RegExp(`^\\s*${block}${many ? `(?:\\s*${block})*` : ''}\\s*$`);
}

const PEM_CHECKS = [
  { key: 'ca', label: 'CERTIFICATE', pattern: pemBlocks('CERTIFICATE', true) },
  { key: 'cert', label: 'CERTIFICATE', pattern: pemBlocks('CERTIFICATE', true) },
  { key: 'key', label: 'PRIVATE KEY', pattern: pemBlocks('PRIVATE KEY', false) },
] as const;

/**
 * What is wrong with `value` as a bundle's TLS material (English, naming the bad part), or null when it is
 * `{ "ca", "cert", "key" }`: PEM text with the labels CERTIFICATE, CERTIFICATE and PRIVATE KEY. Only the shape is
 * checked here (no I/O, no parsing of the certificates): the cart's TLS stack refuses a bad one when it dials.
 */
export function tlsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${JSON.stringify(value) ?? 'nothing'} must be null or { "ca", "cert", "key" } (PEM)`;
  const problems: string[] = [];
  for (const { key, label, pattern } of PEM_CHECKS) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'string' || !pattern.test(v)) {
      const seen = typeof v === 'string' ? (/-----BEGIN ([A-Z0-9 ]+)-----/.exec(v)?.[1] ?? 'no PEM') : typeof v;
      problems.push(`${key} must be PEM "-----BEGIN ${label}-----" … "-----END ${label}-----", got ${seen}`);
    }
  }
  return problems.length === 0 ? null : problems.join('; ');
}

/**
 * What is wrong with `value` as high-water marks (English, repeating the bad value), or null when they are:
 * `{ "boot": 0…, "record": 0… }`, whole numbers below the largest the protocol carries (the cart goes one above).
 */
export function highWaterProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${JSON.stringify(value) ?? 'nothing'} must be { "boot": number, "record": number }`;
  for (const key of ['boot', 'record'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v >= MAX_VARINT) return `${key} ${String(v)} must be a whole number from 0 to ${MAX_VARINT - 1}`;
  }
  return null;
}

/** SHA-256 hex of the canonical JSON of the fields (`origin` and `highWater` counted only when given). */
export function bundleDigest(fields: WrittenBundleFields): string {
  return createHash('sha256').update(JSON.stringify(ordered(fields))).digest('hex');
}

/**
 * A new bundle; it always states its origin and high-water marks, and its TLS material when given (`tls: null`
 * otherwise, which the digest does not cover). Throws a RangeError for an origin off the globe, marks that are not
 * whole numbers in range, or TLS material that is not PEM with the right labels.
 */
export function makeBundle(fields: BundleFields): ProvisioningBundle {
  const problem = originProblem(fields.origin);
  if (problem !== null) throw new RangeError(`origin: ${problem}`);
  const marks = highWaterProblem(fields.highWater);
  if (marks !== null) throw new RangeError(`highWater: ${marks}`);
  const tlsBad = fields.tls === undefined || fields.tls === null ? null : tlsProblem(fields.tls);
  if (tlsBad !== null) throw new RangeError(`tls: ${tlsBad}`);
  const tls = fields.tls ? { ca: fields.tls.ca, cert: fields.tls.cert, key: fields.tls.key } : null;
  return { ...ordered(fields), origin: toOrigin(fields.origin), highWater: { ...fields.highWater }, tls, releaseKeys: [...(fields.releaseKeys ?? [])], sha256: bundleDigest(fields) };
}

/**
 * The text of a bundle file (2-space JSON, a final newline), `tls` left out when null: a bundle without TLS is the
 * same file as before TLS existed (older carts read it), and its `sha256` is that of everything else in the file.
 */
export function bundleFile(b: ProvisioningBundle): string {
  const { tls, releaseKeys, ...rest } = b;
  const { sha256, ...fields } = rest;
  return `${JSON.stringify({ ...fields, ...(tls === null ? {} : { tls }), ...(releaseKeys.length === 0 ? {} : { releaseKeys }), sha256 }, null, 2)}\n`;
}

/** Parses a bundle file's bytes and checks it. */
export function parseBundle(bytes: Uint8Array | string): ProvisioningBundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new BundleError(`Gói cài đặt không phải JSON hợp lệ, hãy xuất lại gói (the bundle is not valid JSON: ${(err as Error).message}; export it again)`, 'damaged');
  }
  return checkBundle(parsed);
}

/** The PEM labels, which the schema does not check (PEM_CHECKS): a CA where the key goes is caught here. */
function bundleRules(b: Static<typeof bundleSchema>, ctx: RuleContext): void {
  if (ctx.valid('tls') && b.tls) {
    const bad = tlsProblem(b.tls);
    if (bad !== null) ctx.problem('tls', bad);
  }
}

/** Checks parsed bundle JSON: format, the fields' types (bundleSchema), and the digest. */
export function checkBundle(value: unknown): ProvisioningBundle {
  const format = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).format : undefined;
  if (format !== BUNDLE_FORMAT) throw new BundleError(`Không phải gói cài đặt ${BUNDLE_FORMAT} (not a ${BUNDLE_FORMAT} bundle: format is ${JSON.stringify(format)})`);
  let written: Static<typeof bundleSchema>;
  try {
    written = check(bundleSchema, value, { rules: bundleRules });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const bad = err.problems.map((p) => `${p.path} (${p.message})`).join(', ');
    throw new BundleError(`Gói cài đặt thiếu hoặc sai trường ${bad} (the bundle lacks or has bad ${bad})`);
  }
  if (bundleDigest(written) !== written.sha256) {
    throw new BundleError('Gói cài đặt bị hỏng: mã SHA-256 không khớp, hãy xuất lại gói (the bundle is damaged: its SHA-256 does not match; export it again)', 'damaged');
  }
  const origin = written.origin === undefined ? { ...NO_ORIGIN } : toOrigin(written.origin);
  const highWater = written.highWater === undefined ? { ...NO_HIGH_WATER } : { boot: written.highWater.boot, record: written.highWater.record };
  const tls = written.tls ? { ca: written.tls.ca, cert: written.tls.cert, key: written.tls.key } : null;
  return { ...ordered(written), origin, highWater, tls, releaseKeys: [...(written.releaseKeys ?? [])], sha256: written.sha256 };
}
