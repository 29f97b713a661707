/**
 * `npm run bench:scale` (not in CI): what one machine carries beyond a district, beside the 100-cart district's
 * yearly report of the same run (these machines are shared and noisy: only same-run comparisons mean much).
 *
 * A. One controller for a whole province: 500 carts in ~167 communes (Thanh Hóa has 166 communes and wards), one
 *    generated year (controller/reports/generate.ts): generation time, database size, the yearly report the first
 *    time (rolling the year up), warm (median of 3) and cold (the database as a backup restores it, rollup
 *    included, opened by a fresh process: the page cache stays warm unless LOA_BENCH_DROP_CACHES=1 as root), one
 *    day's signed summary (bytes, time). Ingest sustained at 500 carts: bench:soak's figures (see ingestSustained).
 * B. A national hub: 34 areas of ~147 carts (≈ 5,000 carts, ≈ 3,300 communes). One area-year is generated and
 *    summarised for real (area-summary.ts); its summaries are cloned into 34 areas, each re-signed with the area's
 *    own key (the replicas are separate files, so unit and commune ids need no renaming), and fed to the hub's one
 *    ingest path: summaries/s, hub size, the national yearly roll-up cold (fresh process) and warm.
 *
 *   node dist/bench/scale.js [--quick] [--part baseline,A,B] [--keep]
 *   node dist/bench/scale.js --times FILE
 *   --quick: everything scaled down to run in under a minute; --part: only these parts (e.g. two processes at once);
 *   --keep: leave the scratch databases; --times: the yearly report's timings on such a database, in a fresh process
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FLEET_MIGRATIONS, migrateArea } from '../controller/db/database.js';
import { summaryPass } from '../controller/province/area-summary.js';
import { ProvinceHub } from '../controller/province/hub.js';
import { computeReport } from '../controller/reports/compute.js';
import { generateFleet } from '../controller/reports/generate.js';
import { DAY_S, parsePeriod } from '../controller/reports/period.js';
import { SqliteDb } from '../lib/sqlite.js';
import { keyId, rawPublicKey } from '../protocol/signed.js';
import { openSummary, SUMMARY_FORMAT } from '../protocol/summary.js';

const quick = process.argv.includes('--quick');
const partArg = process.argv.indexOf('--part');
const parts = new Set((partArg >= 0 ? process.argv[partArg + 1]! : 'baseline,A,B').split(','));
const S = quick
  ? { province: 60, perCommune: 3, baseline: 20, area: 15, areaPerCommune: 1.5, areas: 34, days: 31 }
  : { province: 500, perCommune: 3, baseline: 100, area: 147, areaPerCommune: 1.5, areas: 34, days: 365 };
const year = parsePeriod('2025');
const end = year.start + S.days * DAY_S;
const now = year.end + DAY_S;
/** When the summaries are made: the last generated day is over and settled (an hour, rollup.ts SETTLE_S) by then. */
const summarised = end + 2 * 3600;
const self = fileURLToPath(import.meta.url);

const ms = (t0: number): number => performance.now() - t0;
const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function fileSize(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) n += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  return n;
}

