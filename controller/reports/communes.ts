/**
 * The communes a report groups its carts by: as they stood on the last day of the period (default), so that a past
 * report stays byte for byte the same after later mergers and renamings, or as they stand today (`communesAsOf:
 * 'now'`), which regroups an old period onto today's communes for a before/after comparison across the 2025 merger.
 * Carts keep the commune id they were registered with (it is on the wire); the view maps it to the current one.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { CommuneHistory, type CommuneInfo, type CommuneView } from '../fleet/commune-history.js';

export type { CommuneInfo, CommuneView };

/** The communes on local day `asOfDay` (read inside the caller's transaction or `exclusive` section). */
export async function communeView(db: SqliteDb, asOfDay: number): Promise<CommuneView> {
  return (await CommuneHistory.read(db)).asOf(asOfDay);
}
