/**
 * `npm run bench:board`: the operating board's side of the controller (issue 18) on a realistic district. Generates
 * 100 carts over 2024-11-01 … 2025-12-01 into a temporary SQLite file, registers two members per team, then records
 * a year of team activities (8 per team per month, with photos) and training records through the services, and
 * times every step beside the plain SQL it comes down to, measured in the same run (these machines are shared and
 * noisy, so only same-run comparisons mean much):
 *
 * - recording and confirming activities (ActivityLog) beside raw INSERT / UPDATE of the same rows, one transaction
 *   per activity as the service does;
 * - opening, reading and finalising the reviews of 2025-11, 2025-Q4 and 2025 (Reviews) beside `computeReport` alone
 *   for each review's three periods (the period, the previous one, the same one a year before). Both are first run
 *   in that order on an emptied rollup (each fills what the next then reads, as on a controller), then again warm;
 * - the reward proposals of 2025-11 and 2025 (Rewards) beside `computeReport` of the same period (warm);
 * - the documents' sizes and times beside the cart report's of the same period, the peak RSS, the file's size.
 *
 * Prints figures; fails nothing. `LOA_BENCH_DB=path` keeps the database file (a kept file's fleet is reused; its
 * board tables and members are emptied and filled again).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ActivityLog, type BoardActor } from '../controller/board/activities.js';
import { renderReviewDocx, renderReviewHtml } from '../controller/board/render-review.js';
import { renderRewardsCsv, renderRewardsDocx } from '../controller/board/render-rewards.js';
import { previousPeriod, lastYearPeriod } from '../controller/board/review-figures.js';
import { Reviews } from '../controller/board/reviews.js';
import { Rewards } from '../controller/board/rewards.js';
import { TrainingRecords } from '../controller/board/training.js';
import { ACTIVITY_KINDS, type ActivityInput, type ReviewRecord } from '../controller/board/types.js';
import { FLEET_MIGRATIONS, migrateArea } from '../controller/db/database.js';
import { FleetRegistry } from '../controller/fleet/registry.js';
import { computeReport } from '../controller/reports/compute.js';
import { generateFleet, prng } from '../controller/reports/generate.js';
import { legacyHeading } from '../controller/reports/heading.js';
import { renderCsv } from '../controller/reports/render-csv.js';
import { renderDocx } from '../controller/reports/render-docx.js';
import { renderHtml } from '../controller/reports/render-html.js';
import { parsePeriod, vnDateParts, type Period } from '../controller/reports/period.js';
import { DAY_TABLES } from '../controller/reports/rollup-schema.js';
import { SqliteDb } from '../lib/sqlite.js';
import { png } from '../tools/images.js';

const UNITS = 100;
const PER_TEAM_MONTH = 8;
const PHOTO_EVERY = 20;
/** One activity in this many is left awaiting confirmation, as in the field. */
const UNCONFIRMED_EVERY = 50;
const first = parsePeriod('2024-11');
const last = parsePeriod('2025-11');
/** The day the board sits down to write the reviews: early January 2026, Vietnam time. */
const NOW = parsePeriod('2026-01').start + 4 * 86_400 + 9 * 3600;
const SUBMITTER: BoardActor = { name: 'bench-xa', role: 'submitter' };
const APPROVER: BoardActor = { name: 'bench-bdh', role: 'approver' };
const heading = legacyHeading('Hậu Lộc');

const kept = process.env['LOA_BENCH_DB'];
const dir = mkdtempSync(join(tmpdir(), 'loa-bench-board-'));
const path = kept ?? join(dir, 'fleet.db');
const fresh = !existsSync(path);
const db = await SqliteDb.open(path);

/** The printed table: each figure beside what it was compared to. */
const rows: [what: string, figure: string, comparedTo: string][] = [];
const row = (what: string, figure: string, comparedTo = ''): void => void rows.push([what, figure, comparedTo]);

