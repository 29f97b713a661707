// The team activity log on a real SQLite file (the reports fixture's communes and teams, members added through the
// registry): every transition and refusal, the audit rows written with the status, the validation messages, and the
// 2025 merger (a team working in a former commune).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityLog, type BoardActor } from '../../../controller/board/activities.js';
import { activityInput } from '../../../controller/board/activity-input.js';
import type { ActivityInput } from '../../../controller/board/types.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { vnDay } from '../../../controller/reports/period.js';
import { at, fillFixture, nov, tempDb, type TempDb } from '../reports/fixture.js';

const submitter: BoardActor = { name: 'xa-dan-luc', role: 'submitter' };
const other: BoardActor = { name: 'xa-dan-ly', role: 'submitter' };
const police: BoardActor = { name: 'ca-huyen', role: 'approver' };
const youth: BoardActor = { name: 'doan-huyen', role: 'approver' };
const admin: BoardActor = { name: 'quan-tri', role: 'admin' };
const viewer: BoardActor = { name: 'xem', role: 'viewer' };

let t: TempDb;
let now: number;
let log: ActivityLog;
let registry: FleetRegistry;
let an: number;
let binh: number;
let chi: number;

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  now = nov(20, 12);
  log = new ActivityLog({ db: t.db, dataDir: t.dir, clock: () => now });
  await log.start();
  registry = new FleetRegistry({ db: t.db, clock: () => now * 1000 });
  an = (await registry.addMember({ team: 'team-a', name: 'Nguyễn Văn An', role: 'leader' })).id;
  binh = (await registry.addMember({ team: 'team-a', name: 'Trần Thị Bình' })).id;
  chi = (await registry.addMember({ team: 'team-b', name: 'Lê Văn Chi' })).id;
});
afterEach(() => t.dispose());

const oral = (over: Partial<ActivityInput> = {}): ActivityInput => ({
  kind: 'oral', at: nov(18, 19, 30), commune: 'dan-luc', team: 'team-a', place: '  Thôn Đông  ', members: [an, binh], peopleReached: 45, note: 'Phòng chống lừa đảo qua mạng', ...over,
});

async function rows(sql: string, params: (string | number)[] = []): Promise<unknown[]> {
  return t.db.exclusive(() => t.db.all(sql, params));
}

const auditOf = async (id: number): Promise<unknown[]> =>
  rows('SELECT actor, actor_role, action, from_status, to_status, detail FROM board_activity_audit WHERE activity_id = ? ORDER BY id', [id]);

describe('recording an activity', () => {
  it('stores the row, its members and a submit audit row, and hands back the record with names', async () => {
    const a = await log.record(submitter, oral());
    expect(a).toMatchObject({
      kind: 'oral', at: nov(18, 19, 30), communeId: 'dan-luc', communeName: 'Xã Dân Lực', teamId: 'team-a', teamName: 'Tổ A', place: 'Thôn Đông',
      lat: null, lon: null, peopleReached: 45, submitter: 'xa-dan-luc', submittedAt: now, status: 'submitted', decidedBy: null, photos: [],
      members: [{ id: an, name: 'Nguyễn Văn An' }, { id: binh, name: 'Trần Thị Bình' }],
    });
    expect(await rows('SELECT kind, at, commune_id, place, team_id, people_reached, status, submitter FROM board_activities')).toEqual([
      { kind: 'oral', at: nov(18, 19, 30), commune_id: 'dan-luc', place: 'Thôn Đông', team_id: 'team-a', people_reached: 45, status: 'submitted', submitter: 'xa-dan-luc' },
    ]);
    expect(await rows('SELECT member_id FROM board_activity_members ORDER BY member_id')).toEqual([{ member_id: an }, { member_id: binh }]);
    expect(await auditOf(a.id)).toEqual([{ actor: 'xa-dan-luc', actor_role: 'submitter', action: 'submit', from_status: null, to_status: 'submitted', detail: null }]);
    expect(await log.get(a.id)).toEqual(a);
  });

  it('writes the system account of a CLI step into the audit detail', async () => {
    const a = await log.record({ ...submitter, origin: { via: 'cli', osUser: 'hoa', osUid: 1001 } }, oral());
    expect(await log.audit(a.id)).toEqual([{ time: now, actor: 'xa-dan-luc', actorRole: 'submitter', action: 'submit', from: null, to: 'submitted', detail: '[cli: hoa, uid 1001]' }]);
  });

  it('refuses a viewer and a technician', async () => {
    await expect(log.record(viewer, oral())).rejects.toMatchObject({ code: 'forbidden' });
    await expect(log.record({ name: 'kt', role: 'technician' }, oral())).rejects.toMatchObject({ code: 'forbidden' });
    expect(await rows('SELECT id FROM board_activities')).toEqual([]);
  });
});

