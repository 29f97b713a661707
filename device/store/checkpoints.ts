/**
 * Checkpoints of the play under way (table `play_checkpoints`, schema version 2): kept when a clip starts, refreshed
 * while it plays, deleted in the transaction that keeps the play's record (`appendDurable`'s `clearCheckpoints`). One
 * still there at a start is a play a power loss cut short. `CartStore` delegates here.
 */
import type { PlayRecord } from '../../protocol/index.js';
import type { SqliteDb } from '../../lib/sqlite.js';

/** A play under way: its record so far, without record number and outcome; `seconds` played up to the checkpoint. */
export type PlaySoFar = Omit<PlayRecord, 'type' | 'record' | 'outcome'>;

/** A checkpoint as stored. */
export interface StoredCheckpoint {
  token: string;
  /** The play so far, or null when the stored text is not JSON (a damaged row): `text` holds it. */
  play: PlaySoFar | null;
  text: string;
  /** The store's clock at the last refresh, ms. */
  updatedMs: number;
}

const MAX_TOKEN = 64;

/** Keeps the checkpoint of a play that has just started. */
export function openCheckpoint(db: SqliteDb, token: string, play: PlaySoFar, atMs: number): Promise<void> {
  checkToken(token);
  const text = JSON.stringify(play);
  return db.transaction(async () => {
    await db.run('INSERT INTO play_checkpoints (token, play, updated_ms) VALUES (?, ?, ?)', [token, text, atMs]);
  });
}

/** Refreshes a checkpoint; false (and nothing written) when there is none under `token` any more. */
export function refreshCheckpoint(db: SqliteDb, token: string, play: PlaySoFar, atMs: number): Promise<boolean> {
  checkToken(token);
  const text = JSON.stringify(play);
  return db.transaction(async () => (await db.run('UPDATE play_checkpoints SET play = ?, updated_ms = ? WHERE token = ?', [text, atMs, token])).changes > 0);
}

/** Every checkpoint, oldest refresh first. */
export function listCheckpoints(db: SqliteDb): Promise<StoredCheckpoint[]> {
  return db.exclusive(async () =>
    (await db.all<{ token: string; play: string; updated_ms: number }>('SELECT token, play, updated_ms FROM play_checkpoints ORDER BY updated_ms, token')).map(
      (row) => ({ token: row.token, play: parse(row.play), text: row.play, updatedMs: row.updated_ms }),
    ),
  );
}

/** Deletes these checkpoints; call it inside the transaction that keeps their plays. */
export async function deleteCheckpoints(db: SqliteDb, tokens: readonly string[]): Promise<void> {
  for (const token of tokens) await db.run('DELETE FROM play_checkpoints WHERE token = ?', [token]);
}

export function checkToken(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN) {
    throw new TypeError(`token must be a string of 1 to ${MAX_TOKEN} characters, got ${JSON.stringify(token)}`);
  }
}

function parse(text: string): PlaySoFar | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as PlaySoFar) : null;
  } catch {
    return null;
  }
}