const since = (t0: number): number => performance.now() - t0;
const msText = (ms: number): string => `${ms.toFixed(0)} ms`;
const perSecond = (n: number, ms: number): string => `${((n * 1000) / ms).toFixed(0)}/s`;
const ratio = (ms: number, base: number): string => `×${(ms / base).toFixed(1)}`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
/** The peak RSS as each stage ended (maxRSS only grows: a stage that raised it shows it). */
const peaks: string[] = [];
function peak(stage: string): void {
  peaks.push(`${stage} ${mib(process.resourceUsage().maxRSS * 1024)}`);
}

// ── The fleet ──────────────────────────────────────────────────────────────────────────────────────────────────

await migrateArea(db, 'fleet', FLEET_MIGRATIONS);
/** The services' clock: moved along as the year is recorded. */
let clockNow = NOW;
const board = { log: new ActivityLog({ db, dataDir: dir, clock: () => clockNow }), training: new TrainingRecords({ db, clock: () => clockNow }) };
await board.log.start();
await board.training.start();
if (fresh) {
  const t0 = performance.now();
  const made = await generateFleet(db, { units: UNITS, start: first.start, end: last.end, seed: 18 });
  console.log(`Generated ${UNITS} carts over ${first.id} … ${last.id} in ${msText(since(t0))}:`);
  console.log(`  ${Object.entries(made).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`);
  peak('generation');
} else {
  await db.transaction(async () => {
    for (const t of ['board_activity_audit', 'board_activity_photos', 'board_activity_members', 'board_activities', 'board_training', 'board_review_versions', 'board_reviews', 'board_reward_adjustments', 'board_reward_criteria', 'members']) {
      await db.run(`DELETE FROM ${t}`);
    }
  });
  console.log(`Reusing the fleet of ${path} (board tables and members emptied)`);
}

const registry = new FleetRegistry({ db });
const teams = await db.all<{ id: string; commune: string }>('SELECT id, commune_id AS commune FROM teams ORDER BY id');
const members = new Map<string, number[]>();
for (const t of teams) {
  const ids: number[] = [];
  for (const name of ['Nguyễn Văn An', 'Trần Thị Bình']) ids.push((await registry.addMember({ team: t.id, name: `${name} (${t.id})` })).id);
  members.set(t.id, ids);
}

// ── What is recorded: the same activities for the baseline and the service ────────────────────────────────────

// mulberry32 (reports/generate.ts), so that every run records the same activities.
const rand = prng(18);
const months: Period[] = [];
for (let p = first; p.start < last.end; p = parsePeriod(`${vnDateParts(p.end).year}-${vnDateParts(p.end).mm}`)) months.push(p);
const inputs: ActivityInput[] = [];
for (const m of months) {
  const days = Math.round((m.end - m.start) / 86_400);
  for (const t of teams) {
    for (let i = 0; i < PER_TEAM_MONTH; i++) {
      const at = m.start + Math.floor(rand() * days) * 86_400 + (7 + Math.floor(rand() * 10)) * 3600 + Math.floor(rand() * 4) * 900;
      const present = members.get(t.id)!;
      inputs.push({
        kind: ACTIVITY_KINDS[Math.floor(rand() * ACTIVITY_KINDS.length)]!,
        at, commune: t.commune, team: t.id, place: `Thôn ${1 + Math.floor(rand() * 9)}`,
        members: rand() < 0.6 ? present : present.slice(0, 1),
        peopleReached: 20 + Math.floor(rand() * 280),
        note: 'Tuyên truyền phòng chống tội phạm, lừa đảo qua mạng',
      });
    }
  }
}
inputs.sort((a, b) => a.at - b.at);

/** A real PNG of 16×16 pixels in one colour (0xRRGGBB). */
const colourPng = (colour: number): Buffer => png(16, 16, [colour >> 16, (colour >> 8) & 0xff, colour & 0xff]);

// ── Activities: the baseline, raw SQL of the same rows, one transaction per activity ──────────────────────────

