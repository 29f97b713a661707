// Reward proposals on the reports' hand-made fleet (November 2026) with team activities written by SQL: every
// proposed team's figures against the stored rows, each criterion on its own just under and just over a team's
// figure, members by attendance, the board's additions and removals (the newest row decides, rows only appended),
// the criteria's validation, and `loa reward` in-process on a real data folder.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BoardError } from '../../../controller/board/errors.js';
import { checkCriteria, DEFAULT_CRITERIA, Rewards } from '../../../controller/board/rewards.js';
import type { RewardCriteria, RewardProposal } from '../../../controller/board/types.js';
import { openControllerDb } from '../../../controller/db/database.js';
import { InvalidPeriodError, parsePeriod } from '../../../controller/reports/period.js';
import { UserError } from '../../../controller/users/roles.js';
import { UserStore } from '../../../controller/users/users.js';
import type { SqliteDb } from '../../../lib/sqlite.js';
import { runLoa } from '../../support/cli.js';
import { makeControllerData } from '../../support/controller-data.js';
import { at, fillFixture, nov, tempDb, type TempDb } from '../reports/fixture.js';

const BOARD = { name: 'truong-ban', role: 'approver' as const };
const NOV = parsePeriod('2026-11');
/** Three days after November: every day of it has passed. */
const NOW = at(12, 3, 12);

/** Only the given criteria (the others not applied); members at one activity. */
const only = (c: Partial<RewardCriteria>): RewardCriteria => ({
  minHours: null, minActiveRatio: null, minCommunesReached: null, minActivities: null, noFaults: false, topRanks: null, minMemberActivities: 1, ...c,
});

/**
 * Members and activities: team-a three confirmed in November (one more submitted, one confirmed in October: neither
 * counts), team-b one, team-c three (the last in the period's last second; one at its end does not count), team-d
 * only a returned one.
 */
async function seed(db: SqliteDb): Promise<void> {
  await db.insertMany('members', ['id', 'team_id', 'name'], [
    [1, 'team-a', 'Nguyễn Thị Lan'], [2, 'team-a', 'Trần Văn Hùng'], [5, 'team-a', 'Đỗ Văn Năm'], [3, 'team-b', 'Lê Văn Ba'], [4, 'team-c', 'Phạm Thị Tư'],
  ]);
  const act = (id: number, team: string, commune: string, t: number, people: number, status: string) =>
    [id, 'oral', t, commune, team, people, 'xa-dan-luc', t, status];
  await db.insertMany('board_activities', ['id', 'kind', 'at', 'commune_id', 'team_id', 'people_reached', 'submitter', 'submitted_at', 'status'], [
    act(1, 'team-a', 'dan-luc', nov(5, 19), 50, 'confirmed'),
    act(2, 'team-a', 'dan-luc', nov(12, 19), 30, 'confirmed'),
    act(3, 'team-a', 'dan-luc', nov(20, 8), 20, 'confirmed'),
    act(4, 'team-a', 'dan-luc', nov(25, 19), 99, 'submitted'),
    act(5, 'team-a', 'dan-luc', at(10, 28, 19), 77, 'confirmed'),
    act(6, 'team-b', 'dan-ly', nov(10, 19), 40, 'confirmed'),
    act(7, 'team-c', 'xa-xoi', nov(8, 9), 15, 'confirmed'),
    act(8, 'team-c', 'xa-xoi', nov(9, 9), 25, 'confirmed'),
    act(9, 'team-c', 'xa-xoi', at(12, 1) - 1, 10, 'confirmed'),
    act(10, 'team-c', 'xa-xoi', at(12, 1), 60, 'confirmed'),
    act(11, 'team-d', 'xa-xoi', nov(15, 9), 20, 'returned'),
  ]);
  await db.insertMany('board_activity_members', ['activity_id', 'member_id'], [
    [1, 1], [1, 2], [2, 1], [3, 1], [4, 2], [5, 2], [6, 3], [7, 4], [8, 4], [9, 4], [10, 4],
  ]);
}

