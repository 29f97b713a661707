// The staged rollout's state machine on a real SQLite file, orders signed and sent through the real CommandService,
// carts' answers written as the ingest writes them, and a clock moved by hand: canary, healthy time, the rest; a
// canary that rolls back or refuses fails the rollout with nothing sent to the rest; pause and resume; stop; rollback
// to what each cart ran before; a controller restarted in the middle carries on.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rolloutUnitViews } from '../../../controller/releases/outcomes.js';
import { ReleaseError } from '../../../controller/releases/store.js';
import { cartEvent, cartHello, cartTakes, makeBundle, makeReleaseRig, updateOrders, type ReleaseRig } from './harness.js';

let rig: ReleaseRig;
const V = '0.2.0';
beforeEach(async () => {
  rig = await makeReleaseRig();
  const file = join(rig.fleet.dir, 'b.tar');
  await writeFile(file, await makeBundle({ version: V, key: rig.key.privateKey }));
  await rig.store.add(file, 'ky-thuat');
  // Every cart runs 0.1.0 (its hello says so).
  for (const id of ['dan-luc-01', 'dan-luc-02', 'dinh-tan-01']) await cartHello(rig, id, '0.1.0');
});
afterEach(async () => {
  await rig.close();
});

const state = async (): Promise<string | undefined> => (await rig.rollouts.get(V))?.state;
const orderedUnits = async (): Promise<string[]> => (await updateOrders(rig)).filter((o) => !o.rollback).map((o) => o.unit).sort();

