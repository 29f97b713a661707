/**
 * The commune list an operator imports (`loa controller commune import FILE`): a CSV file with a header line, one
 * commune a line, current and former communes alike. A former commune names the current one(s) it is part of
 * (`into`, several separated by `;` when it was split) and the day (`from`). Every line is checked before anything
 * is stored; the first bad line is refused with its number, so a file is imported whole or not at all.
 *
 *   id,code,name,kind,former_code,lat,lon,since,into,from
 *   hau-loc,16012,Xã Hậu Lộc,xa,,19.96,105.91,2025-07-01,,
 *   thuan-loc,,Xã Thuần Lộc,xa,16024,,,,hau-loc,2025-07-01
 *
 * Dates are `YYYY-MM-DD` (Vietnam days); coordinates decimal degrees with a point.
 */
import { TOPIC_NAME } from '../../protocol/index.js';
import { vnDay, vnDayRange } from '../reports/period.js';
import { COMMUNE_KINDS, RegistryError, type CommuneKind } from './registry-types.js';

export const CSV_COLUMNS = ['id', 'code', 'name', 'kind', 'former_code', 'lat', 'lon', 'since', 'into', 'from'] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** One line of the file, checked. */
export interface CommuneCsvRow {
  line: number;
  id: string;
  name: string;
  code: string | null;
  kind: CommuneKind;
  formerCode: string | null;
  lat: number | null;
  lon: number | null;
  sinceDay: number | null;
  /** The current communes it is part of (empty for a current commune). */
  into: string[];
  fromDay: number | null;
}

export const CODE = /^\d{5}$/;

/** The fields of a CSV text (RFC 4180: quotes, doubled quotes inside, CRLF or LF), with each record's line number. */
export function csvRecords(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else (field += ch), ch === '\n' && line++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.some((f) => f.trim() !== '')) out.push({ line: start, fields });
      (fields = []), (field = ''), line++, (start = line);
    } else field += ch;
  }
  if (quoted) throw bad(start, 'dấu " chưa đóng', 'an unclosed "');
  fields.push(field);
  if (fields.some((f) => f.trim() !== '')) out.push({ line: start, fields });
  return out;
}

function bad(line: number, vi: string, en: string): RegistryError {
  return new RegistryError('bad-import', `dòng ${line}: ${vi}; không có gì được lưu (line ${line}: ${en}; nothing was stored)`);
}

/** Parses and checks the whole file; throws RegistryError('bad-import') naming the first bad line. */
export function parseCommuneCsv(text: string): CommuneCsvRow[] {
  const records = csvRecords(text);
  if (records.length === 0) throw bad(1, 'tệp rỗng, cần dòng tiêu đề id,name,…', 'the file is empty, it needs the header line id,name,…');
  const [head, ...rest] = records;
  const columns = head!.fields.map((f) => f.trim().toLowerCase());
  for (const c of columns) {
    if (!(CSV_COLUMNS as readonly string[]).includes(c)) {
      throw bad(head!.line, `không có cột "${c}" (các cột: ${CSV_COLUMNS.join(',')})`, `there is no column "${c}" (columns: ${CSV_COLUMNS.join(',')})`);
    }
  }
  for (const need of ['id', 'name'] as const) if (!columns.includes(need)) throw bad(head!.line, `thiếu cột "${need}"`, `the column "${need}" is missing`);
  const seen = new Map<string, number>();
  const rows = rest.map((r) => {
    if (r.fields.length !== columns.length) throw bad(r.line, `có ${r.fields.length} ô, tiêu đề có ${columns.length}`, `${r.fields.length} fields, the header has ${columns.length}`);
    const get = (c: Column): string => (columns.includes(c) ? r.fields[columns.indexOf(c)]!.trim() : '');
    const row = checkRow(r.line, get);
    const again = seen.get(row.id);
    if (again !== undefined) throw bad(r.line, `xã "${row.id}" đã có ở dòng ${again}`, `commune "${row.id}" is already on line ${again}`);
    seen.set(row.id, r.line);
    return row;
  });
  const codes = new Map<string, number>();
  for (const row of rows) {
    if (row.code === null) continue;
    const again = codes.get(row.code);
    if (again !== undefined) throw bad(row.line, `mã ${row.code} đã dùng ở dòng ${again}`, `code ${row.code} is already used on line ${again}`);
    codes.set(row.code, row.line);
  }
  return rows;
}

function checkRow(line: number, get: (c: Column) => string): CommuneCsvRow {
  const id = get('id');
  if (!TOPIC_NAME.test(id)) throw bad(line, `mã xã "${id}" chỉ dùng a-z, 0-9 và - (1–32 ký tự)`, `commune id "${id}" may only use a-z, 0-9 and -, 1–32 long`);
  const name = get('name');
  if (name === '') throw bad(line, 'thiếu tên xã (cột name)', 'the name is missing (column name)');
  const code = optional(get('code'));
  const formerCode = optional(get('former_code'));
  for (const [what, c] of [['code', code], ['former_code', formerCode]] as const) {
    if (c !== null && !CODE.test(c)) throw bad(line, `${what} "${c}" phải gồm 5 chữ số`, `${what} "${c}" must be 5 digits`);
  }
  const kindText = get('kind') || 'xa';
  const kind = COMMUNE_KINDS.find((k) => k === kindText);
  if (kind === undefined) throw bad(line, `loại "${kindText}" phải là ${COMMUNE_KINDS.join(', ')}`, `kind "${kindText}" must be ${COMMUNE_KINDS.join(', ')}`);
  const lat = coordinate(line, 'lat', get('lat'), 90);
  const lon = coordinate(line, 'lon', get('lon'), 180);
  if ((lat === null) !== (lon === null)) throw bad(line, 'cần cả lat và lon, hoặc không cái nào', 'give both lat and lon, or neither');
  const into = get('into') === '' ? [] : get('into').split(';').map((s) => s.trim());
  for (const i of into) if (!TOPIC_NAME.test(i)) throw bad(line, `into "${i}" không phải mã xã`, `into "${i}" is not a commune id`);
  if (into.includes(id)) throw bad(line, 'xã không thể sáp nhập vào chính nó', 'a commune cannot be merged into itself');
  const fromDay = day(line, 'from', get('from'));
  if ((into.length === 0) !== (fromDay === null)) throw bad(line, 'into và from đi cùng nhau (xã cũ: xã mới và ngày sáp nhập)', 'into and from go together (a former commune: the current one and the day)');
  return { line, id, name, code, kind, formerCode, lat, lon, sinceDay: day(line, 'since', get('since')), into, fromDay };
}

function optional(text: string): string | null {
  return text === '' ? null : text;
}

function coordinate(line: number, what: string, text: string, limit: number): number | null {
  if (text === '') return null;
  const n = Number(text);
  if (!/^-?\d+(\.\d+)?$/.test(text) || Math.abs(n) > limit) throw bad(line, `${what} "${text}" phải là số độ thập phân (dấu chấm)`, `${what} "${text}" must be decimal degrees (with a point)`);
  return n;
}

function day(line: number, what: string, text: string): number | null {
  if (text === '') return null;
  const range = vnDayRange(text);
  if (range === undefined) throw bad(line, `${what} "${text}" phải là ngày YYYY-MM-DD`, `${what} "${text}" must be a day YYYY-MM-DD`);
  return vnDay(range.start);
}
