/**
 * The controller's SQLite database: one file, opened over lib/sqlite.ts (WAL, synchronous=FULL), with foreign keys
 * enforced and the tables of every module brought up to date by area.
 *
 * Migrations are kept per *area* (`fleet`, and whatever the content and report modules add): the table
 * `schema_areas(area, version)` holds how many of an area's migrations have run, and {@link migrateArea} runs the
 * missing ones, each in its own transaction together with the new version number, so a power cut leaves an area
 * either before or after a migration, never half-way.
 */
import { SqliteDb } from '../../lib/sqlite.js';
import { FLEET_SCHEMA_V1 } from './fleet-schema.js';
import { FLEET_SCHEMA_V2_BROKER } from './fleet-broker-schema.js';
import { FLEET_SCHEMA_V3_ORIGIN } from './fleet-origin-schema.js';
import { FLEET_SCHEMA_V4_ALERTS } from './fleet-alerts-schema.js';
import { FLEET_SCHEMA_V5_CERTIFICATES } from './fleet-certificates-schema.js';
import { FLEET_SCHEMA_V6_ENERGY } from './fleet-energy-schema.js';
import { FLEET_SCHEMA_V7_COMMUNES } from './fleet-communes-schema.js';

/** The fleet area's migrations, in order: migration i brings the area to version i + 1. */
export const FLEET_MIGRATIONS: readonly string[] = [
  FLEET_SCHEMA_V1,
  FLEET_SCHEMA_V2_BROKER,
  FLEET_SCHEMA_V3_ORIGIN,
  FLEET_SCHEMA_V4_ALERTS,
  FLEET_SCHEMA_V5_CERTIFICATES,
  FLEET_SCHEMA_V6_ENERGY,
  FLEET_SCHEMA_V7_COMMUNES,
];

export type SchemaErrorCode = 'schema-too-new' | 'bad-area';

/** The database was written by a newer program, or an area name is unusable. */
export class SchemaError extends Error {
  readonly code: SchemaErrorCode;

  constructor(code: SchemaErrorCode, message: string) {
    super(message);
    this.name = 'SchemaError';
    this.code = code;
  }
}

const AREA_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Brings `area` up to `migrations.length`: runs each migration not yet run (a script of SQL statements) in its own
 * transaction with the version update. Returns the area's version. Throws `SchemaError('schema-too-new')` when the
 * file holds a newer version than this program knows (it would misread the tables).
 */
export async function migrateArea(db: SqliteDb, area: string, migrations: readonly string[]): Promise<number> {
  if (!AREA_NAME.test(area)) throw new SchemaError('bad-area', `area must be a-z, 0-9 and - (1–32), got ${JSON.stringify(area)}`);
  await db.exclusive(() => db.exec('CREATE TABLE IF NOT EXISTS schema_areas (area TEXT PRIMARY KEY, version INTEGER NOT NULL)'));
  const row = await db.exclusive(() => db.get<{ version: number }>('SELECT version FROM schema_areas WHERE area = ?', [area]));
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    throw new SchemaError(
      'schema-too-new',
      `Cơ sở dữ liệu có phần "${area}" phiên bản ${current}, chương trình này chỉ biết đến ${migrations.length}: hãy cập nhật chương trình ` +
        `(the database's "${area}" tables are version ${current}, this program knows ${migrations.length}: update the program).`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    await db.transaction(async () => {
      await db.exec(migrations[version - 1]!);
      await db.run('INSERT INTO schema_areas (area, version) VALUES (?, ?) ON CONFLICT (area) DO UPDATE SET version = excluded.version', [area, version]);
    });
  }
  return migrations.length;
}

/** The version of `area` in the file, 0 when none of its migrations has run. */
export async function areaVersion(db: SqliteDb, area: string): Promise<number> {
  const row = await db.exclusive(async () => {
    const exists = await db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_areas'");
    return exists?.n ? db.get<{ version: number }>('SELECT version FROM schema_areas WHERE area = ?', [area]) : undefined;
  });
  return row?.version ?? 0;
}

/** Opens (creating if needed) the controller's database and brings the fleet area up to date. */
export async function openControllerDb(path: string): Promise<SqliteDb> {
  const db = await SqliteDb.open(path);
  try {
    await db.exclusive(() => db.exec('PRAGMA foreign_keys = ON'));
    await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
