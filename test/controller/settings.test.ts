// Remote settings on a running controller (real SQLite, real broker, real district key): each document gets the
// district's next version and goes to every cart of its target as a signed set-config command; a bad shape is a 400
// naming the field and takes no version; what a cart reports (its config events, its command results) is read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from './app/harness.js';

let rig: Rig;
let base: string;
const tokens: Record<string, string> = {};
const carts: TestCart[] = [];
/** The controller's clock, whatever the machine's date: the carts' events are stamped around T. */
const clock = new TestClock(T * 1000);

beforeAll(async () => {
  rig = await startController({}, { clock: clock.now });
  base = rig.controller.httpUrl;
  for (const [name, role] of [['ca-huyen', 'approver'], ['ky-thuat', 'technician'], ['xem', 'viewer']] as const) tokens[role] = await loginAs(rig, name, role);
  for (const id of ['dan-luc-01', 'dan-luc-02']) carts.push(await TestCart.connect(rig.controller.brokerUrl, await addCart(rig, id), rig.controller.districtPublicKeyHex));
});

afterAll(async () => {
  for (const c of carts) await c.close();
  await rig?.close();
});

/** Within a minute after `t` (the clock runs on from T). */
const near = (t: number) => expect.toSatisfy((v: number) => v >= t && v < t + 60);

const post = (body: unknown, token = tokens.approver) => call(base, 'POST', '/api/settings', { token, body });

describe('POST /api/settings', () => {
  it('numbers the documents 1, 2… for the district and sends one signed set-config per cart of the target', async () => {
    const quiet = { policy: { allowedHours: [{ from: '07:00', to: '10:30' }], maxDailyMinutes: 90 } };
    const first = await post({ target: { kind: 'commune', id: 'dan-luc' }, document: quiet });
    expect(first.status, first.text).toBe(200);
    expect(first.json.version).toBe(1);
    expect(first.json.sent.map((s: { unitId: string; delivered: boolean }) => [s.unitId, s.delivered])).toEqual([
      ['dan-luc-01', true],
      ['dan-luc-02', true],
    ]);
    const second = await post({ target: { kind: 'unit', id: 'dan-luc-02' }, document: { player: { initialVolume: 40 } }, ttlSeconds: 600 });
    expect([second.status, second.json.version]).toEqual([200, 2]);
    await until(() => carts[0]!.commands.length === 1 && carts[1]!.commands.length === 2, 'the settings at the carts');
    expect(carts[0]!.commands).toEqual([expect.objectContaining({ action: 'set-config', version: 1, document: JSON.stringify(quiet) })]);
    expect(carts[1]!.commands.map((c) => [c.action, 'version' in c ? c.version : null, c.expires - c.issued])).toEqual([
      ['set-config', 1, 3600],
      ['set-config', 2, 600],
    ]);
    const rows = await rig.controller.commands.listCommands({ unitId: 'dan-luc-02' });
    expect(rows.map((r) => [r.action, r.args.version, r.issuedBy])).toEqual([
      ['set-config', 2, 'ca-huyen'],
      ['set-config', 1, 'ca-huyen'],
    ]);
    const listed = await call(base, 'GET', '/api/settings', { token: tokens.viewer });
    expect(listed.json.documents).toEqual([
      { version: 2, target: { kind: 'unit', id: 'dan-luc-02' }, document: { player: { initialVolume: 40 } }, issuedBy: 'ca-huyen', created: near(T) },
      { version: 1, target: { kind: 'commune', id: 'dan-luc' }, document: quiet, issuedBy: 'ca-huyen', created: near(T) },
    ]);
  });

  it('answers a bad shape with 400 naming the field, an unknown target with 404, and uses no version for either', async () => {
    const target = { kind: 'unit', id: 'dan-luc-01' };
    for (const [body, field] of [
      [{ target, document: [1, 2] }, 'document'],
      [{ target, document: '{"policy":{}}' }, 'document'],
      [{ target, document: { hardware: { relay: { pin: 5 } } } }, 'document.hardware'],
      [{ target, document: { identity: { unitName: 'x' } } }, 'document.identity'],
      [{ target, document: { policy: 5 } }, 'document.policy'],
      [{ target, document: { policy: { note: 'x'.repeat(17_000) } } }, 'document'],
      [{ target: { kind: 'district', id: 'x' }, document: {} }, 'target.kind'],
      [{ target, document: {}, ttlSeconds: 0 }, 'ttlSeconds'],
    ] as const) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.json.code).toBe('bad-field');
      expect(r.json.error).toContain(`${field} must be`);
    }
    const hardware = await post({ target, document: { policy: {}, hardware: {} } });
    expect(hardware.json.error).toContain('document.hardware must be absent: the hardware is changed on the cart itself, never from afar');
    const unknown = await post({ target: { kind: 'commune', id: 'khong-co' }, document: {} });
    expect([unknown.status, unknown.json.code]).toEqual([404, 'unknown-commune']);
    const next = await post({ target, document: { link: { telemetryPeriodMs: 60_000 } } });
    expect([next.status, next.json.version]).toEqual([200, 3]);
  });

  it('lets approvers send settings, not technicians nor viewers; everyone who reads units reads them', async () => {
    const body = { target: { kind: 'unit', id: 'dan-luc-01' }, document: {} };
    expect((await post(body, tokens.technician)).status).toBe(403);
    expect((await post(body, tokens.viewer)).status).toBe(403);
    expect((await call(base, 'GET', '/api/settings', { token: tokens.technician })).status).toBe(200);
    expect((await call(base, 'GET', '/api/units/dan-luc-01/settings', { token: tokens.technician })).status).toBe(200);
    expect((await call(base, 'GET', '/api/settings')).status).toBe(401);
    expect((await call(base, 'GET', '/api/units/khong-co/settings', { token: tokens.viewer })).status).toBe(404);
  });
});