/** A team's figures straight from the stored rows. */
async function stored(db: SqliteDb, team: string) {
  const w = [team, NOV.start, NOV.end];
  const plays = await db.all<{ seconds: number; start: number; lat: number | null; lon: number | null }>(
    'SELECT p.seconds, p.start, p.lat, p.lon FROM plays p JOIN units u ON u.id = p.unit_id WHERE u.team_id = ? AND p.start >= ? AND p.start < ?', w);
  const communes = await db.all<{ id: string; lat: number; lon: number }>('SELECT id, lat, lon FROM communes');
  const reached = new Set(communes.filter((c) => plays.some((p) => p.lat !== null && metres(p.lat, p.lon!, c.lat, c.lon) <= 3000)).map((c) => c.id));
  const faults = await db.get<{ n: number }>("SELECT count(*) AS n FROM events e JOIN units u ON u.id = e.unit_id WHERE u.team_id = ? AND e.kind = 'fault' AND e.time >= ? AND e.time < ?", w);
  const acts = await db.get<{ n: number; people: number | null }>("SELECT count(*) AS n, sum(people_reached) AS people FROM board_activities WHERE team_id = ? AND status = 'confirmed' AND at >= ? AND at < ?", w);
  const seconds = plays.reduce((s, p) => s + p.seconds, 0);
  const activeDays = new Set(plays.map((p) => Math.floor((p.start + 7 * 3600) / 86_400))).size;
  return { hours: seconds / 3600, activeDays, communesReached: reached.size, faults: faults!.n, activities: acts!.n, peopleReached: acts!.people ?? 0 };
}

function metres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = (d: number): number => (d * Math.PI) / 180;
  const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(a));
}

const teamsOf = (p: RewardProposal): string[] => p.candidates.filter((c) => c.kind === 'team' && c.removed === null).map((c) => c.id);
const floor2 = (x: number): number => Math.floor(x * 100) / 100;

let t: TempDb;
let rewards: Rewards;
beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  rewards = new Rewards({ db: t.db, clock: () => NOW });
  await rewards.start();
  await seed(t.db);
});
afterEach(() => t.dispose());