describe('a staged rollout', () => {
  it('sends the canary first, the rest only after the canary has run healthy for the set time, then is done', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 30 }, 'duyet');
    await rig.runner.kick();
    expect(await updateOrders(rig)).toEqual([{ unit: 'dan-luc-01', version: V, rollback: false, by: 'duyet' }]);
    expect(rig.down).toEqual(['dan-luc-01']);
    expect(await state()).toBe('canary');

    await cartEvent(rig, 'dan-luc-01', 'installed', V);
    await rig.runner.kick();
    expect(await state()).toBe('canary'); // installed is not healthy
    await cartHello(rig, 'dan-luc-01', V);
    await cartEvent(rig, 'dan-luc-01', 'healthy', V);
    await rig.runner.kick();
    expect(await state()).toBe('waiting');

    rig.clock.advance(29 * 60);
    await rig.runner.kick();
    expect(await state()).toBe('waiting');
    expect(await orderedUnits()).toEqual(['dan-luc-01']);

    rig.clock.advance(60);
    await rig.runner.kick();
    expect(await state()).toBe('done');
    expect(await orderedUnits()).toEqual(['dan-luc-01', 'dan-luc-02', 'dinh-tan-01']);
    const views = await rolloutUnitViews(rig.fleet.db, (await rig.rollouts.get(V))!, await rig.rollouts.units(V));
    expect(views.map((v) => [v.unitId, v.stage, v.previous, v.state])).toEqual([
      ['dan-luc-01', 'canary', '0.1.0', 'healthy'],
      ['dan-luc-02', 'rest', '0.1.0', 'ordered'],
      ['dinh-tan-01', 'rest', '0.1.0', 'ordered'],
    ]);
  });

  it('leaves out the carts of the target already on the version, and carts outside the target', async () => {
    await cartHello(rig, 'dan-luc-02', V);
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'commune:dan-luc', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    await cartTakes(rig, 'dan-luc-01', V);
    await rig.runner.kick();
    expect(await state()).toBe('done');
    expect(await orderedUnits()).toEqual(['dan-luc-01']);
  });

  it('a canary that rolls back fails the rollout with its reason, and nothing goes to the rest', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    await cartEvent(rig, 'dan-luc-01', 'installed', V);
    await cartEvent(rig, 'dan-luc-01', 'rolled-back', `${V}: the player did not start within 120 s`);
    await rig.runner.kick();
    const r = await rig.rollouts.get(V);
    expect(r?.state).toBe('failed');
    expect(r?.reason).toBe(`canary dan-luc-01 rolled back: the player did not start within 120 s`);
    rig.clock.advance(3600);
    await rig.runner.kick();
    expect(await orderedUnits()).toEqual(['dan-luc-01']);
  });

  it('a canary that refuses (another key signed the order) fails the rollout', async () => {
    await rig.rollouts.start({ version: V, canary: ['dinh-tan-01'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    await cartEvent(rig, 'dinh-tan-01', 'refused', `${V}: bad-signature: the order does not verify`);
    await rig.runner.kick();
    expect((await rig.rollouts.get(V))?.reason).toBe('canary dinh-tan-01 refused: bad-signature: the order does not verify');
    expect(await orderedUnits()).toEqual(['dinh-tan-01']);
  });

  it('an answer to an earlier order of the same version does not count for this one', async () => {
    await cartEvent(rig, 'dan-luc-01', 'rolled-back', `${V}: from last week`);
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    expect(await state()).toBe('canary');
  });

  it('--pause waits after the canary until resume', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 10, pause: true }, 'duyet');
    await rig.runner.kick();
    await cartTakes(rig, 'dan-luc-01', V);
    await rig.runner.kick();
    rig.clock.advance(3600);
    await rig.runner.kick();
    expect(await state()).toBe('paused');
    expect(await orderedUnits()).toEqual(['dan-luc-01']);
    await rig.rollouts.resume(V, 'truong-ban');
    await rig.runner.kick();
    expect(await state()).toBe('done');
    expect(await orderedUnits()).toEqual(['dan-luc-01', 'dan-luc-02', 'dinh-tan-01']);
    expect((await rig.rollouts.history(V)).map((h) => `${h.by}:${h.action}`)).toContain('truong-ban:resume');
  });

  it('stop halts sending: the rest gets nothing after it', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 5 }, 'duyet');
    await rig.runner.kick();
    await cartTakes(rig, 'dan-luc-01', V);
    await rig.runner.kick();
    await rig.rollouts.stop(V, 'duyet');
    rig.clock.advance(3600);
    await rig.runner.kick();
    expect(await state()).toBe('stopped');
    expect(await orderedUnits()).toEqual(['dan-luc-01']);
    await expect(rig.rollouts.resume(V, 'duyet')).rejects.toBeInstanceOf(ReleaseError);
  });

  it('rollback sends every cart that took the order back to the version it ran before, signed as who asked', async () => {
    await cartHello(rig, 'dinh-tan-01', '0.1.5');
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    await cartTakes(rig, 'dan-luc-01', V);
    await rig.runner.kick();
    expect(await state()).toBe('done');
    await rig.rollouts.rollback(V, 'truong-ban');
    await rig.runner.kick();
    expect(await state()).toBe('rolled-back');
    const back = (await updateOrders(rig)).filter((o) => o.rollback).sort((a, b) => a.unit.localeCompare(b.unit));
    expect(back).toEqual([
      { unit: 'dan-luc-01', version: '0.1.0', rollback: true, by: 'truong-ban' },
      { unit: 'dan-luc-02', version: '0.1.0', rollback: true, by: 'truong-ban' },
      { unit: 'dinh-tan-01', version: '0.1.5', rollback: true, by: 'truong-ban' },
    ]);
  });

  it('a restarted controller carries on where the rollout was', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'team:dinh-tan-ttt', healthyMinutes: 30 }, 'duyet');
    await rig.runner.kick();
    await cartTakes(rig, 'dan-luc-01', V);
    await rig.runner.kick();
    expect(await state()).toBe('waiting');
    await rig.runner.stop();
    const runner = rig.restart();
    rig.clock.advance(31 * 60);
    await runner.start();
    expect(await state()).toBe('done');
    expect(await orderedUnits()).toEqual(['dan-luc-01', 'dinh-tan-01']);
  });

  it('an order the broker did not take is sent again after a minute', async () => {
    rig.brokerDown.value = true;
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    rig.brokerDown.value = false;
    await rig.runner.kick();
    expect(rig.down).toEqual([]);
    rig.clock.advance(61);
    await rig.runner.kick();
    expect(rig.down).toEqual(['dan-luc-01']);
  });

  it('a failed rollout may start over, with fresh orders', async () => {
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    await cartEvent(rig, 'dan-luc-01', 'refused', `${V}: schema: reads 1–9, this cart's is 12`);
    await rig.runner.kick();
    expect(await state()).toBe('failed');
    await rig.rollouts.start({ version: V, canary: ['dan-luc-02'], then: 'all', healthyMinutes: 0 }, 'duyet');
    await rig.runner.kick();
    expect(await state()).toBe('canary');
    expect((await rig.rollouts.units(V)).map((u) => u.unitId)).toEqual(['dan-luc-02']);
    await cartTakes(rig, 'dan-luc-02', V);
    await rig.runner.kick();
    expect(await state()).toBe('done');
  });

  it('refuses a version not stored, an unknown canary, a second rollout under way', async () => {
    await expect(rig.rollouts.start({ version: '0.9.0', canary: ['dan-luc-01'] }, 'a')).rejects.toMatchObject({ code: 'unknown-release' });
    await expect(rig.rollouts.start({ version: V, canary: ['xe-99'] }, 'a')).rejects.toMatchObject({ code: 'unknown-unit' });
    await expect(rig.rollouts.start({ version: V, canary: ['dan-luc-01'], then: 'village:x' }, 'a')).rejects.toMatchObject({ code: 'bad-request' });
    await rig.rollouts.start({ version: V, canary: ['dan-luc-01'] }, 'a');
    await expect(rig.rollouts.start({ version: V, canary: ['dan-luc-01'] }, 'a')).rejects.toMatchObject({ code: 'state' });
  });
});
