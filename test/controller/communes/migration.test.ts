// Migration 7 on a database that already has communes, teams and carts (version 6): nothing is lost, every commune
// is a current "xã" without a code, and the report of a past month is the one a fresh database gives.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLEET_MIGRATIONS, migrateArea } from '../../../controller/db/database.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { computeReport } from '../../../controller/reports/compute.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { at, fillFixture, tempDb } from '../reports/fixture.js';

describe('fleet migration 7 (communes)', () => {
  it('keeps a version-6 database whole and its reports as a fresh database gives them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-communes-v6-'));
    const old = await SqliteDb.open(join(dir, 'fleet.db'));
    const fresh = await tempDb();
    try {
      await migrateArea(old, 'fleet', FLEET_MIGRATIONS.slice(0, 6));
      await fillFixture(old);
      await migrateArea(old, 'fleet', FLEET_MIGRATIONS);
      await fillFixture(fresh.db);
      const communes = await new FleetRegistry({ db: old }).listCommunes();
      expect(communes.map((c) => [c.id, c.code, c.kind, c.formerCode, c.sinceDay])).toEqual([
        ['dan-luc', null, 'xa', null, null],
        ['dan-ly', null, 'xa', null, null],
        ['xa-xoi', null, 'xa', null, null],
      ]);
      expect((await new FleetRegistry({ db: old }).listTeams()).every((t) => t.formerCommune === null)).toBe(true);
      const o = { period: parsePeriod('2026-11'), now: at(12, 5) };
      expect(await computeReport(old, o)).toEqual(await computeReport(fresh.db, o));
    } finally {
      await old.close();
      await fresh.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
