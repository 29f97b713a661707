// Remote settings on the cart (issue #15), on real files in a mkdtemp data folder and the real configuration
// schema: a document is accepted as a trial, becomes good when the health check passes, is rolled back after three
// starts without one; bad, hardware and old documents are refused with why; a good document the schema no longer
// accepts is ignored, never a cart that cannot start; a write cut by a power loss leaves the previous state.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../../protocol/index.js';
import { loadCartConfigWithSettings, MAX_TRIAL_STARTS, mergeSettings, type SettingsEventCode, type SettingsState } from '../../../device/update/settings.js';
import { dataDirWithIdentity } from '../../support/identity.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A provisioned data folder with a configuration file of its own (hours, volume, a serial-free link). */
async function cartFolder(): Promise<string> {
  const dir = await dataDirWithIdentity('loa-settings-');
  dirs.push(dir);
  const file = {
    player: { initialVolume: 50 },
    policy: { allowedHours: [{ from: '06:30', to: '11:00' }, { from: '13:30', to: '21:30' }], maxDailyMinutes: 240 },
    link: { telemetryPeriodMs: 30_000 },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(file));
  return dir;
}

const setConfig = (version: number, document: unknown): Command & { action: 'set-config' } => ({
  unit: 1,
  counter: version,
  issued: 0,
  expires: 0,
  action: 'set-config',
  version,
  document: typeof document === 'string' ? document : JSON.stringify(document),
});

/** One start of the cart: loads, attaches to an event list, counts restarts asked for. */
async function start(dir: string) {
  const events: { code: SettingsEventCode; detail: string }[] = [];
  let restarts = 0;
  const loaded = await loadCartConfigWithSettings(dir, undefined, { simulate: true });
  await loaded.remote.attach({ record: async (code, detail) => void events.push({ code, detail }), restart: () => restarts++, restartDelayMs: 0 });
  return { ...loaded, events, restarts: () => restarts };
}

