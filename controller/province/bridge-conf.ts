/**
 * The Mosquitto files of the province roll-up (issue 17): the bridge an area's Mosquitto opens to the province hub's
 * broker (`conf.d/loa-bridge.conf`), and the hub broker's password file, ACL and configuration.
 *
 * Options as mosquitto.conf(5) of Mosquitto 2.0.11 ("Configuring Bridges") describes them. What matters here:
 * - the summaries are QoS 1 and the bridge keeps its session (`cleansession false`, a stable `remote_clientid`): a cut
 *   link queues them in the area's broker and they leave when it comes back (store-and-forward);
 * - that queue is bounded by the global `max_queued_messages` (beyond it Mosquitto drops **silently**) and saved only
 *   at exit or every `autosave_interval`: the area database and the hub's receipts are the real guarantee;
 * - the bridge's state (1 connected, 0 not) is a retained message and a will on the hub: its topic must be one the
 *   area's hub account may write, else the hub drops it silently (Mosquitto 2.0.11 still lets the bridge in; the
 *   default `$SYS/broker/connection/…` is such a topic): here `loa/v1/<area>/summary/bridge`;
 * - bridges are not reloaded by SIGHUP: a changed bridge file needs a Mosquitto restart.
 */
import { chown, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import { isEmbedded, loadControllerConfig, validateControllerConfig, type ControllerConfig } from '../app/config.js';
import { confDRefusal, MOSQUITTO_GROUP, type SystemAccounts } from '../broker/mosquitto-setup.js';
import { districtPrefix } from '../broker/topic-rules.js';
import { mosquittoHash } from '../fleet/passwords.js';
import { mosquittoConfText } from '../broker/mosquitto-files.js';

/** The first line of `loa-bridge.conf`: how a later run knows the file is its own to rewrite. */
export const BRIDGE_CONF_MARKER = '# Written by Loa (loa controller bridge-setup), which rewrites it; remove this line to keep your own edits.';

/** The file's name in Mosquitto's conf.d folder (beside `loa.conf`). */
export const BRIDGE_CONF_NAME = 'loa-bridge.conf';

/** The hub's own MQTT user name: `_` cannot appear in an area name (TOPIC_NAME), so no area can take it. */
export const HUB_USER = 'loa_hub';

/** Summaries an area's broker keeps for a cut bridge (Mosquitto's default is 1000, then it drops silently). */
export const BRIDGE_QUEUE = 10_000;

/** The topics of one area's summaries (protocol/summary.ts names them the same way). */
export function summaryTopics(area: string): { days: string; registry: string; receipt: string; bridge: string } {
  const p = `${districtPrefix(area)}summary/`;
  return { days: `${p}day/#`, registry: `${p}registry`, receipt: `${p}receipt`, bridge: `${p}bridge` };
}

/** The MQTT client id an area uses at the hub, through a Mosquitto bridge or its own client: the hub keeps its session. */
export function areaClientId(area: string): string {
  return `loa-area-${area}`;
}

export interface AreaBridgeOptions {
  /** The area's network name (config `district.id`). */
  area: string;
  hub: { host: string; port: number };
  /** The area's account at the hub (printed by `loa province area add`). */
  username: string;
  password: string;
  /** The hub's CA certificate: set, the bridge speaks TLS and checks the hub's name (never `bridge_insecure`). */
  caFile?: string | null;
  /** Seconds before reconnecting: `[base, cap]` (jittered back-off) or a constant; default [5, 60]. */
  restartTimeout?: number | readonly [number, number];
  /** Seconds between pings on an idle link (Mosquitto's minimum is 5); default 60. */
  keepaliveSeconds?: number;
  /** The bridge's name in this file (default `loa-hub`). */
  name?: string;
}

/** Mosquitto reads a value up to the first space: a password or path with one would be cut short, silently. */
function oneWord(what: string, value: string): string {
  if (value === '' || /\s/.test(value)) throw new RangeError(`${what} must be one word without spaces, got ${JSON.stringify(value)}`);
  return value;
}

function hostPort(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`hub.port must be 1–65535, got ${port}`);
  return `${host.includes(':') ? `[${oneWord('hub.host', host)}]` : oneWord('hub.host', host)}:${port}`;
}

/**
 * The text of `conf.d/loa-bridge.conf` on an area's Mosquitto: the day summaries and the registry go out, the hub's
 * receipt comes in, all QoS 1 under the area's own prefix (the same topics on both sides).
 */
