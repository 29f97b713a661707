// Communes after the 2025 merger in the registry, on a real SQLite file: official codes unique, mergers and
// renamings from a day (never an id changed), the CSV import whole or not at all, and "a commune's carts" meaning
// today's commune with the carts that still carry a former commune's id.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../../controller/db/database.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { vnDay, vnDayRange } from '../../../controller/reports/period.js';
import type { SqliteDb } from '../../../lib/sqlite.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/communes');
const day = (iso: string): number => vnDay(vnDayRange(iso)!.start);
/** 2026-12-03 10:00 Vietnam time, in ms: the registry's "today". */
const NOW_MS = Date.UTC(2026, 11, 3, 3);

let dir: string;
let db: SqliteDb;
let registry: FleetRegistry;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-communes-'));
  db = await openControllerDb(join(dir, 'controller.db'));
  registry = new FleetRegistry({ db, clock: () => NOW_MS });
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function count(table: string): Promise<number> {
  return (await db.exclusive(() => db.get<{ n: number }>(`SELECT count(*) n FROM ${table}`)))!.n;
}

describe('communes with official codes', () => {
  it('stores the code, kind and since day, and keeps every code to one commune', async () => {
    const c = await registry.addCommune({ id: 'hau-loc', name: 'Xã Hậu Lộc', code: '16012', kind: 'xa', sinceDay: day('2025-07-01'), lat: 19.96, lon: 105.91 });
    expect(c).toEqual({ id: 'hau-loc', name: 'Xã Hậu Lộc', lat: 19.96, lon: 105.91, code: '16012', kind: 'xa', formerCode: null, sinceDay: day('2025-07-01') });
    expect(await registry.listCommunes()).toEqual([c]);
    await expect(registry.addCommune({ id: 'other', name: 'Xã Khác', code: '16012' })).rejects.toMatchObject({ code: 'code-taken', message: expect.stringContaining('hau-loc') });
    await expect(registry.addCommune({ id: 'bad', name: 'X', code: '1601' })).rejects.toMatchObject({ code: 'bad-code' });
    await expect(registry.addCommune({ id: 'bad', name: 'X', kind: 'huyen' as never })).rejects.toMatchObject({ code: 'bad-code' });
    // The database refuses a duplicate code too, whoever writes it.
    await expect(db.transaction(() => db.run("INSERT INTO communes (id, name, code) VALUES ('x', 'X', '16012')"))).rejects.toThrow(/UNIQUE/);
  });
});

