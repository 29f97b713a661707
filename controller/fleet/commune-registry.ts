/**
 * The registry's commune changes (FleetRegistry delegates here): a commune with its official code, a merger, a new
 * name, and a whole list imported from CSV. Each is one transaction that only appends: commune ids never change and
 * no row is updated, so the history (commune-history.ts) answers for a past day as it did then.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { TOPIC_NAME } from '../../protocol/index.js';
import { dayStart, vnDate } from '../reports/period.js';
import { CODE, parseCommuneCsv, type CommuneCsvRow } from './commune-csv.js';
import { CommuneHistory } from './commune-history.js';
import { COMMUNE_KINDS, RegistryError, type Commune, type CommuneKind } from './registry-types.js';

export interface NewCommune {
  id: string;
  name: string;
  lat?: number | undefined;
  lon?: number | undefined;
  code?: string | undefined;
  kind?: CommuneKind | undefined;
  formerCode?: string | undefined;
  /** Local day number from which it exists (a commune made by a merger). */
  sinceDay?: number | undefined;
}

export interface ImportResult {
  /** Communes added, and former → current rows added. */
  added: number;
  merged: number;
  /** Lines already in the registry exactly so (a file imported again). */
  unchanged: number;
}

const date = (day: number): string => vnDate(dayStart(day));

export function checkCommune(c: NewCommune): Commune {
  if (typeof c.id !== 'string' || !TOPIC_NAME.test(c.id)) {
    throw new RegistryError('bad-id', `commune ${JSON.stringify(c.id)}: chỉ dùng a-z, 0-9 và - (1–32 ký tự) (commune may only use a-z, 0-9 and -, 1–32 long)`);
  }
  if (typeof c.name !== 'string' || c.name.trim() === '') throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(c.name)}`);
  for (const [what, code] of [['code', c.code], ['formerCode', c.formerCode]] as const) {
    if (code !== undefined && !CODE.test(code)) throw new RegistryError('bad-code', `Mã ${what} "${code}" phải gồm 5 chữ số (${what} must be 5 digits)`);
  }
  const kind = c.kind ?? 'xa';
  if (!COMMUNE_KINDS.includes(kind)) throw new RegistryError('bad-code', `Loại xã "${String(kind)}" phải là ${COMMUNE_KINDS.join(', ')} (kind must be one of them)`);
  if (c.sinceDay !== undefined && !Number.isInteger(c.sinceDay)) throw new RangeError(`sinceDay must be a local day number, got ${String(c.sinceDay)}`);
  return { id: c.id, name: c.name, lat: c.lat ?? null, lon: c.lon ?? null, code: c.code ?? null, kind, formerCode: c.formerCode ?? null, sinceDay: c.sinceDay ?? null };
}

/** Inserts a checked commune; inside the caller's transaction. */
export async function insertCommune(db: SqliteDb, c: Commune): Promise<void> {
  if (await db.get('SELECT 1 FROM communes WHERE id = ?', [c.id])) throw new RegistryError('exists', `Đã có xã "${c.id}" (commune "${c.id}" already exists)`);
  if (c.code !== null) {
    const holder = await db.get<{ id: string }>('SELECT id FROM communes WHERE code = ?', [c.code]);
    if (holder) throw new RegistryError('code-taken', `Mã ${c.code} đã là của xã "${holder.id}": mỗi mã chỉ của một xã (code ${c.code} already belongs to commune "${holder.id}")`);
  }
  await db.run('INSERT INTO communes (id, name, lat, lon, code, kind, former_code, since_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    c.id,
    c.name,
    c.lat,
    c.lon,
    c.code,
    c.kind,
    c.formerCode,
    c.sinceDay,
  ]);
}

export const COMMUNE_COLUMNS = 'id, name, lat, lon, code, kind, former_code AS formerCode, since_day AS sinceDay';

/**
 * Records that each of `from` is part of `into` from `onDay` (a local day number). `into` must be current on that
 * day; a former commune already merged elsewhere on the same day is being split (one more row); merged elsewhere on
 * another day, or a chain back to itself, is refused.
 */
export async function mergeCommunes(db: SqliteDb, m: { into: string; from: readonly string[]; onDay: number }): Promise<void> {
  if (!Number.isInteger(m.onDay)) throw new RangeError(`onDay must be a local day number, got ${String(m.onDay)}`);
  if (m.from.length === 0) throw new RangeError('from must name at least one former commune');
  if (new Set(m.from).size !== m.from.length) throw new RangeError(`from names a commune twice: ${m.from.join(', ')}`);
  await db.transaction(async () => mergeRows(db, await CommuneHistory.read(db), m));
}

/** The checks and rows of {@link mergeCommunes}, inside the caller's transaction; `h` takes in the rows written. */
async function mergeRows(db: SqliteDb, h: CommuneHistory, m: { into: string; from: readonly string[]; onDay: number }): Promise<void> {
  for (const id of [m.into, ...m.from]) if (!h.has(id)) throw unknown(id);
  if (!h.isCurrent(m.into, m.onDay)) throw notCurrent(m.into, m.onDay);
  for (const f of m.from) {
    if (f === m.into || h.reaches(m.into, f)) {
      throw new RegistryError('bad-merge', `Không thể sáp nhập "${f}" vào "${m.into}": "${m.into}" đã thuộc "${f}" (that would make "${f}" part of itself)`);
    }
    const out = h.outOf(f);
    if (out.some((r) => r.current === m.into)) throw new RegistryError('exists', `Xã "${f}" đã sáp nhập vào "${m.into}" (commune "${f}" is already merged into "${m.into}")`);
    if (out.some((r) => r.fromDay !== m.onDay)) throw notCurrent(f, m.onDay);
    await db.run('INSERT INTO commune_successions (former_id, current_id, from_day) VALUES (?, ?, ?)', [f, m.into, m.onDay]);
    h.append({ former: f, current: m.into, fromDay: m.onDay });
  }
}

/** Records a new name of commune `id` from `onDay` on. The same name again on the same day changes nothing. */
export async function renameCommune(db: SqliteDb, r: { id: string; name: string; onDay: number }): Promise<void> {
  if (typeof r.name !== 'string' || r.name.trim() === '') throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(r.name)}`);
  if (!Number.isInteger(r.onDay)) throw new RangeError(`onDay must be a local day number, got ${String(r.onDay)}`);
  await db.transaction(async () => {
    if (!(await db.get('SELECT 1 FROM communes WHERE id = ?', [r.id]))) throw unknown(r.id);
    const there = await db.get<{ name: string }>('SELECT name FROM commune_names WHERE commune_id = ? AND from_day = ?', [r.id, r.onDay]);
    if (there?.name === r.name) return;
    if (there) throw new RegistryError('exists', `Xã "${r.id}" đã có tên "${there.name}" từ ngày ${date(r.onDay)} (commune "${r.id}" already has a name from that day)`);
    await db.run('INSERT INTO commune_names (commune_id, from_day, name) VALUES (?, ?, ?)', [r.id, r.onDay, r.name]);
  });
}

