/** Writing the provisioning bundle (protocol/bundle.ts defines it): a 0600 file, because it holds secrets. */
import { writeFileDurably } from '../../lib/durable.js';
import { bundleFile, makeBundle, NO_HIGH_WATER, type BundleTls, type ProvisioningBundle } from '../../protocol/index.js';
import type { Unit } from '../fleet/registry.js';

export { BUNDLE_FORMAT, BundleError, bundleDigest, checkBundle, makeBundle, parseBundle, type BundleFields, type BundleHighWater, type BundleTls, type ProvisioningBundle } from '../../protocol/index.js';

/** What a unit's bundle needs beside the registry's unit. */
export interface UnitBundleOptions {
  district: string;
  /** The unit's MQTT password: known only right after `addUnit` or `resetUnitPassword`. */
  password: string;
  /** Raw Ed25519 public keys, hex, that the cart pins. */
  districtKeys: string[];
  brokerUrl: string;
  contentUrl: string;
  /**
   * The highest boot and record number stored for the unit (`FleetRegistry.highWater`): the cart starts above both.
   * Default 0, 0: right only for a unit just added, never for a bundle issued again.
   */
  highWater?: { boot: number; record: number };
  /** The district CA the cart pins and its own client certificate and key (controller/tls/); none without TLS. */
  tls?: BundleTls | null;
  /** The release public keys (hex, the configuration's `releases.keys`) the cart pins for software. */
  releaseKeys?: readonly string[];
}

/**
 * The bundle of a registered unit. Name, number, key and origin all come from the registry's row, so the cart
 * encodes its fixes from the very origin the ingest reads them with; the high-water marks from what the district
 * stored, so a cart provisioned into an empty data folder neither boots at nor numbers records at what it has.
 */
export function unitBundle(unit: Unit, o: UnitBundleOptions): ProvisioningBundle {
  return makeBundle({
    district: o.district,
    unitName: unit.id,
    unitNumber: unit.number,
    commune: unit.commune,
    team: unit.team,
    unitKey: unit.key.toString('hex'),
    districtKeys: [...o.districtKeys],
    broker: { url: o.brokerUrl, username: unit.id, password: o.password },
    contentUrl: o.contentUrl,
    profile: unit.profile,
    origin: unit.origin,
    highWater: { ...(o.highWater ?? NO_HIGH_WATER) },
    tls: o.tls ?? null,
    releaseKeys: [...(o.releaseKeys ?? [])],
  });
}

/** Writes the bundle durably, mode 0600, as indented JSON (sha256 last; no `tls` key without TLS). */
export async function writeBundle(path: string, bundle: ProvisioningBundle): Promise<void> {
  await writeFileDurably(path, bundleFile(bundle), 0o600);
}
