/**
 * The district's own certificate authority: made at the controller's first start with TLS, kept in `<data>/tls/`,
 * and pinned by every cart (its certificate travels in the provisioning bundle). It signs the controller's server
 * certificate (MQTT over TLS, HTTPS), one client certificate per cart (common name = the unit's id, what Mosquitto's
 * `use_identity_as_username` reads), and the list of revoked cart certificates (CRL).
 *
 *   tls/ca.key      the CA's private key (0600: the backup seals it with the other secrets)
 *   tls/ca.crt      the CA certificate: what carts pin
 *   tls/server.key  the controller's TLS key (0600)
 *   tls/server.crt  its certificate, for the names carts dial; issued again when those names change
 *
 * Keys are ECDSA P-256: quick to make on a Pi, and understood by Node, OpenSSL and Mosquitto. Every certificate is
 * valid from a day before the CA was made to 50 years after: a cart has no battery-backed clock and may run on the
 * time it saved before a long power cut, so "not yet valid" and "expired" must not cut a district off its carts;
 * what keeps a lost cart out is revocation, not expiry. Node can check certificates but not issue them, hence
 * @peculiar/x509 (on Node's WebCrypto). Nothing here overwrites the CA: half of one on disk is an error to put right.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileDurably } from '../../lib/durable.js';

type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const LIFETIME_YEARS = 50;

/** A certificate and its private key, PEM. */
export interface CertifiedKey {
  cert: string;
  key: string;
}

/** A cart's client certificate as issued: the serial (hex) is what a revocation names. */
export interface UnitCertificate extends CertifiedKey {
  serial: string;
  /** Unix seconds. */
  notAfter: number;
}

/** A revoked serial, when (unix seconds) and why: a new bundle replaced it, or the cart was retired. */
export interface Revocation {
  serial: string;
  revokedAt: number;
  reason: 'superseded' | 'retired';
}

// Each entry names its reason: besides telling why, it keeps the entry's extensions from being the empty list that
// @peculiar/x509 2.2 writes for an entry without any (RFC 5280 wants at least one, or none at all).
const REASONS = { superseded: x509.X509CrlReason.superseded, retired: x509.X509CrlReason.cessationOfOperation } as const;

/** The CA's files are damaged or half there: nothing is overwritten, a person must look. */
export class TlsFilesError extends Error {
  readonly code = 'bad-tls-files';
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

export interface DistrictCaOptions {
  /** The controller's data folder (the CA lives in its `tls/`). */
  dataDir: string;
  district: string;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** The paths of the TLS files in a data folder. */
export function tlsPaths(dataDir: string): { dir: string; caKey: string; caCert: string; serverKey: string; serverCert: string } {
  const dir = join(dataDir, 'tls');
  return { dir, caKey: join(dir, 'ca.key'), caCert: join(dir, 'ca.crt'), serverKey: join(dir, 'server.key'), serverCert: join(dir, 'server.crt') };
}

export class DistrictCa {
  readonly #o: DistrictCaOptions;
  readonly #cert: x509.X509Certificate;
  readonly #key: CryptoKey;

  private constructor(o: DistrictCaOptions, cert: x509.X509Certificate, key: CryptoKey) {
    this.#o = o;
    this.#cert = cert;
    this.#key = key;
  }

  /** The CA of the data folder, made when there is none. */
  static async open(o: DistrictCaOptions): Promise<DistrictCa> {
    return (await DistrictCa.#load(o)) ?? DistrictCa.#create(o);
  }

  /** The CA of the data folder, or null when none was made (TLS never used). */
  static async existing(o: DistrictCaOptions): Promise<DistrictCa | null> {
    return DistrictCa.#load(o);
  }

  static async #load(o: DistrictCaOptions): Promise<DistrictCa | null> {
    const p = tlsPaths(o.dataDir);
    const [certPem, keyPem] = await Promise.all([readOptional(p.caCert), readOptional(p.caKey)]);
    if (certPem === null && keyPem === null) return null;
    if (certPem === null || keyPem === null) {
      const missing = certPem === null ? p.caCert : p.caKey;
      throw new TlsFilesError(
        `Thiếu ${missing}: chứng chỉ gốc của huyện chỉ còn một nửa. Khôi phục từ bản sao lưu (loa controller restore) hoặc chuyển thư mục ${p.dir} đi chỗ khác để tạo CA mới — khi đó mọi xe phải được cấp phát lại ` +
          `(${missing} is missing: half of the district CA is there. Restore it from a backup, or move ${p.dir} aside to make a new CA — then every cart must be provisioned again)`,
      );
    }
    try {
      const cert = new x509.X509Certificate(certPem);
      const key = await webcrypto.subtle.importKey('pkcs8', pemBody(keyPem), ALGORITHM, false, ['sign']);
      return new DistrictCa(o, cert, key);
    } catch (err) {
      throw new TlsFilesError(`${p.dir}: chứng chỉ gốc hỏng, khôi phục từ bản sao lưu (the district CA is damaged: ${(err as Error).message}; restore it from a backup)`);
    }
  }