export function areaBridgeConfText(o: AreaBridgeOptions): string {
  const t = summaryTopics(o.area);
  const prefix = districtPrefix(o.area);
  const restart = typeof o.restartTimeout === 'number' ? `${o.restartTimeout}` : (o.restartTimeout ?? [5, 60]).join(' ');
  const keepalive = o.keepaliveSeconds ?? 60;
  if (keepalive < 5) throw new RangeError(`keepaliveSeconds must be at least 5 (Mosquitto's minimum), got ${keepalive}`);
  return [
    BRIDGE_CONF_MARKER,
    `# The bridge of area ${o.area} to the province hub: summaries out, receipts in. Bridges are not reloaded by SIGHUP: systemctl restart mosquitto.`,
    '# Global: the summaries a cut bridge may queue (beyond it Mosquitto drops them silently; the area re-sends what the hub lacks).',
    `max_queued_messages ${BRIDGE_QUEUE}`,
    '',
    `connection ${o.name ?? 'loa-hub'}`,
    `address ${hostPort(o.hub.host, o.hub.port)}`,
    'bridge_protocol_version mqttv311',
    `remote_clientid ${areaClientId(o.area)}`,
    `remote_username ${oneWord('username', o.username)}`,
    `remote_password ${oneWord('password', o.password)}`,
    'cleansession false',
    'local_cleansession false',
    'try_private true',
    'notifications true',
    `notification_topic ${t.bridge}`,
    `restart_timeout ${restart}`,
    `keepalive_interval ${keepalive}`,
    `topic summary/day/# out 1 ${prefix} ${prefix}`,
    `topic summary/registry out 1 ${prefix} ${prefix}`,
    `topic summary/receipt in 1 ${prefix} ${prefix}`,
    ...(o.caFile ? [`bridge_cafile ${oneWord('caFile', o.caFile)}`, 'bridge_insecure false'] : []),
    '',
  ].join('\n');
}

/** One area's account at the hub broker: its plain password (hashed here) or a `$7$` hash kept by the hub. */
export type HubAreaAccount = { id: string; password: string } | { id: string; mosquittoHash: string };

export interface HubBrokerOptions {
  areas: readonly HubAreaAccount[];
  /** The hub service's own account (user name default {@link HUB_USER}). */
  hub: { username?: string; password: string };
  port: number;
  host?: string;
  passwordFile: string;
  aclFile: string;
  /** Where Mosquitto keeps its sessions across a restart (the hub service's queued summaries); null: not kept. */
  persistenceDir: string | null;
  /** Mosquitto started as root drops to this user. */
  user?: string;
  /** A TLS listener instead of the plain one. */
  tls?: { cafile: string; certfile: string; keyfile: string } | null;
}

const HASH = /^\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

function hashOf(a: HubAreaAccount): string {
  if ('password' in a) return mosquittoHash(a.password);
  if (!HASH.test(a.mosquittoHash)) throw new RangeError(`areas[${a.id}].mosquittoHash is not a $7$ hash: ${JSON.stringify(a.mosquittoHash)}`);
  return a.mosquittoHash;
}

/** The ACL: each area writes only its own summaries (and bridge state) and reads its receipt; the hub reads them all. */
export function hubAclText(areas: readonly { id: string }[], hubUser = HUB_USER): string {
  const out = ['# Loa province hub: written from the hub\'s area list; do not edit by hand.', ''];
  out.push(`user ${hubUser}`, 'topic read loa/v1/+/summary/#', 'topic write loa/v1/+/summary/receipt', '');
  for (const a of areas) {
    const t = summaryTopics(a.id);
    out.push(`user ${a.id}`, `topic write ${t.days}`, `topic write ${t.registry}`, `topic write ${t.bridge}`, `topic read ${t.receipt}`, '');
  }
  return out.join('\n');
}

/** The hub broker's three files' texts (write them durably; SIGHUP reloads the password file and ACL). */
export function hubBrokerFiles(o: HubBrokerOptions): { passwordText: string; aclText: string; confText: string } {
  const hubUser = o.hub.username ?? HUB_USER;
  const passwordText = [`${hubUser}:${mosquittoHash(o.hub.password)}`, ...o.areas.map((a) => `${a.id}:${hashOf(a)}`), ''].join('\n');
  const persistence = o.persistenceDir === null ? ['persistence false'] : ['persistence true', `persistence_location ${oneWord('persistenceDir', o.persistenceDir.endsWith('/') ? o.persistenceDir : `${o.persistenceDir}/`)}`];
  const listener = mosquittoConfText({ port: o.port, passwordFile: oneWord('passwordFile', o.passwordFile), aclFile: oneWord('aclFile', o.aclFile), snippet: true, ...(o.host === undefined ? {} : { host: o.host }), ...(o.user === undefined ? {} : { user: o.user }) });
  const tls = o.tls ? [`cafile ${o.tls.cafile}`, `certfile ${o.tls.certfile}`, `keyfile ${o.tls.keyfile}`] : [];
  const confText = ["# Loa province hub broker: the areas' bridges write summaries here, the hub service reads them.", ...persistence, `max_queued_messages ${BRIDGE_QUEUE}`, listener.trimEnd(), ...tls, ''].join('\n');
  return { passwordText, aclText: hubAclText(o.areas, hubUser), confText };
}