describe('the board deciding', () => {
  it('confirms with another approver: status, decider and the audit row in the same step', async () => {
    const a = await log.record(submitter, oral());
    now += 600;
    const c = await log.confirm(police, a.id);
    expect(c).toMatchObject({ status: 'confirmed', decidedBy: 'ca-huyen', decidedAt: now });
    expect(await auditOf(a.id)).toEqual([
      { actor: 'xa-dan-luc', actor_role: 'submitter', action: 'submit', from_status: null, to_status: 'submitted', detail: null },
      { actor: 'ca-huyen', actor_role: 'approver', action: 'confirm', from_status: 'submitted', to_status: 'confirmed', detail: null },
    ]);
    await expect(log.confirm(youth, a.id)).rejects.toMatchObject({ code: 'bad-status', message: expect.stringContaining('đã xác nhận') });
    await expect(log.sendBack(youth, a.id, 'sai')).rejects.toMatchObject({ code: 'bad-status' });
  });

  it('refuses a submitter confirming or returning (role), and four eyes for whoever recorded it, an admin included', async () => {
    const a = await log.record(submitter, oral());
    await expect(log.confirm(submitter, a.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(log.sendBack(other, a.id, 'x')).rejects.toMatchObject({ code: 'forbidden' });
    const own = await log.record(police, oral());
    await expect(log.confirm(police, own.id)).rejects.toMatchObject({ code: 'not-allowed', message: expect.stringContaining('cần một người duyệt khác') });
    await expect(log.sendBack(police, own.id, 'x')).rejects.toMatchObject({ code: 'not-allowed', message: expect.stringContaining('another approver must') });
    const byAdmin = await log.record(admin, oral());
    await expect(log.confirm(admin, byAdmin.id)).rejects.toMatchObject({ code: 'not-allowed' });
    expect((await log.confirm(admin, own.id)).status).toBe('confirmed');
    expect((await log.confirm(youth, byAdmin.id)).status).toBe('confirmed');
    expect(await rows("SELECT count(*) AS n FROM board_activity_audit WHERE action = 'confirm'")).toEqual([{ n: 2 }]);
  });

  it('returns with a reason; only its submitter resubmits, the changed fields in the audit; then it can be confirmed', async () => {
    const a = await log.record(submitter, oral());
    await expect(log.sendBack(police, a.id, '   ')).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('reason') });
    const r = await log.sendBack(police, a.id, 'Thiếu danh sách thành viên');
    expect(r).toMatchObject({ status: 'returned', reason: 'Thiếu danh sách thành viên', decidedBy: 'ca-huyen' });
    await expect(log.confirm(youth, a.id)).rejects.toMatchObject({ code: 'bad-status' });
    await expect(log.resubmit(other, a.id, oral())).rejects.toMatchObject({ code: 'not-allowed', message: expect.stringContaining('xa-dan-luc') });
    await expect(log.resubmit(youth, a.id, oral())).rejects.toMatchObject({ code: 'not-allowed' });
    now += 3600;
    const again = await log.resubmit(submitter, a.id, oral({ members: [binh], peopleReached: 60 }));
    expect(again).toMatchObject({ status: 'submitted', submittedAt: now, decidedBy: null, decidedAt: null, peopleReached: 60, members: [{ id: binh, name: 'Trần Thị Bình' }] });
    await expect(log.resubmit(submitter, a.id, oral())).rejects.toMatchObject({ code: 'bad-status' });
    await log.confirm(youth, a.id);
    expect((await auditOf(a.id)).map((x) => Object.values(x as object).slice(2))).toEqual([
      ['submit', null, 'submitted', null],
      ['return', 'submitted', 'returned', 'reason: Thiếu danh sách thành viên'],
      ['resubmit', 'returned', 'submitted', 'changed: peopleReached, members'],
      ['confirm', 'submitted', 'confirmed', null],
    ]);
  });

  it('lets an admin resubmit, and then not confirm what they resubmitted (four eyes on the last submission)', async () => {
    const a = await log.record(submitter, oral());
    await log.sendBack(police, a.id, 'Sai ngày');
    await log.resubmit(admin, a.id, oral({ at: nov(17, 8) }));
    await expect(log.confirm(admin, a.id)).rejects.toMatchObject({ code: 'not-allowed' });
    expect((await log.confirm(police, a.id)).at).toBe(nov(17, 8));
  });
});

