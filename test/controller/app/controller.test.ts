// The district controller as a whole, on loopback ports 0 with a temp data folder: it starts, a cart's records go
// through the real broker, ingest and database to the JSON API, and it stops cleanly (and starts again on the same
// data with the same key).
import { readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../../controller/broker/embedded-broker.js';
import { DistrictController } from '../../../controller/app/controller.js';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { addCart, call, loginAs, startController, T, TestCart, until, type Rig } from './harness.js';

let rig: Rig | undefined;
let cart: TestCart | undefined;

afterEach(async () => {
  await cart?.close();
  await rig?.close();
  cart = undefined;
  rig = undefined;
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('DistrictController', () => {
  it('starts on free ports with its secrets 0600, answers, and stops cleanly; a restart keeps the key', async () => {
    rig = await startController();
    const c = rig.controller;
    expect(c.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(c.brokerUrl).not.toMatch(/:0$/);
    expect(c.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(c.districtPublicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const data = rig.config.dataDir;
    expect(await mode(join(data, 'district-key'))).toBe(0o600);
    expect(await mode(join(data, 'broker-controller.secret'))).toBe(0o600);
    expect(await mode(data)).toBe(0o700);
    expect((await call(c.httpUrl, 'GET', '/api/openapi.json')).status).toBe(200);
    const key = c.districtPublicKeyHex;
    const [httpUrl, brokerUrl] = [c.httpUrl, c.brokerUrl];
    await c.stop();
    await expect(fetch(`${httpUrl}/api/openapi.json`)).rejects.toThrow();
    await expect(mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0, connectTimeout: 1000 })).rejects.toThrow();
    expect(() => c.registry).toThrow(/not running/);
    const again = new DistrictController({ config: rig.config });
    await again.start();
    try {
      expect(again.districtPublicKeyHex).toBe(key);
      expect(await readFile(join(data, 'boot-counter'), 'utf8')).toBe('2\n');
    } finally {
      await again.stop();
    }
  });

  it('takes a play record from a cart over MQTT, acks it after the commit, and shows it in GET /api/plays', async () => {
    rig = await startController();
    const c = rig.controller;
    const creds = await addCart(rig);
    cart = await TestCart.connect(c.brokerUrl, creds);
    await cart.send([
      { type: 'play', record: 1, start: { time: T + 60, source: 'gnss' }, clip: 'c-0042', manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60, where: { lat: 19.87, lon: 105.6 } },
      { type: 'telemetry', batteryMv: 12_600, soc: 81, state: { amplifierOn: true, relayOn: true, player: 'playing' }, volume: 60, outboxDepth: 0, sync: { manifestVersion: 3, clipsMissing: 0, bytesToGo: 0 } },
    ]);
    await until(() => cart!.acked.has(1), 'the ack of record 1');
    const token = await loginAs(rig, 'xem', 'viewer');
    const plays = await call(c.httpUrl, 'GET', '/api/plays?from=2026-11-29&to=2026-11-29', { token });
    expect(plays.status, plays.text).toBe(200);
    expect(plays.json).toMatchObject({ count: 1, truncated: false, plays: [{ unitId: 'dan-luc-01', record: 1, clip: 'c-0042', seconds: 93.4, outcome: 'completed', lat: 19.87 }] });
    const other = await call(c.httpUrl, 'GET', '/api/plays?from=2026-11-30&to=2026-11-30', { token });
    expect(other.json.count).toBe(0);
    await until(async () => (await call(c.httpUrl, 'GET', '/api/units/dan-luc-01', { token })).json.online === true, 'the unit online');
    const unit = await call(c.httpUrl, 'GET', '/api/units/dan-luc-01', { token });
    expect(unit.json).toMatchObject({ id: 'dan-luc-01', number: 1, communeName: 'Xã Dân Lực', battery: { mv: 12_600, soc: 81 }, playerState: 'playing', manifestVersion: 3, outboxDepth: 0 });
  });

  it('serves a day of track as a GeoJSON LineString and as GPX 1.1, days in Vietnam time', async () => {
    rig = await startController();
    const c = rig.controller;
    cart = await TestCart.connect(c.brokerUrl, await addCart(rig));
    const late = T + 16 * 3600 + 1800; // 2026-11-30 00:30 in Vietnam, still 2026-11-29 in UTC
    await cart.send([
      { type: 'track', record: 1, source: 'gnss', points: [{ time: T, lat: 19.87, lon: 105.6 }, { time: T + 120, lat: 19.871, lon: 105.601 }, { time: T + 240, lat: 19.872, lon: 105.603 }] },
      { type: 'track', record: 2, source: 'gnss', points: [{ time: late, lat: 19.9, lon: 105.7 }] },
    ]);
    await until(() => cart!.acked.has(2), 'the acks');
    const token = await loginAs(rig, 'ky-thuat', 'technician');
    const geo = await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/track?day=2026-11-29', { token });
    expect(geo.status, geo.text).toBe(200);
    expect(geo.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(geo.json.type).toBe('FeatureCollection');
    expect(geo.json.features).toHaveLength(1);
    expect(geo.json.features[0].geometry).toEqual({ type: 'LineString', coordinates: [[105.6, 19.87], [105.601, 19.871], [105.603, 19.872]] });
    expect(geo.json.features[0].properties).toMatchObject({ unit: 'dan-luc-01', day: '2026-11-29', dayText: '29/11/2026', points: 3, start: '2026-11-29T01:00:00Z' });
    const next = await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/track?day=2026-11-30', { token });
    expect(next.json.features[0].geometry).toEqual({ type: 'Point', coordinates: [105.7, 19.9] });
    const gpx = await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/track?day=2026-11-29&format=gpx', { token });
    expect(gpx.status).toBe(200);
    expect(gpx.headers.get('content-type')).toMatch(/^application\/gpx\+xml/);
    expect(gpx.headers.get('content-disposition')).toContain('dan-luc-01-2026-11-29.gpx');
    expect(gpx.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<gpx version="1.1" [^>]*xmlns="http:\/\/www.topografix.com\/GPX\/1\/1"/);
    const points = [...gpx.text.matchAll(/<trkpt lat="([-\d.]+)" lon="([-\d.]+)"><time>([^<]+)<\/time><\/trkpt>/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
    expect(points).toEqual([[19.87, 105.6, '2026-11-29T01:00:00Z'], [19.871, 105.601, '2026-11-29T01:02:00Z'], [19.872, 105.603, '2026-11-29T01:04:00Z']]);
    expect(gpx.text).toContain('<name>dan-luc-01 — 29/11/2026</name>');
    // Well-formed enough for a GPS tool: every element opened is closed, in order.
    const stack: string[] = [];
    for (const m of gpx.text.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
      if (m[3] === '/') continue;
      if (m[1] === '/') expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    const bad = await call(c.httpUrl, 'GET', '/api/units/dan-luc-01/track?day=2026-02-30', { token });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'bad-field' });
    expect(bad.json.error).toContain('2026-02-30');
  });

  it('runs on an external broker, logging a feature that fails instead of dying of it', async () => {
    const password = 'external-controller-pw';
    const external = new EmbeddedBroker({ district: 'trieu-son', port: 0, units: { verifyUnitPassword: async () => false }, controller: { password } });
    await external.start();
    try {
      const failed: string[] = [];
      const config = validateControllerConfig({
        dataDir: join(tmpdir(), `loa-ext-${process.pid}-${Date.now()}`),
        broker: { url: external.url, username: 'loa_controller', password, files: { passwordFile: '/nonexistent/loa/pw', aclFile: '/nonexistent/loa/acl' } },
        http: { port: 0 },
      });
      const c = new DistrictController({ config });
      c.on('featureFailed', ({ name }) => failed.push(name));
      await c.start();
      try {
        expect(c.brokerUrl).toBe(external.url);
        expect(failed).toEqual(['mosquitto-files']);
        expect(c.features).toEqual(expect.arrayContaining([{ name: 'mosquitto-files', ok: false, error: expect.stringContaining('/nonexistent/loa') }, { name: 'manifests', ok: true }]));
        expect((await call(c.httpUrl, 'GET', '/api/units')).status).toBe(401);
      } finally {
        await c.stop();
        await rm(config.dataDir, { recursive: true, force: true });
      }
    } finally {
      await external.stop();
    }
  });
});