describe('GET /api/units/:id/settings', () => {
  it('shows the version each cart last reported accepted, applied, refused and rolled back, from its events', async () => {
    const [a, b] = carts as [TestCart, TestCart];
    const at = (s: number) => ({ time: T + s, source: 'gnss' as const });
    await a.send([
      { type: 'event', record: a.nextRecord(), at: at(1), kind: 'config', code: 'accepted', detail: 'v1' },
      { type: 'event', record: a.nextRecord(), at: at(20), kind: 'config', code: 'applied', detail: 'v1' },
      { type: 'event', record: a.nextRecord(), at: at(30), kind: 'config', code: 'refused', detail: 'v3: link.telemetryPeriodMs: 60000 must be a number from 1000 to 30000' },
      { type: 'command-result', record: a.nextRecord(), at: at(30), counter: 2, status: 'refused', detail: 'settings v3 refused: link.telemetryPeriodMs: …' },
    ]);
    await b.send([
      { type: 'event', record: b.nextRecord(), at: at(2), kind: 'config', code: 'accepted', detail: 'v2' },
      { type: 'event', record: b.nextRecord(), at: at(90), kind: 'config', code: 'rolled-back', detail: 'v2: the cart did not pass its health check in 3 starts' },
    ]);
    const view = async (id: string) => (await call(base, 'GET', `/api/units/${id}/settings`, { token: tokens.viewer })).json;
    await until(async () => (await view('dan-luc-01')).refused !== null && (await view('dan-luc-02')).rolledBack !== null, 'the events ingested');
    expect(await view('dan-luc-01')).toEqual({
      unit: 'dan-luc-01',
      sent: { version: 3, issued: near(T), status: 'refused', detail: 'settings v3 refused: link.telemetryPeriodMs: …' },
      accepted: { version: 1, time: T + 1, detail: 'v1' },
      applied: { version: 1, time: T + 20, detail: 'v1' },
      refused: { version: 3, time: T + 30, detail: expect.stringContaining('link.telemetryPeriodMs') },
      rolledBack: null,
      ignored: null,
    });
    expect(await view('dan-luc-02')).toMatchObject({
      sent: { version: 2, status: 'sent' },
      accepted: { version: 2 },
      applied: null,
      rolledBack: { version: 2, detail: 'v2: the cart did not pass its health check in 3 starts' },
    });
  });
});
