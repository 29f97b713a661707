// Releases and rollouts through a running controller: the JSON API starts a rollout as an approver (a technician
// may only read it), the cart gets a signed `update` order over MQTT that opens under the district key, its
// `update` events and hello come back through the real ingest, and the rollout moves on by itself; the release's
// files are served at /releases/… beside the clips.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../../protocol/index.js';
import { ReleaseStore } from '../../../controller/releases/store.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from '../app/harness.js';
import { makeBundle, releaseKeyPair } from './harness.js';

let rig: Rig;
let approver: string;
let technician: string;

beforeAll(async () => {
  rig = await startController();
  approver = await loginAs(rig, 'truong-ban', 'approver');
  technician = await loginAs(rig, 'ky-thuat', 'technician');
  const key = releaseKeyPair();
  const store = new ReleaseStore({ db: rig.controller.db, dataDir: join(rig.dir, 'data'), keys: [key.hex] });
  const file = join(rig.dir, 'b.tar');
  await writeFile(file, await makeBundle({ version: '0.2.0', key: key.privateKey }));
  await store.add(file, 'ky-thuat');
});

afterAll(async () => {
  await rig.close();
});

const event = (record: number, code: string, detail: string): Message => ({ type: 'event', record, at: { time: T + record, source: 'gnss' }, kind: 'update', code, detail }) as Message;
const hello = (record: number, firmware: string): Message => ({ type: 'hello', record, firmware, manifestVersion: 1, capabilities: [], bootTime: { time: T + record, source: 'gnss' } });

describe('/api/releases and /releases', () => {
  it('runs a rollout from the API to a cart over MQTT and back, and serves the release', async () => {
    const base = rig.controller.httpUrl;
    const creds = await addCart(rig, 'dan-luc-01');
    const cart = await TestCart.connect(rig.controller.brokerUrl, creds, rig.controller.districtPublicKeyHex);
    try {
      await cart.send([hello(1, '0.1.0')]);
      await until(() => cart.acked.has(1), 'the hello acked');
      const body = { canary: ['dan-luc-01'], then: null, healthyMinutes: 0 };
      expect((await call(base, 'POST', '/api/releases/0.2.0/rollout', { token: technician, body })).status).toBe(403);
      const started = await call(base, 'POST', '/api/releases/0.2.0/rollout', { token: approver, body });
      expect(started.status).toBe(200);
      expect(started.json.rollout).toMatchObject({ version: '0.2.0', state: 'canary', createdBy: 'truong-ban' });
      await until(() => cart.commands.some((c) => c.action === 'update'), 'the update order at the cart');
      expect(cart.commands.find((c) => c.action === 'update')).toMatchObject({ action: 'update', version: '0.2.0', rollback: false });

      await cart.send([event(2, 'installed', '0.2.0'), hello(3, '0.2.0'), event(4, 'healthy', '0.2.0')]);
      await until(async () => (await call(base, 'GET', '/api/releases/0.2.0/rollout', { token: technician })).json.rollout.state === 'done', 'the rollout done');
      const view = await call(base, 'GET', '/api/releases/0.2.0/rollout', { token: technician });
      expect(view.json.units).toEqual([expect.objectContaining({ unitId: 'dan-luc-01', previous: '0.1.0', firmware: '0.2.0', state: 'healthy' })]);
      const list = await call(base, 'GET', '/api/releases', { token: technician });
      expect(list.json.releases).toEqual([expect.objectContaining({ version: '0.2.0', arch: 'arm64' })]);
      expect(list.json.units).toEqual([{ id: 'dan-luc-01', firmware: '0.2.0' }]);

      const rolled = await call(base, 'POST', '/api/releases/0.2.0/rollout/rollback', { token: approver });
      expect(rolled.json.rollout.state).toBe('rolled-back');
      await until(() => cart.commands.some((c) => c.action === 'update' && c.rollback), 'the rollback order at the cart');
      expect(cart.commands.filter((c) => c.action === 'update').at(-1)).toMatchObject({ version: '0.1.0', rollback: true });
      expect((await call(base, 'POST', '/api/releases/0.2.0/rollout/resume', { token: approver })).status).toBe(409);

      const served = await fetch(`${base}/releases/0.2.0/arm64/payload.tar.br`, { headers: { range: 'bytes=0-1' } });
      expect(served.status).toBe(206);
      expect((await fetch(`${base}/releases/9.9.9/arm64/payload.tar.br`)).status).toBe(404);
    } finally {
      await cart.close();
    }
  });
});
