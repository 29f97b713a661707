// The controller's behaviour over a broker, run against the embedded broker and against a real Mosquitto.
import mqtt, { type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { encodeFrame, privateKeyFromSeed, unitTopic } from '../../../protocol/index.js';
import { CommandService, mqttDownlink } from '../../../controller/fleet/commands.js';
import { FleetIngest } from '../../../controller/fleet/ingest.js';
import { TEST_DISTRICT_SEED, TEST_UNIT_KEY } from '../../../tools/vector-cases.js';
import { controllerClient, count, counter, DISTRICT, play, sleep, T, TestCart, until, type Fleet } from './harness.js';

export interface Controller {
  client: MqttClient;
  ingest: FleetIngest;
  commands: CommandService;
  stop(): Promise<void>;
}

/** `clock`: the ingest's (Unix ms, default the system clock); live fixes are placed next to it. */
export async function startController(fleet: Fleet, url: string, clock?: () => number): Promise<Controller> {
  const client = await controllerClient(url);
  const ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: DISTRICT, framer: fleet.framer, mqtt: client, ...(clock ? { clock } : {}) });
  await ingest.start();
  const commands = new CommandService({
    db: fleet.db,
    registry: fleet.registry,
    framer: fleet.framer,
    downlink: mqttDownlink(client, DISTRICT),
    districtKey: privateKeyFromSeed(TEST_DISTRICT_SEED),
  });
  return {
    client,
    ingest,
    commands,
    async stop() {
      await ingest.stop();
      await client.endAsync(true);
    },
  };
}

function connectFails(url: string, options: mqtt.IClientOptions): Promise<boolean> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...options }).then(
    async (c) => (await c.endAsync(true), false),
    () => true,
  );
}

export async function strangersAreRefused(url: string, fleet: Fleet): Promise<void> {
  const a = fleet.carts.a;
  expect(await connectFails(url, { clientId: 'nobody' }), 'an anonymous client').toBe(true);
  expect(await connectFails(url, { clientId: a.unit.id, username: a.unit.id, password: 'not-the-password' }), 'a wrong password').toBe(true);
  expect(await connectFails(url, { clientId: 'x', username: 'loa_controller', password: 'wrong-password' }), 'a wrong controller password').toBe(true);
  expect(await connectFails(url, { clientId: a.unit.id, username: a.unit.id, password: a.password }), 'the right password').toBe(false);
}

/**
 * Cart a publishes a (well-tagged) frame of cart b on b's topic and listens on b's down: neither gets through.
 * `subackRefuses`: the broker answers the forbidden subscription with 0x80 (aedes does; Mosquitto 2.0 grants it
 * and then delivers nothing).
 */
export async function cartCannotSpeakForAnother(url: string, fleet: Fleet, subackRefuses: boolean): Promise<void> {
  const observer = await controllerClient(url);
  const seen: string[] = [];
  observer.on('message', (topic) => seen.push(topic));
  await observer.subscribeAsync(unitTopic(DISTRICT, fleet.carts.b.unit.id, 'up'), { qos: 1 });
  const a = await TestCart.connect(url, fleet.carts.a);
  const b = fleet.carts.b.unit;
  const heard: string[] = [];
  a.client.on('message', (topic) => heard.push(topic));
  try {
    // mqtt.js turns a 0x80 in the SUBACK into an error that carries the packet.
    const suback = await a.client.subscribeAsync(unitTopic(DISTRICT, b.id, 'down'), { qos: 1 }).then(
      () => 'granted',
      (err: unknown) => (err as { packet?: { granted?: number[] } }).packet?.granted,
    );
    expect(suback).toEqual(subackRefuses ? [0x80] : 'granted');
    await observer.publishAsync(unitTopic(DISTRICT, b.id, 'down'), Buffer.from('for b only'), { qos: 1 });
    const forged = { kind: 'unit' as const, unit: b.number, boot: 1, seq: 0 };
    a.client.publish(unitTopic(DISTRICT, b.id, 'up'), encodeFrame({ ...forged, messages: [play(1)] }, b.key), { qos: 0 });
    await sleep(300);
    expect(seen, "the other cart's up topic").toEqual([]);
    expect(heard, "the other cart's down topic").toEqual([]);
  } finally {
    await a.close();
    await observer.endAsync(true);
  }
}

export async function badTagIsDroppedAndCounted(url: string, fleet: Fleet): Promise<void> {
  const ctl = await startController(fleet, url);
  const a = await TestCart.connect(url, fleet.carts.a);
  try {
    await a.send([play(a.nextRecord())], TEST_UNIT_KEY);
    await until(async () => (await counter(fleet.db, 'dropped:bad-tag')) === 1, 'the bad tag to be counted');
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM records')).toBe(0);
    expect(a.acked.size).toBe(0);
  } finally {
    await a.close();
    await ctl.stop();
  }
}