describe('Rewards.propose', () => {
  it("gives every team of the ranking the figures of its stored rows, in rank order", async () => {
    await rewards.setCriteria(BOARD, 'month', only({ minHours: 0 }));
    const p = await rewards.propose('2026-11');
    expect(p).toMatchObject({ period: '2026-11', computedAt: NOW, criteria: only({ minHours: 0 }) });
    const teams = p.candidates.filter((c) => c.kind === 'team');
    expect(teams.map((c) => c.id).sort()).toEqual(['team-a', 'team-b', 'team-c', 'team-d']);
    const scores = new Map<string, number>();
    for (const c of teams) {
      const s = await stored(t.db, c.id);
      expect(c.figures, c.id).toMatchObject({
        broadcastHours: Math.round(s.hours * 100) / 100, activeDays: s.activeDays, daysElapsed: NOV.days, communesReached: s.communesReached,
        faults: s.faults, activities: s.activities, peopleReached: s.peopleReached,
      });
      expect(c.figures.score).toBeCloseTo(s.hours * (s.activeDays / NOV.days), 2);
      scores.set(c.id, s.hours * (s.activeDays / NOV.days));
    }
    // The rows give a > b > c = d (no plays): ties go to the team id.
    expect(scores.get('team-a')!).toBeGreaterThan(scores.get('team-b')!);
    expect(teams.map((c) => [c.id, c.figures.rank])).toEqual([['team-a', 1], ['team-b', 2], ['team-c', 3], ['team-d', 4]]);
    expect(teams[0]).toMatchObject({ name: 'Tổ A', teamName: 'Tổ A', communeName: 'Xã Dân Lực', source: 'criteria', removed: null, added: null });
    // The fixture's own shape, so that the criteria below cut where they mean to.
    expect(teams.map((c) => c.figures.activities)).toEqual([3, 1, 3, 0]);
    expect(teams.map((c) => c.figures.communesReached)).toEqual([2, 1, 0, 0]);
  });

  it('says each criterion met with the figure', async () => {
    const a = await stored(t.db, 'team-a');
    await rewards.setCriteria(BOARD, 'month', only({ minHours: floor2(a.hours), minActivities: 3, noFaults: true, topRanks: 1, minCommunesReached: 2 }));
    const p = await rewards.propose('2026-11');
    expect(p.candidates[0]!.reasons.map((r) => r.vi)).toEqual([
      `Phát ${String(floor2(a.hours)).replace('.', ',')} giờ (tiêu chí ≥ ${String(floor2(a.hours)).replace('.', ',')} giờ)`,
      `Đến ${a.communesReached} xã (tiêu chí ≥ 2 xã)`,
      `${a.activities} hoạt động đã xác nhận, ${a.peopleReached} lượt người được tuyên truyền (tiêu chí ≥ 3 hoạt động)`,
      'Không có lỗi xe loa trong kỳ (tiêu chí: không có lỗi)',
      expect.stringMatching(/^Xếp hạng thi đua thứ 1, điểm [\d,]+ \(tiêu chí: trong 1 hạng đầu\)$/),
    ]);
    expect(p.candidates[0]!.reasons[0]!.en).toBe(`Broadcast ${floor2(a.hours)} hours (criterion ≥ ${floor2(a.hours)} hours)`);
  });

  describe('applies each criterion: a team just under it is left out, just over it is in', () => {
    it('broadcast hours', async () => {
      const [a, b] = [await stored(t.db, 'team-a'), await stored(t.db, 'team-b')];
      expect(floor2(a.hours)).toBeGreaterThan(b.hours);
      await rewards.setCriteria(BOARD, 'month', only({ minHours: floor2(a.hours) }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a']);
      await rewards.setCriteria(BOARD, 'month', only({ minHours: floor2(a.hours) + 0.01 }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual([]);
    });

    it('the share of active days', async () => {
      const a = await stored(t.db, 'team-a');
      const ratio = a.activeDays / NOV.days;
      await rewards.setCriteria(BOARD, 'month', only({ minActiveRatio: floor2(ratio) }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a']);
      await rewards.setCriteria(BOARD, 'month', only({ minActiveRatio: floor2(ratio) + 0.01 }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual([]);
    });

    it('communes reached', async () => {
      await rewards.setCriteria(BOARD, 'month', only({ minCommunesReached: (await stored(t.db, 'team-a')).communesReached }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a']);
      await rewards.setCriteria(BOARD, 'month', only({ minCommunesReached: (await stored(t.db, 'team-b')).communesReached }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a', 'team-b']);
    });

    it('confirmed activities (submitted, returned, other months and the next day not counted)', async () => {
      await rewards.setCriteria(BOARD, 'month', only({ minActivities: 3 }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a', 'team-c']);
      await rewards.setCriteria(BOARD, 'month', only({ minActivities: 4 }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual([]);
    });

    it('no faults', async () => {
      expect((await stored(t.db, 'team-b')).faults).toBeGreaterThan(0);
      await rewards.setCriteria(BOARD, 'month', only({ noFaults: true }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a', 'team-c', 'team-d']);
    });

    it('the first ranks only', async () => {
      await rewards.setCriteria(BOARD, 'month', only({ topRanks: 2 }));
      expect(teamsOf(await rewards.propose('2026-11'))).toEqual(['team-a', 'team-b']);
    });
  });

  it('proposes the members of proposed teams by their attendance, under their team', async () => {
    await rewards.setCriteria(BOARD, 'month', only({ minActivities: 3 }));
    let p = await rewards.propose('2026-11');
    expect(p.candidates.map((c) => `${c.kind}:${c.name}`)).toEqual(['team:Tổ A', 'member:Nguyễn Thị Lan', 'member:Trần Văn Hùng', 'team:Tổ C', 'member:Phạm Thị Tư']);
    const lan = p.candidates[1]!;
    const attended = await t.db.get<{ n: number; people: number }>(
      "SELECT count(*) AS n, sum(a.people_reached) AS people FROM board_activity_members m JOIN board_activities a ON a.id = m.activity_id WHERE m.member_id = 1 AND a.status = 'confirmed' AND a.at >= ? AND a.at < ?",
      [NOV.start, NOV.end],
    );
    expect(lan).toMatchObject({ id: '1', teamId: 'team-a', teamName: 'Tổ A', communeName: 'Xã Dân Lực', source: 'criteria' });
    expect(lan.figures).toMatchObject({ activities: attended!.n, peopleReached: attended!.people });
    expect(lan.reasons).toEqual([{ vi: 'Có mặt ở 3 hoạt động đã xác nhận (tiêu chí ≥ 1)', en: 'Present at 3 confirmed activities (criterion ≥ 1)' }]);
    await rewards.setCriteria(BOARD, 'month', only({ minActivities: 3, minMemberActivities: 2 }));
    p = await rewards.propose('2026-11');
    expect(p.candidates.filter((c) => c.kind === 'member').map((c) => c.id)).toEqual(['1', '4']);
  });

  it('refuses a period that is not one', async () => {
    await expect(rewards.propose('2026-13')).rejects.toBeInstanceOf(InvalidPeriodError);
  });
});

describe("the board's additions and removals", () => {
  beforeEach(() => rewards.setCriteria(BOARD, 'month', only({ minActivities: 3 })));

  it('adds and removes with a reason; the newest row of a subject decides; rows are only appended', async () => {
    let p = await rewards.adjust(BOARD, '2026-11', { kind: 'team', id: 'team-c', action: 'remove', reason: 'Tổ chưa nộp báo cáo' });
    expect(p.candidates.find((c) => c.id === 'team-c')).toMatchObject({ source: 'criteria', removed: { reason: 'Tổ chưa nộp báo cáo', by: 'truong-ban', at: NOW }, added: null });
    expect(p.candidates.some((c) => c.id === '4')).toBe(false); // the removed team's member goes with it
    p = await rewards.adjust(BOARD, '2026-11', { kind: 'team', id: 'team-b', action: 'add', reason: 'Chuyển tin báo giúp bắt đối tượng' });
    const b = p.candidates.find((c) => c.id === 'team-b')!;
    expect(b).toMatchObject({ source: 'board', removed: null, added: { reason: 'Chuyển tin báo giúp bắt đối tượng', by: 'truong-ban' } });
    expect(p.candidates.map((c) => c.id)).toEqual(['team-a', '1', '2', 'team-b', '3', 'team-c']); // by rank; the removed one kept
    p = await rewards.adjust(BOARD, '2026-11', { kind: 'member', id: '5', action: 'add', reason: 'Trực tiếp đi loa nhiều buổi' });
    expect(p.candidates.find((c) => c.id === '5')).toMatchObject({ kind: 'member', name: 'Đỗ Văn Năm', teamId: 'team-a', source: 'board', reasons: [] });
    p = await rewards.adjust(BOARD, '2026-11', { kind: 'team', id: 'team-c', action: 'add', reason: 'Đã nộp báo cáo' });
    expect(p.candidates.find((c) => c.id === 'team-c')).toMatchObject({ source: 'criteria', removed: null, added: { reason: 'Đã nộp báo cáo' } });
    expect(p.candidates.some((c) => c.id === '4')).toBe(true);
    const rows = await t.db.all<{ id: number; subject_id: string; action: string }>('SELECT id, subject_id, action FROM board_reward_adjustments ORDER BY id');
    expect(rows.map((r) => `${r.subject_id}:${r.action}`)).toEqual(['team-c:remove', 'team-b:add', '5:add', 'team-c:add']);
    // Another period is untouched.
    expect((await rewards.propose('2026-10')).candidates.some((c) => c.source === 'board')).toBe(false);
  });

  it.each([
    [{ kind: 'team', id: 'team-x', action: 'add', reason: 'x' }, 'unknown-team', /^Không có tổ "team-x"/],
    [{ kind: 'member', id: '99', action: 'add', reason: 'x' }, 'unknown-member', /^Không có thành viên số "99"/],
    [{ kind: 'team', id: 'team-b', action: 'add', reason: '  ' }, 'bad-field', /^reason: cần ghi lý do/],
    [{ kind: 'team', id: 'team-a', action: 'add', reason: 'x' }, 'bad-status', /^Tổ A đã có trong danh sách đề nghị kỳ 2026-11/],
    [{ kind: 'team', id: 'team-d', action: 'remove', reason: 'x' }, 'bad-status', /^team-d không có trong danh sách đề nghị kỳ 2026-11/],
  ] as const)('%j → %s', async (a, code, message) => {
    const err = await rewards.adjust(BOARD, '2026-11', a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoardError);
    expect((err as BoardError).code).toBe(code);
    expect((err as BoardError).message).toMatch(message);
    expect((await t.db.get<{ n: number }>('SELECT count(*) AS n FROM board_reward_adjustments'))!.n).toBe(0);
  });

  it('is for approvers', async () => {
    const err = await rewards.adjust({ name: 'xem', role: 'viewer' }, '2026-11', { kind: 'team', id: 'team-b', action: 'add', reason: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('forbidden');
  });
});

describe('the criteria', () => {
  it('are the defaults until the board sets them, per kind of period; the newest row is in force', async () => {
    expect(await rewards.criteria('quarter')).toEqual({ criteria: DEFAULT_CRITERIA.quarter, setBy: null, setAt: null });
    await rewards.setCriteria(BOARD, 'quarter', only({ minHours: 5 }));
    await rewards.setCriteria(BOARD, 'quarter', only({ minHours: 7.5 }));
    expect(await rewards.criteria('quarter')).toEqual({ criteria: only({ minHours: 7.5 }), setBy: 'truong-ban', setAt: NOW });
    expect((await rewards.criteria('month')).criteria).toEqual(DEFAULT_CRITERIA.month);
    expect((await t.db.get<{ n: number }>('SELECT count(*) AS n FROM board_reward_criteria'))!.n).toBe(2);
    await expect(rewards.setCriteria({ name: 'xem', role: 'viewer' }, 'month', only({ minHours: 1 }))).rejects.toBeInstanceOf(UserError);
  });

  it.each([
    [{ ...DEFAULT_CRITERIA.month, minHours: -1 }, /^minHours: cần một số từ 0 đến 8784, hoặc null để không áp dụng \(đang là -1\) \(minHours: must be a number from 0 to 8784/],
    [{ ...DEFAULT_CRITERIA.month, minActiveRatio: 1.5 }, /^minActiveRatio: cần một số từ 0 đến 1/],
    [{ ...DEFAULT_CRITERIA.month, minActivities: 2.5 }, /^minActivities: cần một số nguyên từ 0 đến 100000/],
    [{ ...DEFAULT_CRITERIA.month, topRanks: 0 }, /^topRanks: cần một số nguyên từ 1/],
    [{ ...DEFAULT_CRITERIA.month, minMemberActivities: null }, /^minMemberActivities: cần một số nguyên từ 1 đến 100000 \(đang là null\)/],
    [{ ...DEFAULT_CRITERIA.month, noFaults: 'yes' }, /^noFaults: cần true hoặc false \(đang là "yes"\)/],
    [{ ...DEFAULT_CRITERIA.month, minHour: 3 }, /^Không có tiêu chí "minHour" \(các tiêu chí: minHours,/],
    [{ minHours: 1 }, /^Thiếu tiêu chí minActiveRatio \(cần đủ: minHours, minActiveRatio,/],
    [only({}), /^Cần ít nhất một tiêu chí cho tổ/],
    [[1], /^Tiêu chí khen thưởng phải là một đối tượng JSON \(the reward criteria must be a JSON object\)$/],
  ])('refuses %j', (value, message) => {
    let err: unknown;
    try {
      checkCriteria(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BoardError);
    expect((err as BoardError).code).toBe('bad-field');
    expect((err as BoardError).message).toMatch(message);
  });

  it('takes every default', () => {
    for (const c of Object.values(DEFAULT_CRITERIA)) expect(checkCriteria(c)).toEqual(c);
  });
});

describe('loa reward', () => {
  let dir: string;
  let data: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-cli-reward-'));
    data = join(dir, 'data');
    await makeControllerData(data);
    const db = await openControllerDb(join(data, 'controller.db'));
    try {
      await fillFixture(db);
      await new Rewards({ db }).start();
      await seed(db);
      const users = new UserStore({ db });
      await users.start();
      await users.add({ name: 'truong-ban', role: 'approver', password: 'mat-khau-dai-du-12' });
    } finally {
      await db.close();
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const loa = (...args: string[]) => runLoa(['reward', ...args, '--data', data]);

  it('sets the criteria, adds a name and lists it, exports the list', async () => {
    let r = await loa('criteria', 'set', '--kind', 'month', '--min-activities', '3', '--clear', 'min-hours', '--clear', 'min-active-ratio', '--no-faults', '--as', 'truong-ban');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Đã đặt tiêu chí khen thưởng cho kỳ tháng:\n- Xe loa của tổ đến từ 1 xã trở lên\n- Có từ 3 hoạt động/);
    r = await loa('criteria', 'show', '--kind', 'month', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ criteria: { minHours: null, minActiveRatio: null, minActivities: 3, noFaults: true, minCommunesReached: 1 }, setBy: 'truong-ban' });
    r = await loa('add', '--period', '2026-11', '--team', 'team-d', '--reason', 'Tích cực tuyên truyền miệng', '--as', 'truong-ban');
    expect(r.code, r.stderr).toBe(0);
    r = await loa('list', '--period', '2026-11');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\. Tập thể: Tổ D \(Tổ D, Xã Xa Xôi\)$/m);
    expect(r.stdout).toMatch(/^ {3}Ban điều hành bổ sung \(truong-ban, \d\d\/\d\d\/\d{4}\): Tích cực tuyên truyền miệng$/m);
    r = await loa('list', '--period', '2026-11', '--json');
    expect((JSON.parse(r.stdout) as RewardProposal).candidates.find((c) => c.id === 'team-d')).toMatchObject({ source: 'board', added: { reason: 'Tích cực tuyên truyền miệng' } });
    const out = join(dir, 'khen-thuong.csv');
    r = await loa('export', '--period', '2026-11', '--format', 'csv', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^\uFEFFSTT,Loại,Tên,Tổ,Xã,Số liệu,Lý do,Ghi chú của Ban điều hành\r\n/);
  });

  it('answers a domain mistake in one line, exit code 1', async () => {
    const r = await loa('remove', '--period', '2026-11', '--team', 'team-x', '--reason', 'x', '--as', 'truong-ban');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^loa reward remove: Không có tổ "team-x" .*\n$/);
  });

  it.each([
    [['list'], /^loa reward list: cần --period \(ví dụ 2026-11\)$/],
    [['list', '--period', '2026-13'], /^loa reward list: Kỳ báo cáo không hợp lệ: "2026-13"/],
    [['add', '--period', '2026-11', '--reason', 'x', '--as', 'truong-ban'], /^loa reward add: cần đúng một trong hai: --team MÃ_TỔ hoặc --member SỐ$/],
    [['criteria', 'set', '--kind', 'month', '--no-faults', '--faults-ok', '--as', 'truong-ban'], /^loa reward criteria set: chỉ dùng một trong --no-faults và --faults-ok$/],
  ])('%j: one line and the usage, exit code 2', async (args, message) => {
    const r = await loa(...args);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe('Cách dùng:');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
