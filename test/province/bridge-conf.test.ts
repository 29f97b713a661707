// The bridge files of the province roll-up: their text, and a real area Mosquitto bridged to a real hub Mosquitto
// through a link that can be cut (store-and-forward, a restart during the cut, receipts coming back, the hub's ACL),
// and over TLS (the hub checked against the CA the bridge was given).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinkCut } from '../../cli/demo/link-cut.js';
import { verifyMosquittoHash } from '../../controller/fleet/passwords.js';
import { areaBridgeConfText, BRIDGE_CONF_MARKER, hubBrokerFiles, HUB_USER } from '../../controller/province/bridge-conf.js';
import { districtTls, type DistrictTls } from '../support/district-tls.js';
import { startMosquitto, type RunningMosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';
import { areaPassword, client, controllerAccount, HUB_PASSWORD, hubAccount, startAreaBroker, startHubBroker } from './brokers.js';

const base = { area: 'trieu-son', hub: { host: 'hub.tinh.example', port: 8883 }, username: 'trieu-son', password: 's3cret' };

describe('areaBridgeConfText', () => {
  it('starts with the marker, keeps the session and maps only the summary topics', () => {
    const text = areaBridgeConfText(base);
    const lines = text.split('\n');
    expect(lines[0]).toBe(BRIDGE_CONF_MARKER);
    // Globals come before the connection line: after it they would read as the bridge's.
    expect(lines.findIndex((l) => l.startsWith('max_queued_messages'))).toBeLessThan(lines.findIndex((l) => l.startsWith('connection ')));
    for (const l of [
      'address hub.tinh.example:8883',
      'remote_clientid loa-area-trieu-son',
      'remote_username trieu-son',
      'remote_password s3cret',
      'cleansession false',
      'notification_topic loa/v1/trieu-son/summary/bridge',
      'restart_timeout 5 60',
      'keepalive_interval 60',
      'topic summary/day/# out 1 loa/v1/trieu-son/ loa/v1/trieu-son/',
      'topic summary/registry out 1 loa/v1/trieu-son/ loa/v1/trieu-son/',
      'topic summary/receipt in 1 loa/v1/trieu-son/ loa/v1/trieu-son/',
    ]) {
      expect(lines).toContain(l);
    }
    expect(text).not.toMatch(/bridge_cafile|bridge_insecure true/);
  });

  it('speaks TLS to the hub when given its CA, and takes test timings', () => {
    const text = areaBridgeConfText({ ...base, caFile: '/var/lib/loa/mosquitto/hub-ca.crt', restartTimeout: 1, keepaliveSeconds: 5, hub: { host: '::1', port: 8883 } });
    expect(text).toContain('bridge_cafile /var/lib/loa/mosquitto/hub-ca.crt\nbridge_insecure false');
    expect(text).toContain('restart_timeout 1\n');
    expect(text).toContain('keepalive_interval 5\n');
    expect(text).toContain('address [::1]:8883\n');
  });

  it('refuses what Mosquitto would silently cut short or refuse', () => {
    expect(() => areaBridgeConfText({ ...base, password: 'two words' })).toThrow(/password must be one word/);
    expect(() => areaBridgeConfText({ ...base, keepaliveSeconds: 2 })).toThrow(/at least 5/);
    expect(() => areaBridgeConfText({ ...base, hub: { host: 'h', port: 0 } })).toThrow(/hub.port/);
  });
});

describe('hubBrokerFiles', () => {
  const files = hubBrokerFiles({
    areas: [{ id: 'a1', password: 'p1' }, { id: 'a2', mosquittoHash: '$7$101$c2FsdHNhbHRzYWx0$aGFzaA==' }],
    hub: { password: 'hp' },
    port: 1884,
    passwordFile: '/f/passwd',
    aclFile: '/f/acl',
    persistenceDir: '/var/lib/loa/hub-mosquitto',
  });

  it('has one account per area and the hub, with $7$ hashes', () => {
    const lines = files.passwordText.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([HUB_USER, 'a1', 'a2']);
    expect(verifyMosquittoHash('hp', lines[0]!.slice(HUB_USER.length + 1))).toBe(true);
    expect(verifyMosquittoHash('p1', lines[1]!.slice(3))).toBe(true);
    expect(lines[2]).toBe('a2:$7$101$c2FsdHNhbHRzYWx0$aGFzaA==');
    expect(() => hubBrokerFiles({ areas: [{ id: 'a3', mosquittoHash: 'plain' }], hub: { password: 'x' }, port: 1, passwordFile: 'p', aclFile: 'a', persistenceDir: null })).toThrow(/not a \$7\$ hash/);
  });

  it('lets an area write only its own summaries and read only its receipt', () => {
    const blocks = files.aclText.split('\n\n').map((b) => b.trim());
    expect(blocks).toContain(`user ${HUB_USER}\ntopic read loa/v1/+/summary/#\ntopic write loa/v1/+/summary/receipt`);
    expect(blocks).toContain('user a1\ntopic write loa/v1/a1/summary/day/#\ntopic write loa/v1/a1/summary/registry\ntopic write loa/v1/a1/summary/bridge\ntopic read loa/v1/a1/summary/receipt');
  });

  it('keeps sessions on disk and refuses anonymous clients', () => {
    expect(files.confText).toContain('persistence true\npersistence_location /var/lib/loa/hub-mosquitto/\n');
    expect(files.confText).toContain('listener 1884 127.0.0.1\nallow_anonymous false\npassword_file /f/passwd\nacl_file /f/acl\n');
  });
});

describe.skipIf(missing('mosquitto'))('an area Mosquitto bridged to the hub Mosquitto', () => {
  let dir: string;
  let hub: RunningMosquitto;
  let area: RunningMosquitto;
  let link: LinkCut;
  const clients: MqttClient[] = [];
  const atHub: { topic: string; payload: string; retain: boolean }[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-bridge-'));
    hub = await startHubBroker(join(dir, 'hub'), ['a1', 'a2']);
    link = new LinkCut('127.0.0.1', hub.port);
    await link.start();
    const hubClient = await client(hub.url, { ...hubAccount, clientId: 'hub-service', clean: false });
    clients.push(hubClient);
    atHub.length = 0;
    hubClient.on('message', (topic, payload, packet) => atHub.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await hubClient.subscribeAsync('loa/v1/+/summary/#', { qos: 1 });
    area = await startAreaBroker(join(dir, 'a1'), 'a1', link.port);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await area.stop();
    await link.stop();
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const arrived = (payload: string): boolean => atHub.some((m) => m.payload === payload);
  const bridgeUp = async (): Promise<void> => {
    await until(() => atHub.some((m) => m.topic === 'loa/v1/a1/summary/bridge' && m.payload === '1'), `the bridge to connect (${area.log})`, 8000);
  };

  it('carries summaries out, keeps them through a cut and a restart, and brings receipts back', async () => {
    await bridgeUp();
    const ctl = await client(area.url, { ...controllerAccount, clientId: 'loa-controller-a1' });
    clients.push(ctl);
    await ctl.publishAsync('loa/v1/a1/summary/day/2025-10-01', 'day-1', { qos: 1 });
    await ctl.publishAsync('loa/v1/a1/summary/registry', 'registry-1', { qos: 1, retain: true });
    await until(() => arrived('day-1') && arrived('registry-1'), `day-1 and registry-1 at the hub (${area.log})`, 5000);
    // Retained at the hub too: a hub service that starts later reads the area's registry first.
    const late = await client(hub.url, { ...hubAccount, clientId: 'hub-late' });
    clients.push(late);
    const retained: string[] = [];
    late.on('message', (_t, payload, packet) => packet.retain && retained.push(payload.toString()));
    await late.subscribeAsync('loa/v1/a1/summary/registry', { qos: 1 });
    await until(() => retained.includes('registry-1'), 'the retained registry at the hub', 5000);

    link.cut();
    await ctl.publishAsync('loa/v1/a1/summary/day/2025-10-02', 'day-2', { qos: 1 });
    await sleep(300);
    expect(arrived('day-2')).toBe(false);
    // The area's broker restarts during the cut: its queue for the bridge is saved at exit and read back.
    await ctl.endAsync(true);
    await area.restart();
    link.restore();
    await until(() => arrived('day-2'), `day-2 at the hub after the link came back (${area.log})`, 10_000);

    const again = await client(area.url, { ...controllerAccount, clientId: 'loa-controller-a1' });
    clients.push(again);
    const receipts: string[] = [];
    again.on('message', (_t, payload) => receipts.push(payload.toString()));
    await again.subscribeAsync('loa/v1/a1/summary/receipt', { qos: 1 });
    await clients[0]!.publishAsync('loa/v1/a1/summary/receipt', 'receipt-1', { qos: 1, retain: true });
    await until(() => receipts.includes('receipt-1'), 'the receipt at the area', 5000);
  });

  it("keeps an area off another area's topics at the hub", async () => {
    const a1 = await client(hub.url, { username: 'a1', password: areaPassword('a1'), clientId: 'a1-direct' });
    clients.push(a1);
    await a1.publishAsync('loa/v1/a2/summary/day/2025-10-01', 'forged', { qos: 1 });
    await a1.publishAsync('loa/v1/a1/summary/receipt', 'forged-receipt', { qos: 1 });
    await a1.publishAsync('loa/v1/a1/summary/day/2025-10-01', 'own', { qos: 1 });
    await until(() => arrived('own'), 'the area\'s own summary at the hub', 5000);
    expect(arrived('forged')).toBe(false);
    expect(arrived('forged-receipt')).toBe(false);
    await expect(client(hub.url, { username: 'a1', password: 'wrong', clientId: 'a1-wrong' }).then((c) => c.endAsync(true))).rejects.toThrow(/Not authorized|Bad user/i);
  });
});

describe.skipIf(missing('mosquitto'))('a bridge to a hub broker that speaks TLS', () => {
  let dir: string;
  let tls: DistrictTls;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-bridge-tls-'));
    tls = await districtTls('unused');
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await tls.remove();
    await rm(dir, { recursive: true, force: true });
  });

  /** The hub's Mosquitto with only a TLS listener, its certificate from the district CA of `tls` (for 127.0.0.1). */
  async function tlsHub(): Promise<RunningMosquitto> {
    const f = { cafile: join(dir, 'ca.crt'), certfile: join(dir, 'server.crt'), keyfile: join(dir, 'server.key') };
    await writeFile(f.cafile, tls.ca.certPem);
    await writeFile(f.certfile, tls.server.cert);
    await writeFile(f.keyfile, tls.server.key, { mode: 0o600 });
    const port = await freePort();
    const files = hubBrokerFiles({ areas: [{ id: 'a1', password: areaPassword('a1') }], hub: { password: HUB_PASSWORD }, port, passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl'), persistenceDir: null, tls: f });
    await writeFile(join(dir, 'passwd'), files.passwordText, { mode: 0o600 });
    await writeFile(join(dir, 'acl'), files.aclText);
    const hub = await startMosquitto({ dir, name: 'hub-tls', port, conf: () => files.confText });
    stops.push(() => hub.stop());
    return hub;
  }

  it('checks the hub against the CA it was given, and refuses a hub certified by another', async () => {
    const hub = await tlsHub();
    const atHub: string[] = [];
    const reader = await mqtt.connectAsync(`mqtts://127.0.0.1:${hub.port}`, { protocolVersion: 4, ...hubAccount, clientId: 'hub-reader', ca: [tls.ca.certPem], rejectUnauthorized: true });
    stops.push(() => reader.endAsync(true));
    reader.on('message', (topic, payload) => atHub.push(`${topic} ${payload.toString()}`));
    await reader.subscribeAsync('loa/v1/+/summary/#', { qos: 1 });

    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'ca.crt'), tls.other.certPem);
    const wrong = await startAreaBroker(join(dir, 'other'), 'a1', hub.port, { caFile: join(dir, 'other', 'ca.crt') });
    stops.push(() => wrong.stop());
    await sleep(1500);
    expect(atHub).toEqual([]);
    await wrong.stop();

    await mkdir(join(dir, 'area'));
    const area = await startAreaBroker(join(dir, 'area'), 'a1', hub.port, { caFile: join(dir, 'ca.crt') });
    stops.push(() => area.stop());
    await until(() => atHub.includes('loa/v1/a1/summary/bridge 1'), `the bridge over TLS (${area.log})`, 8000);
    const ctl = await client(area.url, { ...controllerAccount, clientId: 'loa-controller-a1' });
    stops.push(() => ctl.endAsync(true));
    await ctl.publishAsync('loa/v1/a1/summary/day/2025-10-01', 'over-tls', { qos: 1 });
    await until(() => atHub.includes('loa/v1/a1/summary/day/2025-10-01 over-tls'), 'the summary over TLS', 5000);
  }, 20_000);
});
