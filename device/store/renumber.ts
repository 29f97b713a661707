/**
 * Giving unacknowledged records new numbers (SPEC.md 3): only for a cart whose numbering fell behind its district's,
 * when it is provisioned with a bundle whose high-water mark shows it (CartStore.numberRecordsAbove). The record
 * number is inside each record's encoded bytes, so each one is decoded, renumbered and encoded again; its typed row
 * follows it.
 */
import { ByteReader, encodeMessage, isProtocolError, readMessages, type DurableRecord } from '../../protocol/index.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { typedRow } from './records.js';

/**
 * Renumbers every unacknowledged record from `first` up, in record order, bytes and typed row alike; resolves the
 * number after the last one given. `first` must be above every record number in use. Call inside a transaction.
 */
export async function renumberUnacked(db: SqliteDb, first: number): Promise<{ next: number; renumbered: number }> {
  const rows = await db.all<{ record: number; bytes: Buffer }>('SELECT record, bytes FROM outbox WHERE acked_ms IS NULL ORDER BY record');
  let next = first;
  for (const row of rows) {
    let message: ReturnType<typeof readMessages>[number] | undefined;
    try {
      [message] = readMessages(new ByteReader(row.bytes));
    } catch (err) {
      // Kept by an older version and outside today's rules (an event detail over 1,024 bytes of UTF-8: SPEC.md §1):
      // the district refuses it whatever its number, so it keeps its own; it is not deleted.
      if (isProtocolError(err)) continue;
      throw err;
    }
    if (message === undefined || !('record' in message) || message.record !== row.record) {
      throw new Error(`outbox record ${row.record} does not hold that record; the cart database is damaged`);
    }
    const record = next++;
    const renumbered = { ...message, record } as DurableRecord;
    await db.run('UPDATE outbox SET record = ?, bytes = ? WHERE record = ?', [record, encodeMessage(renumbered), row.record]);
    const table = typedRow(renumbered)?.table;
    if (table !== undefined) await db.run(`UPDATE ${table} SET record = ? WHERE record = ?`, [record, row.record]);
  }
  return { next, renumbered: next - first };
}