  static async #create(o: DistrictCaOptions): Promise<DistrictCa> {
    const p = tlsPaths(o.dataDir);
    await mkdir(p.dir, { recursive: true, mode: 0o700 });
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const { notBefore, notAfter } = validity((o.clock ?? Date.now)());
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name: `CN=Loa ${o.district} district CA, O=Loa`,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    // The key first: a certificate without its key would be refused at the next start, never replaced.
    await writeFileDurably(p.caKey, await privatePem(keys.privateKey), 0o600);
    await writeFileDurably(p.caCert, cert.toString('pem') + '\n', 0o644);
    return new DistrictCa(o, cert, keys.privateKey);
  }

  /** The CA certificate, PEM: what carts pin. */
  get certPem(): string {
    return this.#cert.toString('pem') + '\n';
  }

  /** SHA-256 fingerprint of the CA certificate, `AB:CD:…`, for people to compare. */
  get fingerprint(): string {
    return new X509Certificate(this.certPem).fingerprint256;
  }

  /**
   * The controller's server certificate and key for `names` (host names and IP addresses carts and officers dial):
   * the one on disk when it names all of them and this CA signed it, else a new one written in its place.
   */
  async serverCredentials(names: readonly string[]): Promise<CertifiedKey> {
    const p = tlsPaths(this.#o.dataDir);
    const wanted = [...new Set(names.map((n) => n.toLowerCase()))];
    const [cert, key] = await Promise.all([readOptional(p.serverCert), readOptional(p.serverKey)]);
    if (cert !== null && key !== null && this.#covers(cert, wanted)) return { cert, key };
    const issued = await this.#issue(`CN=${wanted[0] ?? 'localhost'}, O=Loa ${this.#o.district}`, [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(wanted.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }))),
    ]);
    await writeFileDurably(p.serverKey, issued.key, 0o600);
    await writeFileDurably(p.serverCert, issued.cert, 0o644);
    return { cert: issued.cert, key: issued.key };
  }

  /** A new client certificate for a cart (common name = its unit id). */
  async issueUnit(unitId: string): Promise<UnitCertificate> {
    return this.#issue(`CN=${unitId}, O=Loa ${this.#o.district}`, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
  }

  /** The revocation list (PEM) naming `revoked`; valid as long as the certificates (see the header). */
  async crl(revoked: readonly Revocation[]): Promise<string> {
    const { notAfter } = validity((this.#o.clock ?? Date.now)());
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.#cert.subject,
      thisUpdate: new Date((this.#o.clock ?? Date.now)()),
      nextUpdate: notAfter,
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: new Date(r.revokedAt * 1000), reason: REASONS[r.reason] })),
      signingKey: this.#key,
      signingAlgorithm: ALGORITHM,
    });
    // OpenSSL (Node's `crl` option, Mosquitto's crlfile) reads only the label RFC 7468 gives, not the library's "CRL".
    return crl.toString('pem').replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----') + '\n';
  }

  #covers(certPem: string, names: readonly string[]): boolean {
    try {
      const cert = new X509Certificate(certPem);
      if (!cert.checkIssued(new X509Certificate(this.certPem)) || !cert.verify(new X509Certificate(this.certPem).publicKey)) return false;
      const has = new Set((cert.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, '').toLowerCase()));
      return names.every((n) => has.has(n));
    } catch {
      return false;
    }
  }

  async #issue(subject: string, extensions: x509.Extension[]): Promise<UnitCertificate> {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const serial = newSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.#cert.subject,
      notBefore: this.#cert.notBefore,
      notAfter: this.#cert.notAfter,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.#cert, false),
        ...extensions,
      ],
    });
    return { cert: cert.toString('pem') + '\n', key: await privatePem(keys.privateKey), serial, notAfter: Math.floor(cert.notAfter.getTime() / 1000) };
  }
}

/** From a day before `now` to 50 years after (see the header). */
function validity(now: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now - DAY_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + LIFETIME_YEARS);
  return { notBefore, notAfter };
}

/** 16 random bytes, hex, first bit clear (a serial is a positive integer); what a revocation names. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f | 0x01;
  return bytes.toString('hex');
}

async function privatePem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
