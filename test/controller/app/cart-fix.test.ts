// A cart's live position, end to end: the controller registers the unit with its configured district origin and
// writes it into the bundle; the cart is provisioned from that bundle and sends its fixes as offsets from the origin
// in its identity; the controller stores them at the position the cart was at. The origin is not the default one, so
// it can only have travelled through the registry, the bundle and the identity.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unitBundle } from '../../../controller/app/bundle.js';
import { runCart } from '../../../device/cart-run.js';
import { loadIdentity, type CartIdentity } from '../../../device/identity.js';
import { MqttTransport } from '../../../device/link/mqtt-transport.js';
import { Uplink } from '../../../device/link/uplink.js';
import { createLoggerFactory } from '../../../device/logger.js';
import { provision } from '../../../device/provision.js';
import { TRIEU_SON_COMMUNES } from '../../../device/sim/places.js';
import type { Fix } from '../../../protocol/index.js';
import { MemoryOutbox, MemoryUplinkState } from '../../device/link/memory-store.js';
import { startController, until, type Rig } from './harness.js';

/** The district origin of this test's controller (somewhere in Thanh Hóa, not the default Triệu Sơn one). */
const ORIGIN = { lat: 19.95, lon: 105.45 };
const DAN_LUC = TRIEU_SON_COMMUNES.find((c) => c.id === 'dan-luc')!;
const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

let rig: Rig;
let cartDir: string;
let stops: (() => Promise<void>)[];

beforeEach(async () => {
  rig = await startController({ district: { origin: ORIGIN } });
  cartDir = await mkdtemp(join(tmpdir(), 'loa-cart-fix-'));
  stops = [];
});

afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  await rig.close();
  await rm(cartDir, { recursive: true, force: true });
});

/** Registers dan-luc-01 with the running controller and provisions a cart data folder from its bundle. */
async function provisionedCart(): Promise<CartIdentity> {
  const c = rig.controller;
  await c.registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
  await c.registry.addTeam({ id: 'dan-luc', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
  const cred = await c.registry.addUnit({ id: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc', profile: 'pi-zero-2w' });
  const bundle = unitBundle(cred.unit, {
    district: rig.config.district.id,
    password: cred.password,
    districtKeys: [c.districtPublicKeyHex],
    brokerUrl: c.brokerUrl,
    contentUrl: c.httpUrl,
  });
  await provision(cartDir, JSON.stringify(bundle));
  const identity = await loadIdentity(cartDir);
  if (!identity) throw new Error('no identity after provisioning');
  return identity;
}

interface StoredPosition {
  fix_time: number | null;
  lat: number | null;
  lon: number | null;
  /** Set by a live fix only: a track record moves the position too, but it carries whole positions, no origin. */
  fix_quality: string | null;
}

/** The unit's last known position at the controller, when a live fix put it there; else undefined. */
async function storedFix(): Promise<StoredPosition | undefined> {
  const db = rig.controller.db;
  const row = await db.exclusive(() => db.get<StoredPosition>("SELECT fix_time, lat, lon, fix_quality FROM unit_state WHERE unit_id = 'dan-luc-01'"));
  return row?.fix_quality ? row : undefined;
}

describe('a live fix from a cart provisioned by the controller', () => {
  it("is stored at the cart's position: the cart's uplink and the ingest use the unit's origin", async () => {
    const identity = await provisionedCart();
    expect(identity.origin).toEqual(ORIGIN);
    const transport = new MqttTransport({ url: identity.broker!.url, district: identity.district, unit: identity.unitName, password: identity.broker!.password });
    // Composed as device/cart-run.ts composes it, from the identity.
    const uplink = new Uplink({
      transport,
      unit: { number: identity.unitNumber, name: identity.unitName },
      district: identity.district,
      unitKey: identity.unitKey,
      boot: 1,
      districtKeys: identity.districtKeys,
      origin: identity.origin,
      outbox: new MemoryOutbox(),
      state: new MemoryUplinkState(),
      onCommand: () => Promise.resolve({ status: 'ok', detail: '' }),
      recordResult: () => Promise.resolve(),
      onAnnouncement: () => undefined,
      stamp: () => ({ time: Math.floor(Date.now() / 1000), source: 'gnss' }),
    });
    await uplink.start();
    stops.push(() => uplink.stop());
    const time = Math.floor(Date.now() / 1000);
    const fix: Fix = { type: 'fix', time, lat: 19.839_123_4, lon: 105.618_765_4, speed: 1.2, course: 87, hdop: 0.9, satellites: 9, quality: 'gps' };
    uplink.sendLive([fix]);
    await until(async () => (await storedFix()) !== undefined, 'the fix at the controller');
    expect(await storedFix()).toEqual({ fix_time: time, lat: 19.839_123_4, lon: 105.618_765_4, fix_quality: 'gps' });
  });

  it('is stored on the route the cart program drives (loa unit run on the simulators)', async () => {
    await provisionedCart();
    const configFile = join(cartDir, 'config.json');
    await writeFile(configFile, JSON.stringify({ link: { telemetryPeriodMs: 1000 } }));
    const running = await runCart({ dataDir: cartDir, configFile, simulate: true, logger: quiet });
    stops.push(() => running.stop());
    await until(async () => (await storedFix()) !== undefined, 'a fix from the cart at the controller', 15_000);
    const { lat, lon } = (await storedFix())!;
    // The simulated route is a diamond 0.004° from the commune centre on each axis (device/sim/places.ts loopAround).
    expect(Math.abs(Math.abs(lat! - DAN_LUC.lat) + Math.abs(lon! - DAN_LUC.lon) - 0.004)).toBeLessThan(1e-5);
  });
});
