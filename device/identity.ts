/**
 * Who this cart is, written at provisioning: `identity.json` in the data folder, readable only by its owner (0600). It
 * holds the cart's secret key and the pinned district public key(s), so a cart never trusts a key it was not given,
 * and, for a district whose controller speaks TLS, the pinned district CA certificate with the cart's client
 * certificate and its private key (another secret).
 */
import type { KeyObject } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../lib/config-error.js';
import { writeFileDurably } from '../lib/durable.js';
import { check, must, secret, Type, type RuleContext, type Static } from '../lib/schema.js';
import { NO_ORIGIN, originSchema, publicKeyFromRaw, rawPublicKey, tlsProblem, tlsSchema, TOPIC_NAME, toOrigin, type BundleTls, type DistrictOrigin } from '../protocol/index.js';

export interface CartIdentity {
  district: string;
  /** Topic-safe name, e.g. `dan-luc-01`. */
  unitName: string;
  /** The number in the district registry, carried in every frame. */
  unitNumber: number;
  commune: string;
  team: string;
  /** 32-byte secret shared with the district only. */
  unitKey: Buffer;
  /** Pinned district public keys (raw Ed25519), newest last. */
  districtKeys: KeyObject[];
  /** Pinned release public keys (raw Ed25519): the only keys software updates may be signed by; none = no updates. */
  releaseKeys: KeyObject[];
  broker: { url: string; username: string; password: string } | null;
  /** The district controller's HTTP address, where signed manifests and clips are fetched; null = none. */
  contentUrl: string | null;
  /** Board profile name (hardware/board/profiles.ts). */
  profile: string;
  /**
   * The district origin the cart's live fixes are sent as offsets from: the one in its bundle, which the district
   * keeps with its key. 0, 0 for a cart provisioned before origins existed (its district stored 0, 0 for it too).
   */
  origin: DistrictOrigin;
  /**
   * The TLS material from the bundle (PEM): the district CA pinned for the controller (MQTT over TLS, HTTPS), the
   * cart's client certificate and its key. Null for a cart of a district without TLS (or provisioned before it).
   */
  tls: BundleTls | null;
  /** A throwaway identity made by `loa unit run --sim`: refused without --sim. */
  simulation: boolean;
}

export class IdentityError extends Error {
  readonly code = 'LOA_IDENTITY';
}

export const IDENTITY_FILE = 'identity.json';

const name = Type.String({ pattern: TOPIC_NAME.source, ...must('a-z, 0-9 and - (1–32)', 'a-z, 0-9 và - (1–32)') });
const hex32 = (en: string, vi: string) => Type.String({ pattern: '^[0-9a-fA-F]{64}$', ...must(en, vi) });

/**
 * `identity.json` as written by provisioning. Open: a key it does not name is kept for whoever reads it.
 */
export const identitySchema = Type.Object({
  district: name,
  unitName: name,
  unitNumber: Type.Integer({ minimum: 1 }),
  commune: name,
  team: name,
  unitKey: Type.String({ pattern: '^[0-9a-fA-F]{64}$', ...secret, ...must('64 hex digits (32 bytes)', '64 chữ số hex (32 byte)') }),
  districtKeys: Type.Array(hex32('64 hex digits', '64 chữ số hex'), {
    minItems: 1,
    ...must('a list of at least one pinned district public key (64 hex digits)', 'một danh sách ít nhất một khóa công khai của huyện (64 chữ số hex)'),
  }),
  broker: Type.Optional(
    Type.Union([Type.Object({ url: Type.String(), username: Type.String(), password: Type.String(secret) }), Type.Null()], must('null or { url, username, password }', 'null hoặc { url, username, password }')),
  ),
  contentUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://' }), Type.Null()], must('null or an http(s) URL', 'null hoặc một địa chỉ http(s)'))),
  profile: Type.String(must('a board profile name', 'tên một bo mạch')),
  /** Missing from identities written before origins existed: 0, 0. */
  origin: Type.Optional(originSchema),
  /** Missing from identities provisioned before releases: such a cart takes no software update. */
  releaseKeys: Type.Optional(Type.Array(hex32('64 hex digits', '64 chữ số hex'), must('a list of release public keys (64 hex digits)', 'một danh sách khoá công khai phát hành (64 chữ số hex)'))),
  /** Missing (or null) without TLS. */
  tls: Type.Optional(Type.Union([tlsSchema, Type.Null()], must('null or { "ca", "cert", "key" } (PEM)', 'null hoặc { "ca", "cert", "key" } (PEM)'))),
  simulation: Type.Optional(Type.Boolean()),
});

export type IdentityJson = Static<typeof identitySchema>;

/** The PEM labels of the TLS material, which the schema does not check. */
function identityRules(o: IdentityJson, ctx: RuleContext): void {
  const bad = ctx.valid('tls') && o.tls ? tlsProblem(o.tls) : null;
  if (bad !== null) ctx.problem('tls', bad);
}

export function identityToJson(id: CartIdentity): IdentityJson {
  return {
    district: id.district,
    unitName: id.unitName,
    unitNumber: id.unitNumber,
    commune: id.commune,
    team: id.team,
    unitKey: id.unitKey.toString('hex'),
    districtKeys: id.districtKeys.map((k) => rawPublicKey(k).toString('hex')),
    releaseKeys: id.releaseKeys.map((k) => rawPublicKey(k).toString('hex')),
    broker: id.broker,
    contentUrl: id.contentUrl,
    profile: id.profile,
    origin: { ...id.origin },
    tls: id.tls === null ? null : { ...id.tls },
    simulation: id.simulation,
  };
}

/** Validates parsed JSON ({@link identitySchema}); every problem is listed with the key that has it. */
export function identityFromJson(value: unknown, where: string): CartIdentity {
  let o: IdentityJson;
  try {
    o = check(identitySchema, value, { rules: identityRules });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new IdentityError(`${where}: ${err.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  return {
    district: o.district,
    unitName: o.unitName,
    unitNumber: o.unitNumber,
    commune: o.commune,
    team: o.team,
    unitKey: Buffer.from(o.unitKey, 'hex'),
    districtKeys: o.districtKeys.map((k) => publicKeyFromRaw(Buffer.from(k, 'hex'))),
    releaseKeys: (o.releaseKeys ?? []).map((k) => publicKeyFromRaw(Buffer.from(k, 'hex'))),
    broker: o.broker ?? null,
    contentUrl: o.contentUrl ?? null,
    profile: o.profile,
    origin: o.origin === undefined ? { ...NO_ORIGIN } : toOrigin(o.origin),
    tls: o.tls ? { ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key } : null,
    simulation: o.simulation === true,
  };
}

/** Reads the identity, or null when the cart has not been provisioned. */
export async function loadIdentity(dataDir: string): Promise<CartIdentity | null> {
  const path = join(dataDir, IDENTITY_FILE);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new IdentityError(`${path} is not valid JSON (${(err as Error).message}): provision the cart again`);
  }
  return identityFromJson(parsed, path);
}

export async function saveIdentity(dataDir: string, json: IdentityJson): Promise<void> {
  const path = join(dataDir, IDENTITY_FILE);
  // Written 0600 from the start: the file holds the cart's secret key.
  await writeFileDurably(path, JSON.stringify(json, null, 2) + '\n', 0o600);
  await chmod(path, 0o600);
}
