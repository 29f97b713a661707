// The JSON API on a running controller: sessions (401), roles (403), the OpenAPI document against the routes really
// registered, commands reaching a cart, the content steps, reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, openSigned, publicKeyFromRaw, unitTopic } from '../../../protocol/index.js';
import { documentedRoutes } from '../../../controller/api/index.js';
import { BODY_SCHEMAS } from '../../../controller/api/bodies.js';
import { addCart, call, DISTRICT, loginAs, startController, T, TestCart, until, type Rig } from '../app/harness.js';
import { TestClock } from '../../support/clock.js';

let rig: Rig;
let base: string;
const tokens: Record<string, string> = {};
/**
 * The controller's clock, from 2026-11-29 07:00 +07:00, an hour before the plays the carts send (T), whatever the
 * machine's date: carts are registered before their plays, and the November report counts them.
 */
const clock = new TestClock((T - 3600) * 1000);

beforeAll(async () => {
  rig = await startController({}, { clock: clock.now });
  base = rig.controller.httpUrl;
  for (const [name, role] of [['quan-tri', 'admin'], ['ca-huyen', 'approver'], ['phong-vh', 'submitter'], ['xem', 'viewer'], ['ky-thuat', 'technician']] as const) {
    tokens[role] = await loginAs(rig, name, role);
  }
});

afterAll(async () => {
  await rig.close();
});

