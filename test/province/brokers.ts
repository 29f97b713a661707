// Real Mosquittos for the province tests: the hub's (files from hubBrokerFiles) and an area's (the controller's
// files from its registry, persistence in its folder, and the bridge to the hub from areaBridgeConfText).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { mosquittoConfText, writeMosquittoFiles } from '../../controller/broker/mosquitto-files.js';
import { CONTROLLER_USER } from '../../controller/broker/topic-rules.js';
import { areaBridgeConfText, hubBrokerFiles, HUB_USER } from '../../controller/province/bridge-conf.js';
import { startMosquitto, type RunningMosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';

export const HUB_PASSWORD = 'hub-secret-1';
export const CONTROLLER_PASSWORD = 'controller-secret-1';
export const areaPassword = (area: string): string => `pw-${area}`;

/** The hub's Mosquitto with one account per area (password {@link areaPassword}) and the hub's own; sessions kept on disk unless `persist` is false. */
export async function startHubBroker(dir: string, areas: readonly string[], o: { persist?: boolean } = {}): Promise<RunningMosquitto> {
  await mkdir(join(dir, 'persist'), { recursive: true });
  const port = await freePort();
  const passwordFile = join(dir, 'hub-passwd');
  const aclFile = join(dir, 'hub-acl');
  const files = hubBrokerFiles({ areas: areas.map((id) => ({ id, password: areaPassword(id) })), hub: { password: HUB_PASSWORD }, port, passwordFile, aclFile, persistenceDir: o.persist === false ? null : join(dir, 'persist') });
  await writeFile(passwordFile, files.passwordText, { mode: 0o600 });
  await writeFile(aclFile, files.aclText);
  return startMosquitto({ dir, name: 'hub', port, conf: () => files.confText });
}

/** An area's Mosquitto, bridged to the hub at `hubPort` (a LinkCut's port to cut it; over TLS with `caFile`). */
export async function startAreaBroker(dir: string, area: string, hubPort: number, o: { caFile?: string } = {}): Promise<RunningMosquitto> {
  await mkdir(join(dir, 'persist'), { recursive: true });
  const files = { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl') };
  await writeMosquittoFiles({ district: area, units: [], controller: { password: CONTROLLER_PASSWORD }, ...files });
  return startMosquitto({
    dir,
    name: `area-${area}`,
    conf: (port) =>
      [
        'persistence true',
        `persistence_location ${join(dir, 'persist')}/`,
        mosquittoConfText({ port, ...files, snippet: true }),
        areaBridgeConfText({ area, hub: { host: '127.0.0.1', port: hubPort }, username: area, password: areaPassword(area), restartTimeout: 1, keepaliveSeconds: 5, caFile: o.caFile ?? null }),
      ].join('\n'),
  });
}

/** An MQTT 3.1.1 client of a test broker. */
export function client(url: string, o: { username: string; password: string; clientId: string; clean?: boolean }): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 200, connectTimeout: 5000, clean: o.clean ?? true, clientId: o.clientId, username: o.username, password: o.password });
}

export const controllerAccount = { username: CONTROLLER_USER, password: CONTROLLER_PASSWORD };
export const hubAccount = { username: HUB_USER, password: HUB_PASSWORD };