function folderSize(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? folderSize(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/** Best effort, as root only: forget the page cache so that "cold" is cold. */
function dropCaches(): string {
  if (process.env['LOA_BENCH_DROP_CACHES'] !== '1') return 'OS page cache warm';
  const r = spawnSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches']);
  return r.status === 0 ? 'page cache dropped' : 'could not drop the page cache (not root?)';
}

/** Runs this file again with `args` and returns what it printed as JSON on its last line, and the wall time. */
async function child(args: string[]): Promise<{ out: Record<string, number>; wallMs: number }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [self, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  p.stdout.on('data', (c: Buffer) => (text += c.toString()));
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  if (code !== 0) throw new Error(`child ${args.join(' ')} exited with ${String(code)}`);
  return { out: JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, number>, wallMs: ms(t0) };
}

async function generate(path: string, units: number, perCommune: number, seed: number): Promise<{ db: SqliteDb; genMs: number; rows: number }> {
  const db = await SqliteDb.open(path);
  await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
  await db.exec('PRAGMA synchronous = NORMAL'); // a throwaway file
  const t0 = performance.now();
  const made = await generateFleet(db, { units, start: year.start, end, seed, unitsPerCommune: perCommune });
  return { db, genMs: ms(t0), rows: made.plays + made.events + made.trackPoints + made.samples + made.statusChanges + made.records };
}

interface ReportTimes {
  firstMs: number;
  /** Every month kept in memory (controller/reports/months.ts). */
  warmMs: number;
  /** As of 15 December: eleven months kept, December read from the rollup and the day under way. */
  decemberMs: number;
  /** Right after a late play for a June day: June read again. */
  lateMs: number;
  /** Heap held after the reports (the kept months), MiB. */
  heapMiB: number;
  plays: number;
}

/** The first yearly report (rolls the year up), the warm ones, one in the year's last month, one after a late play. */
async function reports(db: SqliteDb): Promise<ReportTimes> {
  const timed = async (at: number): Promise<number> => {
    const t0 = performance.now();
    await computeReport(db, { period: year, now: at });
    return ms(t0);
  };
  let t0 = performance.now();
  const r = await computeReport(db, { period: year, now });
  const firstMs = ms(t0);
  const warm = [await timed(now), await timed(now), await timed(now)];
  const december = year.end - 16 * DAY_S + 12 * 3600;
  await timed(december);
  const decemberMs = median([await timed(december), await timed(december), await timed(december)]);
  const [last] = await db.all<{ unit_id: string; record: number }>('SELECT unit_id, max(record) record FROM plays GROUP BY unit_id LIMIT 1');
  await db.run("INSERT INTO plays VALUES (?, ?, 'late', 1, ?, 'gnss', 30, 'completed', 'button', 70, NULL, NULL)", [last!.unit_id, last!.record + 1_000_000, year.start + 165 * DAY_S]);
  t0 = performance.now();
  const late = await computeReport(db, { period: year, now });
  const lateMs = ms(t0);
  if (late.totals.plays !== r.totals.plays + 1) throw new Error(`the late play is not counted: ${late.totals.plays} vs ${r.totals.plays} + 1`);
  global.gc?.();
  return { firstMs, warmMs: median(warm), decemberMs, lateMs, heapMiB: process.memoryUsage().heapUsed / 2 ** 20, plays: r.totals.plays };
}

const reportLine = (r: ReportTimes): string =>
  `warm ${f0(r.warmMs)} ms (median of 3; goal ≤ 2,000), as of 15 December ${f0(r.decemberMs)} ms (December read afresh), after a late play for June ${f0(r.lateMs)} ms; heap ${f0(r.heapMiB)} MiB`;

/** A summary with another area's name, signed with that area's key; the compressed body is reused as it is. */
function reseal(bytes: Buffer, area: string, key: KeyObject): Buffer {
  const magic = SUMMARY_FORMAT.length + 1;
  const headEnd = magic + 4 + bytes.readUInt32BE(magic);
  const h = JSON.parse(bytes.subarray(magic + 4, headEnd).toString('utf8')) as Record<string, unknown>;
  const head = Buffer.from(JSON.stringify({ ...h, area, keyId: keyId(key) }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  const signed = Buffer.concat([bytes.subarray(0, magic), length, head]);
  return Buffer.concat([signed, bytes.subarray(headEnd, bytes.length - 64), sign(null, signed, key)]);
}

async function partBaseline(dir: string): Promise<void> {
  console.log(`\nBaseline: one district, ${S.baseline} carts, ${S.days} days of ${year.id}`);
  const { db, genMs } = await generate(join(dir, 'district.db'), S.baseline, 4, 2026);
  const r = await reports(db);
  console.log(`  generated in ${f0(genMs)} ms; yearly report first (rollup) ${f0(r.firstMs)} ms, ${reportLine(r)}`);
  await db.close();
}

async function partA(dir: string): Promise<void> {
  console.log(`\nA. One controller for a province: ${S.province} carts, ${Math.ceil(S.province / S.perCommune)} communes, ${S.days} days of ${year.id}`);
  const path = join(dir, 'province.db');
  const { db, genMs, rows } = await generate(path, S.province, S.perCommune, 17);
  console.log(`  generated ${f0(rows)} rows in ${f0(genMs)} ms; database ${mib(fileSize(path))}`);
  const r = await reports(db);
  console.log(`  yearly report: first ${f0(r.firstMs)} ms (rolls the year up), ${reportLine(r)}   ${f0(r.plays)} plays`);
  console.log(`  database with its rollup ${mib(fileSize(path))}`);
  const restored = join(dir, 'restored.db');
  await db.snapshotTo(restored); // what a backup holds and a restore puts back: the file, rollup included
  const cache = dropCaches();
  const cold = await child(['--cold-report', restored]);
  console.log(`  cold: a fresh process's first yearly report on the restored file ${f0(cold.out['reportMs']!)} ms (${f0(cold.wallMs)} ms with node's start; goal ≤ 30,000; ${cache})`);
  const t0 = performance.now();
  const { privateKey } = generateKeyPairSync('ed25519');
  const sealed = await summaryPass(db, { area: 'province', key: privateKey, now: summarised, windowDays: Math.min(31, S.days) });
  const days = sealed.filter((s) => s.kind === 'day');
  const bytes = days.map((s) => s.bytes.length);
  console.log(`  day summaries: ${days.length} in ${f0(ms(t0))} ms (rollup checks included), ${f0(median(bytes) / 1024)} KiB median, ${f0(Math.max(...bytes) / 1024)} KiB largest (brotli, signed)`);
  await db.close();
}

/**
 * Ingest sustained at a province's 500 carts is what `npm run bench:soak` measures (500 carts, a simulated day at 10×
 * real traffic, attacks mixed in): bench/controller.ts with 500 carts at once is refused by the broker's bound on
 * password checks waiting (CONNACK 3) faster than its carts retry, so it is not run from here.
 */
function ingestSustained(): void {
  console.log('  ingest sustained: see npm run bench:soak (500 carts, a simulated day at 10× real traffic, README "Benchmarks")');
}

async function partB(dir: string): Promise<void> {
  const carts = S.area * S.areas;
  console.log(`\nB. A national hub: ${S.areas} areas × ${S.area} carts = ${f0(carts)} carts, ${f0(Math.ceil(S.area / S.areaPerCommune) * S.areas)} communes, ${S.days} days`);
  const { db, genMs } = await generate(join(dir, 'area.db'), S.area, S.areaPerCommune, 29);
  const { privateKey } = generateKeyPairSync('ed25519');
  let t0 = performance.now();
  const sealed = await summaryPass(db, { area: 'mau', key: privateKey, now: summarised, windowDays: S.days + 1 });
  const own = await computeReport(db, { period: year, now });
  console.log(`  one area-year generated in ${f0(genMs)} ms, summarised in ${f0(ms(t0))} ms: ${sealed.length} summaries, ${mib(sealed.reduce((n, s) => n + s.bytes.length, 0))}`);
  await db.close();
  const hubDir = join(dir, 'hub');
  const hub = await ProvinceHub.open({ dataDir: hubDir, clock: () => now });
  const areas = Array.from({ length: S.areas }, (_, i) => ({ id: `khu-vuc-${String(i + 1).padStart(2, '0')}`, key: generateKeyPairSync('ed25519').privateKey }));
  for (const a of areas) await hub.addArea({ id: a.id, name: `Khu vực ${a.id.slice(-2)}`, publicKey: rawPublicKey(a.key).toString('hex') });
  const clones = sealed.map((s) => areas.map((a) => ({ topic: s.topic.replace('/mau/', `/${a.id}/`), bytes: reseal(s.bytes, a.id, a.key) })));
  openSummary(clones[0]![0]!.bytes, () => [areas[0]!.key]); // a clone verifies
  t0 = performance.now();
  const outcomes = new Map<string, number>();
  let wire = 0;
  for (const day of clones) {
    for (const c of day) {
      const o = await hub.ingest(c.topic, c.bytes);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      wire += c.bytes.length;
    }
  }
  const ingestMs = ms(t0);
  const n = clones.length * areas.length;
  console.log(`  ingest: ${f0(n)} summaries (${mib(wire)}) in ${f0(ingestMs)} ms = ${f0(n / (ingestMs / 1000))} summaries/s, ${f0((carts * S.days) / (ingestMs / 1000))} unit-days/s  ${JSON.stringify(Object.fromEntries(outcomes))}`);
  console.log(`  a national day is ${S.areas} day summaries (+ re-sends after late records): ${f0((S.areas / (n / (ingestMs / 1000))) * 1000)} ms of ingest`);
  t0 = performance.now();
  const first = await hub.provinceReport({ period: year, now });
  const firstMs = ms(t0);
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    await hub.provinceReport({ period: year, now: now + i });
    warm.push(ms(t0));
  }
  const exact = first.totals.plays === own.totals.plays * S.areas && first.areas.every((a) => a.report.totals.plays === own.totals.plays);
  console.log(`  national yearly roll-up: first ${f0(firstMs)} ms (every area computed), warm ${f0(median(warm))} ms (median of 3; goal ≤ 2,000); ${first.ranking.length} teams ranked; sums ${exact ? 'exact' : 'DIFFERENT'}`);
  await hub.close();
  console.log(`  hub data ${mib(folderSize(hubDir))} (province.db ${mib(fileSize(join(hubDir, 'province.db')))}, ${S.areas} replicas); RSS ${mib(process.memoryUsage().rss)}`);
  const cache = dropCaches();
  const cold = await child(['--cold-hub', hubDir]);
  console.log(`  cold: a fresh process's national yearly roll-up ${f0(cold.out['reportMs']!)} ms (${f0(cold.wallMs)} ms with node's start; ${cache})`);
}

async function coldReport(path: string): Promise<void> {
  const db = await SqliteDb.open(path);
  const t0 = performance.now();
  const r = await computeReport(db, { period: year, now });
  console.log(JSON.stringify({ reportMs: ms(t0), plays: r.totals.plays }));
  await db.close();
}

async function coldHub(dir: string): Promise<void> {
  const hub = await ProvinceHub.open({ dataDir: dir, clock: () => now });
  const t0 = performance.now();
  const r = await hub.provinceReport({ period: year, now });
  console.log(JSON.stringify({ reportMs: ms(t0), plays: r.totals.plays }));
  await hub.close();
}

/** `--times FILE`: the yearly report's timings on a database this bench made (kept with --keep), in a fresh process. */
async function times(path: string): Promise<void> {
  const db = await SqliteDb.open(path);
  const r = await reports(db);
  console.log(`${path}: yearly report first ${f0(r.firstMs)} ms (a fresh process), ${reportLine(r)}`);
  await db.close();
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--cold-report');
  if (at >= 0) return coldReport(process.argv[at + 1]!);
  const timesAt = process.argv.indexOf('--times');
  if (timesAt >= 0) return times(process.argv[timesAt + 1]!);
  const hubAt = process.argv.indexOf('--cold-hub');
  if (hubAt >= 0) return coldHub(process.argv[hubAt + 1]!);
  const dir = mkdtempSync(join(tmpdir(), 'loa-bench-scale-'));
  writeFileSync(join(dir, 'README'), 'bench:scale scratch files; removed at the end\n');
  const t0 = performance.now();
  console.log(`bench:scale${quick ? ' --quick' : ''} (${new Date().toISOString().slice(0, 16)}Z)`);
  try {
    if (parts.has('baseline')) await partBaseline(dir);
    if (parts.has('A')) {
      await partA(dir);
      ingestSustained();
    }
    if (parts.has('B')) await partB(dir);
  } finally {
    if (process.argv.includes('--keep')) console.log(`\nscratch files kept in ${dir} (--times ${join(dir, 'province.db')})`);
    else rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\ndone in ${f0(ms(t0) / 1000)} s`);
}

await main();
