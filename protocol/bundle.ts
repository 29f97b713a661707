/**
 * The provisioning bundle: everything a technician installs on a new cart, written by the district
 * (`loa controller unit add`, readable by its owner only: it holds the cart's secret key and MQTT password) and
 * installed by the cart (`loa unit provision`). Both programs read and write it through this file.
 *
 *   { "format": "loa-bundle-1", "district", "unitName", "unitNumber", "commune", "team",
 *     "unitKey" (hex), "districtKeys" ([raw Ed25519 public key, hex]), "broker": { "url", "username", "password" },
 *     "contentUrl", "profile", "origin": { "lat", "lon" }, "sha256" }
 *
 * `origin` is the district origin the cart's fixes are offsets from (origin.ts): the one the district stored for the
 * unit when it registered it. A bundle written before origins existed has none and reads as 0, 0, which is what the
 * district stored for the units registered then.
 *
 * `sha256` is the SHA-256 (hex) of `JSON.stringify` (no spaces) of the same object without `sha256`, keys in exactly
 * the order above, `origin` included only when the bundle has it (so an older bundle still checks): a check against
 * a bundle damaged on its way (a USB stick, a chat message), not a signature.
 */
import { createHash } from 'node:crypto';
import { NO_ORIGIN, originProblem, toOrigin, type DistrictOrigin } from './origin.js';

export const BUNDLE_FORMAT = 'loa-bundle-1';

export interface BundleFields {
  district: string;
  unitName: string;
  unitNumber: number;
  commune: string;
  team: string;
  unitKey: string;
  districtKeys: string[];
  broker: { url: string; username: string; password: string };
  contentUrl: string;
  profile: string;
  /** The district origin the cart encodes its fixes from: the unit's, as the district's registry stored it. */
  origin: DistrictOrigin;
}

/** The fields as a bundle file holds them: `origin` is missing from the ones written before it existed. */
export type WrittenBundleFields = Omit<BundleFields, 'origin'> & { origin?: DistrictOrigin };

/**
 * A checked bundle. `origin` is always there (0, 0 for a bundle written before origins); `sha256` is the one the
 * file was written with.
 */
export interface ProvisioningBundle extends BundleFields {
  format: typeof BUNDLE_FORMAT;
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

/** The object without `sha256`, keys in the bundle's fixed order; `origin` last, when there is one. */
function ordered(f: WrittenBundleFields): Omit<ProvisioningBundle, 'sha256' | 'origin'> & { origin?: DistrictOrigin } {
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
  };
}

/** SHA-256 hex of the canonical JSON of the fields (`origin` counted only when given). */
export function bundleDigest(fields: WrittenBundleFields): string {
  return createHash('sha256').update(JSON.stringify(ordered(fields))).digest('hex');
}

/** A new bundle; it always states its origin. Throws a RangeError for an origin off the globe. */
export function makeBundle(fields: BundleFields): ProvisioningBundle {
  const problem = originProblem(fields.origin);
  if (problem !== null) throw new RangeError(`origin: ${problem}`);
  return { ...ordered(fields), origin: toOrigin(fields.origin), sha256: bundleDigest(fields) };
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

/** Checks parsed bundle JSON: format, the fields' types, and the digest. */
export function checkBundle(value: unknown): ProvisioningBundle {
  const b = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT) throw new BundleError(`Không phải gói cài đặt ${BUNDLE_FORMAT} (not a ${BUNDLE_FORMAT} bundle: format is ${JSON.stringify(b.format)})`);
  const broker = b.broker as Record<string, unknown> | undefined;
  const strings = ['district', 'unitName', 'commune', 'team', 'unitKey', 'contentUrl', 'profile', 'sha256'];
  const bad = strings.filter((k) => typeof b[k] !== 'string');
  if (!Number.isInteger(b.unitNumber)) bad.push('unitNumber');
  if (!Array.isArray(b.districtKeys) || !b.districtKeys.every((k) => typeof k === 'string')) bad.push('districtKeys');
  if (!broker || !['url', 'username', 'password'].every((k) => typeof broker[k] === 'string')) bad.push('broker');
  const originBad = b.origin === undefined ? null : originProblem(b.origin);
  if (originBad !== null) bad.push(`origin (${originBad})`);
  if (bad.length > 0) throw new BundleError(`Gói cài đặt thiếu hoặc sai trường ${bad.join(', ')} (the bundle lacks or has bad ${bad.join(', ')})`);
  const written = b as unknown as WrittenBundleFields & { sha256: string };
  if (bundleDigest(written) !== written.sha256) {
    throw new BundleError('Gói cài đặt bị hỏng: mã SHA-256 không khớp, hãy xuất lại gói (the bundle is damaged: its SHA-256 does not match; export it again)', 'damaged');
  }
  const origin = written.origin === undefined ? { ...NO_ORIGIN } : toOrigin(written.origin);
  return { ...ordered(written), origin, sha256: written.sha256 };
}
