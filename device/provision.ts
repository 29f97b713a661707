/**
 * Provisioning: a technician installs the bundle the district wrote for this cart (`loa controller unit add`) —
 * from a file, or over a USB serial cable to a cart waiting in provisioning mode. A bundle for another district, a
 * damaged one (its SHA-256 does not match), or one that would overwrite a simulation's data is refused. Provisioning
 * again keeps the cart's records (`cart.db`, the clip cache): only `identity.json` is replaced.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { BundleError, parseBundle } from '../protocol/index.js';
import { identityFromJson, loadIdentity, saveIdentity } from './identity.js';

export class ProvisionError extends Error {
  constructor(
    readonly code: 'bad-bundle' | 'damaged' | 'other-district' | 'simulation-data',
    message: string,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

export interface ProvisionResult {
  unitName: string;
  unitNumber: number;
  district: string;
  commune: string;
  team: string;
  broker: string | null;
  contentUrl: string | null;
  profile: string;
  /** True when the cart already had an identity of this district (its records are kept). */
  again: boolean;
}

/** Installs a bundle into a cart's data folder. */
export async function provision(dataDir: string, bytes: Buffer | string): Promise<ProvisionResult> {
  let b;
  try {
    b = parseBundle(bytes);
  } catch (err) {
    if (err instanceof BundleError) throw new ProvisionError(err.code, err.message);
    throw err;
  }
  const current = await loadIdentity(dataDir).catch(() => null);
  if (current?.simulation) {
    throw new ProvisionError('simulation-data', `${dataDir} holds a simulation's identity and records: provision the cart in an empty data folder`);
  }
  if (current && current.district !== b.district) {
    throw new ProvisionError('other-district', `this cart belongs to district "${current.district}"; the bundle is for "${b.district}". A cart moves to another district only after its data folder is cleared by a technician.`);
  }
  const json = {
    district: b.district,
    unitName: b.unitName,
    unitNumber: b.unitNumber,
    commune: b.commune,
    team: b.team,
    unitKey: b.unitKey,
    districtKeys: b.districtKeys,
    broker: b.broker,
    contentUrl: b.contentUrl,
    profile: b.profile,
    // The origin the district stored for this unit: the cart's fixes must be offsets from the same one.
    origin: b.origin,
    simulation: false,
  };
  // The same validation the cart runs at start, before anything is written: a bad value fails here, not at the next
  // boot, and the identity already there stays.
  try {
    identityFromJson(json, 'bundle');
  } catch (err) {
    throw new ProvisionError('bad-bundle', (err as Error).message);
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await saveIdentity(dataDir, json);
  return {
    unitName: b.unitName,
    unitNumber: b.unitNumber,
    district: b.district,
    commune: b.commune,
    team: b.team,
    broker: b.broker.url,
    contentUrl: b.contentUrl,
    profile: b.profile,
    again: current !== null,
  };
}

export async function provisionFromFile(dataDir: string, file: string): Promise<ProvisionResult> {
  return provision(dataDir, await readFile(file));
}
