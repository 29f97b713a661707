/**
 * Provisioning: a technician installs the bundle the district wrote for this cart (`loa controller unit add`) —
 * from a file, or over a USB serial cable to a cart waiting in provisioning mode. A bundle for another district, a
 * damaged one (its SHA-256 does not match), or one that would overwrite a simulation's data is refused. Provisioning
 * again keeps the cart's records (`cart.db`, the clip cache): only `identity.json` is replaced.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { identityFromJson, loadIdentity, saveIdentity } from './identity.js';

export const BUNDLE_FORMAT = 'loa-bundle-1';

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  district: string;
  unitName: string;
  unitNumber: number;
  commune: string;
  team: string;
  unitKey: string;
  districtKeys: string[];
  broker: { url: string; username: string; password: string } | null;
  contentUrl: string | null;
  profile: string;
  sha256: string;
}

export class ProvisionError extends Error {
  constructor(
    readonly code: 'bad-bundle' | 'damaged' | 'other-district' | 'simulation-data',
    message: string,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

/** The SHA-256 a bundle carries: of its JSON without the `sha256` field, keys in the order written. */
export function bundleDigest(bundle: Record<string, unknown>): string {
  const { sha256: _omit, ...rest } = bundle;
  void _omit;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

export function parseBundle(bytes: Buffer | string): Bundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString());
  } catch (err) {
    throw new ProvisionError('damaged', `the bundle is not valid JSON (${(err as Error).message}): ask the district for a new one`);
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { format?: unknown }).format !== BUNDLE_FORMAT) {
    throw new ProvisionError('bad-bundle', `this is not a Loa provisioning bundle (format "${BUNDLE_FORMAT}" expected)`);
  }
  const b = parsed as Bundle;
  if (typeof b.sha256 !== 'string' || bundleDigest(b as unknown as Record<string, unknown>) !== b.sha256) {
    throw new ProvisionError('damaged', 'the bundle is damaged (its SHA-256 does not match its content): copy it again from the district, or ask for a new one');
  }
  return b;
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
  const b = parseBundle(bytes);
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
    broker: b.broker?.url ?? null,
    contentUrl: b.contentUrl,
    profile: b.profile,
    again: current !== null,
  };
}

export async function provisionFromFile(dataDir: string, file: string): Promise<ProvisionResult> {
  return provision(dataDir, await readFile(file));
}
