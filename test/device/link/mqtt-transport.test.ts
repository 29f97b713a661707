// The uplink over MQTT through a real (in-process) aedes broker on a loopback port, with a fake district peer that
// is an mqtt.js client of its own.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceTopic, signObject, unitTopic, type Command, type Telemetry } from '../../../protocol/index.js';
import { MqttTransport } from '../../../device/link/mqtt-transport.js';
import { startBroker, retained, testClient, type TestBroker } from './broker.js';
import { DISTRICT, districtKey, makeUplink, strangerKey, UNIT, until, type Harness } from './harness.js';
import { playRecord, T0 } from './memory-store.js';
import { mqttDistrict, type MqttDistrict } from './mqtt-district.js';
import { backlogDrains, expectDelivered } from './scenarios.js';

const statusTopic = unitTopic(DISTRICT, UNIT.name, 'status');
const command = (counter: number, more: Partial<Command> = {}): Command =>
  ({ unit: UNIT.number, counter, issued: T0 - 60, expires: T0 + 3600, action: 'stop', ...more }) as Command;

let broker: TestBroker;
let peer: MqttDistrict | undefined;
let running: Harness | undefined;

function transport(backoffMs = 50): MqttTransport {
  return new MqttTransport({
    url: broker.url,
    district: DISTRICT,
    unit: UNIT.name,
    password: 'test-password',
    backoff: { initialMs: backoffMs, maxMs: backoffMs * 4 },
    connectTimeoutMs: 2000,
    keepaliveS: 5,
  });
}

beforeEach(async () => {
  broker = await startBroker();
});

afterEach(async () => {
  await running?.uplink.stop();
  await peer?.close();
  await broker.stop();
  running = peer = undefined;
});

