// A cart provisioned again into an empty data folder (a new SD card) after it delivered records, end to end: the
// office issues the unit a fresh bundle (`loa controller unit bundle`), the cart is provisioned with it and runs its
// real store and uplink against the real ingest. With the fresh bundle, which carries the district's high-water
// marks, its first frames are stored and acknowledged and its records are numbered above the district's; with the
// old bundle (no marks) the district drops its frames, acknowledges nothing it did not store, and says what to do —
// also when the cart's boot counter is then raised by hand and it reuses record numbers — and the cart warns that
// its records stay unacknowledged; provisioned again with a fresh bundle, its waiting records get through.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { openOffice, provisionUnit, reissueBundle, type Office } from '../../../controller/app/office.js';
import { DistrictFramer } from '../../../controller/fleet/district-frames.js';
import { FleetIngest, type FrameOrigin } from '../../../controller/fleet/ingest.js';
import { listUnitAlerts } from '../../../controller/fleet/unit-alerts.js';
import { loadIdentity } from '../../../device/identity.js';
import { provision } from '../../../device/provision.js';
import { CartStore, nextBootCounter, type DurableRecordInput } from '../../../device/store/index.js';
import { UNACKED_WARN_SENDS, type Uplink } from '../../../device/link/uplink.js';
import { bundleDigest, type ProvisioningBundle } from '../../../protocol/index.js';
import { makeUplink } from '../../device/link/harness.js';
import { MemoryTransport } from '../../device/link/memory-transport.js';
import { makeControllerData } from '../../support/controller-data.js';
import { runLoa } from '../../support/cli.js';
import { sleep, until } from '../../support/wait.js';
import { count, T } from './harness.js';

const UNIT = 'dan-luc-01';

let dir: string;
let office: Office;
let ingest: FleetIngest;
let dropped: string[];
const carts: RunningCart[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-reprov-'));
  const dataDir = join(dir, 'controller');
  await makeControllerData(dataDir);
  office = await openOffice(validateControllerConfig({ dataDir, district: { id: 'trieu-son', name: 'Triệu Sơn' } }));
  ingest = new FleetIngest({ db: office.db, registry: office.registry, district: 'trieu-son', framer: new DistrictFramer({ boot: 5 }), clock: () => T * 1000 });
  dropped = [];
  ingest.on('dropped', (d) => dropped.push(d.reason));
  await ingest.start();
});

afterEach(async () => {
  for (const cart of carts.splice(0)) await cart.stop();
  await ingest.stop();
  await office.close();
  await rm(dir, { recursive: true, force: true });
});

interface RunningCart {
  boot: number;
  store: CartStore;
  uplink: Uplink;
  /** Appends records, sends them and lets the district commit (and acknowledge) them. */
  deliver(records: DurableRecordInput[]): Promise<number[]>;
  /** What the uplink said when a record stayed unacknowledged. */
  unacknowledged: { record: number; sends: number; anyAcked: boolean }[];
  stop(): Promise<void>;
}

/**
 * Starts a provisioned cart as `loa unit run` does: the boot counter raised, its store, its uplink to the ingest.
 * `ackTimeout`: the uplink's resend timeout (default as on a cart: 10 s and more).
 */
async function startCart(data: string, ackTimeout?: { initialMs: number; maxMs: number }): Promise<RunningCart> {
  const id = (await loadIdentity(data))!;
  const boot = await nextBootCounter(data);
  const store = await CartStore.open({ path: join(data, 'cart.db') });
  const transport = new MemoryTransport();
  const link: FrameOrigin = { link: 'test', unitName: id.unitName, reply: (_unit, frame) => Promise.resolve(transport.deliver(frame)) };
  transport.onSend = (bytes) => void ingest.ingestFrame(bytes, link).catch(() => undefined);
  const { uplink } = makeUplink(transport, { unit: { number: id.unitNumber, name: id.unitName }, district: id.district, unitKey: id.unitKey, boot, origin: id.origin, districtKeys: id.districtKeys, outbox: store, ...(ackTimeout ? { ackTimeout } : {}) });
  const unacknowledged: RunningCart['unacknowledged'] = [];
  uplink.on('unacknowledged', (info) => unacknowledged.push(info));
  await uplink.start();
  const cart: RunningCart = {
    boot,
    store,
    uplink,
    unacknowledged,
    async deliver(records) {
      const kept = await store.appendDurable(records);
      await uplink.flush();
      await ingest.flush();
      return kept.map((r) => r.record);
    },
    async stop() {
      await uplink.stop();
      await store.close();
    },
  };
  carts.push(cart);
  return cart;
}

