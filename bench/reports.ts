/**
 * `npm run bench:reports`: generates a finished year (2025) of data for 100 carts into a temporary SQLite file, then
 * times `computeReport` for the year — without the rollup, cold (rolling the year up), warm (reading the rollup) —
 * and for one month, beside the time SQLite needs just to count the same rows with plain `SELECT count(*)` in the
 * same run (these machines are shared and noisy, so only same-run comparisons mean much). Goal for the warm year:
 * under 2 s. Prints figures and whether the three ways gave the same report; fails nothing. `LOA_BENCH_DB=path`
 * reuses a generated file (its rollup is emptied for the cold run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FLEET_MIGRATIONS, migrateArea } from '../controller/db/database.js';
import { computeReport, type ReportOptions } from '../controller/reports/compute.js';
import { generateFleet } from '../controller/reports/generate.js';
import { legacyHeading } from '../controller/reports/heading.js';
import { parsePeriod, type Period } from '../controller/reports/period.js';
import { renderCsv } from '../controller/reports/render-csv.js';
import { renderHtml } from '../controller/reports/render-html.js';
import type { Report } from '../controller/reports/report.js';
import { DAY_TABLES } from '../controller/reports/rollup-schema.js';
import { SqliteDb } from '../lib/sqlite.js';

const UNITS = 100;
const year = parsePeriod('2025');
const month = parsePeriod('2025-11');
const kept = process.env['LOA_BENCH_DB'];
const dir = kept === undefined ? mkdtempSync(join(tmpdir(), 'loa-bench-reports-')) : null;
const path = kept ?? join(dir!, 'fleet.db');
const fresh = !existsSync(path);
const db = await SqliteDb.open(path);

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0).padStart(6)} ms`;

if (fresh) {
  await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
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

const now = year.end + 86_400;

async function emptyRollup(): Promise<void> {
  const area = await db.get<{ n: number }>("SELECT count(*) n FROM sqlite_master WHERE name = 'report_days'");
  if (!area?.n) return;
  await db.transaction(async () => {
    for (const t of ['report_days', ...DAY_TABLES]) await db.run(`DELETE FROM main.${t}`);
  });
}

/** Times `runs` reports of `p`; prints the first one's totals and rendering time. Returns the last report. */
async function timeReport(p: Period, label: string, runs: number, options: Partial<ReportOptions> = {}): Promise<Report> {
  const times: number[] = [];
  let report: Report | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    report = await computeReport(db, { period: p, now, ...options });
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(runs / 2)]!;
  console.log(`  ${label.padEnd(34)} ${sorted.map((r) => `${r.toFixed(0)} ms`).join(', ')}${runs > 1 ? `   median ${median.toFixed(0)} ms` : ''}`);
  return report!;
}

function describe(report: Report): void {
  const t1 = performance.now();
  const html = renderHtml(report, { heading: legacyHeading('Hậu Lộc') });
  const csv = renderCsv(report);
  console.log(`  render HTML ${(html.length / 1024).toFixed(0)} KiB + CSV ${(csv.length / 1024).toFixed(0)} KiB       ${ms(t1)}`);
  const t = report.totals;
  console.log(`  totals: ${t.plays.toLocaleString('en-US')} plays, ${(t.broadcastSeconds / 3600).toFixed(0)} h broadcast, ${(t.amplifierSeconds / 3600).toFixed(0)} h amplifier, ${t.sessions} sessions, ${t.km.toFixed(0)} km, ${t.offlineDays} unit-days offline`);
}

const same = (a: Report, b: Report): string => (JSON.stringify(a) === JSON.stringify(b) ? 'identical' : 'DIFFERENT');

console.log(`\nYear report, ${UNITS} carts (${year.id})`);
const live = await timeReport(year, 'without the rollup (rollup: false)', 1, { rollup: false });
await emptyRollup();
const cold = await timeReport(year, 'cold (rolls the year up)', 1);
const warm = await timeReport(year, 'warm (reads the rollup)', 3);
describe(warm);
console.log(`  the three reports are ${same(live, cold)} / ${same(cold, warm)}   (goal for warm: < 2000 ms)`);
await countRows(year);

console.log(`\nMonth report, ${UNITS} carts (${month.id})`);
const monthLive = await timeReport(month, 'without the rollup (rollup: false)', 1, { rollup: false });
const monthWarm = await timeReport(month, 'warm (reads the rollup)', 3);
describe(monthWarm);
console.log(`  the two reports are ${same(monthLive, monthWarm)}`);
await countRows(month);
await db.close();
if (dir !== null) rmSync(dir, { recursive: true, force: true });