describe('mergers and renamings', () => {
  beforeEach(async () => {
    for (const id of ['a', 'b', 'c', 'new']) await registry.addCommune({ id, name: `Xã ${id.toUpperCase()}` });
  });

  it('records former → current rows from a day, and refuses what would tangle the history', async () => {
    const d = day('2025-07-01');
    await registry.mergeCommunes({ into: 'new', from: ['a', 'b'], onDay: d });
    expect(await registry.communeSuccessions()).toEqual([
      { former: 'a', current: 'new', fromDay: d },
      { former: 'b', current: 'new', fromDay: d },
    ]);
    const h = await registry.communeHistory();
    expect(h.asOf(d - 1).currentOf.get('a')).toBe('a');
    expect(h.asOf(d).currentOf.get('a')).toBe('new');
    expect(h.asOf(d).membersOf('new')).toEqual(['a', 'b', 'new']);
    await expect(registry.mergeCommunes({ into: 'a', from: ['c'], onDay: d + 1 })).rejects.toMatchObject({ code: 'not-current' });
    await registry.addCommune({ id: 'later', name: 'Xã Sau', sinceDay: d + 10 }); // made on a day to come
    await expect(registry.mergeCommunes({ into: 'later', from: ['c'], onDay: d })).rejects.toMatchObject({ code: 'not-current' });
    await expect(registry.mergeCommunes({ into: 'c', from: ['a'], onDay: d + 3 })).rejects.toMatchObject({ code: 'not-current' });
    await expect(registry.mergeCommunes({ into: 'a', from: ['new'], onDay: d - 1 })).rejects.toMatchObject({ code: 'bad-merge' });
    await expect(registry.mergeCommunes({ into: 'new', from: ['a'], onDay: d })).rejects.toMatchObject({ code: 'exists' });
    await expect(registry.mergeCommunes({ into: 'new', from: ['nowhere'], onDay: d })).rejects.toMatchObject({ code: 'unknown-commune' });
    // A split: the same former commune into a second current one on the same day.
    await registry.mergeCommunes({ into: 'c', from: ['b'], onDay: d });
    expect((await registry.communeHistory()).ends('b', d)).toEqual(['c', 'new']);
    // A later merger chains: a → new → c.
    await registry.mergeCommunes({ into: 'c', from: ['new'], onDay: d + 100 });
    expect((await registry.communeHistory()).asOf(d + 100).currentOf.get('a')).toBe('c');
    expect(await count('commune_successions')).toBe(4);
  });

  it('renames from a day; earlier days keep the old name', async () => {
    const d = day('2026-01-01');
    await registry.renameCommune({ id: 'a', name: 'Xã Á Mới', onDay: d });
    await registry.renameCommune({ id: 'a', name: 'Xã Á Mới', onDay: d }); // again: nothing changes
    await expect(registry.renameCommune({ id: 'a', name: 'Xã Khác', onDay: d })).rejects.toMatchObject({ code: 'exists' });
    await expect(registry.renameCommune({ id: 'zz', name: 'X', onDay: d })).rejects.toMatchObject({ code: 'unknown-commune' });
    const h = await registry.communeHistory();
    expect(h.asOf(d - 1).nameOf('a')).toBe('Xã A');
    expect(h.asOf(d).nameOf('a')).toBe('Xã Á Mới');
    expect((await registry.listCommunes()).find((c) => c.id === 'a')!.name).toBe('Xã A'); // the row is never updated
    expect(await registry.communeNames()).toEqual([{ commune: 'a', fromDay: d, name: 'Xã Á Mới' }]);
  });

  it("lists a current commune's carts with those still carrying a former id; a split commune's carts follow their team", async () => {
    const d = day('2025-07-01');
    await registry.addTeam({ id: 'to-a', commune: 'a', name: 'Tổ A' });
    await registry.addTeam({ id: 'to-b', commune: 'b', name: 'Tổ B' });
    const a1 = (await registry.addUnit({ id: 'a-01', commune: 'a', team: 'to-a', profile: 'pi-zero-2w' })).unit;
    const b1 = (await registry.addUnit({ id: 'b-01', commune: 'b', team: 'to-b', profile: 'pi-zero-2w' })).unit;
    await registry.mergeCommunes({ into: 'new', from: ['a', 'b'], onDay: d });
    await registry.addTeam({ id: 'to-new-b', commune: 'new', name: 'Tổ B (xã mới)', formerCommune: 'b' });
    const n1 = (await registry.addUnit({ id: 'new-01', commune: 'new', team: 'to-new-b', profile: 'pi-zero-2w' })).unit;
    expect((await registry.listUnits({ commune: 'new' })).map((u) => u.id)).toEqual([a1.id, b1.id, n1.id]);
    expect((await registry.listUnits({ commune: 'a' })).map((u) => u.id)).toEqual([a1.id]);
    expect((await registry.listTeams('new'))[0]).toEqual({ id: 'to-new-b', commune: 'new', name: 'Tổ B (xã mới)', formerCommune: 'b' });
    await expect(registry.addTeam({ id: 'to-a2', commune: 'a', name: 'X' })).rejects.toMatchObject({ code: 'not-current' });
    await expect(registry.addTeam({ id: 'to-x', commune: 'new', name: 'X', formerCommune: 'c' })).rejects.toMatchObject({ code: 'not-former' });
    // Split b between new and c: b's cart follows its team (in b, which now ends in both): the first by id, c.
    await registry.mergeCommunes({ into: 'c', from: ['b'], onDay: d });
    expect((await registry.listUnits({ commune: 'new' })).map((u) => u.id)).toEqual([a1.id, n1.id]);
    expect((await registry.listUnits({ commune: 'c' })).map((u) => u.id)).toEqual([b1.id]);
  });
});