/**
 * Imports a commune CSV file (commune-csv.ts) in one transaction: every line checked first, against the file and
 * against the registry; a line already registered exactly so is left alone, one that differs is refused.
 */
export async function importCommunes(db: SqliteDb, text: string): Promise<ImportResult> {
  const rows = parseCommuneCsv(text);
  const result: ImportResult = { added: 0, merged: 0, unchanged: 0 };
  await db.transaction(async () => {
    for (const row of rows) {
      const c = checkCommune({ ...row, lat: row.lat ?? undefined, lon: row.lon ?? undefined, code: row.code ?? undefined, formerCode: row.formerCode ?? undefined, sinceDay: row.sinceDay ?? undefined });
      const there = await db.get<Commune>(`SELECT ${COMMUNE_COLUMNS} FROM communes WHERE id = ?`, [c.id]);
      if (there && JSON.stringify(there) === JSON.stringify(c)) result.unchanged++;
      else if (there) throw lineError(row, `xã "${c.id}" đã có với thông tin khác`, `commune "${c.id}" is already registered with other values`);
      else {
        await insertCommune(db, c).catch((err: unknown) => {
          throw err instanceof RegistryError ? lineError(row, err.message, err.message) : err;
        });
        result.added++;
      }
    }
    const h = await CommuneHistory.read(db); // once: each merger below adds its rows to it
    for (const row of rows.filter((r) => r.into.length > 0)) {
      const fresh = [];
      for (const into of row.into) {
        const there = h.outOf(row.id).find((r) => r.current === into);
        if (there?.fromDay === row.fromDay) continue;
        if (there) throw lineError(row, `"${row.id}" đã sáp nhập vào "${into}" từ ngày khác`, `"${row.id}" is already merged into "${into}" from another day`);
        fresh.push(into);
      }
      for (const into of fresh) {
        await mergeRows(db, h, { into, from: [row.id], onDay: row.fromDay! }).catch((err: unknown) => {
          throw err instanceof RegistryError ? lineError(row, err.message, err.message) : err;
        });
        result.merged++;
      }
      if (fresh.length === 0) result.unchanged++;
    }
  });
  return result;
}

function lineError(row: CommuneCsvRow, vi: string, en: string): RegistryError {
  return new RegistryError('bad-import', `dòng ${row.line}: ${vi}; không có gì được lưu (line ${row.line}: ${en}; nothing was stored)`);
}

function unknown(id: string): RegistryError {
  return new RegistryError('unknown-commune', `Không có xã "${id}": thêm xã trước (no commune "${id}": add it first)`);
}

function notCurrent(id: string, day: number): RegistryError {
  return new RegistryError('not-current', `Ngày ${date(day)} xã "${id}" không còn là xã hiện hành (đã sáp nhập, hoặc chưa thành lập) (on that day commune "${id}" is not a current commune)`);
}
