/**
 * The fleet area's fifth migration: the client certificates issued to carts by the district CA (controller/tls/),
 * by serial, and when and why each was revoked. The revocation list (CRL) the broker checks is made from it.
 */
export const FLEET_SCHEMA_V5_CERTIFICATES = `
CREATE TABLE unit_certificates (
  serial TEXT PRIMARY KEY,               -- hex, as issued
  unit_id TEXT NOT NULL REFERENCES units(id),
  issued_at INTEGER NOT NULL,            -- unix seconds
  not_after INTEGER NOT NULL,
  revoked_at INTEGER,                    -- NULL while valid
  revoke_reason TEXT CHECK (revoke_reason IN ('superseded', 'retired'))
) WITHOUT ROWID;
CREATE INDEX unit_certificates_by_unit ON unit_certificates (unit_id);
`;
