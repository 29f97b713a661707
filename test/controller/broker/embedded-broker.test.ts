// The controller over its embedded aedes broker on a loopback port: authentication, topic rules, and the whole
// ingest and command path with test carts speaking the protocol.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../../controller/broker/embedded-broker.js';
import { unitTopic } from '../../../protocol/index.js';
import { CONTROLLER, DISTRICT, makeFleet, play, sleep, TestCart, type Fleet } from '../fleet/harness.js';
import {
  backlogTwiceStoredOnceAckedTwice,
  badTagIsDroppedAndCounted,
  cartCannotSpeakForAnother,
  commandReachesCartAndResultIsTracked,
  oldBacklogKeepsNewestPosition,
  strangersAreRefused,
} from '../fleet/scenarios.js';

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

describe('the embedded broker', () => {
  it('listens on the free port it was given (0 = any) and reports it', () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
  });

  it('refuses anonymous clients and wrong passwords', () => strangersAreRefused(broker.url, fleet));

  it('refuses a unit that uses another client id (it could kick a cart off)', async () => {
    const a = fleet.carts.a;
    const refused: string[] = [];
    broker.on('refused', (r) => refused.push(r.reason));
    await expect(mqtt.connectAsync(broker.url, { clientId: fleet.carts.b.unit.id, username: a.unit.id, password: a.password, reconnectPeriod: 0 })).rejects.toThrow();
    expect(refused).toEqual(['bad-client-id']);
  });

  it('refuses a retired unit', async () => {
    await fleet.registry.retireUnit(fleet.carts.a.unit.id);
    await expect(TestCart.connect(broker.url, fleet.carts.a)).rejects.toThrow();
  });

  it("keeps a cart off another cart's topics", () => cartCannotSpeakForAnother(broker.url, fleet, true));

  it('closes a cart that publishes a retained up frame or outside its topics, and says so', async () => {
    const denied: string[] = [];
    broker.on('denied', (d) => denied.push(`${d.action} ${d.topic}`));
    const a = await TestCart.connect(broker.url, fleet.carts.a);
    const closed = new Promise<void>((r) => a.client.once('close', () => r()));
    a.client.publish(unitTopic(DISTRICT, a.unit.id, 'up'), a.frame([play(1)]), { qos: 0, retain: true });
    await closed;
    await a.close();
    expect(denied).toEqual([`publish ${unitTopic(DISTRICT, a.unit.id, 'up')}`]);
    await sleep(10);
  });

  it('drops and counts a frame with a bad tag', () => badTagIsDroppedAndCounted(broker.url, fleet));
  it('stores a backlog delivered twice once, and acks it both times', () => backlogTwiceStoredOnceAckedTwice(broker.url, fleet));
  it('keeps the newest last-known position when an old backlog arrives', () => oldBacklogKeepsNewestPosition(broker.url, fleet));
  it('sends a signed command to a team and tracks the result', () => commandReachesCartAndResultIsTracked(broker.url, fleet));
});