export async function backlogTwiceStoredOnceAckedTwice(url: string, fleet: Fleet): Promise<void> {
  const ctl = await startController(fleet, url);
  const a = await TestCart.connect(url, fleet.carts.a);
  try {
    const backlog = Array.from({ length: 30 }, () => play(a.nextRecord()));
    await a.send(backlog);
    await until(() => a.ackFrames.length === 1, 'the first ack');
    await a.send(backlog); // the ack was "lost": the cart sends the same records in a new frame
    await until(() => a.ackFrames.length === 2, 'the second ack');
    expect(a.ackFrames).toEqual([[[1, 30]], [[1, 30]]]);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM records WHERE unit_id = ?', [a.unit.id])).toBe(30);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM plays WHERE unit_id = ?', [a.unit.id])).toBe(30);
  } finally {
    await a.close();
    await ctl.stop();
  }
}

export async function oldBacklogKeepsNewestPosition(url: string, fleet: Fleet): Promise<void> {
  // Forty days on: a fix's time travels as its low 16 bits and the ingest places it next to its own clock.
  const now = T + 40 * 86400;
  const ctl = await startController(fleet, url, () => (now + 30) * 1000);
  const a = await TestCart.connect(url, fleet.carts.a);
  try {
    await a.send([{ type: 'fix', time: now, lat: 20.1, lon: 105.7, speed: 1.5, course: 90, satellites: 9, quality: 'gps' }]);
    // Weeks-old backlog: track pieces; then a live fix that arrives late, an hour old (the oldest a cart sends).
    const tracks = Array.from({ length: 5 }, (_, i) => ({
      type: 'track' as const,
      record: a.nextRecord(),
      source: 'gnss' as const,
      points: [
        { time: T + i * 600, lat: 19.5, lon: 105.5 },
        { time: T + i * 600 + 300, lat: 19.51, lon: 105.51 },
      ],
    }));
    await a.send(tracks);
    await a.send([{ type: 'fix', time: now - 3600, lat: 19.9, lon: 105.6, speed: 0, course: 0, satellites: 5, quality: 'gps' }]);
    await until(() => a.acked.size === 5, 'the track backlog acked');
    await ctl.ingest.flush();
    const state = await fleet.db.exclusive(() => fleet.db.get<{ fix_time: number; lat: number; lon: number }>('SELECT fix_time, lat, lon FROM unit_state WHERE unit_id = ?', [a.unit.id]));
    expect(state).toEqual({ fix_time: now, lat: 20.1, lon: 105.7 });
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM track_points WHERE unit_id = ?', [a.unit.id])).toBe(10);
  } finally {
    await a.close();
    await ctl.stop();
  }
}

export async function commandReachesCartAndResultIsTracked(url: string, fleet: Fleet): Promise<void> {
  const ctl = await startController(fleet, url);
  const a = await TestCart.connect(url, fleet.carts.a);
  try {
    await until(async () => (await count(fleet.db, 'SELECT online AS n FROM unit_state WHERE unit_id = ?', [a.unit.id])) === 1, 'cart a online');
    const sent = await ctl.commands.sendCommand({ target: { kind: 'team', id: 'dan-luc-ttt' }, action: { action: 'set-volume', volume: 40 }, ttlSeconds: 600, issuedBy: 'can-bo' });
    expect(sent.map((s) => [s.unitId, s.counter])).toEqual([
      ['dan-luc-01', 1],
      ['dan-luc-02', 1],
    ]);
    await until(() => a.commands.length === 1, 'the command at the cart');
    const command = a.commands[0]!;
    expect(command).toMatchObject({ unit: a.unit.number, counter: 1, action: 'set-volume', volume: 40 });
    expect(command.expires - command.issued).toBe(600);
    await a.send([{ type: 'command-result', record: a.nextRecord(), at: { time: command.issued + 2, source: 'gnss' }, counter: 1, status: 'ok', detail: 'âm lượng 40 %' }]);
    await until(() => a.acked.size === 1, 'the result acked');
    const rows = await ctl.commands.listCommands();
    expect(rows.find((r) => r.unitId === a.unit.id)).toMatchObject({ status: 'ok', detail: 'âm lượng 40 %', args: { volume: 40 }, issuedBy: 'can-bo' });
    expect(rows.find((r) => r.unitId === 'dan-luc-02')).toMatchObject({ status: 'sent', state: 'sent' });
    await a.client.endAsync(true); // a clean disconnect sends no will; the cart says offline itself first in real life
  } finally {
    await a.close().catch(() => undefined);
    await ctl.stop();
  }
}
