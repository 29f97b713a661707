// The backlog scenario against a real Mosquitto broker, started here on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { MqttTransport } from '../../../device/link/mqtt-transport.js';
import { accepts, freePort } from '../../support/net.js';
import { missing } from '../../support/tools.js';
import { DISTRICT, UNIT, until } from './harness.js';
import { mqttDistrict } from './mqtt-district.js';
import { backlogDrains } from './scenarios.js';

describe.skipIf(missing('mosquitto'))('the uplink through Mosquitto', () => {
  let dir: string;
  let port: number;
  let broker: ChildProcess;
  let stderr = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-mosquitto-'));
    port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    broker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => accepts(port), `mosquitto to listen on ${port} (${stderr})`, 5000);
  });

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('drains a 1,000-record backlog oldest first, every record acked', async () => {
    const url = `mqtt://127.0.0.1:${port}`;
    const peer = await mqttDistrict(url);
    try {
      const transport = new MqttTransport({ url, district: DISTRICT, unit: UNIT.name, backoff: { initialMs: 50, maxMs: 200 } });
      await backlogDrains(transport, peer.district, 1000);
    } finally {
      await peer.close();
    }
  });
});
