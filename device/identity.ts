/**
 * Who this cart is, written at provisioning: `identity.json` in the data folder, readable only by its owner (0600). It
 * holds the cart's secret key and the pinned district public key(s), so a cart never trusts a key it was not given,
 * and, for a district whose controller speaks TLS, the pinned district CA certificate with the cart's client
 * certificate and its private key (another secret).
 */
import type { KeyObject } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_ORIGIN, originProblem, publicKeyFromRaw, rawPublicKey, tlsProblem, TOPIC_NAME, toOrigin, UNIT_KEY_LENGTH, type BundleTls, type DistrictOrigin } from '../protocol/index.js';
import { writeFileDurably } from '../lib/durable.js';

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

export interface IdentityJson {
  district: string;
  unitName: string;
  unitNumber: number;
  commune: string;
  team: string;
  unitKey: string;
  districtKeys: string[];
  broker: { url: string; username: string; password: string } | null;
  contentUrl?: string | null;
  profile: string;
  /** Missing from identities written before origins existed: 0, 0. */
  origin?: DistrictOrigin;
  /** Missing (or null) without TLS. */
  tls?: BundleTls | null;
  simulation?: boolean;
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
    broker: id.broker,
    contentUrl: id.contentUrl,
    profile: id.profile,
    origin: { ...id.origin },
    tls: id.tls === null ? null : { ...id.tls },
    simulation: id.simulation,
  };
}

/** Validates parsed JSON; every problem is listed with the key that has it. */
export function identityFromJson(value: unknown, where: string): CartIdentity {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof IdentityJson, unknown>>;
  const problems: string[] = [];
  const name = (k: 'district' | 'unitName' | 'commune' | 'team'): string => {
    const v = o[k];
    if (typeof v !== 'string' || !TOPIC_NAME.test(v)) problems.push(`${k}: ${JSON.stringify(v)} must be a-z, 0-9 and - (1–32)`);
    return String(v);
  };
  const district = name('district');
  const unitName = name('unitName');
  const commune = name('commune');
  const team = name('team');
  const unitNumber = o.unitNumber;
  if (typeof unitNumber !== 'number' || !Number.isInteger(unitNumber) || unitNumber < 1) problems.push(`unitNumber: ${JSON.stringify(unitNumber)} must be a whole number ≥ 1`);
  const unitKey = typeof o.unitKey === 'string' && /^[0-9a-f]{64}$/i.test(o.unitKey) ? Buffer.from(o.unitKey, 'hex') : null;
  if (unitKey === null || unitKey.length !== UNIT_KEY_LENGTH) problems.push('unitKey: must be 64 hex digits (32 bytes)');
  const keys: KeyObject[] = [];
  if (!Array.isArray(o.districtKeys) || o.districtKeys.length === 0) problems.push('districtKeys: at least one pinned district public key (64 hex digits) is needed');
  else
    for (const [i, k] of o.districtKeys.entries()) {
      if (typeof k === 'string' && /^[0-9a-f]{64}$/i.test(k)) keys.push(publicKeyFromRaw(Buffer.from(k, 'hex')));
      else problems.push(`districtKeys[${i}]: ${JSON.stringify(k)} is not 64 hex digits`);
    }
  const broker = o.broker ?? null;
  if (broker !== null && (typeof broker !== 'object' || typeof (broker as { url?: unknown }).url !== 'string')) problems.push('broker: must be null or { url, username, password }');
  const contentUrl = o.contentUrl ?? null;
  if (contentUrl !== null && (typeof contentUrl !== 'string' || !/^https?:\/\//.test(contentUrl))) problems.push(`contentUrl: ${JSON.stringify(contentUrl)} must be null or an http(s) URL`);
  if (typeof o.profile !== 'string') problems.push(`profile: ${JSON.stringify(o.profile)} must be a board profile name`);
  const originBad = o.origin === undefined ? null : originProblem(o.origin);
  if (originBad !== null) problems.push(`origin: ${originBad}`);
  const tls = o.tls ?? null;
  const tlsBad = tls === null ? null : tlsProblem(tls);
  if (tlsBad !== null) problems.push(`tls: ${tlsBad}`);
  if (problems.length > 0) throw new IdentityError(`${where}: ${problems.join('; ')}`);
  return {
    district,
    unitName,
    unitNumber: unitNumber as number,
    commune,
    team,
    unitKey: unitKey!,
    districtKeys: keys,
    broker: broker as CartIdentity['broker'],
    contentUrl: contentUrl as string | null,
    profile: o.profile as string,
    origin: o.origin === undefined ? { ...NO_ORIGIN } : toOrigin(o.origin),
    tls: tls === null ? null : { ca: (tls as BundleTls).ca, cert: (tls as BundleTls).cert, key: (tls as BundleTls).key },
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
