// Releases for the controller tests: a tiny signed bundle written with the real tar writer and signer (the bundle
// tool, tools/package/release.ts, builds the real ones), a small district (test/controller/fleet/harness.ts) with the
// release store, the rollouts and a runner sending through the real CommandService, and carts' answers written as
// the ingest writes them (events, hellos).
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { brotliCompressSync } from 'node:zlib';
import { TarWriter } from '../../../lib/tar.js';
import { rawPublicKey, RELEASE_MEMBERS, signReleaseManifest, type ReleaseArch, type ReleaseManifest } from '../../../protocol/index.js';
import { CommandService, type UnitDownlink } from '../../../controller/fleet/commands.js';
import { Rollouts } from '../../../controller/releases/rollout.js';
import { RolloutRunner } from '../../../controller/releases/runner.js';
import { ReleaseStore } from '../../../controller/releases/store.js';
import { makeFleet, T, type Fleet } from '../fleet/harness.js';
import { TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import { privateKeyFromSeed } from '../../../protocol/index.js';

export { T };

export function releaseKeyPair(): { privateKey: KeyObject; hex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, hex: rawPublicKey(publicKey).toString('hex') };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface BundleOptions {
  version: string;
  arch?: ReleaseArch;
  key: KeyObject;
  /** The payload.tar.br bytes (default: a small text brotli-compressed, different per version). */
  payload?: Buffer;
  /** Changes release.json after signing. */
  tamper?: boolean;
}

/** A release bundle as bytes: release.json, release.sig, payload.tar.br. */
export async function makeBundle(o: BundleOptions): Promise<Buffer> {
  const payload = o.payload ?? brotliCompressSync(Buffer.from(`loa ${o.version}\n`));
  const file = Buffer.from(`console.log('loa ${o.version}')\n`);
  const manifest: ReleaseManifest = {
    format: 1,
    product: 'loa-unit',
    version: o.version,
    arch: o.arch ?? 'arm64',
    replaces: '0.1.0',
    schema: { reads: [1, 9], writes: 9 },
    payload: { size: payload.length, sha256: sha(payload) },
    files: [{ path: 'dist/cli/loa.js', size: file.length, mode: 0o755, sha256: sha(file) }],
    created: T,
  };
  const signed = signReleaseManifest(manifest, o.key);
  const json = o.tamper ? Buffer.from(signed.manifest.toString('utf8').replace('"replaces": "0.1.0"', '"replaces": "0.0.1"')) : signed.manifest;
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const tar = new TarWriter(out);
  await tar.file(RELEASE_MEMBERS.manifest, json);
  await tar.file(RELEASE_MEMBERS.signature, signed.signature);
  await tar.file(RELEASE_MEMBERS.payload, payload);
  await tar.finish();
  out.end();
  return Buffer.concat(parts);
}

/** A clock the test moves by hand (Unix ms). */
export class HandClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface ReleaseRig {
  fleet: Fleet;
  clock: HandClock;
  store: ReleaseStore;
  rollouts: Rollouts;
  runner: RolloutRunner;
  commands: CommandService;
  /** The frames the downlink took, by unit. */
  down: string[];
  /** When true, the downlink refuses (a broker that is gone). */
  brokerDown: { value: boolean };
  key: { privateKey: KeyObject; hex: string };
  /** A new runner (and rollouts) on the same database: the controller restarted. */
  restart(): RolloutRunner;
  close(): Promise<void>;
}

export async function makeReleaseRig(): Promise<ReleaseRig> {
  const fleet = await makeFleet();
  const clock = new HandClock(T * 1000);
  const key = releaseKeyPair();
  const store = new ReleaseStore({ db: fleet.db, dataDir: fleet.dir, keys: [key.hex], clock: clock.now });
  await store.start();
  const down: string[] = [];
  const brokerDown = { value: false };
  const downlink: UnitDownlink = {
    send(unit) {
      if (brokerDown.value) return Promise.reject(new Error('broker gone'));
      down.push(unit.id);
      return Promise.resolve();
    },
  };
  const commands = new CommandService({ db: fleet.db, registry: fleet.registry, framer: fleet.framer, downlink, districtKey: privateKeyFromSeed(TEST_DISTRICT_SEED), clock: clock.now });
  const build = (): { rollouts: Rollouts; runner: RolloutRunner } => {
    const rollouts = new Rollouts({ db: fleet.db, registry: fleet.registry, releases: store, clock: clock.now });
    return { rollouts, runner: new RolloutRunner({ rollouts, registry: fleet.registry, commands, intervalMs: 3_600_000 }) };
  };
  const rig: ReleaseRig = {
    fleet, clock, store, commands, down, brokerDown, key,
    ...build(),
    restart() {
      const next = build();
      rig.rollouts = next.rollouts;
      rig.runner = next.runner;
      return next.runner;
    },
    async close() {
      await rig.runner.stop();
      await fleet.close();
    },
  };
  return rig;
}

let record = 1000;

/** A cart's `update` event, stored as the ingest stores it. */
export async function cartEvent(rig: ReleaseRig, unitId: string, code: 'installed' | 'healthy' | 'refused' | 'rolled-back', detail: string): Promise<void> {
  record += 1;
  await rig.fleet.db.transaction(() =>
    rig.fleet.db.run("INSERT INTO events (unit_id, record, time, time_source, kind, code, detail) VALUES (?, ?, ?, 'gnss', 'update', ?, ?)", [unitId, record, Math.floor(rig.clock.ms / 1000), code, detail]),
  );
}

/** A cart's hello naming the version it runs. */
export async function cartHello(rig: ReleaseRig, unitId: string, firmware: string): Promise<void> {
  record += 1;
  await rig.fleet.db.transaction(() =>
    rig.fleet.db.run("INSERT INTO hellos (unit_id, record, firmware, manifest_version, capabilities, boot_time, time_source) VALUES (?, ?, ?, 0, '[]', ?, 'gnss')", [unitId, record, firmware, Math.floor(rig.clock.ms / 1000)]),
  );
}

/** A cart takes the release and reports healthy, as the cart's updater does. */
export async function cartTakes(rig: ReleaseRig, unitId: string, version: string): Promise<void> {
  await cartEvent(rig, unitId, 'installed', version);
  await cartHello(rig, unitId, version);
  await cartEvent(rig, unitId, 'healthy', version);
}

/** The update orders signed so far: unit, version, rollback, who. */
export async function updateOrders(rig: ReleaseRig): Promise<{ unit: string; version: string; rollback: boolean; by: string | null }[]> {
  const rows = await rig.commands.listCommands();
  return rows
    .filter((c) => c.action === 'update')
    .reverse()
    .map((c) => ({ unit: c.unitId, version: String(c.args.version), rollback: c.args.rollback === true, by: c.issuedBy }));
}
