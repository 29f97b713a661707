// A clip download over HTTPS from a real TLS server with certificates of the district's CA: the cart pins that CA
// and presents its client certificate; a controller whose certificate another CA issued, or that does not name the
// address dialled, is refused with a SyncError that says what the technician should do, in both languages.
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClipCache } from '../../../device/content/cache.js';
import { ClipDownloader } from '../../../device/sync/downloader.js';
import { SyncError } from '../../../device/sync/errors.js';
import { fetchBytes } from '../../../device/sync/http-get.js';
import type { CertifiedKey } from '../../../controller/tls/district-ca.js';
import { districtTls, type DistrictTls } from '../../support/district-tls.js';
import { clipC, entry, openCache, tempDir } from './fixtures.js';

const clip = entry('c', clipC);
const signal = new AbortController().signal;
const timeouts = { connectMs: 2000, idleMs: 2000 };
let t: DistrictTls;
let dir: string;
let cache: ClipCache;
let server: Server | undefined;
/** The common name of each client certificate the server saw. */
let clients: string[];

beforeAll(async () => {
  t = await districtTls('dan-luc-01');
});
afterAll(async () => {
  await t.remove();
});
beforeEach(async () => {
  dir = tempDir();
  cache = openCache(dir);
  await cache.open();
  clients = [];
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** An HTTPS controller serving the clip with `creds`, asking for a client certificate of the district's CA. */
async function serve(creds: CertifiedKey): Promise<URL> {
  server = createServer({ ...creds, ca: t.ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    clients.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
    if (req.url === `/content/clips/${clip.sha256}`) res.writeHead(200, { 'Content-Length': clipC.length }).end(clipC);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`https://127.0.0.1:${(server.address() as { port: number }).port}/`);
}

const downloader = (baseUrl: URL, tls: ConstructorParameters<typeof ClipDownloader>[0]['tls']): ClipDownloader =>
  new ClipDownloader({ baseUrl, partialDir: join(dir, 'partial'), cache, timeouts, ...(tls ? { tls } : {}) });

async function failure(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('ClipDownloader over HTTPS', () => {
  it('fetches a clip with the district CA pinned, presenting the cart certificate', async () => {
    const url = await serve(t.server);
    await downloader(url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key }).download(clip, signal);
    expect(await cache.verifyClip(clip)).toBe(true);
    expect(existsSync(join(cache.clipsDir, `${clip.sha256}.wav`))).toBe(true);
    expect(clients).toEqual(['dan-luc-01']);
  });

  it("refuses a controller whose certificate another district's CA issued, saying it is not the district's", async () => {
    const url = await serve(t.otherServer);
    const e = await failure(downloader(url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key }).download(clip, signal));
    expect([e.kind, e.code, e.retry]).toEqual(['link', 'tls-untrusted', true]);
    expect(e.message).toMatch(/^Chứng chỉ của máy chủ điều khiển tại 127\.0\.0\.1:\d+ không phải của huyện .*cấp phát lại xe bằng gói cài đặt mới/);
    expect(e.message).toMatch(/\(the controller's certificate at 127\.0\.0\.1:\d+ is not the district's \(not issued by the district CA the cart pins; [A-Z_]+\).*provision the cart again with a fresh bundle/);
    expect(e.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    expect(clients).toEqual([]);
    expect(existsSync(join(cache.clipsDir, `${clip.sha256}.wav`))).toBe(false);
  });

  it('refuses a certificate that does not name the address dialled, pointing at publicUrls', async () => {
    // The same district CA, but a certificate for another name only.
    const elsewhere = await t.ca.serverCredentials(['loa.trieuson.example']);
    const named = await t.ca.serverCredentials(['localhost', '127.0.0.1']);
    expect(named.cert).not.toBe(elsewhere.cert);
    const url = await serve(elsewhere);
    const e = await failure(downloader(url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key }).download(clip, signal));
    expect([e.kind, e.code]).toEqual(['link', 'tls-name']);
    expect(e.message).toMatch(/^Tên 127\.0\.0\.1:\d+ mà xe gọi không có trong chứng chỉ của máy chủ điều khiển \(ERR_TLS_CERT_ALTNAME_INVALID\): hãy thêm địa chỉ này vào publicUrls/);
    expect(e.message).toMatch(/add this address to the controller's publicUrls/);
  });

  it("without the bundle's TLS, an https controller is checked against the system's roots: the district CA is not one", async () => {
    const url = await serve(t.server);
    const e = await failure(fetchBytes(new URL(`content/clips/${clip.sha256}`, url), clipC.length, () => new SyncError('link', 'http-status', 'too long', false), { timeouts, signal }));
    expect(e.code).toBe('tls-untrusted');
    expect(e.message).toMatch(/không được gốc tin cậy nào của hệ thống xác nhận .*gói cài đặt của xe không có CA của huyện/);
  });

  it('is refused by a controller that does not accept the cart certificate (another CA, or none), saying to provision again', async () => {
    const url = await serve(t.server);
    // A Node TLS server closes the connection once it has checked the certificate, without a TLS alert.
    const stranger = await t.other.issueUnit('dan-luc-01');
    const e = await failure(downloader(url, { ca: t.ca.certPem, cert: stranger.cert, key: stranger.key }).download(clip, signal));
    expect([e.kind, e.code]).toEqual(['link', 'tls-refused']);
    expect(e.message).toMatch(/^Máy chủ điều khiển tại 127\.0\.0\.1:\d+ đóng kết nối ngay sau khi bắt tay TLS \(ECONNRESET\): có lẽ nó từ chối chứng chỉ của xe/);
    expect(e.message).toMatch(/it probably refused the cart's certificate \(revoked, or another district's\)\. Provision the cart again with a fresh bundle/);
    // Without a certificate: TLS 1.3 says so with an alert.
    const none = await failure(downloader(url, { ca: t.ca.certPem }).download(clip, signal));
    expect(none.code).toBe('tls-refused');
    expect(none.message).toMatch(/^Máy chủ điều khiển tại 127\.0\.0\.1:\d+ từ chối chứng chỉ của xe \(đã thu hồi, của huyện khác, hoặc thiếu; ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)/);
    expect(clients).toEqual([]);
  });

  it('a reset from a controller that never finished the handshake is an ordinary broken link, not a certificate', async () => {
    const tcp = createTcpServer((s) => s.destroy());
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`https://127.0.0.1:${(tcp.address() as { port: number }).port}/`);
      const e = await failure(downloader(url, { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key }).download(clip, signal));
      expect(e.code).toBe('controller-gone');
    } finally {
      tcp.close();
    }
  });
});
