// The announcement on a real aedes broker on a loopback port: published retained with QoS 1, so a cart that
// subscribes AFTER the publication still gets it; it is signed and names the manifest's SHA-256 and size.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceTopic, openSigned, publicKeyFromRaw } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC } from '../../../tools/vector-cases.js';
import { ManifestPublisher } from '../../../controller/content/manifests.js';
import { privateKeyFromSeed } from '../../../protocol/index.js';
import { TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import { DISTRICT, makeContent, police, type ContentRig } from './harness.js';

let broker: Aedes;
let server: Server;
let url: string;
let controller: MqttClient;
let rig: ContentRig;

beforeEach(async () => {
  broker = await Aedes.createBroker();
  server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  controller = await mqtt.connectAsync(url, { clientId: 'controller', reconnectPeriod: 0 });
  rig = await makeContent({ mqtt: controller });
});

afterEach(async () => {
  await rig.close();
  await controller.endAsync();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function retainedAnnouncement(): Promise<{ payload: Buffer; retain: boolean; qos: number }> {
  const cart = await mqtt.connectAsync(url, { clientId: 'cart-late', reconnectPeriod: 0 });
  try {
    const got = new Promise<{ payload: Buffer; retain: boolean; qos: number }>((resolve) =>
      cart.once('message', (_topic, payload, packet) => resolve({ payload, retain: packet.retain, qos: packet.qos })),
    );
    await cart.subscribeAsync(announceTopic(DISTRICT), { qos: 1 });
    return await got;
  } finally {
    await cart.endAsync();
  }
}

describe('the manifest announcement', () => {
  it('is retained: a cart subscribing after the publication gets the latest, signed', async () => {
    const clip = await rig.submit();
    await rig.workflow.approve(police, clip.id);
    await rig.manifests.publish();
    const second = await rig.manifests.publish();
    expect(second.announced).toBe(true);
    const { payload, retain, qos } = await retainedAnnouncement();
    expect(retain).toBe(true);
    expect(qos).toBe(1);
    const opened = openSigned(payload, [publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'))]);
    expect(opened.body).toEqual({ type: 'announcement', announcement: { district: DISTRICT, version: 2, sha256: second.sha256, size: second.signed.length } });
    const row = await rig.db.exclusive(() => rig.db.get<{ announced_at: number | null }>('SELECT announced_at FROM content_manifests WHERE version = 2'));
    expect(row?.announced_at).not.toBeNull();
  });

  it('is sent by the running controller for a manifest the office published without reaching the broker', async () => {
    const clip = await rig.submit();
    await rig.workflow.approve(police, clip.id);
    // `loa manifest publish` on the office machine: same database, no broker.
    const office = new ManifestPublisher({ db: rig.db, library: rig.library, signer: { privateKey: privateKeyFromSeed(TEST_DISTRICT_SEED) }, district: DISTRICT, checkIntervalMs: 0, clock: () => rig.clock.now });
    const published = await office.publish('van-phong');
    expect(published.announced).toBe(false);
    // The running controller's periodic check finds it unannounced and announces it.
    expect(await rig.manifests.publishIfChanged()).toBeUndefined();
    const { payload } = await retainedAnnouncement();
    const opened = openSigned(payload, [publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'))]);
    expect(opened.body).toMatchObject({ announcement: { version: published.version, sha256: published.sha256 } });
  });
});
