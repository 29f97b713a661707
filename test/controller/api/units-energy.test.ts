// The energy forecast a cart sends in its telemetry (over MQTT to a running controller, stored by the real ingest)
// is what `GET /api/units` shows, and the OpenAPI document describes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCart, call, loginAs, startController, TestCart, until, type Rig } from '../app/harness.js';

let rig: Rig;
let token: string;

beforeAll(async () => {
  rig = await startController();
  token = await loginAs(rig, 'ky-thuat', 'technician');
});

afterAll(async () => {
  await rig.close();
});

describe('GET /api/units energy', () => {
  it('returns the last forecast, null before the first', async () => {
    const creds = await addCart(rig, 'dan-luc-08');
    const base = rig.controller.httpUrl;
    const unit = async (): Promise<Record<string, unknown>> => (await call(base, 'GET', '/api/units/dan-luc-08', { token })).json as Record<string, unknown>;
    expect((await unit()).energy).toBeNull();
    const cart = await TestCart.connect(rig.controller.brokerUrl, creds);
    try {
      const energy = { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: null, healthPercent: 72 };
      await cart.send([{ type: 'telemetry', soc: 64, volume: 70, energy }]);
      await until(async () => (await unit()).energy !== null, 'the forecast stored');
      expect((await unit()).energy).toEqual({ ...energy, at: expect.any(Number) as number });
      const list = await call(base, 'GET', '/api/units', { token });
      expect(list.json.units).toEqual([expect.objectContaining({ id: 'dan-luc-08', energy: expect.objectContaining({ healthPercent: 72, minutesToFull: null }) })]);
    } finally {
      await cart.close();
    }
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await call(rig.controller.httpUrl, 'GET', '/api/openapi.json')).json as { components: { schemas: { Unit: { properties: Record<string, { required?: string[] }> } } } };
    expect(doc.components.schemas.Unit.properties.energy?.required).toEqual(['minutesLeft', 'minutesLeftNoSun', 'reserveMinutes', 'minutesToFull', 'healthPercent', 'at']);
  });
});
