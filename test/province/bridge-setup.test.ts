// `loa controller bridge-setup` on real files in a temp folder: conf.d/loa-bridge.conf written (0640, the hub
// password inside), the configuration's summaries switched on with every other key kept, a file Loa did not write
// refused, an embedded broker refused; and one real run: a Mosquitto started from a main file like Debian's that
// includes both loa.conf (mosquitto-setup's) and loa-bridge.conf, bridged to a hub Mosquitto.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeMosquittoFiles } from '../../controller/broker/mosquitto-files.js';
import { loaConfText } from '../../controller/broker/mosquitto-setup.js';
import { BRIDGE_CONF_MARKER } from '../../controller/province/bridge-conf.js';
import { runLoa } from '../support/cli.js';
import { startMosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';
import { missing } from '../support/tools.js';
import { until } from '../support/wait.js';
import { areaPassword, client, CONTROLLER_PASSWORD, controllerAccount, hubAccount, startHubBroker } from './brokers.js';

const AREA = 'yen-dinh';

interface Place {
  dir: string;
  configFile: string;
  confDir: string;
  passwordFile: string;
  run(extra?: string[], hubPort?: number): ReturnType<typeof runLoa>;
}

async function place(broker: Record<string, unknown>): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bsetup-'));
  const configFile = join(dir, 'controller.json');
  const config = { district: { id: AREA, name: 'Yên Định', origin: { lat: 20.0, lon: 105.6 } }, dataDir: join(dir, 'data'), broker, staleAfterSeconds: 600 };
  await writeFile(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o640 });
  const confDir = join(dir, 'conf.d');
  await mkdir(confDir);
  const passwordFile = join(dir, 'hub-password');
  await writeFile(passwordFile, `${areaPassword(AREA)}\n`, { mode: 0o600 });
  return {
    dir,
    configFile,
    confDir,
    passwordFile,
    run: (extra = [], hubPort = 8883) =>
      runLoa(['controller', 'bridge-setup', '--config', configFile, '--conf-d', confDir, '--hub-host', '127.0.0.1', '--hub-port', String(hubPort), '--user', AREA, '--password-file', passwordFile, ...extra, '--lang', 'en']),
  };
}

const mosquittoBroker = (dir: string, port = 1883): Record<string, unknown> => ({
  url: `mqtt://127.0.0.1:${port}`,
  username: 'loa_controller',
  password: CONTROLLER_PASSWORD,
  files: { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl'), tlsDir: null },
});

describe('loa controller bridge-setup', () => {
  let p: Place;
  afterEach(async () => {
    await rm(p.dir, { recursive: true, force: true });
  });

  it('writes the bridge file once it is its own, and switches the summaries on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-bsetup-files-'));
    p = await place(mosquittoBroker(dir));
    await rm(dir, { recursive: true });
    const first = await p.run(['--ca', '/etc/loa/hub-ca.crt']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Wrote .*loa-bridge\.conf: area yen-dinh .*127\.0\.0\.1:8883 \(TLS\)/);
    expect(first.stdout).toContain('Switched the summaries on');
    const file = join(p.confDir, 'loa-bridge.conf');
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(BRIDGE_CONF_MARKER);
    expect(text).toContain(`remote_password ${areaPassword(AREA)}\n`);
    expect(text).toContain('bridge_cafile /etc/loa/hub-ca.crt\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const config = JSON.parse(await readFile(p.configFile, 'utf8')) as Record<string, unknown>;
    expect(config.summary).toEqual({ enabled: true, hub: null });
    expect(Object.keys(config)).toEqual(['district', 'dataDir', 'broker', 'staleAfterSeconds', 'summary']);
    expect((await stat(p.configFile)).mode & 0o777).toBe(0o640);

    const again = await p.run();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already sends the summaries through Mosquitto: unchanged');
    expect(await readFile(join(p.confDir, 'loa-bridge.conf'), 'utf8')).not.toContain('bridge_cafile');
  });

  it('refuses a file it did not write, and the embedded broker', async () => {
    p = await place(mosquittoBroker('/nowhere'));
    await writeFile(join(p.confDir, 'loa-bridge.conf'), 'connection mine\n');
    const foreign = await p.run();
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/^loa controller bridge-setup: .*loa-bridge\.conf was not written by Loa .*not overwritten/);
    expect(await readFile(join(p.confDir, 'loa-bridge.conf'), 'utf8')).toBe('connection mine\n');

    const embedded = await place({ embedded: {} });
    try {
      const r = await embedded.run();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the embedded broker, which cannot bridge: run loa controller mosquitto-setup first');
      const vi = await runLoa(['controller', 'bridge-setup', '--config', embedded.configFile, '--conf-d', embedded.confDir, '--hub-host', 'h', '--hub-port', '1', '--user', AREA, '--password-file', embedded.passwordFile]);
      expect(vi.stderr).toContain('broker nhúng');
    } finally {
      await rm(embedded.dir, { recursive: true, force: true });
    }
  });

  it('answers a missing option or a bad password file with exit code 2', async () => {
    p = await place(mosquittoBroker('/nowhere'));
    const none = await runLoa(['controller', 'bridge-setup', '--config', p.configFile, '--hub-host', 'h', '--lang', 'en']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing --hub-port, --user, --password-file');
    await writeFile(p.passwordFile, 'two words\n');
    const bad = await p.run();
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('its first line must be the password');
  });
});

