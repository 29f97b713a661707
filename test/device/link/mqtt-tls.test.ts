// The cart's MQTT link over TLS to a real aedes broker behind a real node:tls server with certificates of the
// district's CA, asking for client certificates: the cart pins that CA and presents its own certificate; with another
// district's CA pinned it never connects, and says why, once, in both languages.
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { Aedes } from 'aedes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport } from '../../../device/link/mqtt-transport.js';
import { ControllerTlsError, type ControllerTls } from '../../../device/tls.js';
import type { Logger } from '../../../hardware/logger.js';
import type { CertifiedKey } from '../../../controller/tls/district-ca.js';
import { districtTls, type DistrictTls } from '../../support/district-tls.js';
import { sleep, until } from '../../support/wait.js';
import { DISTRICT, UNIT } from './harness.js';

let t: DistrictTls;
let broker: { url: string; clients: string[]; stop(): Promise<void> } | undefined;
let transport: MqttTransport | undefined;

beforeAll(async () => {
  t = await districtTls(UNIT.name);
});
afterAll(async () => {
  await t.remove();
});
afterEach(async () => {
  await transport?.stop();
  await broker?.stop();
  transport = broker = undefined;
});

/** aedes over TLS with `creds`, letting in only clients with a certificate of the district's CA; records their CN. */
async function tlsBroker(creds: CertifiedKey): Promise<NonNullable<typeof broker>> {
  const aedes = await Aedes.createBroker();
  const clients: string[] = [];
  const server: Server = createServer({ ...creds, ca: t.ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
    clients.push(String(socket.getPeerCertificate().subject?.CN));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtts://127.0.0.1:${(server.address() as { port: number }).port}`,
    clients,
    async stop() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A logger that keeps its lines. */
function recorder(): Logger & { lines: { level: string; text: string }[] } {
  const lines: { level: string; text: string }[] = [];
  const add = (level: string) => (m: string | (() => string)) => lines.push({ level, text: typeof m === 'function' ? m() : m });
  return { lines, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

function cart(url: string, tls: ControllerTls | undefined, logger?: Logger): MqttTransport {
  return new MqttTransport({ url, district: DISTRICT, unit: UNIT.name, password: 'p', backoff: { initialMs: 50, maxMs: 100 }, connectTimeoutMs: 2000, ...(tls ? { tls } : {}), ...(logger ? { logger } : {}) });
}

describe('MqttTransport over TLS (aedes behind node:tls)', () => {
  it('connects with the district CA pinned, presenting the cart certificate (CN = unit id)', async () => {
    broker = await tlsBroker(t.server);
    transport = cart(broker.url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key });
    await transport.start();
    await until(() => transport!.isUp, 'the cart to connect over TLS', 5000);
    expect(broker.clients).toEqual([UNIT.name]);
  });

  it("never connects to a broker whose certificate another district's CA issued; one clear error line, the rest debug", async () => {
    broker = await tlsBroker(t.otherServer);
    const log = recorder();
    const errors: Error[] = [];
    transport = cart(broker.url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key }, log);
    transport.on('error', (e) => errors.push(e));
    await transport.start();
    await until(() => errors.length >= 3, 'a few refused attempts', 5000);
    expect(transport.isUp).toBe(false);
    expect(broker.clients).toEqual([]);
    expect(errors.every((e) => e instanceof ControllerTlsError && e.code === 'tls-untrusted')).toBe(true);
    const shown = log.lines.filter((l) => l.level === 'error' || l.level === 'warn');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.text).toMatch(/^MQTT mqtts:\/\/127\.0\.0\.1:\d+: Chứng chỉ của máy chủ điều khiển tại 127\.0\.0\.1:\d+ không phải của huyện/);
    expect(shown[0]!.text).toMatch(/\(the controller's certificate at 127\.0\.0\.1:\d+ is not the district's .*provision the cart again with a fresh bundle/);
  });

  it("without the bundle's TLS, mqtts:// trusts the system's roots only: the district CA is not one of them", async () => {
    broker = await tlsBroker(t.server);
    const errors: Error[] = [];
    transport = cart(broker.url, undefined);
    transport.on('error', (e) => errors.push(e));
    await transport.start();
    await until(() => errors.length >= 1, 'a refused attempt', 5000);
    expect(errors[0]).toMatchObject({ name: 'ControllerTlsError', code: 'tls-untrusted', text: { vi: expect.stringMatching(/gói cài đặt của xe không có CA của huyện/) } });
    expect(transport.isUp).toBe(false);
  });

  it('is refused by the broker with a certificate of another CA, and says the cart must be provisioned again', async () => {
    broker = await tlsBroker(t.server);
    const stranger = await t.other.issueUnit(UNIT.name);
    const errors: Error[] = [];
    transport = cart(broker.url, { ca: t.ca.certPem, cert: stranger.cert, key: stranger.key });
    transport.on('error', (e) => errors.push(e));
    await transport.start();
    await until(() => errors.length >= 1, 'a refused attempt', 5000);
    await sleep(200);
    expect(transport.isUp).toBe(false);
    // A Node TLS broker (as the controller's embedded one) just closes the connection after the handshake.
    expect(errors[0]).toMatchObject({ name: 'ControllerTlsError', code: 'tls-refused' });
    expect(errors[0]!.message).toMatch(/^Máy chủ điều khiển tại 127\.0\.0\.1:\d+ đóng kết nối ngay sau khi bắt tay TLS \(closed before CONNACK\): có lẽ nó từ chối chứng chỉ của xe/);
    expect(errors[0]!.message).toMatch(/it probably refused the cart's certificate .*Provision the cart again with a fresh bundle/);
  });
});