describe('withdrawing', () => {
  it('lets its submitter withdraw before a decision, not someone else, nor twice', async () => {
    const a = await log.record(submitter, oral());
    await expect(log.withdraw(other, a.id)).rejects.toMatchObject({ code: 'not-allowed' });
    await expect(log.withdraw(viewer, a.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await log.withdraw(submitter, a.id)).status).toBe('withdrawn');
    await expect(log.withdraw(submitter, a.id)).rejects.toMatchObject({ code: 'bad-status' });
    const b = await log.record(submitter, oral());
    await log.sendBack(police, b.id, 'Trùng');
    expect((await log.withdraw(submitter, b.id, 'Ghi trùng')).status).toBe('withdrawn');
    expect((await auditOf(b.id)).at(-1)).toMatchObject({ action: 'withdraw', from_status: 'returned', to_status: 'withdrawn', detail: 'reason: Ghi trùng' });
  });

  it('lets only an approver withdraw a confirmed activity, and only with a reason', async () => {
    const a = await log.record(submitter, oral());
    await log.confirm(police, a.id);
    await expect(log.withdraw(submitter, a.id, 'nhầm')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(log.withdraw(youth, a.id)).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining('cần lý do') });
    expect((await log.get(a.id)).status).toBe('confirmed');
    expect((await log.withdraw(youth, a.id, 'Hoạt động không diễn ra')).status).toBe('withdrawn');
    expect((await auditOf(a.id)).at(-1)).toEqual({
      actor: 'doan-huyen', actor_role: 'approver', action: 'withdraw', from_status: 'confirmed', to_status: 'withdrawn', detail: 'reason: Hoạt động không diễn ra',
    });
  });

  it('answers unknown-activity for a number that is not there', async () => {
    await expect(log.get(99)).rejects.toMatchObject({ code: 'unknown-activity', message: expect.stringContaining('HD-99') });
    await expect(log.confirm(police, 99)).rejects.toMatchObject({ code: 'unknown-activity' });
    await expect(log.audit(0)).rejects.toMatchObject({ code: 'unknown-activity' });
  });
});