// --- `loa controller bridge-setup` --------------------------------------------------------------------------------

export type BridgeSetupErrorCode = 'embedded-broker' | 'no-conf-dir' | 'conf-not-ours';

/** A refusal a person can act on, in both languages; nothing was written. */
export class BridgeSetupError extends Error {
  constructor(
    readonly code: BridgeSetupErrorCode,
    readonly vi: string,
    readonly en: string,
  ) {
    super(en);
    this.name = 'BridgeSetupError';
  }
}

export interface BridgeSetupOptions extends Omit<AreaBridgeOptions, 'area' | 'name'> {
  /** The controller's configuration file (`/etc/loa/controller.json`): its `district.id` names the area. */
  configFile: string;
  /** Mosquitto's conf.d folder (`/etc/mosquitto/conf.d`), where `loa.conf` already is. */
  confDir: string;
  accounts: SystemAccounts;
  /** Whether this process may change owners (it runs as root). */
  root: boolean;
}

export interface BridgeSetupResult {
  area: string;
  confFile: string;
  /** Whether the configuration's `summary` was switched on (it was off, or sent straight to a hub). */
  configChanged: boolean;
  /** The file's group is `mosquitto` (it holds the hub password: 0640). */
  grouped: boolean;
}

/** Refuses what this command must not change; checked before anything is written. */
async function bridgeRefusals(o: BridgeSetupOptions, config: ControllerConfig, confFile: string): Promise<void> {
  if (isEmbedded(config.broker)) {
    throw new BridgeSetupError(
      'embedded-broker',
      `bộ điều khiển đang dùng broker nhúng, không bắc cầu được: chạy loa controller mosquitto-setup trước, hoặc ghi broker của máy chủ tỉnh vào summary.hub trong ${o.configFile}`,
      `the controller runs the embedded broker, which cannot bridge: run loa controller mosquitto-setup first, or give the hub's broker as summary.hub in ${o.configFile}`,
    );
  }
  const refused = await confDRefusal(o.confDir, confFile, BRIDGE_CONF_MARKER);
  if (refused !== null) throw new BridgeSetupError(refused.code, refused.vi, refused.en);
}

/**
 * Writes `conf.d/loa-bridge.conf` for this area (0640, group `mosquitto` when root: it holds the hub password) and
 * switches the configuration's summaries on, through this broker (`summary: { enabled: true, hub: null }`), keeping
 * the configuration file's owner and mode. Mosquitto reads a bridge only at start: restart it afterwards.
 */
export async function setUpBridge(o: BridgeSetupOptions): Promise<BridgeSetupResult> {
  const config = await loadControllerConfig(o.configFile);
  const confFile = join(resolve(o.confDir), BRIDGE_CONF_NAME);
  await bridgeRefusals(o, config, confFile);
  const area = config.district.id;
  const text = areaBridgeConfText({ ...o, area });
  const raw = JSON.parse(await readFile(o.configFile, 'utf8')) as Record<string, unknown>;
  const summary = { ...((raw.summary ?? {}) as Record<string, unknown>), enabled: true, hub: null };
  const configChanged = !(config.summary.enabled && config.summary.hub === null);
  const next = { ...raw, summary };
  if (configChanged) validateControllerConfig(next);

  await writeFileDurably(confFile, text, 0o640);
  const gid = o.root ? o.accounts.gid(MOSQUITTO_GROUP) : undefined;
  if (gid !== undefined) await chown(confFile, 0, gid);
  if (configChanged) {
    const before = await stat(o.configFile);
    await writeFileDurably(o.configFile, `${JSON.stringify(next, null, 2)}\n`, before.mode & 0o777);
    if (o.root) await chown(o.configFile, before.uid, before.gid);
  }
  return { area, confFile, configChanged, grouped: gid !== undefined };
}

