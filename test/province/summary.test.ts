// The area's summaries: what a day body carries (every rollup table, every column), which days a pass summarises,
// and the bodies a replica refuses.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../lib/sqlite.js';
import { openSummary } from '../../protocol/summary.js';
import { openControllerDb } from '../../controller/db/database.js';
import { DAY_BODY_TABLES, FAULT_COLUMNS, makeDayBody, makeRegistryBody, summaryPass, type DayBody } from '../../controller/province/area-summary.js';
import { applyDayBody, applyRegistryBody, openReplica } from '../../controller/province/replica.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { dayStart, parsePeriod, vnDay } from '../../controller/reports/period.js';
import { SETTLE_S } from '../../controller/reports/rollup.js';
import { DAY_TABLES } from '../../controller/reports/rollup-schema.js';

const month = parsePeriod('2025-10');
const { privateKey: key, publicKey } = generateKeyPairSync('ed25519');
let dir: string;
let area: SqliteDb;
let replica: SqliteDb;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loa-summary-'));
  area = await openControllerDb(join(dir, 'area.db'));
  replica = await openReplica(join(dir, 'replica.db'));
});
afterEach(async () => {
  await area.close();
  await replica.close();
  rmSync(dir, { recursive: true, force: true });
});

const columnsOf = async (db: SqliteDb, table: string) => (await db.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)).map((r) => r.name);
const count = async (db: SqliteDb, table: string) => (await db.get<{ n: number }>(`SELECT count(*) n FROM ${table}`))!.n;
const refusal = expect.objectContaining({ name: 'SummaryError', code: 'bad-format' });

