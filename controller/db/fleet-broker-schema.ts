/**
 * The fleet area's second migration: what the MQTT brokers need of each unit beside FLEET_SCHEMA_V1 (which is fixed).
 *
 * Mosquitto checks passwords against its own file of PBKDF2-SHA512 hashes (`$7$` lines, as `mosquitto_passwd`
 * writes them), which can only be made while the plain password is known: when a unit is added or its password is
 * reset. So the registry stores that hash too, beside the scrypt hash that the embedded broker checks, and the
 * Mosquitto password file can be written again at any time from this table. Neither hash gives the password back.
 */
export const FLEET_SCHEMA_V2_BROKER = `
CREATE TABLE unit_broker_credentials (
  unit_id TEXT PRIMARY KEY REFERENCES units(id),
  mosquitto_hash TEXT NOT NULL,          -- $7$<iterations>$<salt base64>$<PBKDF2-SHA512 base64>
  changed_at INTEGER NOT NULL            -- Unix seconds of the last password change
) WITHOUT ROWID;
`;
