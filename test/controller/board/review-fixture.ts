/**
 * The hand-made district of test/controller/reports/fixture.ts (November 2026) with what a review compares it with:
 * plays in October 2026 and November 2025 (the carts registered since January 2025), members, team activities in
 * every status and on the period's edges, and training records. Everything is written with SQL, as the stored rows
 * the tests check the review against.
 */
import { migrateBoard } from '../../../controller/board/area.js';
import type { ActivityKind, ActivityStatus } from '../../../controller/board/types.js';
import type { SqliteDb, SqlValue } from '../../../lib/sqlite.js';
import { at, fillFixture } from '../reports/fixture.js';

/** Unix seconds of a Vietnam-time moment of any year. */
export const vn = (year: number, month: number, day: number, h = 0, m = 0): number => Date.UTC(year, month - 1, day, h - 7, m) / 1000;
/** When the tests compute: 5 December 2026, 09:00 Vietnam time. */
export const DEC5 = at(12, 5, 9);

const PLAYS = ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'];
let record = 1000;

/** Inserts a play of `seconds` by `unit` at `start` (a fresh record number each). */
export async function addPlay(db: SqliteDb, unit: string, start: number, seconds: number): Promise<void> {
  await db.exclusive(() => db.insertMany('plays', PLAYS, [[unit, record++, 'c7', 1, start, 'gnss', seconds, 'completed', 'button', 70, null, null]]));
}

/** Inserts an activity with its members; returns its id. */
export async function addActivity(
  db: SqliteDb, a: { kind: ActivityKind; at: number; commune: string; team: string; people: number; status: ActivityStatus; members?: number[] },
): Promise<number> {
  return db.exclusive(async () => {
    const r = await db.run(
      `INSERT INTO board_activities (kind, at, commune_id, team_id, people_reached, submitter, submitted_at, status, decided_by, decided_at)
        VALUES (?, ?, ?, ?, ?, 'xa', ?, ?, ?, ?)`,
      [a.kind, a.at, a.commune, a.team, a.people, a.at, a.status, a.status === 'confirmed' ? 'bdh' : null, a.status === 'confirmed' ? a.at + 3600 : null],
    );
    for (const m of a.members ?? []) await db.run('INSERT INTO board_activity_members (activity_id, member_id) VALUES (?, ?)', [r.lastId, m]);
    return r.lastId;
  });
}

/** The fixture's carts (but a2, registered on 16 November) registered from January 2025 on, and what is above. */
export async function fillReviewFixture(db: SqliteDb): Promise<void> {
  await fillFixture(db);
  await migrateBoard(db);
  await db.exclusive(async () => {
    await db.run("UPDATE units SET provisioned_at = ? WHERE id IN ('a1', 'b1', 'r1', 'c1', 'd1')", [vn(2025, 1, 1)]);
    const members: SqlValue[][] = [[1, 'team-a', 'Nguyễn Văn An'], [2, 'team-a', 'Lê Thị Bình'], [3, 'team-b', 'Trần Văn Cường'], [4, 'team-c', 'Phạm Thị Dung']];
    await db.insertMany('members', ['id', 'team_id', 'name'], members);
    await db.insertMany('board_training', ['member_id', 'course', 'day', 'recorded_by', 'recorded_at'], [
      [1, 'Kỹ năng tuyên truyền', '2026-11-10', 'bdh', DEC5],
      [1, 'An toàn thiết bị', '2026-11-20', 'bdh', DEC5], // the same member twice: trained once
      [3, 'Kỹ năng tuyên truyền', '2026-10-31', 'bdh', DEC5], // previous month
      [4, 'Kỹ năng tuyên truyền', '2026-12-01', 'bdh', DEC5], // after the period
      [4, 'Kỹ năng tuyên truyền', '2025-11-01', 'bdh', DEC5], // the same month last year
    ]);
    await db.insertMany('events', ['unit_id', 'record', 'time', 'time_source', 'kind', 'code', 'detail'], [
      ['c1', 50, vn(2026, 10, 3, 9), 'gnss', 'fault', 'audio', 'x'],
      ['d1', 51, vn(2025, 11, 3, 9), 'gnss', 'fault', 'gnss', 'x'],
      ['d1', 52, vn(2025, 11, 4, 9), 'gnss', 'fault', 'gnss', 'x'],
    ]);
  });
  // October 2026: a1 two plays in one session, b1 one, c1 one late on the last evening.
  await addPlay(db, 'a1', vn(2026, 10, 5, 8), 600);
  await addPlay(db, 'a1', vn(2026, 10, 5, 8, 15), 300);
  await addPlay(db, 'b1', vn(2026, 10, 20, 9), 1200);
  await addPlay(db, 'c1', vn(2026, 10, 31, 23), 60);
  // November 2025.
  await addPlay(db, 'a1', vn(2025, 11, 3, 7), 1800);
  await addPlay(db, 'd1', vn(2025, 11, 10, 7), 1000);
  await addPlay(db, 'd1', vn(2025, 11, 10, 9), 500);

  const nov = (day: number, h = 0, m = 0): number => vn(2026, 11, day, h, m);
  await addActivity(db, { kind: 'oral', at: nov(5, 19), commune: 'dan-luc', team: 'team-a', people: 120, status: 'confirmed', members: [1, 2] });
  await addActivity(db, { kind: 'police-tip', at: nov(6, 10), commune: 'dan-luc', team: 'team-a', people: 0, status: 'confirmed', members: [1] });
  await addActivity(db, { kind: 'meeting', at: nov(12, 8), commune: 'dan-ly', team: 'team-b', people: 45, status: 'confirmed', members: [3] });
  await addActivity(db, { kind: 'leaflets', at: nov(20, 8), commune: 'dan-ly', team: 'team-b', people: 300, status: 'submitted' });
  await addActivity(db, { kind: 'oral', at: nov(21, 8), commune: 'xa-xoi', team: 'team-c', people: 80, status: 'returned' });
  await addActivity(db, { kind: 'oral', at: nov(22, 8), commune: 'xa-xoi', team: 'team-c', people: 50, status: 'withdrawn' });
  await addActivity(db, { kind: 'meeting', at: nov(30, 23, 59), commune: 'xa-xoi', team: 'team-c', people: 10, status: 'confirmed', members: [4] });
  await addActivity(db, { kind: 'oral', at: vn(2026, 12, 1), commune: 'dan-luc', team: 'team-a', people: 999, status: 'confirmed' }); // at the end: December
  await addActivity(db, { kind: 'oral', at: vn(2026, 10, 10, 8), commune: 'dan-luc', team: 'team-a', people: 60, status: 'confirmed', members: [2] });
  await addActivity(db, { kind: 'police-tip', at: vn(2025, 11, 15, 8), commune: 'dan-ly', team: 'team-b', people: 0, status: 'confirmed', members: [3] });
}