describe('sessions and roles', () => {
  it('answers 401 with { error, code } without a valid session, and 403 for a role that may not', async () => {
    const none = await call(base, 'GET', '/api/units');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'no-session', error: expect.stringContaining('Bearer') });
    const forged = await call(base, 'GET', '/api/units', { token: 'not-a-token' });
    expect(forged.status).toBe(401);
    expect(forged.json.code).toBe('bad-session');
    expect((await call(base, 'GET', '/api/units', { token: tokens.technician })).status).toBe(200);
    const reports = await call(base, 'GET', '/api/reports?period=2026-11', { token: tokens.technician });
    expect(reports.status).toBe(403);
    expect(reports.json).toMatchObject({ code: 'forbidden', error: expect.stringContaining('technician') });
    const command = await call(base, 'POST', '/api/commands', { token: tokens.viewer, body: { target: { kind: 'unit', id: 'x' }, action: 'stop' } });
    expect(command.status).toBe(403);
    expect((await call(base, 'POST', '/api/content/c-0001/approve', { token: tokens.submitter })).status).toBe(403);
    expect((await call(base, 'GET', '/api/content', { token: tokens.submitter })).status).toBe(200);
  });

  it('refuses a wrong password with 401, and a token after logout', async () => {
    const wrong = await call(base, 'POST', '/api/login', { body: { user: 'xem', password: 'sai-mat-khau' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe('bad-password');
    const login = await call(base, 'POST', '/api/login', { body: { user: 'xem', password: 'mat-khau-thu-nghiem' } });
    expect(login.json).toMatchObject({ user: { name: 'xem', role: 'viewer' }, token: expect.any(String) });
    const token = login.json.token as string;
    expect((await call(base, 'GET', '/api/plays', { token })).status).toBe(200);
    expect((await call(base, 'POST', '/api/logout', { token })).status).toBe(204);
    expect((await call(base, 'GET', '/api/plays', { token })).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes exactly the routes the server registered', async () => {
    const doc = await call(base, 'GET', '/api/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    const key = (r: { method: string; pattern: string }): string => `${r.method} ${r.pattern}`;
    const registered = rig.controller.http.routes.map(key).sort();
    const documented = documentedRoutes(doc.json).map(key).sort();
    expect(registered.length).toBeGreaterThan(15);
    expect(registered.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !registered.includes(r))).toEqual([]);
    for (const [path, item] of Object.entries(doc.json.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(item)) {
        if (path.startsWith('/api/') && op.security?.length) expect(op['x-roles'], path).toEqual(expect.any(Array));
        for (const p of op.parameters ?? []) if (p.in === 'path') expect(path, p.name).toContain(`{${p.name}}`);
      }
    }
  });
});

describe('the OpenAPI components', () => {
  it('are the very schemas the routes check their bodies with, and refuse what the document refuses', async () => {
    const doc = await call(base, 'GET', '/api/openapi.json');
    const schemas = doc.json.components.schemas as Record<string, unknown>;
    for (const [name, schema] of Object.entries(BODY_SCHEMAS)) expect(schemas[name], name).toEqual(JSON.parse(JSON.stringify(schema)));
    expect(doc.json.paths['/api/users'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/NewUserBody' });
    expect(schemas.CommandBody).toMatchObject({ required: ['target', 'action'], properties: { ttlSeconds: { type: 'integer', minimum: 1, maximum: 604_800 } } });
    const bad = await call(base, 'POST', '/api/commands', { token: tokens.admin, body: { target: { kind: 'commun', id: '' }, action: 'stop', ttlSeconds: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'bad-field' });
    expect(bad.json.error).toContain('target.kind: "commun" must be one of unit, team, commune; did you mean "commune"?');
    expect(bad.json.error).toContain('target.id: "" must be the id of the unit, team or commune');
    expect(bad.json.error).toContain('ttlSeconds: 0 must be a whole number from 1 to 604800 s');
    expect(bad.json.error).toMatch(/^Nội dung yêu cầu không hợp lệ: target\.kind: "commun" không hợp lệ, cần một trong unit, team, commune/);
  });
});

describe('commands', () => {
  it('signs a command from an approver to a team, delivers it to the cart, and lists it', async () => {
    const creds = await addCart(rig, 'dan-luc-09');
    const cart = await TestCart.connect(rig.controller.brokerUrl, creds);
    const got: unknown[] = [];
    cart.client.on('message', (topic, payload) => {
      if (topic !== unitTopic(DISTRICT, creds.unit.id, 'down')) return;
      for (const m of decodeFrame(payload, creds.unit.key).messages) {
        if (m.type === 'command') got.push(openSigned(m.signed, [publicKeyFromRaw(Buffer.from(rig.controller.districtPublicKeyHex, 'hex'))]).body);
      }
    });
    try {
      const bad = await call(base, 'POST', '/api/commands', { token: tokens.approver, body: { target: { kind: 'team', id: 'dan-luc-ttt' }, action: 'set-volume', args: { volume: 140 } } });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toContain('140');
      const sent = await call(base, 'POST', '/api/commands', { token: tokens.approver, body: { target: { kind: 'unit', id: 'dan-luc-09' }, action: 'set-volume', args: { volume: 40 }, ttlSeconds: 600 } });
      expect(sent.status, sent.text).toBe(200);
      expect(sent.json.sent).toEqual([expect.objectContaining({ unitId: 'dan-luc-09', counter: 1, delivered: true })]);
      await until(() => got.length === 1, 'the command at the cart');
      expect(got[0]).toMatchObject({ type: 'command', command: { unit: creds.unit.number, counter: 1, action: 'set-volume', volume: 40 } });
      const unknown = await call(base, 'POST', '/api/commands', { token: tokens.admin, body: { target: { kind: 'commune', id: 'khong-co' }, action: 'stop' } });
      expect(unknown.status).toBe(404);
      const list = await call(base, 'GET', '/api/commands?unit=dan-luc-09', { token: tokens.technician });
      expect(list.json.commands).toEqual([expect.objectContaining({ unitId: 'dan-luc-09', action: 'set-volume', args: { volume: 40 }, issuedBy: 'ca-huyen', status: 'sent' })]);
    } finally {
      await cart.close();
    }
  });
});

describe('content and reports', () => {
  it('lets an approver approve a submitted clip, refusing a second approval with 409', async () => {
    const file = { sha256: 'ab'.repeat(32), size: 1000, durationMs: 500 };
    const clip = await rig.controller.workflow.submit({ name: 'phong-vh', role: 'submitter' }, file, { title: 'Phòng chống lừa đảo qua mạng' }, 'a.wav');
    const listed = await call(base, 'GET', '/api/content?status=submitted', { token: tokens.viewer });
    expect(listed.json.clips.map((c: { id: string }) => c.id)).toContain(clip.id);
    const ok = await call(base, 'POST', `/api/content/${clip.id}/approve`, { token: tokens.approver, body: { priority: 'priority' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.clip).toMatchObject({ id: clip.id, status: 'approved', approvedPriority: 'priority', approver: 'ca-huyen' });
    const again = await call(base, 'POST', `/api/content/${clip.id}/approve`, { token: tokens.approver });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('bad-status');
    const missing = await call(base, 'POST', '/api/content/c-0999/reject', { token: tokens.approver, body: { reason: 'x' } });
    expect(missing.status).toBe(404);
    const shown = await call(base, 'GET', `/api/content/${clip.id}`, { token: tokens.submitter });
    expect(shown.json.audit.map((a: { action: string }) => a.action)).toEqual(['submit', 'approve']);
  });

  it('writes the report as JSON, CSV with the BOM, and HTML; a bad period is a 400 that repeats it', async () => {
    const creds = await addCart(rig, 'dan-luc-07');
    const cart = await TestCart.connect(rig.controller.brokerUrl, creds);
    try {
      await cart.send([{ type: 'play', record: 1, start: { time: T, source: 'gnss' }, clip: 'c-0001', manifestVersion: 1, seconds: 60, outcome: 'completed', trigger: 'button', volume: 60 }]);
      await until(() => cart.acked.has(1), 'the ack');
    } finally {
      await cart.close();
    }
    clock.advance(2 * 3600_000); // the report is asked an hour after the play, within the sessions' 12 hours
    const json = await call(base, 'GET', '/api/reports?period=2026-11', { token: tokens.viewer });
    expect(json.status, json.text).toBe(200);
    expect(json.json).toMatchObject({ periodLabel: 'Tháng 11 năm 2026', totals: { plays: 1 } });
    const csv = await fetch(`${base}/api/reports?period=2026-11&format=csv&commune=dan-luc`, { headers: { Authorization: `Bearer ${tokens.viewer}` } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('Xã Dân Lực');
    const html = await call(base, 'GET', '/api/reports?period=2026-11&format=html&lang=en', { token: tokens.approver });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain('Triệu Sơn'.toUpperCase());
    const bad = await call(base, 'GET', '/api/reports?period=2026-13', { token: tokens.viewer });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'invalid-period', error: expect.stringContaining('2026-13') });
    const commune = await call(base, 'GET', '/api/reports?period=2026-11&commune=khong-co', { token: tokens.viewer });
    expect(commune.status).toBe(404);
  });
});
