// The district's carts through a real Mosquitto with a TLS listener that requires each cart's certificate
// (`require_certificate`, `use_identity_as_username`, `crlfile`): the controller keeps Mosquitto's TLS files in
// `broker.files.tlsDir`, the office's commands rewrite the revocation list, and Mosquitto reloads it on SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisioningBundle } from '../../../controller/app/bundle.js';
import { validateControllerConfig, type ControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import { openOffice, provisionUnit, retireUnit } from '../../../controller/app/office.js';
import { mosquittoConfText, mosquittoTlsListenerText, writeMosquittoFiles, writeMosquittoTls } from '../../../controller/broker/mosquitto-files.js';
import { DistrictCa } from '../../../controller/tls/district-ca.js';
import { serverNames } from '../../../controller/tls/district-tls.js';
import { accepts, freePort } from '../../support/net.js';
import { missing } from '../../support/tools.js';
import { until } from '../../support/wait.js';
import { connectAs as dial, type Attempt } from './connect-as.js';

const ACCOUNT = { username: 'loa_controller', password: 'controller-secret-1' };

describe.skipIf(missing('mosquitto'))('carts through Mosquitto over TLS with client certificates', () => {
  let dir: string;
  let config: ControllerConfig;
  let controller: DistrictController;
  let mosquitto: ChildProcess;
  let log = '';
  let tlsUrl: string;
  const bundles: Record<string, ProvisioningBundle> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-mtls-'));
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
    const files = { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl'), tlsDir: join(dir, 'tls') };
    config = validateControllerConfig({
      dataDir: join(dir, 'data'),
      broker: { url: `mqtt://127.0.0.1:${plainPort}`, ...ACCOUNT, files },
      http: { port: 0 },
      publicUrls: { broker: tlsUrl },
    });
    // What an installer does once before Mosquitto's first start: the files it reads (the controller rewrites them).
    const ca = await DistrictCa.open({ dataDir: config.dataDir, district: config.district.id });
    await writeMosquittoTls(files.tlsDir, { ca: ca.certPem, ...(await ca.serverCredentials(serverNames(config))), crl: await ca.crl([]) });
    await writeMosquittoFiles({ district: config.district.id, units: [], controller: ACCOUNT, passwordFile: files.passwordFile, aclFile: files.aclFile });
    const conf = join(dir, 'mosquitto.conf');
    await writeFile(conf, mosquittoConfText({ port: plainPort, ...files, user: userInfo().username }) + mosquittoTlsListenerText({ port: tlsPort, host: '127.0.0.1', tlsDir: files.tlsDir }));
    mosquitto = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    mosquitto.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    mosquitto.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await until(() => accepts(tlsPort), `mosquitto to listen on ${tlsPort} (${log})`, 5000);
    controller = new DistrictController({ config });
    await controller.start();
    const office = await openOffice(config);
    try {
      for (const unit of ['xe-01', 'xe-02']) bundles[unit] = (await provisionUnit(office, { unit, commune: 'dan-luc', team: 'doan-1', profile: 'pi-zero-2w' })).bundle;
    } finally {
      await office.close();
    }
    await reload();
  });

  afterAll(async () => {
    await controller?.stop();
    if (mosquitto && mosquitto.exitCode === null) {
      const exited = new Promise((r) => mosquitto.once('exit', r));
      mosquitto.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** SIGHUP, as the CLI tells the technician, and a moment for Mosquitto to read its files again. */
  async function reload(): Promise<void> {
    const before = log.length;
    mosquitto.kill('SIGHUP');
    await until(() => log.length > before && /reload/i.test(log.slice(before)), `mosquitto to reload (${log.slice(before)})`, 3000).catch(() => undefined);
  }

  // Mosquitto reads the cart's name from its certificate: no password is sent.
  const connectAs = (b: ProvisioningBundle, tls: { ca: string; cert?: string; key?: string }): Promise<Attempt> => dial(tlsUrl, b, tls, { password: false });


  it('lets a cart in with the certificate of its bundle, as its own user (the ACL applies)', async () => {
    const b = bundles['xe-01']!;
    expect(b.broker.url).toBe(tlsUrl);
    const r = await connectAs(b, b.tls!);
    expect(r.ok, `${r.error} ${log}`).toBe(true);
    // Mosquitto grants any subscription and filters what it delivers by the ACL of the certificate's name.
    const cart = r.client!;
    const got: string[] = [];
    cart.on('message', (topic) => got.push(topic));
    const own = `loa/v1/${b.district}/unit/xe-01/down`;
    const other = `loa/v1/${b.district}/unit/xe-02/down`;
    await cart.subscribeAsync([own, other], { qos: 1 });
    const office = await mqtt.connectAsync((config.broker as { url: string }).url, { protocolVersion: 4, ...ACCOUNT, reconnectPeriod: 0 });
    await office.publishAsync(other, 'not for xe-01', { qos: 1 });
    await office.publishAsync(own, 'for xe-01', { qos: 1 });
    await until(() => got.length > 0, 'the own message', 3000);
    await office.endAsync();
    expect(got).toEqual([own]);
    await cart.endAsync();
  });

  it('refuses a cart without a certificate, or with one of another CA', async () => {
    const b = bundles['xe-01']!;
    expect((await connectAs(b, { ca: b.tls!.ca })).ok).toBe(false);
    const stranger = await (await DistrictCa.open({ dataDir: join(dir, 'other'), district: 'nga-son' })).issueUnit('xe-01');
    expect((await connectAs(b, { ca: b.tls!.ca, cert: stranger.cert, key: stranger.key })).ok).toBe(false);
  });

  it('refuses a retired cart\'s certificate once the CLI rewrote the CRL and Mosquitto reloaded', async () => {
    const b = bundles['xe-02']!;
    const before = await connectAs(b, b.tls!);
    expect(before.ok, before.error).toBe(true);
    await before.client!.endAsync();
    const office = await openOffice(config);
    try {
      const done = await retireUnit(office, 'xe-02');
      expect(done.mosquittoFiles?.crlFile).toBe(join(dir, 'tls', 'crl.pem'));
    } finally {
      await office.close();
    }
    await reload();
    const after = await connectAs(b, b.tls!);
    expect(after.ok).toBe(false);
  });
});