console.log(`\nActivities: ${inputs.length.toLocaleString('en-US')} over ${months.length} months, ${teams.length} teams`);
let t0 = performance.now();
const rawIds: number[] = [];
for (const a of inputs) {
  await db.transaction(async () => {
    const { lastId } = await db.run(
      `INSERT INTO board_activities (kind, at, commune_id, place, lat, lon, team_id, people_reached, note, submitter, submitted_at, status)
       VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, 'submitted')`,
      [a.kind, a.at, a.commune, a.place ?? '', a.team, a.peopleReached, a.note ?? '', SUBMITTER.name, a.at + 7200],
    );
    await db.insertMany('board_activity_members', ['activity_id', 'member_id'], a.members!.map((m) => [lastId, m]));
    await db.run("INSERT INTO board_activity_audit (activity_id, time, actor, actor_role, action, from_status, to_status) VALUES (?, ?, ?, ?, 'submit', NULL, 'submitted')", [
      lastId, a.at + 7200, SUBMITTER.name, SUBMITTER.role,
    ]);
    rawIds.push(lastId);
  });
}
const rawRecordMs = since(t0);
t0 = performance.now();
for (const id of rawIds) {
  await db.transaction(async () => {
    await db.run("UPDATE board_activities SET status = 'confirmed', decided_by = ?, decided_at = ? WHERE id = ?", [APPROVER.name, NOW, id]);
    await db.run("INSERT INTO board_activity_audit (activity_id, time, actor, actor_role, action, from_status, to_status) VALUES (?, ?, ?, ?, 'confirm', 'submitted', 'confirmed')", [
      id, NOW, APPROVER.name, APPROVER.role,
    ]);
  });
}
const rawConfirmMs = since(t0);
await db.transaction(async () => {
  for (const t of ['board_activity_audit', 'board_activity_members', 'board_activities']) await db.run(`DELETE FROM ${t}`);
});

// ── Activities through the service: recorded two hours after they took place, confirmed two days later ────────

const ids: number[] = [];
let photoMs = 0;
let photos = 0;
t0 = performance.now();
for (const [i, a] of inputs.entries()) {
  clockNow = a.at + 7200;
  const r = await board.log.record(SUBMITTER, a);
  ids.push(r.id);
  if (i % PHOTO_EVERY === PHOTO_EVERY - 1) {
    const file = join(dir, 'upload.png');
    writeFileSync(file, colourPng((i * 2_654_435_761) & 0xffffff));
    const t1 = performance.now();
    await board.log.addPhoto(SUBMITTER, r.id, file);
    photoMs += since(t1);
    photos++;
  }
}
const recordMs = since(t0) - photoMs;
let confirmed = 0;
t0 = performance.now();
for (const [i, id] of ids.entries()) {
  if (i % UNCONFIRMED_EVERY === UNCONFIRMED_EVERY - 1) continue;
  clockNow = inputs[i]!.at + 2 * 86_400;
  await board.log.confirm(APPROVER, id);
  confirmed++;
}
const confirmMs = since(t0);
row('activities recorded (ActivityLog.record)', perSecond(ids.length, recordMs), `raw INSERTs of the same rows ${perSecond(rawIds.length, rawRecordMs)} (${ratio(recordMs / ids.length, rawRecordMs / rawIds.length)} the time)`);
row('activities confirmed (ActivityLog.confirm)', perSecond(confirmed, confirmMs), `raw UPDATE + audit ${perSecond(rawIds.length, rawConfirmMs)} (${ratio(confirmMs / confirmed, rawConfirmMs / rawIds.length)} the time)`);
row(`photos added (${photos}, 16×16 PNG, synced)`, `${(photoMs / photos).toFixed(1)} ms each`, 'an activity recorded: ' + `${(recordMs / ids.length).toFixed(1)} ms`);

