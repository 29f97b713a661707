/** Brings the `board` area of the controller database up to date (schema.ts); every board service calls it at start. */
import type { SqliteDb } from '../../lib/sqlite.js';
import { migrateArea } from '../db/database.js';
import { BOARD_MIGRATIONS } from './schema.js';

const ready = new WeakMap<SqliteDb, Promise<number>>();

/** Runs the board migrations once per open database (later calls wait for the same run). */
export function migrateBoard(db: SqliteDb): Promise<number> {
  let p = ready.get(db);
  if (p === undefined) {
    p = migrateArea(db, 'board', BOARD_MIGRATIONS);
    p.catch(() => ready.delete(db));
    ready.set(db, p);
  }
  return p;
}
