/**
 * The cart database's tables, versioned with `PRAGMA user_version`. Each migration takes the schema from version
 * i to i + 1 inside one transaction (together with the new user_version), so a power cut leaves the old schema or
 * the new one. Migrations only ever go forward: add a new entry at the end, never edit a released one.
 *
 * Times are Unix seconds (UTC) as the protocol carries them, except `*_ms` columns, which are the store's own clock
 * (ms since the epoch) used for retention.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { StoreError } from './errors.js';

export interface Migration {
  /** What it changes, for the log. */
  description: string;
  /** SQL script run inside the migration's transaction. */
  sql: string;
}

/** Version 1: every table the cart needs at its first release. */
const V1 = `
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('next_record', 1), ('lost_records', 0);

-- Durable records as encoded for the wire (SPEC.md 3): resent byte-identical until acknowledged.
CREATE TABLE outbox (
  record INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  acked_ms INTEGER
);
CREATE INDEX outbox_unacked ON outbox (record) WHERE acked_ms IS NULL;
CREATE INDEX outbox_acked ON outbox (acked_ms) WHERE acked_ms IS NOT NULL;

CREATE TABLE plays (
  record INTEGER PRIMARY KEY,
  start INTEGER NOT NULL,
  source TEXT NOT NULL,
  clip TEXT NOT NULL,
  manifest_version INTEGER NOT NULL,
  seconds REAL NOT NULL,
  outcome TEXT NOT NULL,
  trigger TEXT NOT NULL,
  volume INTEGER NOT NULL,
  lat REAL,
  lon REAL
);
CREATE INDEX plays_start ON plays (start);

CREATE TABLE events (
  record INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);

CREATE TABLE command_results (
  record INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  counter INTEGER NOT NULL,
  status TEXT NOT NULL,
  detail TEXT NOT NULL
);

CREATE TABLE track_points (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  source TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  speed REAL,
  hdop REAL
);
CREATE INDEX track_points_time ON track_points (time);

CREATE TABLE power_samples (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  battery_mv INTEGER NOT NULL,
  battery_ma INTEGER NOT NULL,
  solar_mv INTEGER NOT NULL,
  solar_ma INTEGER NOT NULL,
  soc REAL NOT NULL
);
CREATE INDEX power_samples_time ON power_samples (time);

CREATE TABLE runtime_counters (name TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID;

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * Version 2: the play under way, kept while a clip plays (refreshed every few seconds) so that a play cut by a power
 * loss becomes a `power-lost` play at the next start. Keyed by a token unique to the play (boot and play number);
 * `play` is the play so far as JSON (a play record without its record number and outcome). Normally empty.
 */
const V2 = `
CREATE TABLE play_checkpoints (token TEXT PRIMARY KEY, play TEXT NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID;
`;

/** The cart's schema history; index i takes version i to i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  { description: 'cart store tables', sql: V1 },
  { description: 'checkpoint of the play under way', sql: V2 },
];

/**
 * Brings the database to `migrations.length`, one transaction per step; resolves the version it found. Rejects with
 * `StoreError('schema-too-new')` for a database written by a newer program (older code would misread it).
 */
export async function migrate(db: SqliteDb, migrations: readonly Migration[] = MIGRATIONS, onStep?: (to: number, m: Migration) => void): Promise<number> {
  const found = await db.exclusive(() => userVersion(db));
  if (found > migrations.length) {
    throw new StoreError(
      'schema-too-new',
      `the cart database is at schema version ${found}, newer than this program (${migrations.length}); install the newer cart software again`,
    );
  }
  for (let v = found; v < migrations.length; v++) {
    const step = migrations[v]!;
    await db.transaction(async () => {
      // Checked again inside the write lock: another process may have migrated meanwhile.
      if ((await userVersion(db)) !== v) return;
      await db.exec(step.sql);
      await db.exec(`PRAGMA user_version = ${v + 1}`);
    });
    onStep?.(v + 1, step);
  }
  return found;
}

/** The schema version stored in the file (0 for a new file). */
export async function userVersion(db: SqliteDb): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}