// Two courses per member: one in the first half of 2025, one in the second (November for the second member).
const courses = [...members].flatMap(([team, ms]) =>
  ms.flatMap((member, k) => [`2025-0${3 + k}-1${k}`, `2025-1${k}-2${k}`].map((day) => ({ member, course: `Tập huấn kỹ năng tuyên truyền (${team})`, day }))),
);
clockNow = NOW;
t0 = performance.now();
for (const c of courses) {
  await db.transaction(() => db.run('INSERT INTO board_training (member_id, course, day, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)', [c.member, c.course, c.day, SUBMITTER.name, NOW]));
}
const rawTrainingMs = since(t0);
await db.run('DELETE FROM board_training');
t0 = performance.now();
for (const c of courses) await board.training.add(SUBMITTER, c);
const trainingMs = since(t0);
peak('recording');
row(`training records (TrainingRecords.add, ${courses.length})`, perSecond(courses.length, trainingMs), `raw INSERTs ${perSecond(courses.length, rawTrainingMs)} (${ratio(trainingMs, rawTrainingMs)} the time)`);

// ── Reviews beside computeReport alone ────────────────────────────────────────────────────────────────────────

const clock = (): number => NOW;
const reviews = new Reviews({ db, clock });
const rewards = new Rewards({ db, clock });
await reviews.start();

async function emptyRollup(): Promise<void> {
  const area = await db.get<{ n: number }>("SELECT count(*) n FROM sqlite_master WHERE name = 'report_days'");
  if (!area?.n) return;
  await db.transaction(async () => {
    for (const t of ['report_days', ...DAY_TABLES]) await db.run(`DELETE FROM main.${t}`);
  });
}

/** computeReport alone for the period, the previous one and the same one a year before, as a review computes them. */
async function threeReports(p: Period): Promise<number> {
  const t1 = performance.now();
  for (const q of [p, previousPeriod(p), lastYearPeriod(p)]) await computeReport(db, { period: q, now: NOW, clock });
  return since(t1);
}

const PERIODS = ['2025-11', '2025-Q4', '2025'];
console.log('Reviews…');
await emptyRollup();
const opened: ReviewRecord[] = [];
const reviewTimes: Record<string, { cold: number; warm: number }> = {};
for (const id of PERIODS) {
  let t1 = performance.now();
  const r = await reviews.open(APPROVER, id, null);
  const cold = since(t1);
  t1 = performance.now();
  await reviews.get(r.id);
  reviewTimes[id] = { cold, warm: since(t1) };
  opened.push(r);
}
await emptyRollup();
const base: Record<string, { cold: number; warm: number }> = {};
for (const id of PERIODS) base[id] = { cold: await threeReports(parsePeriod(id)), warm: 0 };
for (const id of PERIODS) base[id]!.warm = await threeReports(parsePeriod(id));
for (const id of PERIODS) {
  const p = parsePeriod(id);
  const three = `${p.id} + ${previousPeriod(p).id} + ${lastYearPeriod(p).id}`;
  row(`review ${id}: open (first report of its periods)`, msText(reviewTimes[id]!.cold), `computeReport ×3 cold (${three}) ${msText(base[id]!.cold)}, ${ratio(reviewTimes[id]!.cold, base[id]!.cold)}`);
  row(`review ${id}: get, warm`, msText(reviewTimes[id]!.warm), `computeReport ×3 warm ${msText(base[id]!.warm)}, ${ratio(reviewTimes[id]!.warm, base[id]!.warm)}`);
}
peak('reviews');
const nov = opened[0]!.data.activityTotals;
console.log(`  2025-11: ${nov.activities} confirmed activities, ${nov.peopleReached.toLocaleString('en-US')} people reached, ${nov.membersTakingPart} members taking part, ${nov.membersTrained} trained, ${nov.awaitingConfirmation} awaiting`);

const finals: ReviewRecord[] = [];
for (const r of opened) {
  const t1 = performance.now();
  finals.push(await reviews.finalise(APPROVER, r.id));
  row(`review ${r.period}: finalise`, msText(since(t1)), `its warm get ${msText(reviewTimes[r.period]!.warm)}`);
}
/** Times a rendering; the text of its size and time. */
async function rendered(make: () => Promise<Buffer> | string): Promise<string> {
  const t1 = performance.now();
  const out = await make();
  return `${kib(typeof out === 'string' ? Buffer.byteLength(out) : out.length)} in ${msText(since(t1))}`;
}

