// The uplink over the serial link with the protocol's framing: on the simulated linked pair, and (when socat is
// installed) on two real serialport links joined by a socat pty pair.
import { afterEach, describe, expect, it } from 'vitest';
import { signObject, toSerial, type Command } from '../../../protocol/index.js';
import { createLinkedSerialPair } from '../../../hardware/serial/sim-serial-link.js';
import { SerialPortLink } from '../../../hardware/serial/serialport-link.js';
import { SerialTransport } from '../../../device/link/serial-transport.js';
import { missing } from '../../support/tools.js';
import { socatPaths, startSocat, type SocatPair } from '../../hardware/serial/socat.js';
import { DISTRICT, districtKey, makeUplink, UNIT, until, type Harness } from './harness.js';
import { playRecord, T0 } from './memory-store.js';
import { backlogDrains, expectDelivered } from './scenarios.js';
import { serialDistrict } from './serial-district.js';

const command = (counter: number): Command => ({ unit: UNIT.number, counter, issued: T0, expires: T0 + 600, action: 'sync-now' });
const announcement = { district: DISTRICT, version: 21, sha256: 'ef'.repeat(32), size: 1234 };

let running: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await running?.uplink.stop();
  running = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('SerialTransport on a simulated linked pair', () => {
  it('drains a backlog oldest first, framed with COBS and CRC', async () => {
    const pair = createLinkedSerialPair();
    await pair.b.open();
    cleanups.push(() => pair.b.close());
    const { district } = serialDistrict(pair.b);
    const h = await backlogDrains(new SerialTransport({ link: pair.a }), district, 300);
    expect(h.uplink.stats().framesSent).toBeGreaterThanOrEqual(10);
  });

  it('obeys a command, takes a framed announcement, and drops line noise', async () => {
    const pair = createLinkedSerialPair();
    await pair.b.open();
    cleanups.push(() => pair.b.close());
    const peer = serialDistrict(pair.b);
    const transport = new SerialTransport({ link: pair.a });
    const h = (running = makeUplink(transport));
    await h.uplink.start();
    await pair.b.write(Buffer.from([0x42, 0x13, 0x00])); // line noise up to a delimiter
    await peer.district.sendCommand(command(1));
    await peer.sendSigned(signObject({ type: 'announcement', announcement }, districtKey));
    await pair.b.write(toSerial(Buffer.from([0x10, 7, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]))); // a unit frame echoed back
    await until(() => h.obeyed.length === 1 && h.announcements.length === 1, 'the command and the announcement');
    expect(h.announcements).toEqual([announcement]);
    await until(() => peer.district.results.length === 1, 'the command result at the district');
    expect(transport.stats()).toMatchObject({ badCobs: 1, wrongKind: 1 });
  });

  it('loses nothing when the cable is pulled mid-backlog on a slow line', async () => {
    const pair = createLinkedSerialPair({ bytesPerSecond: 96_000, latencyMs: 5 });
    await pair.b.open();
    cleanups.push(() => pair.b.close());
    const peer = serialDistrict(pair.b);
    const h = (running = makeUplink(new SerialTransport({ link: pair.a }), { ackTimeout: { initialMs: 300, maxMs: 1000 } }));
    const entries = h.outbox.add(playRecord, 600);
    await h.uplink.start();
    await until(() => peer.district.firstSeen.length >= 150, '150 records at the district');
    pair.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    pair.reconnect();
    await until(async () => (await h.outbox.depth()) === 0, 'the backlog to drain after the cable is back', 15_000);
    expectDelivered(peer.district, entries);
    expect(new Set(peer.district.firstSeen).size).toBe(600);
    expect(h.uplink.stats().recordsResent).toBeGreaterThan(0);
  });
});

describe.skipIf(missing('socat'))('SerialTransport on real serialport links over socat', () => {
  it('drains a backlog and obeys a command', async () => {
    const paths = socatPaths();
    const socat: SocatPair = await startSocat(paths);
    const retry = { initialDelayMs: 20, maxDelayMs: 100 };
    const cart = new SerialPortLink({ path: paths.pathA, baudRate: 115200, retry, presenceCheckMs: 50 });
    const far = new SerialPortLink({ path: paths.pathB, baudRate: 115200, retry, presenceCheckMs: 50 });
    await far.open();
    cleanups.push(() => socat.stop(), () => far.close());
    const peer = serialDistrict(far);
    const transport = new SerialTransport({ link: cart });
    await backlogDrains(transport, peer.district, 300);
    const h = (running = makeUplink(transport));
    await h.uplink.start();
    await until(() => transport.isUp, 'the port to open');
    await peer.district.sendCommand(command(1));
    await until(() => h.obeyed.length === 1, 'the command');
  });
});