describe('MqttTransport with the uplink (aedes)', () => {
  it('sends a backlog oldest first; each record is acked and leaves the outbox', async () => {
    peer = await mqttDistrict(broker.url);
    await backlogDrains(transport(), peer.district, 300);
  });

  it('loses nothing when the broker dies mid-backlog, and resends byte-identical', async () => {
    peer = await mqttDistrict(broker.url, 2);
    const h = (running = makeUplink(transport(), { ackTimeout: { initialMs: 300, maxMs: 1000 } }));
    const entries = h.outbox.add(playRecord, 1000);
    await h.uplink.start();
    await until(() => peer!.district.firstSeen.length >= 300, '300 records at the district');
    peer.district.acking = false; // what arrives now stays unacknowledged
    await until(() => h.uplink.stats().framesSent >= 15, 'frames in flight', 5000);
    const port = broker.port;
    await broker.stop();
    broker = await startBroker(port);
    peer.district.acking = true;
    await until(async () => (await h.outbox.depth()) === 0, 'the backlog to drain after the restart', 15_000);
    expect(new Set(peer.district.firstSeen).size).toBe(1000);
    expectDelivered(peer.district, entries);
    expect(h.uplink.stats().recordsResent).toBeGreaterThan(0);
    expect([...peer.district.copies.values()].some((c) => c.length > 1)).toBe(true);
  });

  it('says online (retained) on connect; the retained last will says offline when its socket dies', async () => {
    const observer = await testClient(broker.url, 'observer');
    const seen: string[] = [];
    observer.on('message', (_t, payload) => seen.push(payload.toString()));
    await observer.subscribeAsync(statusTopic, { qos: 1 });
    const t = transport(1500); // the first reconnection waits at least 750 ms
    const h = (running = makeUplink(t));
    await h.uplink.start();
    await until(() => t.isUp, 'the cart to connect');
    expect(await retained(broker.url, statusTopic)).toEqual({ payload: 'online', retain: true });
    broker.dropClient(UNIT.name);
    await until(() => seen.at(-1) === 'offline', 'the last will');
    expect(await retained(broker.url, statusTopic)).toEqual({ payload: 'offline', retain: true });
    await until(() => seen.at(-1) === 'online', 'the cart to come back', 5000);
    await h.uplink.stop();
    running = undefined;
    await until(() => seen.at(-1) === 'offline', 'offline on stop');
    expect(await retained(broker.url, statusTopic)).toEqual({ payload: 'offline', retain: true });
    await observer.endAsync(true);
  });

  it('drains a 5,000-record backlog while live telemetry still goes out every livePeriodMs', async () => {
    peer = await mqttDistrict(broker.url, 10);
    const livePeriodMs = 100;
    const h = (running = makeUplink(transport(), { livePeriodMs, maxFrameBytes: 1024, ackTimeout: { initialMs: 2000, maxMs: 8000 } }));
    const entries = h.outbox.add(playRecord, 5000);
    await h.uplink.start();
    const started = Date.now();
    const live = setInterval(() => {
      const t: Telemetry = { type: 'telemetry', batteryMv: 12_600, outboxDepth: h.outbox.bytes(5000) ? 5000 : 0 };
      h.uplink.sendLive([t]);
    }, 20);
    try {
      await until(async () => (await h.outbox.depth()) === 0, 'the 5,000-record backlog to drain', 30_000);
    } finally {
      clearInterval(live);
    }
    const drainedAt = Date.now();
    const elapsed = drainedAt - started;
    const during = peer.district.liveAt.filter((t) => t <= drainedAt);
    const gaps = during.slice(1).map((t, i) => t - during[i]!);
    console.info(`5,000 records drained in ${elapsed} ms: ${h.uplink.stats().framesSent} frames, ${during.length} live, largest live gap ${Math.max(...gaps)} ms`);
    expect(elapsed).toBeGreaterThan(5 * livePeriodMs); // the test means something only if draining takes a while
    expect(during.length).toBeGreaterThanOrEqual(Math.floor((elapsed / livePeriodMs) * 0.85));
    expect(Math.max(...gaps)).toBeLessThan(livePeriodMs + 150);
    expect(peer.district.firstSeen).toEqual(entries.map((e) => e.record));
  });

  it('obeys a signed command once and refuses its replay, an expired one, another key’s and a bad tag', async () => {
    peer = await mqttDistrict(broker.url);
    const t = transport();
    const h = (running = makeUplink(t));
    await h.uplink.start();
    await until(() => t.isUp, 'the cart to connect and subscribe');
    const down = unitTopic(DISTRICT, UNIT.name, 'down');
    const frame = peer.district.frame([{ type: 'command', signed: peer.district.signedCommand(command(1)) }]);
    await peer.client.publishAsync(down, frame, { qos: 1 });
    await peer.client.publishAsync(down, frame, { qos: 1 }); // the same frame again
    await peer.district.sendCommand(command(1)); // the same command in a new frame
    await peer.district.sendCommand(command(2, { expires: T0 - 1 }));
    await peer.district.sendCommand(command(3), strangerKey);
    const forged = peer.district.frame([{ type: 'command', signed: peer.district.signedCommand(command(4)) }]);
    forged[forged.length - 1]! ^= 0x80;
    await peer.client.publishAsync(down, forged, { qos: 1 });
    await until(() => h.uplink.stats().refused['bad-tag'] === 1 && h.results.length === 4, 'every frame handled');
    expect(h.obeyed).toEqual([command(1)]);
    expect(h.results.map((r) => [r.counter, r.status])).toEqual([[1, 'ok'], [1, 'replay'], [2, 'expired'], [3, 'bad-signature']]);
    expect(h.uplink.stats().refused).toMatchObject({ replay: 1, 'command-replay': 1, 'command-expired': 1, 'command-bad-signature': 1, 'bad-tag': 1 });
    // The results are durable records: they reach the district and are acked.
    await until(() => peer!.district.results.length === 4, 'the command results at the district');
    await until(async () => (await h.outbox.depth()) === 0, 'the results to be acked');
  });

  it('receives a command queued by the broker while the cart was away, and the retained announcement', async () => {
    // A first connection creates the cart's persistent session.
    const t = transport();
    const first = makeUplink(t);
    await first.uplink.start();
    await until(() => t.isUp, 'the first connection');
    await first.uplink.stop();
    peer = await mqttDistrict(broker.url);
    await peer.district.sendCommand(command(7));
    const announcement = { district: DISTRICT, version: 14, sha256: 'cd'.repeat(32), size: 2048 };
    await peer.client.publishAsync(announceTopic(DISTRICT), signObject({ type: 'announcement', announcement }, districtKey), { qos: 1, retain: true });
    const h = (running = makeUplink(transport(), { state: first.state }));
    await h.uplink.start();
    await until(() => h.obeyed.length === 1 && h.announcements.length === 1, 'the queued command and the announcement');
    expect(h.obeyed[0]).toEqual(command(7));
    expect(h.announcements).toEqual([announcement]);
  });
});
