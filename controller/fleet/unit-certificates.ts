/**
 * The carts' client certificates, as the district CA issued them (table `unit_certificates`): a cart holds one valid
 * certificate at a time. Issuing a new bundle revokes the one before (`superseded`: the old SD card or bundle must not
 * connect any more, as its MQTT password cannot either); retiring a cart revokes all of its (`retired`). The revoked
 * serials make the CRL that the embedded broker and Mosquitto check.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import type { Revocation } from '../tls/district-ca.js';

export interface UnitCertificatesOptions {
  db: SqliteDb;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

export class UnitCertificates {
  readonly #db: SqliteDb;
  readonly #clock: () => number;

  constructor(o: UnitCertificatesOptions) {
    this.#db = o.db;
    this.#clock = o.clock ?? Date.now;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }

  /** Records a certificate just issued to `unitId`, revoking its earlier ones (superseded), in one transaction. */
  async record(unitId: string, cert: { serial: string; notAfter: number }): Promise<void> {
    const now = this.#now();
    await this.#db.transaction(async () => {
      await this.#db.run("UPDATE unit_certificates SET revoked_at = ?, revoke_reason = 'superseded' WHERE unit_id = ? AND revoked_at IS NULL", [now, unitId]);
      await this.#db.run('INSERT INTO unit_certificates (serial, unit_id, issued_at, not_after) VALUES (?, ?, ?, ?)', [cert.serial, unitId, now, cert.notAfter]);
    });
  }

  /** Revokes every valid certificate of a retired cart; how many. */
  async revokeUnit(unitId: string): Promise<number> {
    const now = this.#now();
    const done = await this.#db.transaction(() =>
      this.#db.run("UPDATE unit_certificates SET revoked_at = ?, revoke_reason = 'retired' WHERE unit_id = ? AND revoked_at IS NULL", [now, unitId]),
    );
    return done.changes;
  }

  /** Every revoked serial, oldest first: the CRL's entries. */
  async revocations(): Promise<Revocation[]> {
    return this.#db.exclusive(() =>
      this.#db.all<Revocation>(
        'SELECT serial, revoked_at AS revokedAt, revoke_reason AS reason FROM unit_certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial',
      ),
    );
  }

  /** The serial of the cart's valid certificate, or null. */
  async current(unitId: string): Promise<string | null> {
    const row = await this.#db.exclusive(() =>
      this.#db.get<{ serial: string }>('SELECT serial FROM unit_certificates WHERE unit_id = ? AND revoked_at IS NULL ORDER BY issued_at DESC LIMIT 1', [unitId]),
    );
    return row?.serial ?? null;
  }
}
