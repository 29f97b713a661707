/** Writing the provisioning bundle (protocol/bundle.ts defines it): a 0600 file, because it holds secrets. */
import { writeFileDurably } from '../../lib/durable.js';
import type { ProvisioningBundle } from '../../protocol/index.js';

export { BUNDLE_FORMAT, BundleError, bundleDigest, checkBundle, makeBundle, parseBundle, type BundleFields, type ProvisioningBundle } from '../../protocol/index.js';

/** Writes the bundle durably, mode 0600, as indented JSON (sha256 last). */
export async function writeBundle(path: string, bundle: ProvisioningBundle): Promise<void> {
  await writeFileDurably(path, `${JSON.stringify(bundle, null, 2)}\n`, 0o600);
}
