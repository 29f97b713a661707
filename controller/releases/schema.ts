/**
 * The `releases` area of the controller's database (controller/db/database.ts, migrateArea): the stored software
 * releases for the carts (store.ts), the staged rollouts (rollout.ts) with each cart's order in them, and who did
 * what to a rollout, for the record.
 */
export const RELEASES_SCHEMA_V1 = `
CREATE TABLE releases (
  version TEXT NOT NULL,
  arch TEXT NOT NULL,                    -- arm64, armhf, amd64
  replaces TEXT NOT NULL,                -- the oldest version it may replace (release.json)
  key_id TEXT NOT NULL,                  -- the release key that signed it
  manifest_bytes INTEGER NOT NULL, manifest_sha256 TEXT NOT NULL,
  signature_bytes INTEGER NOT NULL, signature_sha256 TEXT NOT NULL,
  payload_bytes INTEGER NOT NULL, payload_sha256 TEXT NOT NULL,
  added_at INTEGER NOT NULL,             -- Unix seconds
  added_by TEXT NOT NULL,
  PRIMARY KEY (version, arch)
) WITHOUT ROWID;
CREATE TABLE rollouts (
  version TEXT PRIMARY KEY,
  canary TEXT NOT NULL,                  -- JSON array of unit ids
  then_target TEXT,                      -- commune:ID, team:ID, all; NULL: the canary alone
  healthy_seconds INTEGER NOT NULL,      -- how long the canary runs healthy before the rest
  pause INTEGER NOT NULL,                -- 1: wait for resume after the canary
  state TEXT NOT NULL,                   -- canary, waiting, paused, rest, done, failed, stopped, rolling-back, rolled-back
  reason TEXT,                           -- why failed / stopped
  healthy_since INTEGER,                 -- controller time the canary was first seen healthy
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL   -- the last person to start, resume, stop or roll it back
) WITHOUT ROWID;
CREATE TABLE rollout_units (
  version TEXT NOT NULL REFERENCES rollouts(version) ON DELETE CASCADE,
  unit_id TEXT NOT NULL,
  stage TEXT NOT NULL,                   -- canary, rest
  previous TEXT,                         -- the version the cart ran when the order was sent: what a rollback restores
  record_floor INTEGER NOT NULL,         -- the cart's highest record then: only later events answer this order
  ordered_at INTEGER,                    -- controller time the order was signed; NULL: chosen, not yet sent
  counter INTEGER, delivered INTEGER,
  rollback_at INTEGER, rollback_counter INTEGER, rollback_delivered INTEGER,
  PRIMARY KEY (version, unit_id)
) WITHOUT ROWID;
CREATE TABLE rollout_log (
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,
  time INTEGER NOT NULL,
  by TEXT NOT NULL,                      -- a user, or "controller" for what the rollout did by itself
  action TEXT NOT NULL,                  -- start, resume, stop, rollback, canary-healthy, failed, rest, done…
  detail TEXT NOT NULL
);
`;

export const RELEASES_MIGRATIONS: readonly string[] = [RELEASES_SCHEMA_V1];
