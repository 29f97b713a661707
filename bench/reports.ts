/**
 * `npm run bench:reports`: generates a year of data for 100 carts into a temporary SQLite file, then times
 * `computeReport` for the year and for one month (goal for the year: under 2 s), beside the time SQLite needs just
 * to count the same rows with plain `SELECT count(*)` in the same run (these machines are shared and noisy, so only
 * same-run comparisons mean much). Prints figures; fails nothing. `LOA_BENCH_DB=path` reuses a generated file.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FLEET_SCHEMA_V1 } from '../controller/db/fleet-schema.js';
import { computeReport } from '../controller/reports/compute.js';
import { generateFleet } from '../controller/reports/generate.js';
import { parsePeriod, type Period } from '../controller/reports/period.js';
import { renderCsv } from '../controller/reports/render-csv.js';
import { renderHtml } from '../controller/reports/render-html.js';
import { SqliteDb } from '../lib/sqlite.js';

const UNITS = 100;
const year = parsePeriod('2026');
const month = parsePeriod('2026-11');
const kept = process.env['LOA_BENCH_DB'];
const dir = kept === undefined ? mkdtempSync(join(tmpdir(), 'loa-bench-reports-')) : null;
const path = kept ?? join(dir!, 'fleet.db');
const fresh = !existsSync(path);
const db = await SqliteDb.open(path);

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0).padStart(6)} ms`;

if (fresh) {
  await db.exec(FLEET_SCHEMA_V1);
  await db.exec('PRAGMA synchronous = NORMAL'); // a throwaway file: no need to wait for the card on every commit
  const t0 = performance.now();
  const made = await generateFleet(db, { units: UNITS, start: year.start, end: year.end, seed: 2026 });
  console.log(`Generated a year for ${UNITS} carts in ${ms(t0).trim()}:`);
  console.log(`  ${Object.entries(made).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`);
}

async function countRows(p: Period): Promise<void> {
  const [s, e] = [p.start, p.end];
  const counts: [string, string, number[]][] = [
    ['plays', 'SELECT count(*) n FROM plays WHERE start >= ? AND start < ?', [s, e]],
    ['telemetry_samples', 'SELECT count(*) n FROM telemetry_samples WHERE minute >= ? AND minute < ?', [s / 60, e / 60]],
    ['track_points', 'SELECT count(*) n FROM track_points WHERE time >= ? AND time < ?', [s, e]],
    ['events', 'SELECT count(*) n FROM events WHERE time >= ? AND time < ?', [s, e]],
    ['status_changes', 'SELECT count(*) n FROM status_changes WHERE time < ?', [e]],
    ['records', 'SELECT count(*) n FROM records WHERE server_time >= ? AND server_time < ?', [s, e]],
  ];
  const t0 = performance.now();
  const parts: string[] = [];
  for (const [table, sql, params] of counts) {
    const t1 = performance.now();
    const row = await db.get<{ n: number }>(sql, params);
    parts.push(`${table} ${row!.n.toLocaleString('en-US')} (${(performance.now() - t1).toFixed(0)} ms)`);
  }
  console.log(`  plain count(*) of the same rows   ${ms(t0)}   ${parts.join(', ')}`);
}

async function timeReport(p: Period, label: string): Promise<void> {
  console.log(`\n${label} (${p.id})`);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const report = await computeReport(db, { period: p, now: year.end + 86_400 });
    runs.push(performance.now() - t0);
    if (i === 0) {
      const t1 = performance.now();
      const html = renderHtml(report, { district: 'Hậu Lộc' });
      const csv = renderCsv(report);
      console.log(`  render HTML ${(html.length / 1024).toFixed(0)} KiB + CSV ${(csv.length / 1024).toFixed(0)} KiB       ${ms(t1)}`);
      const t = report.totals;
      console.log(`  totals: ${t.plays.toLocaleString('en-US')} plays, ${(t.broadcastSeconds / 3600).toFixed(0)} h broadcast, ${(t.amplifierSeconds / 3600).toFixed(0)} h amplifier, ${t.sessions} sessions, ${t.km.toFixed(0)} km, ${t.offlineDays} unit-days offline`);
    }
  }
  const sorted = [...runs].sort((a, b) => a - b);
  console.log(`  computeReport (3 runs)             ${sorted.map((r) => `${r.toFixed(0)} ms`).join(', ')}   median ${sorted[1]!.toFixed(0)} ms${label.startsWith('Year') ? '   (goal < 2000 ms)' : ''}`);
  await countRows(p);
}

await timeReport(year, 'Year report, 100 carts');
await timeReport(month, 'Month report, 100 carts');
await db.close();
if (dir !== null) rmSync(dir, { recursive: true, force: true });
