// Reads what a cart's database holds after (or just before) a power cut, and lists what must never happen across
// one: a committed record gone or changed, a record number given twice, an acknowledgement undone.
import { SqliteDb } from '../../../lib/sqlite.js';

export interface StoredRecord {
  type: string;
  bytes: Buffer;
  acked: boolean;
}

export interface CartDbState {
  /** `PRAGMA integrity_check`, or null when not asked for. */
  integrity: string | null;
  records: Map<number, StoredRecord>;
  /** The store's next record number (counters.next_record). */
  nextRecord: number;
  /** Typed rows (plays, events, command results) without their outbox row of the same type. */
  orphans: string[];
}

/** Opens the file with the project's SQLite wrapper (WAL, as the cart does), reads it and closes it. */
export async function readCartDb(path: string, options: { integrity: boolean }): Promise<CartDbState> {
  const db = await SqliteDb.open(path);
  try {
    return await db.exclusive(async () => {
      const integrity = options.integrity ? (await db.all<{ integrity_check: string }>('PRAGMA integrity_check')).map((r) => r.integrity_check).join('; ') : null;
      const rows = await db.all<{ record: number; type: string; bytes: Buffer; acked_ms: number | null }>('SELECT record, type, bytes, acked_ms FROM outbox');
      const records = new Map(rows.map((r) => [r.record, { type: r.type, bytes: r.bytes, acked: r.acked_ms !== null }] as const));
      const next = await db.get<{ value: number }>("SELECT value FROM counters WHERE name = 'next_record'");
      const orphans: string[] = [];
      for (const [table, type] of [['plays', 'play'], ['events', 'event'], ['command_results', 'command-result']] as const) {
        for (const { record } of await db.all<{ record: number }>(`SELECT record FROM ${table}`)) {
          if (records.get(record)?.type !== type) orphans.push(`${table} row ${record} has no ${type} record in the outbox`);
        }
      }
      return { integrity, records, nextRecord: next?.value ?? Number.NaN, orphans };
    });
  } finally {
    await db.close();
  }
}

/** What is wrong with `after` (read after the cut) given `before` (read while the cart ran, just before it). */
export function cutProblems(before: CartDbState | null, after: CartDbState): string[] {
  const problems: string[] = [];
  if (after.integrity !== 'ok') problems.push(`integrity_check: ${String(after.integrity)}`);
  problems.push(...after.orphans);
  for (let n = 1; n < after.nextRecord; n++) if (!after.records.has(n)) problems.push(`record ${n} is below next_record (${after.nextRecord}) but not in the outbox`);
  for (const n of after.records.keys()) if (n >= after.nextRecord) problems.push(`record ${n} is in the outbox but next_record is ${after.nextRecord}: the number would be given again`);
  if (before === null) return problems;
  if (after.nextRecord < before.nextRecord) problems.push(`next_record went back from ${before.nextRecord} to ${after.nextRecord}`);
  for (const [n, was] of before.records) {
    const now = after.records.get(n);
    if (now === undefined) problems.push(`record ${n} (${was.type}) was committed before the cut and is gone`);
    else if (!now.bytes.equals(was.bytes) || now.type !== was.type) problems.push(`record ${n} changed across the cut (${was.type} → ${now.type})`);
    else if (was.acked && !now.acked) problems.push(`record ${n} was acknowledged before the cut and is unacknowledged after it`);
  }
  return problems;
}
