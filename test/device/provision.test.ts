// Provisioning a cart from the district's bundle: from a file, and over a serial cable (a simulated pair and a real
// socat pseudo-terminal pair), with the refusals a technician can meet.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../lib/sqlite.js';
import { createLinkedSerialPair } from '../../hardware/serial/sim-serial-link.js';
import { SerialPortLink } from '../../hardware/serial/serialport-link.js';
import { loadIdentity } from '../../device/identity.js';
import { provision } from '../../device/provision.js';
import { bundleDigest, ByteReader, readMessages } from '../../protocol/index.js';
import { listenForBundle, sendBundle } from '../../device/provision-serial.js';
import { ensureSimulationSetup } from '../../device/sim/sim-content.js';
import { DataLock, LOCK_FILE } from '../../device/data-lock.js';
import { CartStore, nextBootCounter, type DurableRecordInput } from '../../device/store/index.js';
import { TEST_DISTRICT_PUBLIC } from '../../tools/vector-cases.js';
import { runLoa } from '../support/cli.js';
import { missing } from '../support/tools.js';
import { startSocat } from '../hardware/serial/socat.js';
import { districtTls } from '../support/district-tls.js';

function bundle(over: Record<string, unknown> = {}): Buffer {
  const b: Record<string, unknown> = {
    format: 'loa-bundle-1',
    district: 'trieu-son',
    unitName: 'dan-luc-01',
    unitNumber: 3,
    commune: 'dan-luc',
    team: 'dan-luc',
    unitKey: createHash('sha256').update('k').digest('hex'),
    districtKeys: [TEST_DISTRICT_PUBLIC],
    broker: { url: 'mqtt://127.0.0.1:1883', username: 'dan-luc-01', password: 'secret' },
    contentUrl: 'http://127.0.0.1:8080',
    profile: 'pi-zero-2w',
    ...over,
  };
  delete b.sha256;
  b.sha256 = bundleDigest(b as unknown as Parameters<typeof bundleDigest>[0]);
  return Buffer.from(JSON.stringify(b, null, 2));
}

const dir = () => mkdtempSync(join(tmpdir(), 'loa-prov-'));