describe('validation', () => {
  const refused = async (input: ActivityInput, code: string, ...words: string[]): Promise<void> => {
    const err = (await log.record(submitter, input).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err.code, JSON.stringify(input)).toBe(code);
    for (const w of words) expect(err.message).toContain(w);
  };

  it('refuses each bad field with a message naming it and saying what to do, recording nothing', async () => {
    await refused(oral({ kind: 'dance' as never }), 'bad-field', 'kind', 'oral, meeting');
    await refused(oral({ at: now + 86_401 }), 'bad-field', 'date', 'more than a day ahead');
    await refused(oral({ at: Date.UTC(2020, 11, 31, 16, 59) / 1000 }), 'bad-field', '01/01/2021'); // 23:59 on 31/12/2020 in Vietnam
    await refused(oral({ commune: 'khong-co' }), 'unknown-commune', 'khong-co', 'loa controller commune list');
    await refused(oral({ team: 'khong-co' }), 'unknown-team', 'khong-co');
    await refused(oral({ commune: 'dan-ly' }), 'bad-field', 'team', 'dan-luc', 'choose a team of this commune');
    await refused(oral({ members: [an, an] }), 'bad-field', `member ${an} is listed twice`);
    await refused(oral({ members: [chi] }), 'bad-field', 'team-b');
    await refused(oral({ members: [999] }), 'unknown-member', '999');
    await refused(oral({ peopleReached: 100_001 }), 'bad-field', 'peopleReached', '100000');
    await refused(oral({ peopleReached: -1 }), 'bad-field', 'peopleReached');
    await refused(oral({ peopleReached: 1.5 }), 'bad-field', 'peopleReached');
    await refused(oral({ lat: 19.9 }), 'bad-field', 'lat/lon', 'both');
    await refused(oral({ lat: 91, lon: 105 }), 'bad-field', 'latitude');
    await refused(oral({ lat: 19, lon: 181 }), 'bad-field', 'longitude');
    await refused(oral({ place: 'x'.repeat(201) }), 'bad-field', 'place', '200');
    await refused(oral({ note: 'ư'.repeat(2001) }), 'bad-field', 'note', '2000');
    expect(await rows('SELECT id FROM board_activities')).toEqual([]);
  });

  it('takes the edges: exactly a day ahead, 2000 characters, 100000 people, a point', async () => {
    const a = await log.record(submitter, oral({ at: now + 86_400, note: ` ${'ư'.repeat(2000)} `, peopleReached: 100_000, lat: 19.9005, lon: 105.8005 }));
    expect([a.at, [...a.note].length, a.peopleReached, a.lat, a.lon]).toEqual([now + 86_400, 2000, 100_000, 19.9005, 105.8005]);
  });
});

