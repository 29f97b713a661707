import { mkdtemp, readFile, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DistrictCa, tlsPaths, TlsFilesError } from '../../../controller/tls/district-ca.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-ca-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A TLS server asking for client certificates, checked against the CA and the CRL; resolves the port. */
async function serve(ca: DistrictCa, crl: string | undefined): Promise<{ server: Server; port: number }> {
  const creds = await ca.serverCredentials(['localhost', '127.0.0.1']);
  const server = createServer({ ...creds, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, ...(crl ? { crl } : {}) }, (s) => s.end('hello\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** What a client gets: the greeting, or the error that ended its connection. */
function dial(port: number, o: { ca: string; cert?: string; key?: string; servername?: string }): Promise<string> {
  return new Promise((resolve) => {
    const s: TLSSocket = connect({ host: '127.0.0.1', port, servername: o.servername ?? 'localhost', ca: o.ca, ...(o.cert ? { cert: o.cert, key: o.key } : {}) });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => resolve(got.trim() || 'closed'));
    s.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

describe('the district CA', () => {
  it('is made once, kept 0600, and the same CA is loaded again', async () => {
    const made = await DistrictCa.open({ dataDir: dir, district: 'trieu-son' });
    const again = await DistrictCa.open({ dataDir: dir, district: 'trieu-son' });
    expect(again.certPem).toBe(made.certPem);
    expect((await stat(tlsPaths(dir).caKey)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(made.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('trieu-son');
    expect(await DistrictCa.existing({ dataDir: join(dir, 'none'), district: 'x' })).toBeNull();
  });

  it('refuses half a CA instead of overwriting it', async () => {
    await DistrictCa.open({ dataDir: dir, district: 'trieu-son' });
    const key = await readFile(tlsPaths(dir).caKey, 'utf8');
    await unlink(tlsPaths(dir).caCert);
    await expect(DistrictCa.open({ dataDir: dir, district: 'trieu-son' })).rejects.toThrow(TlsFilesError);
    expect(await readFile(tlsPaths(dir).caKey, 'utf8')).toBe(key);
    await writeFile(tlsPaths(dir).caCert, 'not a certificate');
    await expect(DistrictCa.open({ dataDir: dir, district: 'trieu-son' })).rejects.toThrow(/damaged/);
  });

  it('keeps the server certificate while it names every address, and issues a new one when an address is added', async () => {
    const ca = await DistrictCa.open({ dataDir: dir, district: 'trieu-son' });
    const first = await ca.serverCredentials(['localhost', '10.0.0.5']);
    expect((await ca.serverCredentials(['10.0.0.5'])).cert).toBe(first.cert);
    const wider = await ca.serverCredentials(['localhost', '10.0.0.5', 'loa.trieuson.vn']);
    expect(wider.cert).not.toBe(first.cert);
    const cert = new X509Certificate(wider.cert);
    expect(cert.subjectAltName).toContain('IP Address:10.0.0.5');
    expect(cert.subjectAltName).toContain('DNS:loa.trieuson.vn');
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('a cart with its certificate is let in; with none, a revoked one or another CA\'s, it is not', async () => {
    const ca = await DistrictCa.open({ dataDir: dir, district: 'trieu-son' });
    const good = await ca.issueUnit('xe-01');
    const lost = await ca.issueUnit('xe-02');
    expect(new X509Certificate(good.cert).subject).toContain('CN=xe-01');
    const other = await DistrictCa.open({ dataDir: join(dir, 'other'), district: 'nga-son' });
    const stranger = await other.issueUnit('xe-01');
    const { server, port } = await serve(ca, await ca.crl([{ serial: lost.serial, revokedAt: 1_790_000_000, reason: 'superseded' }]));
    try {
      expect(await dial(port, { ca: ca.certPem, ...good })).toBe('hello');
      expect(await dial(port, { ca: ca.certPem })).toMatch(/^(error|closed)/);
      expect(await dial(port, { ca: ca.certPem, ...lost })).toMatch(/^(error|closed)/);
      expect(await dial(port, { ca: ca.certPem, ...stranger })).toMatch(/^(error|closed)/);
      // The cart pins its district's CA: a server certificate from another CA is refused.
      expect(await dial(port, { ca: other.certPem, ...good })).toMatch(/^error/);
      // And the name it dials must be in the certificate.
      expect(await dial(port, { ca: ca.certPem, ...good, servername: 'elsewhere.example' })).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      server.close();
    }
  });
});
