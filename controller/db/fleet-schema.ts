/**
 * The district controller's fleet tables: the registry (communes, teams, members, units), what the carts sent
 * (durable records stored once each, by unit and record number), their last known state, and the status history.
 * Times are Unix seconds; `device_time` is what the cart said (with its source), `server_time` when it arrived.
 * Ingest writes these tables; reports and the API only read them.
 */
export const FLEET_SCHEMA_V1 = `
CREATE TABLE communes (
  id TEXT PRIMARY KEY,            -- topic-safe name, e.g. dan-luc
  name TEXT NOT NULL,             -- Vietnamese name, e.g. Xã Dân Lực
  lat REAL, lon REAL              -- approximate centre
);
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  commune_id TEXT NOT NULL REFERENCES communes(id),
  name TEXT NOT NULL
);
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',   -- leader / member
  phone TEXT
);
CREATE TABLE units (
  id TEXT PRIMARY KEY,                   -- topic-safe name, e.g. dan-luc-01 (MQTT username)
  number INTEGER NOT NULL UNIQUE,        -- carried in every frame
  commune_id TEXT NOT NULL REFERENCES communes(id),
  team_id TEXT NOT NULL REFERENCES teams(id),
  profile TEXT NOT NULL,                 -- board profile
  firmware TEXT,
  provisioned_at INTEGER NOT NULL,
  unit_key BLOB NOT NULL,                -- 32-byte HMAC key shared with the cart
  password_hash TEXT NOT NULL,           -- scrypt, for the MQTT broker
  retired INTEGER NOT NULL DEFAULT 0
);
-- Last known state of each unit: only ever moved forward by device time, so an old backlog never overwrites it.
CREATE TABLE unit_state (
  unit_id TEXT PRIMARY KEY REFERENCES units(id),
  online INTEGER NOT NULL DEFAULT 0,
  last_seen INTEGER,                     -- server time of the last frame
  boot INTEGER,
  fix_time INTEGER, lat REAL, lon REAL, speed REAL, fix_quality TEXT,
  telemetry_time INTEGER,                -- server time of the telemetry below
  battery_mv INTEGER, battery_ma INTEGER, solar_mv INTEGER, solar_ma INTEGER, soc INTEGER,
  amplifier_on INTEGER, relay_on INTEGER, player_state TEXT, volume INTEGER,
  faults TEXT,                           -- JSON array of fault names
  outbox_depth INTEGER, manifest_version INTEGER, clips_missing INTEGER,
  replay_state TEXT                      -- JSON ReplayState of the unit's frames (protocol/replay.ts)
);
-- Every durable record, once: (unit, record) is the de-duplication key; bytes as received, for audit.
CREATE TABLE records (
  unit_id TEXT NOT NULL REFERENCES units(id),
  record INTEGER NOT NULL,
  type TEXT NOT NULL,                    -- hello, play, event, track, command-result
  device_time INTEGER NOT NULL,
  time_source TEXT NOT NULL,
  server_time INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (unit_id, record)
) WITHOUT ROWID;
CREATE TABLE plays (
  unit_id TEXT NOT NULL, record INTEGER NOT NULL,
  clip TEXT NOT NULL, manifest_version INTEGER NOT NULL,
  start INTEGER NOT NULL, time_source TEXT NOT NULL,
  seconds REAL NOT NULL, outcome TEXT NOT NULL, trigger TEXT NOT NULL, volume INTEGER NOT NULL,
  lat REAL, lon REAL,
  PRIMARY KEY (unit_id, record)
) WITHOUT ROWID;
CREATE INDEX plays_by_start ON plays (start);
CREATE TABLE events (
  unit_id TEXT NOT NULL, record INTEGER NOT NULL,
  time INTEGER NOT NULL, time_source TEXT NOT NULL,
  kind TEXT NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL,
  PRIMARY KEY (unit_id, record)
) WITHOUT ROWID;
CREATE INDEX events_by_time ON events (time);
CREATE TABLE track_points (
  unit_id TEXT NOT NULL, record INTEGER NOT NULL, idx INTEGER NOT NULL,
  time INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
  PRIMARY KEY (unit_id, record, idx)
) WITHOUT ROWID;
CREATE INDEX track_by_unit_time ON track_points (unit_id, time);
CREATE TABLE hellos (
  unit_id TEXT NOT NULL, record INTEGER NOT NULL,
  firmware TEXT NOT NULL, manifest_version INTEGER NOT NULL, capabilities TEXT NOT NULL,
  boot_time INTEGER NOT NULL, time_source TEXT NOT NULL,
  PRIMARY KEY (unit_id, record)
) WITHOUT ROWID;
-- Telemetry history, at most one row per unit per minute (for battery health and activity in reports).
CREATE TABLE telemetry_samples (
  unit_id TEXT NOT NULL, minute INTEGER NOT NULL,   -- server time / 60
  battery_mv INTEGER, battery_ma INTEGER, solar_mv INTEGER, solar_ma INTEGER, soc INTEGER,
  amplifier_on INTEGER, player_state TEXT, volume INTEGER,
  uptime_s INTEGER, amplifier_s INTEGER, audio_s INTEGER, faults TEXT,
  PRIMARY KEY (unit_id, minute)
) WITHOUT ROWID;
-- Online / offline changes (MQTT status and last will), for "days offline".
CREATE TABLE status_changes (
  unit_id TEXT NOT NULL, time INTEGER NOT NULL, online INTEGER NOT NULL
);
CREATE INDEX status_by_unit_time ON status_changes (unit_id, time);
-- Commands sent, signed, and what became of them.
CREATE TABLE commands (
  unit_id TEXT NOT NULL, counter INTEGER NOT NULL,
  action TEXT NOT NULL, args TEXT NOT NULL,        -- JSON
  issued INTEGER NOT NULL, expires INTEGER NOT NULL, issued_by TEXT,
  signed BLOB NOT NULL,
  status TEXT NOT NULL DEFAULT 'sent',             -- sent, then a CommandStatus from the result
  detail TEXT, result_time INTEGER,
  PRIMARY KEY (unit_id, counter)
) WITHOUT ROWID;
-- Refused frames and other ingest counters, by day, for the operators.
CREATE TABLE ingest_counters (
  day TEXT NOT NULL, name TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (day, name)
) WITHOUT ROWID;
`;