describe.skipIf(missing('mosquitto'))('a Mosquitto set up by mosquitto-setup and bridge-setup', () => {
  let dir: string;
  const stops: (() => Promise<void>)[] = [];
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-bsetup-run-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const s of stops.splice(0).reverse()) await s();
    await rm(dir, { recursive: true, force: true });
  });

  it('bridges to the hub from a main file that includes conf.d (loa-bridge.conf is read before loa.conf)', async () => {
    const hub = await startHubBroker(join(dir, 'hub'), [AREA]);
    stops.push(() => hub.stop());
    const atHub: string[] = [];
    const hubClient = await client(hub.url, { ...hubAccount, clientId: 'hub-service' });
    clients.push(hubClient);
    hubClient.on('message', (topic, payload) => atHub.push(`${topic} ${payload.toString()}`));
    await hubClient.subscribeAsync('loa/v1/+/summary/#', { qos: 1 });

    const filesDir = join(dir, 'files');
    await mkdir(filesDir);
    const port = await freePort();
    const p = await place(mosquittoBroker(filesDir, port));
    stops.push(() => rm(p.dir, { recursive: true, force: true }));
    const files = { passwordFile: join(filesDir, 'passwd'), aclFile: join(filesDir, 'acl') };
    await writeMosquittoFiles({ district: AREA, units: [], controller: { password: CONTROLLER_PASSWORD }, ...files });
    await writeFile(join(p.confDir, 'loa.conf'), loaConfText({ port, host: '127.0.0.1', ...files, tls: null }));
    expect((await p.run([], hub.port)).code).toBe(0);

    const area = await startMosquitto({ dir: p.dir, name: 'main', port, conf: () => `persistence false\ninclude_dir ${p.confDir}\n` });
    stops.push(() => area.stop());
    await until(() => atHub.includes(`loa/v1/${AREA}/summary/bridge 1`), `the bridge to connect (${area.log})`, 8000);
    const ctl = await client(area.url, { ...controllerAccount, clientId: 'loa-controller' });
    clients.push(ctl);
    await ctl.publishAsync(`loa/v1/${AREA}/summary/day/2025-10-01`, 'day-1', { qos: 1 });
    await until(() => atHub.includes(`loa/v1/${AREA}/summary/day/2025-10-01 day-1`), 'the summary at the hub', 5000);
  });
});