// The first DOCX of a process loads the docx library: rendered once beforehand so that no row pays for it.
await renderReviewDocx(finals[0]!, { lang: 'vi', heading });
for (const r of finals) {
  const report = await computeReport(db, { period: parsePeriod(r.period), now: NOW, clock });
  for (const lang of ['vi', 'en'] as const) {
    const docx = await rendered(() => renderReviewDocx(r, { lang, heading }));
    const html = await rendered(() => renderReviewHtml(r, { lang, heading }));
    const cart = `${await rendered(() => renderDocx(report, { lang, heading }))} / ${await rendered(() => renderHtml(report, { lang, heading }))}`;
    row(`review ${r.period} (${lang}): DOCX / HTML`, `${docx} / ${html}`, `the cart report of ${r.period}: ${cart}`);
  }
}

// ── Reward proposals beside computeReport of the same period (both warm: the reviews rolled the days up) ──────

peak('documents');
console.log('Rewards…');
for (const id of ['2025-11', '2025']) {
  let t1 = performance.now();
  const proposal = await rewards.propose(id);
  const ms = since(t1);
  t1 = performance.now();
  await computeReport(db, { period: parsePeriod(id), now: NOW, clock });
  const reportMs = since(t1);
  const teamsProposed = proposal.candidates.filter((c) => c.kind === 'team').length;
  row(`rewards ${id}: propose (${teamsProposed} teams, ${proposal.candidates.length - teamsProposed} members)`, msText(ms), `computeReport ${id} warm ${msText(reportMs)}, ${ratio(ms, reportMs)}`);
  const report = await computeReport(db, { period: parsePeriod(id), now: NOW, clock });
  const docx = await rendered(() => renderRewardsDocx(proposal, { lang: 'vi', heading }));
  const csv = await rendered(() => renderRewardsCsv(proposal, 'vi'));
  const cart = `${await rendered(() => renderDocx(report, { lang: 'vi', heading }))} / ${await rendered(() => renderCsv(report))}`;
  row(`rewards ${id} (vi): DOCX / CSV`, `${docx} / ${csv}`, `the cart report of ${id}: ${cart}`);
}

// ── Memory and disk ───────────────────────────────────────────────────────────────────────────────────────────

await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
const counts = await db.get<{ a: number; au: number; m: number }>(
  'SELECT (SELECT count(*) FROM board_activities) a, (SELECT count(*) FROM board_activity_audit) au, (SELECT count(*) FROM board_activity_members) m',
);
// The board's share of the file (tables and their indexes), when this SQLite has the dbstat table.
const boardBytes = await db
  .get<{ n: number }>("SELECT sum(pgsize) n FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name LIKE 'board%')")
  .then((r) => mib(r?.n ?? 0), () => 'unknown (no dbstat)');
await db.close();
const photoBytes = readdirSync(board.log.photosDir).reduce((s, f) => s + statSync(join(board.log.photosDir, f)).size, 0);
peak('rewards');
row('peak RSS (process.resourceUsage().maxRSS)', mib(process.resourceUsage().maxRSS * 1024), `as each stage ended: ${peaks.join(', ')}`);
row('database file, after a checkpoint', mib(statSync(path).size), `of which the board's tables ${boardBytes} (${counts!.a} activities, ${counts!.m} present, ${counts!.au} audit rows); photos ${kib(photoBytes)}`);

const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log(`\n${'What'.padEnd(widths[0]!)}  ${'Figure'.padEnd(widths[1]!)}  Compared to (same run)`);
console.log(`${'-'.repeat(widths[0]!)}  ${'-'.repeat(widths[1]!)}  ${'-'.repeat(22)}`);
for (const [what, figure, to] of rows) console.log(`${what.padEnd(widths[0]!)}  ${figure.padEnd(widths[1]!)}  ${to}`);
rmSync(dir, { recursive: true, force: true });
