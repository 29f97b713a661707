// A simulation identity for a cart's data folder: what provisioning would write, with a fresh unit key and the
// district key the test names (a throwaway one by default).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveIdentity, type IdentityJson } from '../../device/identity.js';
import { rawPublicKey } from '../../protocol/index.js';

/** A new data folder (prefix `prefix`) holding a simulation identity, with `over` over the defaults. */
export async function dataDirWithIdentity(prefix: string, over: Partial<IdentityJson> = {}): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  await saveIdentity(dataDir, {
    district: 'sim',
    unitName: 'sim-01',
    unitNumber: 1,
    commune: 'sim',
    team: 'sim',
    unitKey: randomBytes(32).toString('hex'),
    districtKeys: [rawPublicKey(generateKeyPairSync('ed25519').publicKey).toString('hex')],
    broker: null,
    profile: 'pi-4',
    simulation: true,
    ...over,
  });
  return dataDir;
}
