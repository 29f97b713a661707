// Members' training records on a real SQLite file: both day forms, the day checked against the Vietnam day of the
// injected clock (not the UTC one), refusals, and the filters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BoardActor } from '../../../controller/board/activities.js';
import { TrainingRecords } from '../../../controller/board/training.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { fillFixture, nov, tempDb, type TempDb } from '../reports/fixture.js';

const submitter: BoardActor = { name: 'xa-dan-luc', role: 'submitter' };
const police: BoardActor = { name: 'ca-huyen', role: 'approver' };

let t: TempDb;
let training: TrainingRecords;
// 00:30 on 20/11/2026 in Vietnam, still the 19th in UTC.
const now = nov(20, 0, 30);
let an: number;
let binh: number;
let chi: number;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  training = new TrainingRecords({ db: t.db, clock: () => now });
  await training.start();
  const registry = new FleetRegistry({ db: t.db, clock: () => now * 1000 });
  an = (await registry.addMember({ team: 'team-a', name: 'Nguyễn Văn An' })).id;
  binh = (await registry.addMember({ team: 'team-a', name: 'Trần Thị Bình' })).id;
  chi = (await registry.addMember({ team: 'team-b', name: 'Lê Văn Chi' })).id;
});
afterEach(() => t.dispose());

describe('training records', () => {
  it('records a course on a day given either way, up to today in Vietnam', async () => {
    const r = await training.add(submitter, { member: an, course: '  Kỹ năng tuyên truyền miệng  ', day: '20/11/2026' });
    expect(r).toEqual({ id: r.id, memberId: an, memberName: 'Nguyễn Văn An', teamId: 'team-a', course: 'Kỹ năng tuyên truyền miệng', day: '2026-11-20', recordedBy: 'xa-dan-luc', recordedAt: now });
    const rows = await t.db.exclusive(() => t.db.all('SELECT member_id, course, day, recorded_by, recorded_at FROM board_training'));
    expect(rows).toEqual([{ member_id: an, course: 'Kỹ năng tuyên truyền miệng', day: '2026-11-20', recorded_by: 'xa-dan-luc', recorded_at: now }]);
    expect((await training.add(police, { member: chi, course: 'Vận hành xe loa', day: '2026-3-5' })).day).toBe('2026-03-05');
  });

  it('refuses a day after today, a bad day, a bad course, an unknown member and a viewer', async () => {
    await expect(training.add(submitter, { member: an, course: 'x', day: '2026-11-21' })).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('2026-11-21') });
    await expect(training.add(submitter, { member: an, course: 'x', day: '31/11/2026' })).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('YYYY-MM-DD') });
    await expect(training.add(submitter, { member: an, course: '  ', day: '2026-11-01' })).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('course') });
    await expect(training.add(submitter, { member: an, course: 'k'.repeat(201), day: '2026-11-01' })).rejects.toMatchObject({ code: 'bad-field' });
    await expect(training.add(submitter, { member: 999, course: 'x', day: '2026-11-01' })).rejects.toMatchObject({ code: 'unknown-member', message: expect.stringContaining('999') });
    await expect(training.add({ name: 'xem', role: 'viewer' }, { member: an, course: 'x', day: '2026-11-01' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await training.list()).toEqual([]);
  });

  it('lists newest day first, by member, by team and between two days inclusive', async () => {
    const r1 = await training.add(submitter, { member: an, course: 'A', day: '2026-10-01' });
    const r2 = await training.add(submitter, { member: binh, course: 'B', day: '2026-11-05' });
    const r3 = await training.add(submitter, { member: chi, course: 'C', day: '2026-11-10' });
    const r4 = await training.add(submitter, { member: an, course: 'D', day: '2026-11-19' });
    const ids = (list: { id: number }[]): number[] => list.map((r) => r.id);
    expect(ids(await training.list())).toEqual([r4.id, r3.id, r2.id, r1.id]);
    expect(ids(await training.list({ member: an }))).toEqual([r4.id, r1.id]);
    expect(ids(await training.list({ team: 'team-a' }))).toEqual([r4.id, r2.id, r1.id]);
    expect(ids(await training.list({ from: '2026-11-05', until: '10/11/2026' }))).toEqual([r3.id, r2.id]);
    await expect(training.list({ from: 'tháng 11' })).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('from') });
  });
});
