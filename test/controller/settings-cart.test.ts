// Remote settings from the district to a cart and back, with real parts on both sides: a running controller (SQLite,
// broker, district key) signs the document sent through POST /api/settings; the cart's side opens the signed command
// as a cart does and hands it to its RemoteSettings on a real data folder (real configuration schema); after the
// restart the new broadcast hours block a play the old ones allowed, the health check keeps them, and the cart's
// config events tell the controller which version is applied.
//
// The cart program (cart-run.ts) does not hand set-config to RemoteSettings yet (the lead wires it): until then the
// cart's part is played here by its functions, and the events go up through a test cart's MQTT frames, as the uplink
// would send them from the store.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../protocol/index.js';
import { settingsText } from '../../device/cart-status.js';
import { evaluatePolicy, initialPolicyState, validatePolicyConfig } from '../../device/logic/policy.js';
import { loadCartConfigWithSettings, type SettingsEventCode } from '../../device/update/settings.js';
import { TestClock } from '../support/clock.js';
import { dataDirWithIdentity } from '../support/identity.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from './app/harness.js';

let rig: Rig;
let cart: TestCart;
let dataDir: string;
let approver: string;
const clock = new TestClock(T * 1000);

beforeAll(async () => {
  rig = await startController({}, { clock: clock.now });
  approver = await loginAs(rig, 'ca-huyen', 'approver');
  cart = await TestCart.connect(rig.controller.brokerUrl, await addCart(rig, 'dan-luc-01'), rig.controller.districtPublicKeyHex);
  dataDir = await dataDirWithIdentity('loa-settings-cart-', { unitName: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc-ttt', district: 'trieu-son' });
});

afterAll(async () => {
  await cart?.close();
  await rig?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One start of the cart program: its configuration with the settings, events going up as the uplink sends them. */
async function startCart() {
  let restarts = 0;
  const loaded = await loadCartConfigWithSettings(dataDir, undefined, { simulate: true });
  const record = async (code: SettingsEventCode, detail: string): Promise<void> => {
    await cart.send([{ type: 'event', record: cart.nextRecord(), at: { time: clock.seconds(), source: 'gnss' }, kind: 'config', code, detail }]);
  };
  await loaded.remote.attach({ record, restart: () => restarts++, restartDelayMs: 0 });
  return { ...loaded, restarts: () => restarts };
}

/** Whether the cart's policy lets it play at 10:45 in Vietnam (03:45 UTC) on 1 December 2026. */
function playsAt1045(policy: unknown): boolean {
  const now = Date.UTC(2026, 11, 1, 3, 45);
  const decision = evaluatePolicy({ now, position: null, socPercent: 80, sessionSeconds: 0, playedTodaySeconds: 0 }, initialPolicyState(), validatePolicyConfig(policy ?? {}));
  return !decision.reasons.some((r) => r.code === 'outside-hours');
}

describe('broadcast hours sent from the district', () => {
  it('reach the cart signed, apply after the restart, pass the health check and are reported applied', async () => {
    const before = await startCart();
    expect(before.settings).toEqual({ applied: null, onTrial: false });
    expect(playsAt1045(before.config.policy)).toBe(true); // the default morning window runs to 11:00

    const hours = { policy: { allowedHours: [{ from: '07:00', to: '10:30' }, { from: '14:00', to: '17:00' }] }, player: { initialVolume: 35 } };
    const posted = await call(rig.controller.httpUrl, 'POST', '/api/settings', { token: approver, body: { target: { kind: 'commune', id: 'dan-luc' }, document: hours } });
    expect(posted.status, posted.text).toBe(200);
    await until(() => cart.commands.length === 1, 'the signed settings at the cart');
    const command = cart.commands[0]! as Command & { action: 'set-config' };
    expect([command.action, command.version]).toEqual(['set-config', posted.json.version]);

    const result = await before.remote.setConfig(command);
    expect(result).toEqual({ status: 'ok', detail: `settings v${command.version} accepted: restarting to apply them` });
    await cart.send([{ type: 'command-result', record: cart.nextRecord(), at: { time: clock.seconds(), source: 'gnss' }, counter: command.counter, ...result }]);
    await until(() => before.restarts() === 1, 'the restart asked for');

    const after = await startCart();
    expect(after.settings).toEqual({ applied: command.version, onTrial: true });
    expect(after.config.player.initialVolume).toBe(35);
    expect(playsAt1045(after.config.policy)).toBe(false);
    expect(settingsText(after.remote.applied).en).toBe(`v${command.version}, on trial (waiting for the health check)`);
    await after.remote.markSettingsGood();
    expect(settingsText(after.remote.applied).vi).toBe(`v${command.version}, đã áp dụng`);

    const view = async () => (await call(rig.controller.httpUrl, 'GET', '/api/units/dan-luc-01/settings', { token: approver })).json;
    await until(async () => (await view()).applied !== null, 'the applied event at the controller');
    expect(await view()).toMatchObject({
      sent: { version: command.version, status: 'ok' },
      accepted: { version: command.version },
      applied: { version: command.version, detail: `v${command.version}` },
      refused: null,
      rolledBack: null,
    });
  });
});
