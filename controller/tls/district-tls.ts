/**
 * What the controller's listeners and the Mosquitto files need of the district CA (district-ca.ts): the names its
 * server certificate must carry, and the revocation list kept current while the controller runs.
 *
 * The names are the ones clients dial: this machine's loopback (the controller's own client, a browser on the office
 * machine), each listening address that is a real one, and the hosts of `publicUrls` (what carts dial). A cart that
 * dials another name is refused by its own TLS check: put that address in `publicUrls`.
 */
import { silentLogger, type Logger } from '../logger.js';
import { isEmbedded, type ControllerConfig } from '../app/config.js';
import type { UnitCertificates } from '../fleet/unit-certificates.js';
import type { DistrictCa } from './district-ca.js';

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** The names (host names and IP addresses) the server certificate must carry for this configuration. */
export function serverNames(c: ControllerConfig): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const hosts = [c.http.host, ...(isEmbedded(c.broker) ? [c.broker.embedded.host] : [])];
  for (const host of hosts) if (!ANY_ADDRESS.has(host)) names.push(host);
  const urls = [c.publicUrls.broker, c.publicUrls.content, isEmbedded(c.broker) ? null : c.broker.url];
  for (const url of urls) if (url) names.push(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

export interface RevocationWatcherOptions {
  ca: DistrictCa;
  certificates: UnitCertificates;
  /** Called with the new CRL and every revoked serial at start and whenever the revocations change. */
  apply: (crl: string, serials: readonly string[]) => Promise<void> | void;
  /** How often the table is read, ms (default 30 s): `loa controller unit retire` runs in another process. */
  intervalMs?: number;
  /** The revoked serials of the list the broker already started with: not applied again at start. */
  applied?: readonly string[];
  logger?: Logger;
}

/** Keeps the broker's (and Mosquitto's) revocation list in step with the `unit_certificates` table. */
export class RevocationWatcher {
  readonly #o: RevocationWatcherOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  /** The revoked serials last applied; null before the first check. */
  #seen: string | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(o: RevocationWatcherOptions) {
    this.#o = o;
    this.#log = o.logger ?? silentLogger;
    if (o.applied) this.#seen = o.applied.join(',');
  }

  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => {
      this.#running = this.check().catch((err: unknown) => this.#log.error(`revocation list not updated: ${String(err)}`));
    }, this.#o.intervalMs ?? 30_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Reads the revocations, and applies a new list when they changed since the last check. */
  async check(): Promise<void> {
    const revoked = await this.#o.certificates.revocations();
    const key = revoked.map((r) => r.serial).join(',');
    if (key === this.#seen) return;
    const crl = await this.#o.ca.crl(revoked);
    await this.#o.apply(crl, revoked.map((r) => r.serial));
    if (this.#seen !== null || revoked.length > 0) this.#log.info(`revocation list loaded: ${revoked.length} cart certificate(s) revoked`);
    this.#seen = key;
  }
}
