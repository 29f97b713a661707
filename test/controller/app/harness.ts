// A whole district controller on loopback ports 0 with a temp data folder, a JSON client for its API, and the fleet
// tests' cart in this district.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateControllerConfig, type ControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import type { Unit } from '../../../controller/fleet/registry.js';
import type { Role } from '../../../controller/users/roles.js';
import { TestCart as FleetCart } from '../fleet/harness.js';

export { until } from '../../support/wait.js';

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

/**
 * Starts a controller with configuration `extra` over the test defaults. `clock` (Unix milliseconds, default the
 * system clock): pass a `TestClock`'s `now` when what the test checks depends on the date.
 */
export async function startController(extra: Record<string, unknown> = {}, options: { clock?: () => number; webDir?: (dir: string) => Promise<string> } = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-app-'));
  const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 }, ...extra });
  const webDir = options.webDir ? await options.webDir(dir) : undefined;
  const controller = new DistrictController({ config, ...(options.clock === undefined ? {} : { clock: options.clock }), ...(webDir === undefined ? {} : { webDir }) });
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

/**
 * The fleet tests' cart, in this district. It opens the commands it gets with `districtPublicKeyHex`: pass the
 * controller's (`rig.controller.districtPublicKeyHex`) to read them.
 */
export const TestCart = {
  connect: (url: string, cart: { unit: Unit; password: string }, districtPublicKeyHex?: string): Promise<FleetCart> =>
    FleetCart.connect(url, cart, { district: DISTRICT, districtPublicKeyHex }),
};
export type TestCart = FleetCart;
