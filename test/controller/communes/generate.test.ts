// Generated areas that a province hub's tests and bench:scale put side by side: ids with a prefix, codes, given
// communes, several teams per commune; and nothing changes for a caller that asks for none of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../../controller/reports/generate.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { tempDb, type TempDb } from '../reports/fixture.js';

const period = parsePeriod('2026-11');
const window = { start: period.start, end: period.start + 2 * 86_400 };

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
});
afterEach(() => t.dispose());

const rows = (sql: string) => t.db.exclusive(() => t.db.all<Record<string, unknown>>(sql));

describe('generateFleet for several areas', () => {
  it('keeps the ids of a plain call', async () => {
    await generateFleet(t.db, { units: 3, ...window, seed: 1, unitsPerCommune: 2 });
    expect(await rows('SELECT id, code, kind FROM communes ORDER BY id')).toEqual([
      { id: 'dai-loc', code: null, kind: 'xa' },
      { id: 'trieu-loc', code: null, kind: 'xa' },
    ]);
    expect((await rows('SELECT id, team_id FROM units ORDER BY number')).map((r) => `${String(r.id)}:${String(r.team_id)}`)).toEqual([
      'dai-loc-01:to-dai-loc',
      'trieu-loc-01:to-trieu-loc',
      'dai-loc-02:to-dai-loc',
    ]);
  });

  it('prefixes ids, numbers codes, takes given communes, and deals carts to several teams per commune', async () => {
    await generateFleet(t.db, {
      units: 4,
      ...window,
      seed: 1,
      unitsPerCommune: 4,
      idPrefix: 'a3-',
      codeBase: 16000,
      teamsPerCommune: 2,
      communes: [{ name: 'Phường Hạc Thành', kind: 'phuong', lat: 19.8, lon: 105.78 }],
    });
    expect(await rows('SELECT id, name, code, kind, lat FROM communes')).toEqual([{ id: 'a3-hac-thanh', name: 'Phường Hạc Thành', code: '16000', kind: 'phuong', lat: 19.8 }]);
    expect((await rows('SELECT id FROM teams ORDER BY id')).map((r) => r.id)).toEqual(['to-a3-hac-thanh-1', 'to-a3-hac-thanh-2']);
    expect((await rows('SELECT id, team_id FROM units ORDER BY number')).map((r) => `${String(r.id)}:${String(r.team_id)}`)).toEqual([
      'a3-hac-thanh-01:to-a3-hac-thanh-1',
      'a3-hac-thanh-02:to-a3-hac-thanh-2',
      'a3-hac-thanh-03:to-a3-hac-thanh-1',
      'a3-hac-thanh-04:to-a3-hac-thanh-2',
    ]);
  });
});
