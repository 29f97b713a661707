// A whole controller with TLS on both listeners and cart certificates required, on loopback: what a cart with its
// bundle, a stranger, a cart with another's or a revoked certificate, and an officer's browser each get.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import { openOffice, provisionUnit, reissueBundle, retireUnit } from '../../../controller/app/office.js';
import type { ProvisioningBundle } from '../../../controller/app/bundle.js';
import { DistrictCa } from '../../../controller/tls/district-ca.js';
import { until } from '../../support/wait.js';
import { connectAs as dial, type Attempt } from './connect-as.js';

let dir: string;
let controller: DistrictController;
let config: ReturnType<typeof validateControllerConfig>;
const bundles: Record<string, ProvisioningBundle> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-tls-'));
  config = validateControllerConfig({
    dataDir: join(dir, 'data'),
    broker: { embedded: { port: 0, tls: true, clientCertificates: true } },
    http: { port: 0, tls: true },
  });
  controller = new DistrictController({ config, revocationIntervalMs: 100 });
  await controller.start();
  const office = await openOffice({ ...config, publicUrls: { broker: controller.brokerUrl, content: controller.httpUrl } });
  try {
    for (const unit of ['xe-01', 'xe-02', 'xe-03']) {
      bundles[unit] = (await provisionUnit(office, { unit, commune: 'dan-luc', team: 'doan-1', profile: 'pi-zero-2w' })).bundle;
    }
  } finally {
    await office.close();
  }
});

afterAll(async () => {
  await controller.stop();
  await rm(dir, { recursive: true, force: true });
});

const connectAs = (b: ProvisioningBundle, tls: { ca?: string; cert?: string; key?: string }, url = controller.brokerUrl): Promise<Attempt> => dial(url, b, tls);

describe('a controller speaking TLS, cart certificates required', () => {
  it('serves MQTT over TLS and HTTPS, and writes the CA and a certificate into each bundle', () => {
    expect(controller.brokerUrl).toMatch(/^mqtts:\/\//);
    expect(controller.httpUrl).toMatch(/^https:\/\//);
    const b = bundles['xe-01']!;
    expect(b.broker.url).toMatch(/^mqtts:\/\//);
    expect(b.tls?.ca).toBe(controller.caCertPem);
    expect(b.tls?.cert).toContain('BEGIN CERTIFICATE');
  });

  it('lets a cart in with its bundle; refuses one without a certificate, with another cart\'s, or over plain MQTT', async () => {
    const b = bundles['xe-01']!;
    const good = await connectAs(b, b.tls!);
    expect(good.ok, good.error).toBe(true);
    await good.client!.endAsync();
    expect((await connectAs(b, { ca: b.tls!.ca })).ok).toBe(false);
    const other = bundles['xe-02']!.tls!;
    const borrowed = await connectAs(b, { ca: b.tls!.ca, cert: other.cert, key: other.key });
    expect(borrowed.ok).toBe(false);
    expect(borrowed.error).toMatch(/Not authorized/i);
    expect((await connectAs(b, {}, controller.brokerUrl.replace('mqtts:', 'mqtt:'))).ok).toBe(false);
  });

  it('a cart pinning another district\'s CA does not talk to this controller', async () => {
    const other = await DistrictCa.open({ dataDir: join(dir, 'other'), district: 'nga-son' });
    const b = bundles['xe-01']!;
    const r = await connectAs(b, { ...b.tls!, ca: other.certPem });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('a retired cart is cut off, connected or not; a superseded certificate no longer connects', async () => {
    const b3 = bundles['xe-03']!;
    const live = await connectAs(b3, b3.tls!);
    expect(live.ok, live.error).toBe(true);
    const closed = new Promise<void>((resolve) => live.client!.once('close', () => resolve()));
    const b2 = bundles['xe-02']!;
    const office = await openOffice({ ...config, publicUrls: { broker: controller.brokerUrl, content: controller.httpUrl } });
    let fresh: ProvisioningBundle;
    try {
      expect((await retireUnit(office, 'xe-03')).revoked).toBe(1);
      fresh = (await reissueBundle(office, { unit: 'xe-02' })).bundle;
    } finally {
      await office.close();
    }
    await closed;
    live.client!.end(true);
    await until(async () => !(await connectAs(b3, b3.tls!)).ok, 'the retired cart refused', 3000);
    // The old bundle of xe-02 (a lost SD card): its certificate is revoked, whatever the password.
    await until(async () => !(await connectAs({ ...b2, broker: fresh.broker }, b2.tls!)).ok, 'the superseded certificate refused', 3000);
    const now = await connectAs(fresh, fresh.tls!);
    expect(now.ok, now.error).toBe(true);
    await now.client!.endAsync();
  });

  it('answers an officer over HTTPS with the district CA', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${controller.httpUrl}/api/openapi.json`, { ca: controller.caCertPem! }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toHaveProperty('openapi');
  });
});
