/**
 * `npm run bench:tls`: what TLS costs a cart and an officer. Two controllers on loopback, one plain and one with TLS
 * and cart certificates required; the same registered cart connects to each N times (connect to CONNACK, the
 * password check included, so the plain figure is the baseline), and an HTTP GET of /api/openapi.json is timed on
 * each. Also prints how long the district CA takes to issue a cart certificate and a revocation list.
 *
 *   node dist/bench/tls.js [connections=40]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { validateControllerConfig, type ControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { openOffice, provisionUnit } from '../controller/app/office.js';
import type { ProvisioningBundle } from '../controller/app/bundle.js';
import { DistrictCa } from '../controller/tls/district-ca.js';
import { quantile } from './util.js';

const N = Number(process.argv[2] ?? 40);

async function start(dir: string, tls: boolean): Promise<{ controller: DistrictController; bundle: ProvisioningBundle; config: ControllerConfig }> {
  const config = validateControllerConfig({
    dataDir: join(dir, tls ? 'tls' : 'plain'),
    broker: { embedded: { port: 0, tls, clientCertificates: tls } },
    http: { port: 0, tls },
  });
  const controller = new DistrictController({ config });
  await controller.start();
  const office = await openOffice({ ...config, publicUrls: { broker: controller.brokerUrl, content: controller.httpUrl } });
  try {
    const { bundle } = await provisionUnit(office, { unit: 'xe-01', commune: 'dan-luc', team: 'doan-1', profile: 'pi-zero-2w' });
    return { controller, bundle, config };
  } finally {
    await office.close();
  }
}

/** Connect to CONNACK, ms, N times (one after another, as carts reconnect). */
async function connects(url: string, b: ProvisioningBundle): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4, clientId: b.unitName, username: b.unitName, password: b.broker.password, reconnectPeriod: 0,
      ...(b.tls ? { ca: [b.tls.ca], cert: b.tls.cert, key: b.tls.key, rejectUnauthorized: true } : {}),
    });
    times.push(performance.now() - t);
    await client.endAsync();
  }
  return times;
}

/** A fresh connection per GET (agent: false), as a browser's first request. */
async function gets(url: string, ca: string | null): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const send = url.startsWith('https:') ? httpsRequest : httpRequest;
      const req = send(`${url}/api/openapi.json`, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    times.push(performance.now() - t);
  }
  return times;
}

const line = (name: string, t: number[]): string => `  ${name.padEnd(48)} p50 ${quantile(t, 0.5).toFixed(1).padStart(6)} ms  p90 ${quantile(t, 0.9).toFixed(1).padStart(6)} ms`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-tls-'));
  try {
    const plain = await start(dir, false);
    const tls = await start(dir, true);
    try {
      console.log(`Loa TLS cost, ${N} connections each, loopback`);
      console.log(line('MQTT connect → CONNACK, plain (baseline)', await connects(plain.controller.brokerUrl, plain.bundle)));
      console.log(line('MQTT connect → CONNACK, TLS + cart certificate', await connects(tls.controller.brokerUrl, tls.bundle)));
      console.log(line('GET /api/openapi.json, new connection, HTTP', await gets(plain.controller.httpUrl, null)));
      console.log(line('GET /api/openapi.json, new connection, HTTPS', await gets(tls.controller.httpUrl, tls.controller.caCertPem)));
      const ca = await DistrictCa.open({ dataDir: tls.config.dataDir, district: tls.config.district.id });
      const issue: number[] = [];
      for (let i = 0; i < N; i++) {
        const t = performance.now();
        await ca.issueUnit(`xe-${i}`);
        issue.push(performance.now() - t);
      }
      console.log(line('issue a cart certificate (key + signature)', issue));
      const revoked = Array.from({ length: 1000 }, (_, i) => ({ serial: (0x10_0000 + i).toString(16), revokedAt: 1_790_000_000, reason: 'superseded' as const }));
      const t = performance.now();
      const crl = await ca.crl(revoked);
      console.log(`  revocation list of 1,000 carts: ${(performance.now() - t).toFixed(0)} ms, ${crl.length.toLocaleString('en')} bytes PEM`);
    } finally {
      await tls.controller.stop();
      await plain.controller.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