const state = async (dir: string): Promise<SettingsState> => JSON.parse(await readFile(join(dir, 'settings', 'state.json'), 'utf8')) as SettingsState;
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('remote settings on the cart', () => {
  it('accepts a document as a trial, restarts to apply it over the file, and keeps it once the health check passes', async () => {
    const dir = await cartFolder();
    const first = await start(dir);
    expect(first.settings).toEqual({ applied: null, onTrial: false });
    const doc = { policy: { allowedHours: [{ from: '07:00', to: '10:00' }], maxDailyMinutes: 90 }, player: { initialVolume: 35 } };
    expect(await first.remote.setConfig(setConfig(1, doc))).toEqual({ status: 'ok', detail: 'settings v1 accepted: restarting to apply them' });
    await tick();
    expect(first.restarts()).toBe(1);
    expect(first.events).toEqual([{ code: 'accepted', detail: 'v1' }]);
    expect(JSON.parse(await readFile(join(dir, 'settings', 'v1.json'), 'utf8'))).toEqual(doc);
    expect((await state(dir)).trial).toEqual({ version: 1, attempts: 0 });

    const trial = await start(dir);
    expect(trial.settings).toEqual({ applied: 1, onTrial: true });
    // Arrays replaced, objects merged: the file's telemetry period stays, its two windows become one.
    expect(trial.config.policy).toMatchObject({ allowedHours: [{ from: '07:00', to: '10:00' }], maxDailyMinutes: 90 });
    expect((trial.config.policy as { allowedHours: unknown[] }).allowedHours).toHaveLength(1);
    expect(trial.config.player.initialVolume).toBe(35);
    expect(trial.config.link.telemetryPeriodMs).toBe(30_000);
    expect((await state(dir)).trial).toEqual({ version: 1, attempts: 1 });
    await trial.remote.markSettingsGood();
    expect(trial.events).toEqual([{ code: 'applied', detail: 'v1' }]);
    expect(trial.remote.applied).toEqual({ applied: 1, onTrial: false });

    const after = await start(dir);
    expect(after.settings).toEqual({ applied: 1, onTrial: false });
    expect(after.config.player.initialVolume).toBe(35);
    expect(await state(dir)).toMatchObject({ good: 1, trial: null });
  });

  it('refuses a document the schema refuses, naming the key paths, and keeps nothing of it', async () => {
    const dir = await cartFolder();
    const cart = await start(dir);
    const r = await cart.remote.setConfig(setConfig(1, { player: { initialVolume: 140 }, storage: { trackDays: 0 } }));
    expect(r.status).toBe('refused');
    expect(r.detail).toContain('player.initialVolume');
    expect(r.detail).toContain('storage.trackDays');
    const policy = await cart.remote.setConfig(setConfig(2, { policy: { maxDailyMinuts: 60 } }));
    expect([policy.status, policy.detail]).toEqual(['refused', expect.stringContaining('policy.maxDailyMinuts')]);
    for (const text of ['[1, 2]', '{"policy": ', '"quiet"']) {
      expect(await cart.remote.setConfig(setConfig(3, text))).toEqual({ status: 'refused', detail: expect.stringContaining('(document)') });
    }
    expect(cart.events.map((e) => e.code)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(existsSync(join(dir, 'settings', 'v1.json'))).toBe(false);
    expect(cart.restarts()).toBe(0);
    // A refused version was never accepted: the district may send it again, corrected.
    expect((await cart.remote.setConfig(setConfig(1, { player: { initialVolume: 40 } }))).status).toBe('ok');
  });

  it('refuses the hardware section and sections it does not know, saying why', async () => {
    const dir = await cartFolder();
    const cart = await start(dir);
    const hw = await cart.remote.setConfig(setConfig(1, { hardware: { relay: { pin: 5 } }, policy: { maxDailyMinutes: 60 } }));
    expect(hw).toEqual({ status: 'refused', detail: expect.stringMatching(/^settings v1 refused: hardware: cannot be changed from afar .*configuration file on the cart$/) });
    const other = await cart.remote.setConfig(setConfig(2, { identity: { unitName: 'x' } }));
    expect(other.detail).toBe('settings v2 refused: identity: is not a section that can be changed from afar (policy, player, link, storage)');
  });

  it('refuses a version not above the last one accepted (a replayed or older document)', async () => {
    const dir = await cartFolder();
    const cart = await start(dir);
    expect((await cart.remote.setConfig(setConfig(5, { player: { initialVolume: 40 } }))).status).toBe('ok');
    for (const v of [5, 4]) {
      expect(await cart.remote.setConfig(setConfig(v, { player: { initialVolume: 20 } }))).toEqual({
        status: 'refused',
        detail: `settings v${v} refused: not above v5, the last accepted by this cart (an old or repeated document)`,
      });
    }
    // A newer one replaces the trial that was not tried yet.
    expect((await cart.remote.setConfig(setConfig(6, { player: { initialVolume: 45 } }))).status).toBe('ok');
    expect((await start(dir)).settings).toEqual({ applied: 6, onTrial: true });
  });

  it(`goes back to the good document after ${MAX_TRIAL_STARTS} starts without a passed health check, and says so once`, async () => {
    const dir = await cartFolder();
    const setup = await start(dir);
    await setup.remote.setConfig(setConfig(1, { player: { initialVolume: 30 } }));
    const tried = await start(dir);
    await tried.remote.markSettingsGood();
    await tried.remote.setConfig(setConfig(2, { player: { initialVolume: 90 } }));
    // Three starts that crash before the health check (no markSettingsGood).
    for (let i = 1; i <= MAX_TRIAL_STARTS; i++) {
      const s = await start(dir);
      expect(s.settings).toEqual({ applied: 2, onTrial: true });
      expect(s.config.player.initialVolume).toBe(90);
    }
    const back = await start(dir);
    expect(back.settings).toEqual({ applied: 1, onTrial: false });
    expect(back.config.player.initialVolume).toBe(30);
    expect(back.events).toEqual([{ code: 'rolled-back', detail: `v2: the cart did not pass its health check in ${MAX_TRIAL_STARTS} starts` }]);
    expect(await state(dir)).toMatchObject({ good: 1, trial: null, lastFailure: { version: 2 }, lastFailureReported: true });
    expect((await start(dir)).events).toEqual([]);
    // The rolled-back version is not accepted again; the next one is.
    expect((await back.remote.setConfig(setConfig(2, { player: { initialVolume: 90 } }))).status).toBe('refused');
  });

  it('rolls a trial back at once when the health check fails, and records it even if the store was not open yet', async () => {
    const dir = await cartFolder();
    await (await start(dir)).remote.setConfig(setConfig(1, { link: { telemetryPeriodMs: 5000 } }));
    const loaded = await loadCartConfigWithSettings(dir, undefined, { simulate: true });
    expect(loaded.settings).toEqual({ applied: 1, onTrial: true });
    await loaded.remote.markSettingsFailed('hello not acknowledged by the district within 120 s');
    expect(await state(dir)).toMatchObject({ trial: null, lastFailure: { version: 1 }, lastFailureReported: false });
    // Power cut before the event was kept: the next start records it.
    const next = await start(dir);
    expect(next.settings).toEqual({ applied: null, onTrial: false });
    expect(next.config.link.telemetryPeriodMs).toBe(30_000);
    expect(next.events).toEqual([{ code: 'rolled-back', detail: 'v1: hello not acknowledged by the district within 120 s' }]);
    expect((await state(dir)).lastFailureReported).toBe(true);
  });

  it('ignores a good document the schema no longer accepts (after a software update), with one event', async () => {
    const dir = await cartFolder();
    await (await start(dir)).remote.setConfig(setConfig(1, { player: { initialVolume: 30 } }));
    await (await start(dir)).remote.markSettingsGood();
    // What a newer schema would refuse: a setting this version no longer knows.
    await writeFile(join(dir, 'settings', 'v1.json'), JSON.stringify({ player: { initialVolume: 30, fadeMs: 200 } }));
    const s = await start(dir);
    expect(s.settings).toEqual({ applied: null, onTrial: false });
    expect(s.config.player.initialVolume).toBe(50);
    expect(s.events).toEqual([{ code: 'ignored', detail: expect.stringMatching(/^v1: player\.fadeMs: /) }]);
    expect((await start(dir)).events).toEqual([]);
  });

  it('a power cut while the state was written leaves the previous state readable', async () => {
    const dir = await cartFolder();
    await (await start(dir)).remote.setConfig(setConfig(1, { player: { initialVolume: 30 } }));
    await (await start(dir)).remote.markSettingsGood();
    // What writeFileDurably leaves when the power goes before its rename: half a file under a temporary name.
    const half = JSON.stringify({ good: 2, trial: { version: 3, attempts: 0 } }).slice(0, 20);
    await writeFile(join(dir, 'settings', `.state.json.4242.0badf00d.tmp`), half);
    await writeFile(join(dir, 'settings', `.v3.json.4242.0badf00d.tmp`), '{"player": {"initial');
    const s = await start(dir);
    expect(s.settings).toEqual({ applied: 1, onTrial: false });
    expect(s.config.player.initialVolume).toBe(30);
    expect((await s.remote.setConfig(setConfig(2, { player: { initialVolume: 40 } }))).status).toBe('ok');
  });

  it('starts on the file alone, saying why, when the settings folder cannot be used', async () => {
    const dir = await cartFolder();
    await writeFile(join(dir, 'settings'), 'not a folder');
    const s = await start(dir);
    expect(s.settings).toEqual({ applied: null, onTrial: false });
    expect(s.config.player.initialVolume).toBe(50);
    expect(s.events).toEqual([{ code: 'ignored', detail: expect.stringMatching(/^settings folder: .*(EEXIST|ENOTDIR)/) }]);
  });

  it('merges objects and replaces everything else', () => {
    expect(mergeSettings({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: null })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: null });
  });
});