describe('importing a commune list', () => {
  it('imports the Hậu Lộc fixture: 5 current communes, 20 former ones, each merged from 1 July 2025', async () => {
    const text = readFileSync(join(FIXTURE, 'thanh-hoa-hau-loc.csv'), 'utf8');
    expect(await registry.importCommunes(text)).toEqual({ added: 25, merged: 20, unchanged: 0 });
    const h = await registry.communeHistory();
    const view = h.asOf(day('2025-07-01'));
    expect(view.communes.map((c) => c.id).sort()).toEqual(['dong-thanh', 'hau-loc', 'hoa-loc', 'trieu-loc', 'van-loc']);
    expect(view.membersOf('van-loc').sort()).toEqual(['da-loc', 'hai-loc', 'hung-loc', 'minh-loc', 'ngu-loc', 'van-loc']);
    const before = h.asOf(day('2025-06-30'));
    expect(before.communes).toHaveLength(20 + 2); // hoa-loc and trieu-loc went on; the three new ones did not exist yet
    expect(before.codeOf('tt-hau-loc')).toBe('99111');
    // The same file again changes nothing.
    expect(await registry.importCommunes(text)).toEqual({ added: 0, merged: 0, unchanged: 45 });
  });

  it('refuses a file with one bad line, naming the line, and stores nothing', async () => {
    const text = readFileSync(join(FIXTURE, 'bad-line.csv'), 'utf8');
    await expect(registry.importCommunes(text)).rejects.toMatchObject({ code: 'bad-import', message: expect.stringMatching(/^dòng 4: from "01\/07\/2025" phải là ngày YYYY-MM-DD; .*line 4/) });
    expect(await count('communes')).toBe(0);
    // A line that is fine by itself but clashes with the registry also leaves nothing behind.
    await registry.addCommune({ id: 'dong-thanh', name: 'Xã Đông Thành (khác)' });
    const good = readFileSync(join(FIXTURE, 'thanh-hoa-hau-loc.csv'), 'utf8');
    await expect(registry.importCommunes(good)).rejects.toMatchObject({ code: 'bad-import', message: expect.stringContaining('dòng 3') });
    expect(await count('communes')).toBe(1);
    expect(await count('commune_successions')).toBe(0);
  });

  it.each([
    ['id,name\nHau Loc,Xã Hậu Lộc\n', /dòng 2: mã xã "Hau Loc"/],
    ['id,name,colour\na,Xã A,red\n', /dòng 1: không có cột "colour"/],
    ['id,code,name\na,123,Xã A\n', /dòng 2: code "123" phải gồm 5 chữ số/],
    ['id,code,name\na,12345,Xã A\nb,12345,Xã B\n', /dòng 3: mã 12345 đã dùng ở dòng 2/],
    ['id,name,into\na,Xã A,b\n', /dòng 2: into và from đi cùng nhau/],
    ['id,name\na,"Xã A\n', /dòng 2: dấu " chưa đóng/],
    ['id,name\na,Xã A,extra\n', /dòng 2: có 3 ô/],
    ['id,name,into,from\na,Xã A,zz,2025-07-01\n', /dòng 2: Không có xã "zz"/],
  ])('refuses %j', async (text, message) => {
    await expect(registry.importCommunes(text)).rejects.toMatchObject({ code: 'bad-import', message: expect.stringMatching(message) });
    expect(await count('communes')).toBe(0);
  });
});
