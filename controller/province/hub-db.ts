/**
 * The province hub's own bookkeeping (schema area `province` in `<dataDir>/province.db`): the areas it knows with
 * their public keys, which summary it holds for each (area, kind, day) — version, SHA-256 of the body, when it came,
 * its size on the wire — how many summaries each area sent per outcome, and the hashes of the areas' accounts at the
 * hub's Mosquitto (hub-broker-setup.ts). The figures themselves live in one replica file per area
 * (`<dataDir>/areas/<id>.db`, replica.ts), never here.
 */
import { migrateArea } from '../db/database.js';
import { SqliteDb } from '../../lib/sqlite.js';

export const PROVINCE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_areas (
  id TEXT PRIMARY KEY,          -- the area's network name (its district.id, in its topics)
  name TEXT NOT NULL,
  province_code TEXT,           -- the province's 2-digit code of the 2025 list, when given
  added_at INTEGER NOT NULL     -- Unix seconds
);
-- Public keys that may sign an area's summaries (raw Ed25519, hex); more than one while a key is being rotated.
CREATE TABLE hub_area_keys (
  area TEXT NOT NULL REFERENCES hub_areas(id),
  key TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (area, key)
) WITHOUT ROWID;
-- The summary held per (area, kind, day): day is '' for the registry summary.
CREATE TABLE hub_summaries (
  area TEXT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL,       -- size on the wire
  PRIMARY KEY (area, kind, day)
) WITHOUT ROWID;
-- Summaries received per area and outcome (stored, duplicate, refused and why). area is the topic's area.
CREATE TABLE hub_counters (
  area TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (area, outcome)
) WITHOUT ROWID;`,
  // 2: the hub's Mosquitto accounts (hub-broker-setup.ts). Only hashes: a password is printed once and never kept.
  `-- Each area's account at the hub's Mosquitto (loa province area add / area password): its $7$ hash.