describe('loa unit provision', () => {
  it('installs a bundle from a file, identity readable by its owner only, and says what it configured', async () => {
    const data = dir();
    const file = join(data, '..', `bundle-${Date.now()}.json`);
    writeFileSync(file, bundle());
    const r = await runLoa(['unit', 'provision', '--bundle', file, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Đã cấp phát xe:\n\s+xe: dan-luc-01 \(#3\), huyện trieu-son, xã dan-luc/);
    expect(statSync(join(data, 'identity.json')).mode & 0o777).toBe(0o600);
    const id = await loadIdentity(data);
    expect(id).toMatchObject({ unitName: 'dan-luc-01', unitNumber: 3, contentUrl: 'http://127.0.0.1:8080', simulation: false });
  });

  it("copies the bundle's district origin into identity.json; a bundle from before origins gives 0, 0", async () => {
    const data = dir();
    await provision(data, bundle({ origin: { lat: 19.82, lon: 105.6 } }));
    expect(JSON.parse(readFileSync(join(data, 'identity.json'), 'utf8'))).toMatchObject({ origin: { lat: 19.82, lon: 105.6 } });
    expect((await loadIdentity(data))?.origin).toEqual({ lat: 19.82, lon: 105.6 });
    const older = dir();
    await provision(older, bundle());
    expect((await loadIdentity(older))?.origin).toEqual({ lat: 0, lon: 0 });
    await expect(provision(dir(), bundle({ origin: { lat: 19.82, lon: 200 } }))).rejects.toMatchObject({ code: 'bad-bundle', message: expect.stringContaining('origin.lon (200 must be a number of degrees') });
  });

  it('reads an identity written before origins as origin 0, 0, and refuses a bad origin naming it', async () => {
    const data = dir();
    await provision(data, bundle());
    const path = join(data, 'identity.json');
    const { origin: _none, ...before } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify(before));
    expect((await loadIdentity(data))?.origin).toEqual({ lat: 0, lon: 0 });
    writeFileSync(path, JSON.stringify({ ...before, origin: { lat: 'x', lon: 105.6 } }));
    await expect(loadIdentity(data)).rejects.toThrow(/origin\.lat: "x" must be a number of degrees/);
  });

  it("stores the bundle's TLS material in identity.json (0600); a bundle without it leaves none; bad PEM is refused", async () => {
    const t = await districtTls('dan-luc-01');
    try {
      const tls = { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key };
      const data = dir();
      expect(await provision(data, bundle({ tls }))).toMatchObject({ unitName: 'dan-luc-01', tls: true });
      expect(statSync(join(data, 'identity.json')).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(join(data, 'identity.json'), 'utf8'))).toMatchObject({ tls });
      expect((await loadIdentity(data))?.tls).toEqual(tls);
      // Provisioned again from a bundle without TLS (the district turned it off): none kept.
      expect(await provision(data, bundle())).toMatchObject({ again: true, tls: false });
      expect((await loadIdentity(data))?.tls).toBeNull();
      expect(statSync(join(data, 'identity.json')).mode & 0o777).toBe(0o600);
      await expect(provision(dir(), bundle({ tls: { ...tls, key: t.unit.cert } }))).rejects.toMatchObject({ code: 'bad-bundle', message: expect.stringContaining('sai trường tls (key must be PEM') });
      // A damaged identity file is refused at start, naming the field.
      const path = join(data, 'identity.json');
      writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), tls: { ...tls, ca: 'x' } }));
      await expect(loadIdentity(data)).rejects.toThrow(/tls: ca must be PEM/);
    } finally {
      await t.remove();
    }
  });

  it('refuses a damaged bundle and one for another district, keeping what is there', async () => {
    const data = dir();
    await provision(data, bundle());
    const damaged = bundle().toString().replace('dan-luc-01', 'dan-luc-02');
    await expect(provision(data, damaged)).rejects.toMatchObject({ code: 'damaged' });
    await expect(provision(data, bundle({ district: 'nong-cong' }))).rejects.toMatchObject({ code: 'other-district' });
    await expect(provision(data, '{"format":"x"}')).rejects.toMatchObject({ code: 'bad-bundle' });
    await expect(provision(data, bundle({ unitKey: 'short' }))).rejects.toMatchObject({ code: 'bad-bundle' });
    expect((await loadIdentity(data))?.unitName).toBe('dan-luc-01');
  });

  it('provisioning again keeps the cart records, and a simulation folder is refused', async () => {
    const data = dir();
    await provision(data, bundle());
    const store = await CartStore.open({ path: join(data, 'cart.db') });
    await store.appendDurable([{ type: 'event', at: { time: 1_795_914_000, source: 'gnss' }, kind: 'info', code: 'x', detail: 'kept' }]);
    await store.close();
    const again = await provision(data, bundle({ broker: { url: 'mqtt://10.0.0.9:1883', username: 'dan-luc-01', password: 'new' } }));
    expect(again.again).toBe(true);
    const reopened = await CartStore.open({ path: join(data, 'cart.db') });
    expect((await reopened.eventsSince(0)).map((e) => e.detail)).toEqual(['kept']);
    await reopened.close();
    const sim = dir();
    await ensureSimulationSetup(sim, Date.now());
    // The simulation goes round Triệu Sơn: its identity has the Triệu Sơn origin.
    expect((await loadIdentity(sim))?.origin).toEqual({ lat: 19.82, lon: 105.6 });
    await expect(provision(sim, bundle())).rejects.toMatchObject({ code: 'simulation-data' });
  });

  it("starts an empty data folder above the bundle's high-water marks: the next boot and record are the district's + 1", async () => {
    const data = dir();
    const r = await provision(data, bundle({ highWater: { boot: 7, record: 1234 } }));
    expect(r).toMatchObject({ again: false, boot: 7, nextRecord: 1235 });
    expect(await nextBootCounter(data)).toBe(8);
    const store = await CartStore.open({ path: join(data, 'cart.db') });
    const [first] = await store.appendDurable([{ type: 'event', at: { time: 1_795_914_000, source: 'gnss' }, kind: 'info', code: 'x', detail: 'first' }]);
    expect(first?.record).toBe(1235);
    await store.close();
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
  });

  it('never lowers the counters of a cart provisioned again; a bundle without high-water marks leaves them as they are', async () => {
    const data = dir();
    await provision(data, bundle({ highWater: { boot: 3, record: 10 } }));
    expect(await nextBootCounter(data)).toBe(4);
    expect(await nextBootCounter(data)).toBe(5);
    const store = await CartStore.open({ path: join(data, 'cart.db') });
    await store.appendDurable(Array.from({ length: 20 }, (_, i) => ({ type: 'event' as const, at: { time: 1_795_914_000 + i, source: 'gnss' as const }, kind: 'info' as const, code: 'x', detail: `${i}` })));
    await store.close();
    expect(await provision(data, bundle({ highWater: { boot: 2, record: 5 } }))).toMatchObject({ again: true, boot: 5, nextRecord: 31 });
    expect(await provision(data, bundle())).toMatchObject({ boot: 5, nextRecord: 31 });
    expect(await nextBootCounter(data)).toBe(6);
    const older = dir();
    expect(await provision(older, bundle())).toMatchObject({ boot: 0, nextRecord: 1 });
    expect(await nextBootCounter(older)).toBe(1);
  });

  it('renumbers above the marks the unacknowledged records of a cart whose numbering fell behind them, and only then', async () => {
    const data = dir();
    await provision(data, bundle()); // a bundle without marks, into an empty folder: numbering from 1
    const at = { time: 1_795_914_000, source: 'gnss' as const };
    const records: DurableRecordInput[] = [
      { type: 'event', at, kind: 'info', code: 'acked', detail: 'delivered' },
      { type: 'play', start: at, clip: 'c-0042', manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60 },
      { type: 'track', source: 'gnss', points: [{ time: at.time, lat: 19.8201234, lon: 105.6004321 }, { time: at.time + 30, lat: 19.8211234, lon: 105.6014321 }] },
      { type: 'event', at, kind: 'info', code: 'waiting', detail: 'dropped by the district' },
    ];
    let store = await CartStore.open({ path: join(data, 'cart.db') });
    await store.appendDurable(records);
    await store.acknowledge([[1, 1]]);
    await store.close();
    expect(await provision(data, bundle({ highWater: { boot: 3, record: 10 } }))).toMatchObject({ again: true, nextRecord: 14, renumbered: 3 });
    store = await CartStore.open({ path: join(data, 'cart.db') });
    const pending = await store.pending(65_536);
    expect(pending.map((e) => e.record)).toEqual([11, 12, 13]);
    // The same records, byte for byte but for their number.
    expect(pending.map((e) => readMessages(new ByteReader(e.bytes))[0])).toEqual(records.slice(1).map((r, i) => ({ ...r, record: 11 + i })));
    expect((await store.playsSince(0)).map((p) => p.record)).toEqual([11]);
    expect((await store.eventsSince(0)).map((e) => [e.record, e.code])).toEqual([[1, 'acked'], [13, 'waiting']]);
    expect((await store.appendDurable([records[0]!]))[0]?.record).toBe(14);
    await store.close();
    // Now ahead of the marks: provisioning again renumbers nothing.
    expect(await provision(data, bundle({ highWater: { boot: 3, record: 10 } }))).toMatchObject({ nextRecord: 15, renumbered: 0 });
  });

  it('leaves in place, under its own number, a kept record that today\'s rules cannot read, and renumbers the others', async () => {
    const data = dir();
    await provision(data, bundle());
    const at = { time: 1_795_914_000, source: 'gnss' as const };
    let store = await CartStore.open({ path: join(data, 'cart.db') });
    await store.appendDurable([1, 2, 3].map((n) => ({ type: 'event' as const, at, kind: 'info' as const, code: `e${n}`, detail: 'x' })));
    await store.close();
    // Record 2 as an older version may have kept it: bytes the decoder refuses (cut short here).
    const raw = await SqliteDb.open(join(data, 'cart.db'));
    await raw.run('UPDATE outbox SET bytes = substr(bytes, 1, 3) WHERE record = 2');
    await raw.close();
    expect(await provision(data, bundle({ highWater: { boot: 3, record: 10 } }))).toMatchObject({ again: true, renumbered: 2 });
    store = await CartStore.open({ path: join(data, 'cart.db') });
    expect((await store.pending(65_536)).map((e) => e.record).sort((a, b) => a - b)).toEqual([2, 11, 12]);
    await store.close();
  });

  it('refuses to provision the data folder of a running cart, changing nothing', async () => {
    const data = dir();
    await provision(data, bundle());
    const lock = await DataLock.acquire(data);
    try {
      await expect(provision(data, bundle({ highWater: { boot: 9, record: 90 } }))).rejects.toMatchObject({ code: 'data-locked', message: expect.stringContaining('stop the cart') });
    } finally {
      await lock.release();
    }
    expect(await nextBootCounter(data)).toBe(1);
  });

  it('sends a bundle over a serial cable to a waiting cart (simulated pair), and a refusal comes back', async () => {
    const data = dir();
    const { a: laptop, b: cart } = createLinkedSerialPair();
    await Promise.all([laptop.open(), cart.open()]);
    const waiting = listenForBundle(cart, data, 5000);
    const answer = await sendBundle(laptop, bundle(), 5000);
    expect(answer).toMatchObject({ ok: true, result: { unitName: 'dan-luc-01' } });
    await waiting;
    expect(existsSync(join(data, 'identity.json'))).toBe(true);
    const refusing = listenForBundle(cart, data, 5000);
    expect(await sendBundle(laptop, bundle({ district: 'nong-cong' }), 5000)).toMatchObject({ ok: false, code: 'other-district' });
    await refusing;
  });

  it.skipIf(missing('socat'))('does the same over a real pseudo-terminal pair (socat)', async () => {
    const socat = await startSocat();
    const data = dir();
    const laptop = new SerialPortLink({ path: socat.pathA, baudRate: 115_200 });
    const cart = new SerialPortLink({ path: socat.pathB, baudRate: 115_200 });
    try {
      await Promise.all([laptop.open(), cart.open()]);
      const waiting = listenForBundle(cart, data, 5000);
      expect(await sendBundle(laptop, bundle(), 5000)).toMatchObject({ ok: true, result: { unitNumber: 3 } });
      await waiting;
      expect((await loadIdentity(data))?.unitName).toBe('dan-luc-01');
    } finally {
      await Promise.allSettled([laptop.close(), cart.close()]);
      await socat.stop();
    }
  });
});