describe('activityInput (API body, CLI options, console form)', () => {
  it('reads both date forms in Vietnam time, 08:00 by default, members as a list or text, numbers as text', () => {
    const body = activityInput({ kind: 'leaflets', date: '2026-11-18', time: '19:30', commune: ' dan-luc ', team: 'team-a', members: [1, 2], peopleReached: 45, lat: 19.9, lon: 105.8 });
    expect(body).toEqual({ kind: 'leaflets', at: nov(18, 19, 30), commune: 'dan-luc', team: 'team-a', members: [1, 2], peopleReached: 45, lat: 19.9, lon: 105.8 });
    const cli = activityInput({ kind: 'oral', date: '18/11/2026', commune: 'dan-luc', team: 'team-a', members: ['1,2', '3'], peopleReached: '12', place: 'Thôn 3', note: '' });
    expect(cli).toEqual({ kind: 'oral', at: nov(18, 8), commune: 'dan-luc', team: 'team-a', members: [1, 2, 3], peopleReached: 12, place: 'Thôn 3' });
    expect(activityInput({ kind: 'other', date: '1/2/2026', commune: 'c', team: 't', members: '4, 5', peopleReached: 0 }).members).toEqual([4, 5]);
  });

  it.each([
    [{ date: '31/02/2026' }, 'date', 'YYYY-MM-DD'],
    [{ date: undefined }, 'date', 'give the day'],
    [{ time: '24:00' }, 'time', 'HH:MM'],
    [{ kind: 'party' }, 'kind', 'one of'],
    [{ members: '1,x' }, 'members', 'ids'],
    [{ peopleReached: '12 người' }, 'peopleReached', 'whole number'],
    [{ peopleReached: undefined }, 'peopleReached', 'give the number'],
    [{ lat: 'north' }, 'lat', 'decimal'],
    [{ team: ' ' }, 'team', 'team id'],
  ])('refuses %j naming %s', (over, field, words) => {
    const fields = { kind: 'oral', date: '2026-11-18', commune: 'dan-luc', team: 'team-a', peopleReached: 3, ...over };
    expect(() => activityInput(fields)).toThrow(expect.objectContaining({ code: 'bad-field', message: expect.stringMatching(new RegExp(`^Trường ${field}: .*\\(${field}: .*${words}`)) }));
    expect(() => activityInput(fields, 'en')).toThrow(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^${field}: .*${words}`)) }));
  });

  it('names the fields as the caller knows them', () => {
    expect(() => activityInput({ kind: 'oral', date: '2026-11-18', commune: 'c', team: 't', peopleReached: 'x' }, 'en', { peopleReached: '--people' })).toThrow(/^--people: must be a whole number/);
  });
});

describe('lists and the 2025 merger', () => {
  const dec5 = at(12, 5, 9);
  const dec1 = vnDay(at(12, 1));

  it('lists newest first with filters on status, team, commune and time', async () => {
    const a = await log.record(submitter, oral({ at: nov(10, 8) }));
    const b = await log.record(submitter, oral({ at: nov(15, 8), kind: 'meeting' }));
    const c = await log.record(other, oral({ at: nov(12, 8), commune: 'dan-ly', team: 'team-b', members: [chi] }));
    await log.confirm(police, b.id);
    expect((await log.list()).map((x) => x.id)).toEqual([b.id, c.id, a.id]);
    expect((await log.list({ status: 'submitted' })).map((x) => x.id)).toEqual([c.id, a.id]);
    expect((await log.list({ team: 'team-b' })).map((x) => x.id)).toEqual([c.id]);
    expect((await log.list({ commune: 'dan-luc' })).map((x) => x.id)).toEqual([b.id, a.id]);
    expect((await log.list({ from: nov(12, 8), until: nov(15, 8) })).map((x) => x.id)).toEqual([c.id]);
  });

  it('takes a team working in a former commune, names communes as of the day, and lists a merged commune with its former ones', async () => {
    now = dec5;
    await registry.addCommune({ id: 'dan-hoa', name: 'Xã Dân Hòa', code: '16100', sinceDay: dec1, lat: 19.9, lon: 105.85 });
    await registry.mergeCommunes({ into: 'dan-hoa', from: ['dan-luc', 'dan-ly'], onDay: dec1 });
    await registry.renameCommune({ id: 'xa-xoi', name: 'Xã Xa Xôi Mới', onDay: dec1 });
    await registry.addTeam({ id: 'team-hoa', commune: 'dan-hoa', name: 'Tổ Dân Hòa 1', formerCommune: 'dan-luc' });
    // The new team in a commune merged into its own (not only its recorded former one), and an old team in the new commune.
    const inFormer = await log.record(submitter, oral({ commune: 'dan-ly', team: 'team-hoa', members: [], at: at(12, 3, 8) }));
    const inNew = await log.record(submitter, oral({ commune: 'dan-hoa', team: 'team-a', at: at(12, 4, 8) }));
    await expect(log.record(submitter, oral({ commune: 'xa-xoi', team: 'team-hoa', members: [] }))).rejects.toMatchObject({ code: 'bad-field' });
    await expect(log.record(submitter, oral({ commune: 'dan-ly', team: 'team-a' }))).rejects.toMatchObject({ code: 'bad-field' });
    const before = await log.record(submitter, oral({ commune: 'xa-xoi', team: 'team-c', members: [], at: nov(18, 8) }));
    const after = await log.record(submitter, oral({ commune: 'xa-xoi', team: 'team-c', members: [], at: at(12, 3, 8) }));
    expect([inFormer.communeName, inNew.communeName, before.communeName, after.communeName]).toEqual(['Xã Dân Lý', 'Xã Dân Hòa', 'Xã Xa Xôi', 'Xã Xa Xôi Mới']);
    expect((await log.list({ commune: 'dan-hoa' })).map((x) => x.id)).toEqual([inNew.id, inFormer.id]);
  });
});
