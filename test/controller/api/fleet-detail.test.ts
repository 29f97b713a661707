// The console's cart page and map: a cart's readings over a Vietnam day, its alerts, the communes with centres.
import { afterEach, describe, expect, it } from 'vitest';
import { writeAlerts, rateLimited } from '../../../controller/fleet/unit-alerts.js';
import { vnDay } from '../../../controller/reports/period.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from '../app/harness.js';

let rig: Rig | undefined;
let cart: TestCart | undefined;
afterEach(async () => {
  await cart?.close();
  cart = undefined;
  await rig?.close();
  rig = undefined;
});

describe('GET /api/units/:id/telemetry, /alerts and /api/communes', () => {
  it('gives the minute samples of the Vietnam day asked for, the unit\'s alerts and the communes with their carts', async () => {
    // The controller's clock at 2026-11-29 08:00 Vietnam time: the sample falls on that day, not the next.
    rig = await startController({}, { clock: () => T * 1000 });
    const c = rig.controller;
    cart = await TestCart.connect(c.brokerUrl, await addCart(rig));
    await cart.send([{ type: 'telemetry', batteryMv: 12_480, batteryMa: -850, solarMv: 18_100, solarMa: 1_200, soc: 76, state: { amplifierOn: true, relayOn: true, player: 'playing' } }]);
    const token = await loginAs(rig, 'xem', 'viewer');
    const day = (d: string) => call(c.httpUrl, 'GET', `/api/units/dan-luc-01/telemetry?day=${d}`, { token });
    await until(async () => (await day('2026-11-29')).json.samples.length === 1, 'the sample stored');
    expect((await day('2026-11-29')).json.samples[0]).toEqual({ time: Math.floor(T / 60) * 60, batteryMv: 12_480, batteryMa: -850, solarMv: 18_100, solarMa: 1_200, soc: 76, playerState: 'playing' });
    expect((await day('2026-11-28')).json.samples).toEqual([]);
    expect((await day('29/11/2026')).status).toBe(400);
    expect((await call(c.httpUrl, 'GET', '/api/units/khong-co/telemetry?day=2026-11-29', { token })).status).toBe(404);

    expect((await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/alerts', { token })).json).toEqual({ alerts: [] });
    await writeAlerts(c.db, [rateLimited('dan-luc-01', T)]);
    const alerts = (await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/alerts', { token })).json.alerts as { code: string; count: number }[];
    expect(alerts).toMatchObject([{ code: 'rate-limited', count: 1 }]);

    const communes = await call(c.httpUrl, 'GET', '/api/communes', { token });
    expect(communes.json.communes).toContainEqual(expect.objectContaining({ id: 'dan-luc', units: 1 }));
    expect((await call(c.httpUrl, 'GET', '/api/communes')).status).toBe(401);
  });

  it('lists today\'s communes only, counting a cart of a merged-away commune in the commune it is part of now', async () => {
    rig = await startController({}, { clock: () => T * 1000 });
    const c = rig.controller;
    await addCart(rig);
    const today = vnDay(T);
    await c.registry.addCommune({ id: 'tan-dan', name: 'Xã Tân Dân', code: '99101', lat: 20.5, lon: 106.2, sinceDay: today });
    await c.registry.mergeCommunes({ into: 'tan-dan', from: ['dan-luc'], onDay: today });
    await c.registry.addCommune({ id: 'ngay-mai', name: 'Xã Ngày Mai', sinceDay: today + 1 });
    const token = await loginAs(rig, 'xem', 'viewer');
    const { json } = await call(c.httpUrl, 'GET', '/api/communes', { token });
    expect(json.communes).toEqual([{ id: 'tan-dan', code: '99101', name: 'Xã Tân Dân', lat: 20.5, lon: 106.2, units: 1 }]);
  });
});
