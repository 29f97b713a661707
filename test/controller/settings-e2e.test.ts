// Remote settings end to end: a cart provisioned by a running controller runs (loa unit run on the simulators); the
// district sends it a settings document through POST /api/settings (a quiet zone capping the volume near a school,
// and a lower start volume); the cart accepts it, restarts, runs on it on trial, keeps it once the district
// acknowledges its hello, shows the version in its status, and the controller learns it from the cart's events.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unitBundle } from '../../controller/app/bundle.js';
import { runCart, type RunningCart } from '../../device/cart-run.js';
import type { CartStatus } from '../../device/cart-status.js';
import { controlRequest } from '../../device/control.js';
import { createLoggerFactory } from '../../device/logger.js';
import { provision } from '../../device/provision.js';
import { call, loginAs, startController, until, type Rig } from './app/harness.js';

const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

let rig: Rig;
let cartDir: string;
let running: RunningCart | null = null;

beforeEach(async () => {
  rig = await startController();
  cartDir = await mkdtemp(join(tmpdir(), 'loa-settings-e2e-'));
});

afterEach(async () => {
  await running?.stop();
  running = null;
  await rig.close();
  await rm(cartDir, { recursive: true, force: true });
});

async function provisionedCart(): Promise<void> {
  const c = rig.controller;
  await c.registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
  await c.registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
  const cred = await c.registry.addUnit({ id: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
  const bundle = unitBundle(cred.unit, { district: rig.config.district.id, password: cred.password, districtKeys: [c.districtPublicKeyHex], brokerUrl: c.brokerUrl, contentUrl: c.httpUrl });
  await provision(cartDir, JSON.stringify(bundle));
}

describe('settings sent from the district to a running cart', () => {
  it('are accepted, applied after the restart, kept once the district hears the cart, and reported', async () => {
    await provisionedCart();
    const configFile = join(cartDir, 'config.json');
    await writeFile(configFile, JSON.stringify({ link: { telemetryPeriodMs: 1000 }, player: { initialVolume: 60 } }));
    let restarts = 0;
    const start = () => runCart({ dataDir: cartDir, configFile, simulate: true, logger: quiet, restart: () => restarts++, settingsHealthSeconds: 30 });
    const status = async () => ((await controlRequest(running!.controlPath, { cmd: 'status' })) as { ok: true; result: CartStatus }).result;
    running = await start();
    expect((await status()).settings).toEqual({ applied: null, onTrial: false });
    expect((await status()).volume).toBe(60);

    const approver = await loginAs(rig, 'ca-huyen', 'approver');
    const school = { name: 'Trường THCS Dân Lực', lat: 19.84, lon: 105.62, radiusM: 300, action: { capVolume: 30 } };
    const document = { policy: { quietZones: [school] }, player: { initialVolume: 35 } };
    const posted = await call(rig.controller.httpUrl, 'POST', '/api/settings', { token: approver, body: { target: { kind: 'commune', id: 'dan-luc' }, document } });
    expect(posted.status, posted.text).toBe(200);
    const version = posted.json.version as number;
    await until(() => restarts === 1, 'the cart restarting to apply the settings', 15_000);
    const [command] = await rig.controller.commands.listCommands({ unitId: 'dan-luc-01' });
    await until(async () => (await rig.controller.commands.listCommands({ unitId: 'dan-luc-01' }))[0]!.status === 'ok', 'the command result at the controller', 15_000);
    expect(command).toMatchObject({ action: 'set-config', args: { version } });

    await running.stop();
    running = await start();
    expect(running.config.player.initialVolume).toBe(35);
    expect((running.config.policy as { quietZones: unknown[] }).quietZones).toEqual([school]);
    expect((await status()).volume).toBe(35);
    await until(async () => (await status()).settings?.onTrial === false, 'the settings kept once the hello is acknowledged', 15_000);
    expect((await status()).settings).toEqual({ applied: version, onTrial: false });

    const view = async () => (await call(rig.controller.httpUrl, 'GET', '/api/units/dan-luc-01/settings', { token: approver })).json;
    await until(async () => (await view()).applied !== null, 'the applied version at the controller', 15_000);
    expect(await view()).toMatchObject({ sent: { version, status: 'ok' }, accepted: { version }, applied: { version }, refused: null, rolledBack: null });
  });
});
