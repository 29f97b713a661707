/**
 * The provisioning bundle: everything a technician installs on a new cart, written by `loa controller unit add` as a
 * JSON file readable only by its owner (0600), because it holds the cart's secret key and MQTT password.
 *
 *   { "format": "loa-bundle-1", "district", "unitName", "unitNumber", "commune", "team",
 *     "unitKey" (hex), "districtKeys" ([raw Ed25519 public key, hex]), "broker": { "url", "username", "password" },
 *     "contentUrl", "profile", "sha256" }
 *
 * `sha256` is the SHA-256 (hex) of `JSON.stringify` (no spaces) of the same object without `sha256`, keys in exactly
 * the order above: a check against a bundle damaged on its way (a USB stick, a chat message), not a signature.
 */
import { createHash } from 'node:crypto';
import { writeFileDurably } from '../../lib/durable.js';

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
}

export interface ProvisioningBundle extends BundleFields {
  format: typeof BUNDLE_FORMAT;
  sha256: string;
}

/** A bundle that is not one, or was damaged. */
export class BundleError extends Error {
  readonly code = 'bad-bundle';
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The object without `sha256`, keys in the bundle's fixed order. */
function ordered(f: BundleFields): Omit<ProvisioningBundle, 'sha256'> {
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
  };
}

/** SHA-256 hex of the canonical JSON of the fields. */
export function bundleDigest(fields: BundleFields): string {
  return createHash('sha256').update(JSON.stringify(ordered(fields))).digest('hex');
}

export function makeBundle(fields: BundleFields): ProvisioningBundle {
  return { ...ordered(fields), sha256: bundleDigest(fields) };
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
  if (bad.length > 0) throw new BundleError(`Gói cài đặt thiếu hoặc sai trường ${bad.join(', ')} (the bundle lacks or has bad ${bad.join(', ')})`);
  const bundle = b as unknown as ProvisioningBundle;
  if (bundleDigest(bundle) !== bundle.sha256) {
    throw new BundleError('Gói cài đặt bị hỏng: mã SHA-256 không khớp, hãy xuất lại gói (the bundle is damaged: its SHA-256 does not match; export it again)');
  }
  return bundle;
}

/** Writes the bundle durably, mode 0600, as indented JSON (sha256 last). */
export async function writeBundle(path: string, bundle: ProvisioningBundle): Promise<void> {
  await writeFileDurably(path, `${JSON.stringify(bundle, null, 2)}\n`, 0o600);
}