CREATE TABLE hub_area_accounts (
  area TEXT PRIMARY KEY REFERENCES hub_areas(id),
  mosquitto_hash TEXT NOT NULL,
  set_at INTEGER NOT NULL
) WITHOUT ROWID;
-- Where loa province mosquitto-setup wrote the broker's files (one row) and the hash of the hub's own account, so
-- that area add / area password can rewrite the password file and the ACL.
CREATE TABLE hub_broker (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  password_file TEXT NOT NULL,
  acl_file TEXT NOT NULL,
  hub_user TEXT NOT NULL,
  hub_hash TEXT NOT NULL,
  port INTEGER NOT NULL,
  public_host TEXT,             -- the name the areas dial, when known (a chosen --host, the TLS certificate's name)
  tls_ca TEXT,                  -- the CA certificate of a TLS listener (the areas need a copy); null: plain MQTT
  written_at INTEGER NOT NULL
);`,
];

export interface AreaRow {
  id: string;
  name: string;
  province_code: string | null;
  added_at: number;
}

export interface HeldRow {
  version: number;
  sha256: string;
}

/** Opens (creating if needed) the hub's database and brings the `province` area up to date. */
export async function openHubDb(path: string): Promise<SqliteDb> {
  const db = await SqliteDb.open(path);
  try {
    await db.exclusive(() => db.exec('PRAGMA foreign_keys = ON'));
    await migrateArea(db, 'province', PROVINCE_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** Adds the area, or renames it and adds a key to it when it is known (a key rotation keeps the old key too). */
export function upsertArea(db: SqliteDb, a: { id: string; name: string; provinceCode: string | null; key: string; at: number }): Promise<void> {
  return db.transaction(async () => {
    await db.run(
      `INSERT INTO hub_areas (id, name, province_code, added_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, province_code = coalesce(excluded.province_code, province_code)`,
      [a.id, a.name, a.provinceCode, a.at],
    );
    await db.run('INSERT INTO hub_area_keys (area, key, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [a.id, a.key, a.at]);
  });
}

export function areaRows(db: SqliteDb): Promise<AreaRow[]> {
  return db.exclusive(() => db.all<AreaRow>('SELECT id, name, province_code, added_at FROM hub_areas ORDER BY id'));
}

export function keyRows(db: SqliteDb): Promise<{ area: string; key: string }[]> {
  return db.exclusive(() => db.all<{ area: string; key: string }>('SELECT area, key FROM hub_area_keys ORDER BY area, added_at, key'));
}

export function heldSummary(db: SqliteDb, area: string, kind: string, day: string): Promise<HeldRow | undefined> {
  return db.exclusive(() => db.get<HeldRow>('SELECT version, sha256 FROM hub_summaries WHERE area = ? AND kind = ? AND day = ?', [area, kind, day]));
}

const COUNT_SQL = `INSERT INTO hub_counters (area, outcome, n, last_at) VALUES (?, ?, 1, ?)
  ON CONFLICT (area, outcome) DO UPDATE SET n = n + 1, last_at = excluded.last_at`;

/** Records the summary now held and counts it as stored, in one transaction. */
export function recordStored(db: SqliteDb, s: { area: string; kind: string; day: string; version: number; sha256: string; bytes: number; at: number }): Promise<void> {
  return db.transaction(async () => {
    await db.run(
      `INSERT INTO hub_summaries (area, kind, day, version, sha256, received_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (area, kind, day) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, received_at = excluded.received_at, bytes = excluded.bytes`,
      [s.area, s.kind, s.day, s.version, s.sha256, s.at, s.bytes],
    );
    await db.run(COUNT_SQL, [s.area, 'stored', s.at]);
  });
}

export function count(db: SqliteDb, area: string, outcome: string, at: number): Promise<void> {
  return db.transaction(async () => {
    await db.run(COUNT_SQL, [area, outcome, at]);
  });
}

export function counterRows(db: SqliteDb): Promise<{ area: string; outcome: string; n: number }[]> {
  return db.exclusive(() => db.all<{ area: string; outcome: string; n: number }>('SELECT area, outcome, n FROM hub_counters ORDER BY area, outcome'));
}

/** Versions held of an area's day summaries (the latest `limit` days) and of its registry summary (0: none). */
export async function heldVersions(db: SqliteDb, area: string, limit: number): Promise<{ registry: number; days: [string, number][] }> {
  return db.exclusive(async () => {
    const registry = await db.get<{ version: number }>("SELECT version FROM hub_summaries WHERE area = ? AND kind = 'registry' AND day = ''", [area]);
    const days = await db.all<{ day: string; version: number }>(
      "SELECT day, version FROM hub_summaries WHERE area = ? AND kind = 'day' ORDER BY day DESC LIMIT ?",
      [area, limit],
    );
    return { registry: registry?.version ?? 0, days: days.reverse().map((d) => [d.day, d.version]) };
  });
}

/** Per area: summaries held, their bytes, the last one received (Unix seconds), the latest day held. */
export function heldStats(db: SqliteDb): Promise<{ area: string; summaries: number; bytes: number; last: number | null; lastDay: string | null }[]> {
  return db.exclusive(() =>
    db.all(
      `SELECT a.id AS area, count(s.area) AS summaries, coalesce(sum(s.bytes), 0) AS bytes, max(s.received_at) AS last,
              max(CASE WHEN s.kind = 'day' THEN s.day END) AS lastDay
       FROM hub_areas a LEFT JOIN hub_summaries s ON s.area = a.id GROUP BY a.id ORDER BY a.id`,
    ),
  );
}

/**
 * The local days in [first, after) with a play in a replica, as its report counts them (a `report_plays` row of a
 * summarised day). Empty when the rollup tables are not the ones expected: the province total then falls back to
 * the largest area's active days (province-report.ts), since the hub checks these days against each area's report.
 */
export async function replicaPlayDays(replica: SqliteDb, first: number, after: number): Promise<number[]> {
  try {
    const rows = await replica.exclusive(() =>
      replica.all<{ day: number }>('SELECT DISTINCT day FROM main.report_plays WHERE day >= ? AND day < ? AND day IN (SELECT day FROM main.report_days) ORDER BY day', [first, after]),
    );
    return rows.map((r) => r.day);
  } catch {
    return [];
  }
}

// --- the hub's Mosquitto (hub-broker-setup.ts) -------------------------------------------------------------------

export interface BrokerRow {
  password_file: string;
  acl_file: string;
  hub_user: string;
  hub_hash: string;
  port: number;
  public_host: string | null;
  tls_ca: string | null;
}

/** Sets (or replaces) an area's Mosquitto password hash. */
export function setAreaAccount(db: SqliteDb, area: string, hash: string, at: number): Promise<void> {
  return db.transaction(async () => {
    await db.run(
      `INSERT INTO hub_area_accounts (area, mosquitto_hash, set_at) VALUES (?, ?, ?)
       ON CONFLICT (area) DO UPDATE SET mosquitto_hash = excluded.mosquitto_hash, set_at = excluded.set_at`,
      [area, hash, at],
    );
  });
}

export function areaAccountRows(db: SqliteDb): Promise<{ id: string; mosquittoHash: string }[]> {
  return db.exclusive(() => db.all<{ id: string; mosquittoHash: string }>('SELECT area AS id, mosquitto_hash AS mosquittoHash FROM hub_area_accounts ORDER BY area'));
}

export function brokerRow(db: SqliteDb): Promise<BrokerRow | undefined> {
  return db.exclusive(() => db.get<BrokerRow>('SELECT password_file, acl_file, hub_user, hub_hash, port, public_host, tls_ca FROM hub_broker WHERE id = 1'));
}

export function setBrokerRow(db: SqliteDb, r: BrokerRow, at: number): Promise<void> {
  return db.transaction(async () => {
    await db.run(
      `INSERT INTO hub_broker (id, password_file, acl_file, hub_user, hub_hash, port, public_host, tls_ca, written_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET password_file = excluded.password_file, acl_file = excluded.acl_file, hub_user = excluded.hub_user,
         hub_hash = excluded.hub_hash, port = excluded.port, public_host = excluded.public_host, tls_ca = excluded.tls_ca, written_at = excluded.written_at`,
      [r.password_file, r.acl_file, r.hub_user, r.hub_hash, r.port, r.public_host, r.tls_ca, at],
    );
  });
}
