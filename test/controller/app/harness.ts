// A whole district controller on loopback ports 0 with a temp data folder, a JSON client for its API, and a test
// cart that speaks the protocol over mqtt.js with the unit key the registry made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame, encodeFrame, STATUS_OFFLINE, STATUS_ONLINE, unitTopic, type Message } from '../../../protocol/index.js';
import { validateControllerConfig, type ControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import type { Unit } from '../../../controller/fleet/registry.js';
import type { Role } from '../../../controller/users/roles.js';

export const DISTRICT = 'trieu-son';
/** 2026-11-29 08:00:00 +07:00 */
export const T = 1_795_914_000;
export const PASSWORD = 'mat-khau-thu-nghiem';

export interface Rig {
  dir: string;
  config: ControllerConfig;
  controller: DistrictController;
  close(): Promise<void>;
}

export async function startController(extra: Record<string, unknown> = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-app-'));
  const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 }, ...extra });
  const controller = new DistrictController({ config });
  await controller.start();
  return {
    dir,
    config,
    controller,
    async close() {
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One API call; `token` goes in `Authorization: Bearer`. */
export async function call(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Adds a user with `role` and logs in through the API; returns the session token. */
export async function loginAs(rig: Rig, name: string, role: Role): Promise<string> {
  await rig.controller.users.add({ name, role, password: PASSWORD });
  const r = await call(rig.controller.httpUrl, 'POST', '/api/login', { body: { user: name, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
  return (r.json as { token: string }).token;
}

/** Registers a commune, a team and a unit; the plain MQTT password comes back once. */
export async function addCart(rig: Rig, id = 'dan-luc-01'): Promise<{ unit: Unit; password: string }> {
  const registry = rig.controller.registry;
  if ((await registry.listCommunes()).length === 0) {
    await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
    await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
  }
  return registry.addUnit({ id, commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
}

/** A cart over mqtt.js: frames tagged with its key (fixes from its registered origin), acks read from its down topic. */
export class TestCart {
  readonly acked = new Set<number>();
  #seq = 0;

  private constructor(
    readonly client: MqttClient,
    readonly unit: Unit,
  ) {
    client.on('message', (_topic, payload) => {
      for (const m of decodeFrame(payload, unit.key).messages) {
        if (m.type === 'ack') for (const [first, last] of m.ranges) for (let n = first; n <= last; n++) this.acked.add(n);
      }
    });
  }

  static async connect(url: string, cart: { unit: Unit; password: string }): Promise<TestCart> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: cart.unit.id,
      username: cart.unit.id,
      password: cart.password,
      reconnectPeriod: 0,
      will: { topic: unitTopic(DISTRICT, cart.unit.id, 'status'), payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
    });
    await client.subscribeAsync(unitTopic(DISTRICT, cart.unit.id, 'down'), { qos: 1 });
    await client.publishAsync(unitTopic(DISTRICT, cart.unit.id, 'status'), STATUS_ONLINE, { qos: 1, retain: true });
    return new TestCart(client, cart.unit);
  }

  async send(messages: Message[]): Promise<void> {
    const frame = encodeFrame({ kind: 'unit', unit: this.unit.number, boot: 1, seq: this.#seq++, messages }, this.unit.key, { origin: this.unit.origin });
    await this.client.publishAsync(unitTopic(DISTRICT, this.unit.id, 'up'), frame, { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