describe('a day body', () => {
  it('carries every rollup table with every column but day and year', async () => {
    expect(Object.keys(DAY_BODY_TABLES).sort()).toEqual([...DAY_TABLES].sort());
    for (const [table, spec] of Object.entries(DAY_BODY_TABLES)) {
      const have = (await columnsOf(replica, table)).filter((c) => c !== 'day' && c !== 'year');
      expect(spec.columns.map(([c]) => c).sort(), table).toEqual(have.sort());
      expect((await columnsOf(replica, table)).includes('year'), table).toBe(spec.year);
    }
    expect(await columnsOf(replica, 'replica_faults')).toEqual(['unit_id', 'day', 'code', 'n'].filter((c) => c === 'day' || FAULT_COLUMNS.some(([f]) => f === c)));
  });

  it('is the same bytes for the same rows, and never carries a unit key or password', async () => {
    await generateFleet(area, { units: 3, start: month.start, end: month.end, seed: 3 });
    const now = month.end + 2 * SETTLE_S;
    await summaryPass(area, { area: 'trieu-son', key, now, clock: () => now });
    const day = vnDay(month.start) + 4;
    const body = await makeDayBody(area, day);
    expect(body.day).toBe('2025-10-05');
    expect(body.tables.report_plays!.length).toBeGreaterThan(0);
    expect(JSON.stringify(await makeDayBody(area, day))).toBe(JSON.stringify(body));
    // Every rolled-up row of the day, read plainly, is in the body (the body reads some tables through their keys).
    for (const d of [day, day + 9, day + 20]) {
      const b = await makeDayBody(area, d);
      for (const [table, spec] of Object.entries(DAY_BODY_TABLES)) {
        const cols = spec.columns.map(([c]) => c);
        const rows = await area.all<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM main.${table} WHERE day = ? ORDER BY ${spec.order}`, [d]);
        expect(b.tables[table], `${table} ${d}`).toEqual(rows.map((r) => cols.map((c) => r[c])));
      }
    }
    const registry = JSON.stringify(await makeRegistryBody(area));
    expect(registry).not.toMatch(/unit_key|password|scrypt/);
    await expect(makeDayBody(area, vnDay(month.end) + 5)).rejects.toThrow(/not rolled up/);
  });
});

describe('a summary pass', () => {
  it('summarises only final days, from the first unit registration, and the registry first', async () => {
    const none = await summaryPass(area, { area: 'trieu-son', key, now: month.end, clock: () => month.end });
    expect(none.map((s) => s.kind)).toEqual(['registry']); // no units yet: nothing to summarise but the (empty) registry
    await generateFleet(area, { units: 2, start: month.start, end: month.end, seed: 4 });
    await area.run('UPDATE units SET provisioned_at = ?', [dayStart(vnDay(month.start) + 10) + 3600]);
    // 12 October 00:30: 11 October is over, but not by the settling hour.
    const now = dayStart(vnDay(month.start) + 11) + 1800;
    const sealed = await summaryPass(area, { area: 'trieu-son', key, now, clock: () => now + 86_400 });
    expect(sealed[0]).toMatchObject({ kind: 'registry', version: 2, retain: true, topic: 'loa/v1/trieu-son/summary/registry' });
    expect(sealed).toHaveLength(1);
    const later = now + SETTLE_S;
    const next = await summaryPass(area, { area: 'trieu-son', key, now: later, clock: () => later });
    expect(next.map((s) => [s.day, s.retain, s.topic])).toEqual([['2025-10-11', false, 'loa/v1/trieu-son/summary/day/2025-10-11']]);
    expect(openSummary(next[0]!.bytes, () => [publicKey])).toMatchObject({ area: 'trieu-son', kind: 'day', day: '2025-10-11', version: 1, madeAt: later });
    // The clock decides too: a `now` to come does not make a day final.
    const ahead = await summaryPass(area, { area: 'trieu-son', key, now: later + 86_400, clock: () => later });
    expect(ahead).toEqual([]);
  });
});

describe('a summary pass on the connection that also serves reports', () => {
  it('still sees late track on a summarised day (the report leaves tables of the same names in temp)', async () => {
    await generateFleet(area, { units: 2, start: month.start, end: month.end, seed: 6 });
    const now = month.end + 2 * SETTLE_S;
    const o = { area: 'trieu-son', key, now, clock: () => now };
    await computeReport(area, { period: month, now, clock: () => now });
    expect((await summaryPass(area, o)).length).toBeGreaterThan(31);
    await computeReport(area, { period: month, now, clock: () => now });
    const u = (await area.get<{ id: string; last: number }>('SELECT unit_id id, max(record) last FROM records GROUP BY unit_id ORDER BY unit_id'))!;
    const t = dayStart(vnDay(month.start) + 7) + 10 * 3600;
    await area.insertMany('track_points', ['unit_id', 'record', 'idx', 'time', 'lat', 'lon'], [[u.id, u.last + 1, 0, t, 19.93, 105.88], [u.id, u.last + 1, 1, t + 120, 19.931, 105.88]]);
    expect((await summaryPass(area, o)).map((s) => [s.day, s.version])).toEqual([['2025-10-08', 2]]);
  });
});

describe('a replica', () => {
  let body: DayBody;
  beforeEach(async () => {
    await generateFleet(area, { units: 2, start: month.start, end: month.end, seed: 5 });
    const now = month.end + 2 * SETTLE_S;
    await summaryPass(area, { area: 'trieu-son', key, now, clock: () => now });
    body = await makeDayBody(area, vnDay(month.start) + 2);
    await applyRegistryBody(replica, await makeRegistryBody(area));
  });

  it('refuses a body that is not a day body of its tables, and changes nothing', async () => {
    const broken: unknown[] = [
      null,
      { ...body, format: 'loa-day-0' },
      { ...body, day: '2025-10-32' },
      { ...body, tables: { ...body.tables, report_extra: [] } },
      { ...body, tables: { ...body.tables, report_plays: [['x', 1, 2]] } },
      { ...body, tables: { ...body.tables, report_plays: [['x', '1', 2, 3]] } },
      { ...body, tables: { ...body.tables, report_energy: [['x', 1, 2, 3, 4, 'full']] } },
      { ...body, faults: [['x', 'gnss', null]] },
      { ...body, tables: { ...body.tables, report_plays: [...body.tables.report_plays!, body.tables.report_plays![0]!] } }, // a key twice
    ];
    for (const b of broken) await expect(applyDayBody(replica, b), JSON.stringify(b)?.slice(0, 80)).rejects.toEqual(refusal);
    expect(await count(replica, 'report_days')).toBe(0);
    expect(await count(replica, 'report_plays')).toBe(0);
  });

  it('replaces a day rather than adding to it', async () => {
    await applyDayBody(replica, body);
    const rows = await count(replica, 'report_clips');
    expect(rows).toBeGreaterThan(0);
    await applyDayBody(replica, body);
    expect(await count(replica, 'report_clips')).toBe(rows);
    await applyDayBody(replica, { ...body, tables: { ...body.tables, report_clips: body.tables.report_clips!.slice(1) } });
    expect(await count(replica, 'report_clips')).toBe(rows - 1);
  });

  it('refuses a registry table or column it does not keep', async () => {
    const registry = await makeRegistryBody(area);
    await expect(applyRegistryBody(replica, { ...registry, tables: { ...registry.tables, members: { columns: ['id'], rows: [] } } })).rejects.toEqual(refusal);
    const units = registry.tables.units!;
    await expect(applyRegistryBody(replica, { ...registry, tables: { ...registry.tables, units: { ...units, columns: [...units.columns.slice(0, -1), 'unit_key'] } } })).rejects.toEqual(refusal);
    expect(await count(replica, 'units')).toBe(2);
    // A unit of a commune the body does not have: the tables refuse it, and the replica keeps its registry.
    await expect(applyRegistryBody(replica, { ...registry, tables: { ...registry.tables, units: { ...units, rows: [...units.rows, ['lac', 99, 'nowhere', 'nowhere', 0, 0]] } } })).rejects.toEqual(refusal);
    expect(await count(replica, 'units')).toBe(2);
  });
});
