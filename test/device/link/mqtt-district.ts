// The fake district peer over MQTT: an mqtt.js client on the cart's up and down topics.
import type { MqttClient } from 'mqtt';
import { unitTopic } from '../../../protocol/index.js';
import { FakeDistrict } from './fake-district.js';
import { DISTRICT, makeDistrict, UNIT } from './harness.js';
import { testClient } from './broker.js';

export interface MqttDistrict {
  district: FakeDistrict;
  client: MqttClient;
  close(): Promise<void>;
}

export async function mqttDistrict(url: string, ackDelayMs = 0): Promise<MqttDistrict> {
  const up = unitTopic(DISTRICT, UNIT.name, 'up');
  const down = unitTopic(DISTRICT, UNIT.name, 'down');
  const client = await testClient(url, `district-${process.pid}-${Math.random().toString(16).slice(2, 8)}`);
  const district = makeDistrict(async (bytes) => {
    await client.publishAsync(down, bytes, { qos: 1 });
  }, ackDelayMs);
  client.on('message', (topic, payload) => {
    if (topic === up) void district.receive(payload);
  });
  await client.subscribeAsync(up, { qos: 1 });
  return { district, client, close: () => client.endAsync(true) };
}
