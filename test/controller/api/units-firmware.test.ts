// The firmware a unit shows in the API is the one its cart names in its latest hello, sent over MQTT to a running
// controller and stored by the real ingest (a late backlog of older hellos does not turn it back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../../protocol/index.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from '../app/harness.js';

let rig: Rig;
let token: string;

beforeAll(async () => {
  rig = await startController();
  token = await loginAs(rig, 'ky-thuat', 'technician');
});

afterAll(async () => {
  await rig.close();
});

const hello = (record: number, firmware: string): Message => ({
  type: 'hello',
  record,
  firmware,
  manifestVersion: 3,
  capabilities: ['relay', 'audio', 'gnss'],
  bootTime: { time: T + record * 3600, source: 'gnss' },
});

describe('GET /api/units', () => {
  it('shows the firmware of the latest hello the cart sent', async () => {
    const creds = await addCart(rig, 'dan-luc-07');
    const base = rig.controller.httpUrl;
    const firmware = async (): Promise<unknown> => (await call(base, 'GET', '/api/units/dan-luc-07', { token })).json.firmware;
    expect(await firmware()).toBeNull(); // no hello yet, none given at provisioning
    const cart = await TestCart.connect(rig.controller.brokerUrl, creds);
    try {
      await cart.send([hello(1, '0.9.3')]);
      await until(() => cart.acked.has(1), 'the first hello acked');
      expect(await firmware()).toBe('0.9.3');
      await cart.send([hello(4, '1.0.0')]);
      await until(() => cart.acked.has(4), 'the second hello acked');
      await cart.send([hello(2, '0.9.4')]); // a backlog arriving late
      await until(() => cart.acked.has(2), 'the late hello acked');
      expect(await firmware()).toBe('1.0.0');
      const list = await call(base, 'GET', '/api/units', { token });
      expect(list.json.units).toEqual([expect.objectContaining({ id: 'dan-luc-07', firmware: '1.0.0' })]);
    } finally {
      await cart.close();
    }
  });
});
