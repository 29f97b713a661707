/**
 * Provisioning: a technician installs the bundle the district wrote for this cart (`loa controller unit add`) —
 * from a file, or over a USB serial cable to a cart waiting in provisioning mode. A bundle for another district, a
 * damaged one (its SHA-256 does not match), or one that would overwrite a simulation's data is refused. Provisioning
 * again keeps the cart's records (`cart.db`, the clip cache): only `identity.json` is replaced.
 *
 * The bundle's `highWater` (the highest boot and record number the district stored for this unit) raises the
 * cart's boot counter and record numbering when they are below, never lowers them: a cart provisioned into an empty
 * data folder (a new SD card) then boots above the boot the district last saw, so its frames are not dropped as
 * replays, and numbers its records above the last one the district stored, so none is reused. A cart that already
 * ran behind the district's marks (provisioned with a bundle without them) gets its unacknowledged records
 * renumbered above them (CartStore.numberRecordsAbove), so that they are delivered once it is provisioned again.
 *
 * The bundle's `tls` (the district CA the cart pins, its client certificate and key) goes into `identity.json` with
 * the other secrets (0600); provisioning again with a bundle without it removes it (the district turned TLS off).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError, parseBundle } from '../protocol/index.js';
import { DataLock, DataLockedError } from './data-lock.js';
import { identityFromJson, loadIdentity, saveIdentity } from './identity.js';
import { CartStore, raiseBootCounterTo } from './store/index.js';

/** The cart's database in its data folder (as cart-run.ts opens it). */
const CART_DB = 'cart.db';

export class ProvisionError extends Error {
  constructor(
    readonly code: 'bad-bundle' | 'damaged' | 'other-district' | 'simulation-data' | 'data-locked',
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
  /** True when the bundle carries TLS material (the district CA pinned, the cart's client certificate). */
  tls: boolean;
  /** True when the cart already had an identity of this district (its records are kept). */
  again: boolean;
  /** The boot counter as stored now (the next start boots above it) and the next record number. */
  boot: number;
  nextRecord: number;
  /** Unacknowledged records given numbers above the district's (the cart's numbering had fallen behind it). */
  renumbered: number;
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
    // The release keys the cart takes software from (none: it refuses every release).
    releaseKeys: b.releaseKeys,
    broker: b.broker,
    contentUrl: b.contentUrl,
    profile: b.profile,
    // The origin the district stored for this unit: the cart's fixes must be offsets from the same one.
    origin: b.origin,
    // The district CA pinned for the controller, and this cart's client certificate and key.
    tls: b.tls,
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
  // A running cart keeps its record numbering in memory and would write it back over the raised one.
  let lock: DataLock;
  try {
    lock = await DataLock.acquire(dataDir);
  } catch (err) {
    if (err instanceof DataLockedError) throw new ProvisionError('data-locked', `${err.message}: stop the cart (loa unit run) before provisioning it`);
    throw err;
  }
  let counters: { boot: number; nextRecord: number; renumbered: number };
  try {
    // Counters first: raising them is harmless if the identity cannot be written afterwards.
    counters = await raiseCounters(dataDir, b.highWater);
    await saveIdentity(dataDir, json);
  } finally {
    await lock.release();
  }
  return {
    unitName: b.unitName,
    unitNumber: b.unitNumber,
    district: b.district,
    commune: b.commune,
    team: b.team,
    broker: b.broker.url,
    contentUrl: b.contentUrl,
    profile: b.profile,
    tls: b.tls !== null,
    again: current !== null,
    ...counters,
  };
}

/** Raises the boot counter and the record numbering (making the database if there is none) to the district's marks. */
async function raiseCounters(dataDir: string, marks: { boot: number; record: number }): Promise<{ boot: number; nextRecord: number; renumbered: number }> {
  const boot = await raiseBootCounterTo(dataDir, marks.boot);
  const store = await CartStore.open({ path: join(dataDir, CART_DB) });
  try {
    const { next, renumbered } = await store.numberRecordsAbove(marks.record);
    return { boot, nextRecord: next, renumbered };
  } finally {
    await store.close();
  }
}

export async function provisionFromFile(dataDir: string, file: string): Promise<ProvisionResult> {
  return provision(dataDir, await readFile(file));
}
