// A cart's status topic carries "online" or "offline" and nothing else (SPEC.md "MQTT mapping"): a retained status
// is what every later subscriber reads first, so a cart may not park anything else there, nor in its last will.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../../controller/broker/embedded-broker.js';
import { isStatusPayload, mayPublish } from '../../../controller/broker/topic-rules.js';
import { unitTopic } from '../../../protocol/index.js';
import { CONTROLLER, controllerClient, DISTRICT, makeFleet, sleep, TestCart, until, type Fleet } from '../fleet/harness.js';

describe('mayPublish on a status topic', () => {
  const who = { kind: 'unit', id: 'dan-luc-01' } as const;
  const status = unitTopic(DISTRICT, who.id, 'status');

  it('allows "online" and "offline", byte for byte, and nothing else', () => {
    for (const p of ['online', 'offline', Buffer.from('online'), Buffer.from('offline')]) expect(mayPublish(who, DISTRICT, status, true, p)).toBe(true);
    for (const p of ['', 'Online', 'online ', 'offline\n', '{"battery":1}', Buffer.alloc(0), Buffer.from('x'.repeat(300_000))]) {
      expect(mayPublish(who, DISTRICT, status, true, p)).toBe(false);
    }
    expect(isStatusPayload(Buffer.from([0x6f, 0x6e, 0x6c, 0x69, 0x6e, 0x65, 0x00]))).toBe(false);
  });
});

describe('the embedded broker', () => {
  let fleet: Fleet;
  let broker: EmbeddedBroker;

  beforeEach(async () => {
    fleet = await makeFleet();
    broker = new EmbeddedBroker({ district: DISTRICT, port: 0, units: fleet.registry, controller: CONTROLLER });
    await broker.start();
  });

  afterEach(async () => {
    await broker.stop();
    await fleet.close();
  });

  it('closes a cart that retains anything but a status on its status topic, and says so', async () => {
    const denied: string[] = [];
    broker.on('denied', (d) => denied.push(`${d.action} ${d.topic}`));
    const a = await TestCart.connect(broker.url, fleet.carts.a); // publishes "online", retained: allowed
    const topic = unitTopic(DISTRICT, a.unit.id, 'status');
    const closed = new Promise<void>((r) => a.client.once('close', () => r()));
    a.client.publish(topic, 'Xe đã bị tắt, gọi số 0900…', { qos: 0, retain: true });
    await closed;
    await a.close();
    expect(denied).toEqual([`publish ${topic}`]);
    const seen: string[] = [];
    const controller = await controllerClient(broker.url);
    try {
      controller.on('message', (_t, payload) => seen.push(payload.toString()));
      await controller.subscribeAsync(topic, { qos: 1 });
      await until(() => seen.length > 0, 'the retained status');
      await sleep(100);
      expect(seen).toEqual(['offline']); // its last will, not what it tried to retain
    } finally {
      await controller.endAsync(true);
    }
  });

  it('does not publish a last will that is not a status', async () => {
    const unit = fleet.carts.b.unit;
    const topic = unitTopic(DISTRICT, unit.id, 'status');
    const client = await mqtt.connectAsync(broker.url, {
      protocolVersion: 4, clientId: unit.id, username: unit.id, password: fleet.carts.b.password, reconnectPeriod: 0,
      will: { topic, payload: Buffer.from('not a status'), qos: 1, retain: true },
    });
    const controller = await controllerClient(broker.url);
    try {
      const seen: string[] = [];
      controller.on('message', (_t, payload) => seen.push(payload.toString()));
      await controller.subscribeAsync(topic, { qos: 1 });
      client.stream.destroy(); // no DISCONNECT: the broker publishes the will, if allowed
      await sleep(300);
      expect(seen).toEqual([]);
    } finally {
      await client.endAsync(true);
      await controller.endAsync(true);
    }
  });
});