const hello = (at: number): DurableRecordInput => ({ type: 'hello', firmware: '0.1.0', manifestVersion: 3, capabilities: ['relay', 'gnss'], bootTime: { time: at, source: 'gnss' } });
const play = (at: number): DurableRecordInput => ({ type: 'play', start: { time: at, source: 'gnss' }, clip: 'c-0042', manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60 });

async function records(type?: string): Promise<number[]> {
  const where = type === undefined ? '' : ' AND type = ?';
  const rows = await office.db.exclusive(() => office.db.all<{ record: number }>(`SELECT record FROM records WHERE unit_id = ?${where} ORDER BY record`, type === undefined ? [UNIT] : [UNIT, type]));
  return rows.map((r) => r.record);
}

/** The typed tables hold exactly the records the `records` table says are of their type. */
async function expectTablesAgree(): Promise<void> {
  for (const [type, table] of [['hello', 'hellos'], ['play', 'plays']] as const) {
    const rows = await office.db.exclusive(() => office.db.all<{ record: number }>(`SELECT record FROM ${table} WHERE unit_id = ? ORDER BY record`, [UNIT]));
    expect(rows.map((r) => r.record), `${table} and records`).toEqual(await records(type));
  }
}

/** Registers the unit; its cart (first SD card) boots twice without a link, then delivers records 1–5 in boot 3. */
async function unitThatDelivered(): Promise<ProvisioningBundle> {
  const { bundle, path } = await provisionUnit(office, { unit: UNIT, commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
  expect(bundle.highWater).toEqual({ boot: 0, record: 0 });
  const first = join(dir, 'sd-1');
  await provision(first, await readFile(path));
  await nextBootCounter(first);
  await nextBootCounter(first);
  const cart = await startCart(first);
  expect(cart.boot).toBe(3);
  expect(await cart.deliver([hello(T - 600), play(T - 500), play(T - 400), play(T - 300), play(T - 200)])).toEqual([1, 2, 3, 4, 5]);
  await until(async () => (await cart.store.depth()) === 0, 'the first card’s records acknowledged');
  await cart.stop();
  carts.splice(carts.indexOf(cart), 1);
  return bundle;
}

describe('a cart provisioned again into an empty data folder', () => {
  it('with a fresh bundle boots and numbers its records above what the district stored: accepted, acknowledged, tables agree', async () => {
    const old = await unitThatDelivered();
    expect(await office.registry.highWater(UNIT)).toEqual({ boot: 3, record: 5 });
    const fresh = await reissueBundle(office, { unit: UNIT });
    expect(fresh.bundle).toMatchObject({ unitNumber: old.unitNumber, unitKey: old.unitKey, highWater: { boot: 3, record: 5 } });
    expect(fresh.bundle.broker.password).not.toBe(old.broker.password);
    expect(await office.registry.verifyUnitPassword(UNIT, old.broker.password)).toBe(false);
    const second = join(dir, 'sd-2');
    await provision(second, await readFile(fresh.path));
    const cart = await startCart(second);
    expect(cart.boot).toBe(4);
    expect(await cart.deliver([hello(T), play(T + 60), play(T + 120)])).toEqual([6, 7, 8]);
    await until(async () => (await cart.store.depth()) === 0, 'the new card’s records acknowledged');
    expect(dropped).toEqual([]);
    expect(await records()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await records('hello')).toEqual([1, 6]);
    await expectTablesAgree();
    expect(await listUnitAlerts(office.db, UNIT)).toEqual([]);
    expect(await count(office.db, 'SELECT boot AS n FROM unit_state WHERE unit_id = ?', [UNIT])).toBe(4);
  });

  it('with the old bundle is dropped as an old boot, acknowledged nothing, and the district says to issue a fresh bundle', async () => {
    const old = await unitThatDelivered();
    // A bundle as written before high-water marks existed: no `highWater`, its SHA-256 without it.
    const { highWater: _none, sha256: _digest, ...fields } = old;
    const before = join(dir, 'bundle-before.json');
    await writeFile(before, JSON.stringify({ ...fields, sha256: bundleDigest(fields) }));
    const alerts: string[] = [];
    ingest.on('alert', (a) => alerts.push(a.code));
    const second = join(dir, 'sd-2');
    await provision(second, await readFile(before));
    // Resent every few milliseconds, so that the cart's own warning comes within the test.
    const cart = await startCart(second, { initialMs: 5, maxMs: 10 });
    expect(cart.boot).toBe(1);
    expect(await cart.deliver([hello(T), play(T + 60)])).toEqual([1, 2]);
    await until(() => cart.unacknowledged.length > 0, 'the cart to warn that its records stay unacknowledged');
    expect(cart.unacknowledged).toEqual([{ record: 1, sends: UNACKED_WARN_SENDS, anyAcked: false }]);
    expect(await cart.store.depth()).toBe(2);
    await cart.stop();
    carts.splice(carts.indexOf(cart), 1);
    await ingest.flush();
    expect(dropped.length).toBeGreaterThanOrEqual(UNACKED_WARN_SENDS);
    expect(new Set(dropped)).toEqual(new Set(['replay-old-boot']));
    expect(await records()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(alerts)).toEqual(new Set(['boot-went-back']));
    const [alert] = await listUnitAlerts(office.db, UNIT);
    expect(alert).toMatchObject({ code: 'boot-went-back', firstTime: T });
    expect(alert?.count).toBe(dropped.length);
    expect(alert?.detail).toContain('lần khởi động 1');
    expect(alert?.detail).toContain('boot 3');
    expect(alert?.detail).toContain(`loa controller unit bundle ${UNIT}`);

    // Its boot counter raised by hand, the cart is heard again, but its record numbers are the district's 1–3.
    await writeFile(join(second, 'boot-counter.json'), '{"boot": 9}\n');
    alerts.length = 0;
    const raised = await startCart(second);
    expect(raised.boot).toBe(10);
    expect(await raised.deliver([hello(T + 600)])).toEqual([3]);
    await sleep(50);
    expect(await raised.store.depth()).toBe(3);
    expect(await records()).toEqual([1, 2, 3, 4, 5]);
    expect(await records('hello')).toEqual([1]);
    await expectTablesAgree();
    expect(new Set(alerts)).toEqual(new Set(['record-reused']));
    const reused = (await listUnitAlerts(office.db, UNIT)).find((a) => a.code === 'record-reused');
    expect(reused).toMatchObject({ count: 3 });
    expect(reused?.detail).toContain(`loa controller unit bundle ${UNIT}`);

    // The remedy the district names: a fresh bundle, and the cart (stopped) provisioned with it, here in the same
    // folder: it boots above boot 10 and its waiting records get numbers above 5, and they all get through.
    await raised.stop();
    carts.splice(carts.indexOf(raised), 1);
    const fresh = await reissueBundle(office, { unit: UNIT });
    expect(fresh.bundle.highWater).toEqual({ boot: 10, record: 5 });
    expect(await provision(second, await readFile(fresh.path))).toMatchObject({ again: true, boot: 10, nextRecord: 9, renumbered: 3 });
    const healed = await startCart(second);
    expect(healed.boot).toBe(11);
    expect(await healed.deliver([play(T + 700)])).toEqual([9]);
    await until(async () => (await healed.store.depth()) === 0, 'the renumbered records acknowledged');
    expect(await records()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await records('hello')).toEqual([1, 6, 8]);
    await expectTablesAgree();
  });
});

describe('loa controller unit bundle', () => {
  it('writes a fresh bundle of a registered unit with its high-water marks, and refuses an unknown one', async () => {
    await unitThatDelivered();
    const data = office.config.dataDir;
    const out = join(dir, 'again.json');
    const r = await runLoa(['controller', 'unit', 'bundle', UNIT, '--allow-loopback', '--out', out, '--data', data, '--lang', 'en']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('boots from 4 and numbers records from 6 up');
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ unitName: UNIT, highWater: { boot: 3, record: 5 } });
    const unknown = await runLoa(['controller', 'unit', 'bundle', 'dan-luc-09', '--allow-loopback', '--data', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('dan-luc-09');
  });
});
