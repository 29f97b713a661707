/**
 * Reward proposals (đề xuất khen thưởng): which teams, and which of their members, the operating board proposes to
 * the internal-affairs office for a period, with the reasons and the figures behind each name.
 *
 * A team is proposed by the criteria when it is in the thi đua ranking of the period's report (reports/compute.ts)
 * and meets every criterion set for the period's kind (board_reward_criteria, newest row; {@link DEFAULT_CRITERIA}
 * until the board sets one). Its members are proposed with it when they were present at enough of the period's
 * confirmed activities (board_activity_members). The board then adds or removes names with a reason
 * (board_reward_adjustments, appended): the newest row of a subject decides. A removed name stays in the list,
 * marked, so that the document shows who was taken out and why.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { both } from '../content/errors.js';
import { communeView } from '../reports/communes.js';
import { computeReport } from '../reports/compute.js';
import { parsePeriod, vnDay, type Period, type PeriodKind } from '../reports/period.js';
import type { Report } from '../reports/report.js';
import { requireRole, type Actor } from '../users/roles.js';
import { migrateBoard } from './area.js';
import { BoardError } from './errors.js';
import { formatNumber } from '../reports/text.js';
import type { RewardCandidate, RewardCriteria, RewardFigures, RewardProposal } from './types.js';

const KINDS: readonly PeriodKind[] = ['month', 'quarter', 'half', 'year'];
/** Longest board reason, characters. */
const MAX_REASON = 500;

export interface RewardsOptions {
  db: SqliteDb;
  /** Unix seconds (default: the system clock). */
  clock?: () => number;
}

export interface Adjustment {
  kind: 'team' | 'member';
  id: string;
  action: 'add' | 'remove';
  reason: string;
}

interface TeamRow {
  id: string;
  name: string;
  communeId: string;
}
interface MemberRow {
  id: number;
  name: string;
  teamId: string;
}
interface Attendance {
  member: number;
  n: number;
  people: number;
}
interface AdjustmentRow {
  kind: 'team' | 'member';
  id: string;
  action: 'add' | 'remove';
  reason: string;
  actor: string;
  time: number;
}

/** What a proposal is made of, read once. */
interface Facts {
  period: Period;
  criteria: RewardCriteria;
  report: Report;
  teams: Map<string, TeamRow>;
  communeName: (id: string) => string;
  activities: Map<string, { n: number; people: number }>;
  attendance: Attendance[];
  members: Map<number, MemberRow>;
  adjustments: AdjustmentRow[];
}

/**
 * The criteria until the board sets its own (`loa reward criteria set`), scaled with the length of the period:
 * - hours: the plan's rhythm of two or three one-hour sessions a week, about 10 hours a month;
 * - active days: a cart out on at least a third of the days (about twice a week): regular, not one busy week;
 * - communes reached: at least one (a team's carts that reached no commune centre did not go out);
 * - confirmed activities: two a month (a meeting and a round of oral propaganda);
 * - faults: not held against a team by default (a fault is usually the cart's, not the team's doing);
 * - ranks: any (every team that meets the figures, not only the first few);
 * - members: present at half the activities the team needs (one a month).
 */
export const DEFAULT_CRITERIA: Record<PeriodKind, RewardCriteria> = {
  month: { minHours: 10, minActiveRatio: 0.3, minCommunesReached: 1, minActivities: 2, noFaults: false, topRanks: null, minMemberActivities: 1 },
  quarter: { minHours: 30, minActiveRatio: 0.3, minCommunesReached: 1, minActivities: 6, noFaults: false, topRanks: null, minMemberActivities: 3 },
  half: { minHours: 60, minActiveRatio: 0.3, minCommunesReached: 1, minActivities: 12, noFaults: false, topRanks: null, minMemberActivities: 6 },
  year: { minHours: 120, minActiveRatio: 0.3, minCommunesReached: 1, minActivities: 24, noFaults: false, topRanks: null, minMemberActivities: 12 },
};

type NumberKey = Exclude<keyof RewardCriteria, 'noFaults'>;

/** The range of each number of the criteria; all but minMemberActivities may be null (not applied). */
const RULES: Record<NumberKey, { min: number; max: number; integer: boolean; nullable: boolean }> = {
  minHours: { min: 0, max: 8784, integer: false, nullable: true },
  minActiveRatio: { min: 0, max: 1, integer: false, nullable: true },
  minCommunesReached: { min: 0, max: 10_000, integer: true, nullable: true },
  minActivities: { min: 0, max: 100_000, integer: true, nullable: true },
  topRanks: { min: 1, max: 10_000, integer: true, nullable: true },
  minMemberActivities: { min: 1, max: 100_000, integer: true, nullable: false },
};
const FIELDS = [...Object.keys(RULES), 'noFaults'];

const bad = (vi: string, en: string): BoardError => new BoardError('bad-field', both(vi, en));

/** One number of the criteria, or the bad-field error that names it and repeats the bad value. */
function numberField(key: NumberKey, value: unknown): number | null {
  const r = RULES[key];
  if (value === null && r.nullable) return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= r.min && value <= r.max && (!r.integer || Number.isInteger(value))) return value;
  const what = r.integer ? ['một số nguyên', 'a whole number'] : ['một số', 'a number'];
  const orNull = r.nullable ? [', hoặc null để không áp dụng', ', or null not to apply it'] : ['', ''];
  return fail(
    `${key}: cần ${what[0]} từ ${r.min} đến ${r.max}${orNull[0]} (đang là ${JSON.stringify(value) ?? 'undefined'})`,
    `${key}: must be ${what[1]} from ${r.min} to ${r.max}${orNull[1]} (got ${JSON.stringify(value) ?? 'undefined'})`,
  );
}

function fail(vi: string, en: string): never {
  throw bad(vi, en);
}

/**
 * The reward criteria of an API body or of the CLI, checked: every field present, in range, nothing else, and at
 * least one criterion a team must meet. Throws BoardError 'bad-field' naming the field and the value.
 */
export function checkCriteria(value: unknown): RewardCriteria {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('Tiêu chí khen thưởng phải là một đối tượng JSON', 'the reward criteria must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) fail(`Không có tiêu chí ${JSON.stringify(extra)} (các tiêu chí: ${FIELDS.join(', ')})`, `there is no criterion ${JSON.stringify(extra)} (the criteria: ${FIELDS.join(', ')})`);
  const missing = FIELDS.find((k) => !Object.hasOwn(o, k));
  if (missing !== undefined) fail(`Thiếu tiêu chí ${missing} (cần đủ: ${FIELDS.join(', ')}; null để không áp dụng)`, `the criterion ${missing} is missing (give them all: ${FIELDS.join(', ')}; null not to apply one)`);
  if (typeof o.noFaults !== 'boolean') fail(`noFaults: cần true hoặc false (đang là ${JSON.stringify(o.noFaults) ?? 'undefined'})`, `noFaults: must be true or false (got ${JSON.stringify(o.noFaults) ?? 'undefined'})`);
  const c: RewardCriteria = {
    minHours: numberField('minHours', o.minHours),
    minActiveRatio: numberField('minActiveRatio', o.minActiveRatio),
    minCommunesReached: numberField('minCommunesReached', o.minCommunesReached),
    minActivities: numberField('minActivities', o.minActivities),
    noFaults: o.noFaults,
    topRanks: numberField('topRanks', o.topRanks),
    minMemberActivities: numberField('minMemberActivities', o.minMemberActivities)!,
  };
  const teamRules = [c.minHours, c.minActiveRatio, c.minCommunesReached, c.minActivities, c.topRanks];
  if (!c.noFaults && teamRules.every((x) => x === null)) {
    fail('Cần ít nhất một tiêu chí cho tổ (giờ phát, tỷ lệ ngày hoạt động, số xã, số hoạt động, không lỗi hoặc thứ hạng)', 'set at least one criterion for teams (hours, active ratio, communes, activities, no faults or ranks)');
  }
  return c;
}

/** A number as people write it: at most two decimals, none when whole ("42,5", "10"). */
export function num(x: number, lang: 'vi' | 'en'): string {
  const digits = Number.isInteger(x) ? 0 : Number.isInteger(Math.round(x * 100) / 10) ? 1 : 2;
  return formatNumber(x, lang, digits);
}

const pct = (ratio: number): number => Math.round(ratio * 100);

/** Whether a team's figures meet every criterion set, and a sentence for each one they meet. */
export function criteriaMet(c: RewardCriteria, f: RewardFigures): { all: boolean; reasons: { vi: string; en: string }[] } {
  const checks: [boolean, () => { vi: string; en: string }][] = [];
  if (c.minHours !== null) {
    const m = c.minHours;
    checks.push([f.broadcastHours >= m, () => ({ vi: `Phát ${num(f.broadcastHours, 'vi')} giờ (tiêu chí ≥ ${num(m, 'vi')} giờ)`, en: `Broadcast ${num(f.broadcastHours, 'en')} hours (criterion ≥ ${num(m, 'en')} hours)` })]);
  }
  if (c.minActiveRatio !== null) {
    const m = c.minActiveRatio;
    const ratio = f.activeDays / f.daysElapsed;
    const days = `${f.activeDays}/${f.daysElapsed}`;
    checks.push([ratio >= m, () => ({ vi: `Hoạt động ${days} ngày, ${pct(ratio)} % (tiêu chí ≥ ${pct(m)} %)`, en: `Active on ${days} days, ${pct(ratio)} % (criterion ≥ ${pct(m)} %)` })]);
  }
  if (c.minCommunesReached !== null) {
    const m = c.minCommunesReached;
    checks.push([f.communesReached >= m, () => ({ vi: `Đến ${f.communesReached} xã (tiêu chí ≥ ${m} xã)`, en: `Reached ${f.communesReached} communes (criterion ≥ ${m})` })]);
  }
  if (c.minActivities !== null) {
    const m = c.minActivities;
    checks.push([f.activities >= m, () => ({
      vi: `${f.activities} hoạt động đã xác nhận, ${num(f.peopleReached, 'vi')} lượt người được tuyên truyền (tiêu chí ≥ ${m} hoạt động)`,
      en: `${f.activities} confirmed activities reaching ${num(f.peopleReached, 'en')} people (criterion ≥ ${m} activities)`,
    })]);
  }
  if (c.noFaults) checks.push([f.faults === 0, () => ({ vi: 'Không có lỗi xe loa trong kỳ (tiêu chí: không có lỗi)', en: 'No cart fault in the period (criterion: no faults)' })]);
  if (c.topRanks !== null) {
    const m = c.topRanks;
    checks.push([f.rank !== null && f.rank <= m, () => ({
      vi: `Xếp hạng thi đua thứ ${f.rank}, điểm ${num(f.score, 'vi')} (tiêu chí: trong ${m} hạng đầu)`,
      en: `Ranked ${f.rank} with a score of ${num(f.score, 'en')} (criterion: in the first ${m})`,
    })]);
  }
  return { all: checks.every(([ok]) => ok), reasons: checks.filter(([ok]) => ok).map(([, say]) => say()) };
}

/** Why a member is proposed: the activities attended. */
function memberReason(n: number, min: number): { vi: string; en: string } {
  return { vi: `Có mặt ở ${n} hoạt động đã xác nhận (tiêu chí ≥ ${min})`, en: `Present at ${n} confirmed activities (criterion ≥ ${min})` };
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);

export class Rewards {
  readonly #db: SqliteDb;
  readonly #clock: () => number;

  constructor(o: RewardsOptions) {
    this.#db = o.db;
    this.#clock = o.clock ?? systemSeconds;
  }

  async start(): Promise<void> {
    await migrateBoard(this.#db);
  }

  /** The criteria in force for a kind of period: the newest the board set, else the defaults. */
  async criteria(kind: PeriodKind): Promise<{ criteria: RewardCriteria; setBy: string | null; setAt: number | null }> {
    kindOf(kind);
    await this.start();
    const row = await this.#db.get<{ criteria: string; set_by: string; set_at: number }>(
      'SELECT criteria, set_by, set_at FROM board_reward_criteria WHERE period_kind = ? ORDER BY id DESC LIMIT 1',
      [kind],
    );
    if (row === undefined) return { criteria: { ...DEFAULT_CRITERIA[kind] }, setBy: null, setAt: null };
    return { criteria: checkCriteria(JSON.parse(row.criteria)), setBy: row.set_by, setAt: row.set_at };
  }

  /** Sets the criteria of a kind of period (an approver; appended, the newest is in force). */
  async setCriteria(actor: Actor, kind: PeriodKind, criteria: RewardCriteria): Promise<void> {
    requireRole(actor, ['approver'], 'đặt tiêu chí khen thưởng / set the reward criteria');
    kindOf(kind);
    const checked = checkCriteria(criteria);
    await this.start();
    await this.#db.run('INSERT INTO board_reward_criteria (period_kind, criteria, set_by, set_at) VALUES (?, ?, ?, ?)', [
      kind,
      JSON.stringify(checked),
      actor.name,
      this.#clock(),
    ]);
  }

  /** The proposed list of `period` (2026-11, 2026-Q4, 2026-H2, 2026); InvalidPeriodError for anything else. */
  async propose(period: string): Promise<RewardProposal> {
    const facts = await this.#facts(parsePeriod(period));
    return build(facts, this.#clock());
  }

  /**
   * The board adds a team or member to the list of `period`, or removes one from it, with a reason (an approver).
   * Returns the list as it now stands.
   */
  async adjust(actor: Actor, period: string, a: Adjustment): Promise<RewardProposal> {
    requireRole(actor, ['approver'], 'sửa danh sách đề nghị khen thưởng / change the reward proposals');
    const p = parsePeriod(period);
    const reason = checkAdjustment(a);
    const facts = await this.#facts(p);
    subjectExists(facts, a);
    const now = build(facts, this.#clock()).candidates.find((c) => c.kind === a.kind && c.id === a.id);
    if (a.action === 'add' && now !== undefined && now.removed === null) {
      throw new BoardError('bad-status', both(`${now.name} đã có trong danh sách đề nghị kỳ ${p.id}: không cần thêm`, `${now.name} is already proposed for ${p.id}: nothing to add`));
    }
    if (a.action === 'remove' && (now === undefined || now.removed !== null)) {
      throw new BoardError('bad-status', both(`${a.id} không có trong danh sách đề nghị kỳ ${p.id}: không có gì để bỏ`, `${a.id} is not proposed for ${p.id}: nothing to remove`));
    }
    await this.#db.run('INSERT INTO board_reward_adjustments (period, subject_kind, subject_id, action, reason, actor, time) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      p.id,
      a.kind,
      a.id,
      a.action,
      reason,
      actor.name,
      this.#clock(),
    ]);
    return this.propose(p.id);
  }

  async #facts(period: Period): Promise<Facts> {
    await this.start();
    const db = this.#db;
    const { criteria } = await this.criteria(period.kind);
    const now = this.#clock();
    const report = await computeReport(db, { period, now, clock: this.#clock });
    const view = await db.exclusive(() => communeView(db, vnDay(period.end - 1)));
    const window = [period.start, period.end];
    const teams = await db.all<TeamRow>('SELECT id, name, commune_id AS communeId FROM teams ORDER BY id');
    const activities = await db.all<{ team: string; n: number; people: number }>(
      `SELECT team_id AS team, count(*) AS n, sum(people_reached) AS people FROM board_activities
       WHERE status = 'confirmed' AND at >= ? AND at < ? GROUP BY team_id`,
      window,
    );
    const attendance = await db.all<Attendance>(
      `SELECT am.member_id AS member, count(*) AS n, sum(a.people_reached) AS people
       FROM board_activity_members am JOIN board_activities a ON a.id = am.activity_id
       WHERE a.status = 'confirmed' AND a.at >= ? AND a.at < ? GROUP BY am.member_id`,
      window,
    );
    const members = await db.all<MemberRow>('SELECT id, name, team_id AS teamId FROM members');
    const adjustments = await db.all<AdjustmentRow>(
      `SELECT subject_kind AS kind, subject_id AS id, action, reason, actor, time FROM board_reward_adjustments
       WHERE period = ? ORDER BY id`,
      [period.id],
    );
    return {
      period,
      criteria,
      report,
      teams: new Map(teams.map((t) => [t.id, t])),
      communeName: (id) => view.nameOf(id),
      activities: new Map(activities.map((r) => [r.team, { n: r.n, people: r.people }])),
      attendance,
      members: new Map(members.map((m) => [m.id, m])),
      adjustments,
    };
  }
}

function kindOf(kind: unknown): PeriodKind {
  const found = KINDS.find((k) => k === kind);
  if (found === undefined) {
    throw new BoardError('bad-field', both(`Loại kỳ ${JSON.stringify(kind)} không hợp lệ: dùng month, quarter, half hoặc year`, `period kind ${JSON.stringify(kind)}: use month, quarter, half or year`));
  }
  return found;
}

/** The reason, trimmed; a bad-field error for a missing or too long one, or a bad kind, id or action. */
function checkAdjustment(a: Adjustment): string {
  if (a.kind !== 'team' && a.kind !== 'member') throw new BoardError('bad-field', both('kind: cần team hoặc member', 'kind: must be team or member'));
  if (a.action !== 'add' && a.action !== 'remove') throw new BoardError('bad-field', both('action: cần add hoặc remove', 'action: must be add or remove'));
  if (typeof a.id !== 'string' || a.id.trim() === '') throw new BoardError('bad-field', both('id: cần mã tổ hoặc mã thành viên', 'id: needs a team id or a member id'));
  const reason = typeof a.reason === 'string' ? a.reason.trim() : '';
  if (reason === '') throw new BoardError('bad-field', both('reason: cần ghi lý do thêm hoặc bỏ tên', 'reason: say why the name is added or removed'));
  if (reason.length > MAX_REASON) throw new BoardError('bad-field', both(`reason: tối đa ${MAX_REASON} ký tự`, `reason: at most ${MAX_REASON} characters`));
  return reason;
}

function subjectExists(f: Facts, a: Adjustment): void {
  if (a.kind === 'team' && !f.teams.has(a.id)) {
    throw new BoardError('unknown-team', both(`Không có tổ ${JSON.stringify(a.id)} (xem danh sách tổ: loa controller team list)`, `there is no team ${JSON.stringify(a.id)} (see loa controller team list)`));
  }
  if (a.kind === 'member' && !(/^[1-9]\d*$/.test(a.id) && f.members.has(Number(a.id)))) {
    throw new BoardError('unknown-member', both(`Không có thành viên số ${JSON.stringify(a.id)}`, `there is no member ${JSON.stringify(a.id)}`));
  }
}

/** A team's figures: the ranking's, the communes and faults of its carts, its confirmed activities. */
function teamFigures(f: Facts, teamId: string): RewardFigures {
  const ranked = f.report.ranking.find((r) => r.teamId === teamId);
  const units = f.report.communes.flatMap((c) => c.units).filter((u) => u.teamId === teamId);
  const activity = f.activities.get(teamId) ?? { n: 0, people: 0 };
  return {
    rank: ranked?.rank ?? null,
    score: ranked?.score ?? 0,
    broadcastHours: Math.round((ranked?.broadcastSeconds ?? 0) / 36) / 100,
    activeDays: ranked?.activeDays ?? 0,
    daysElapsed: ranked?.daysElapsed ?? daysElapsed(f.period, f.report.generatedAt),
    communesReached: new Set(units.flatMap((u) => u.communesReached)).size,
    activities: activity.n,
    peopleReached: activity.people,
    faults: units.reduce((n, u) => n + u.faults, 0),
  };
}

/** Days of the period begun by `now`, at least 1: the ranking's divisor, for a team that is not in it. */
function daysElapsed(p: Period, now: number): number {
  const stop = Math.max(p.start, Math.min(p.end, now));
  const stopDay = stop > p.start ? vnDay(stop - 1) + 1 : vnDay(p.start);
  return Math.max(1, stopDay - vnDay(p.start));
}

/** The newest adjustment of each subject, and the newest 'add' (the note kept when a later row removes it). */
function decisions(rows: readonly AdjustmentRow[]): { newest: Map<string, AdjustmentRow>; lastAdd: Map<string, AdjustmentRow> } {
  const newest = new Map<string, AdjustmentRow>();
  const lastAdd = new Map<string, AdjustmentRow>();
  for (const r of rows) {
    newest.set(`${r.kind}:${r.id}`, r);
    if (r.action === 'add') lastAdd.set(`${r.kind}:${r.id}`, r);
  }
  return { newest, lastAdd };
}

const note = (r: AdjustmentRow | undefined): { reason: string; by: string; at: number } | null =>
  r === undefined ? null : { reason: r.reason, by: r.actor, at: r.time };

/**
 * Applies the board's decision on one subject: undefined when it is not in the list (never proposed, or only removed
 * without having been proposed), else the candidate with source, added and removed set.
 */
function decide(c: RewardCandidate, proposed: boolean, d: ReturnType<typeof decisions>): RewardCandidate | undefined {
  const key = `${c.kind}:${c.id}`;
  const newest = d.newest.get(key);
  const added = d.lastAdd.get(key);
  if (!proposed && added === undefined) return undefined;
  const source = proposed ? 'criteria' : 'board';
  return { ...c, source, added: note(added), removed: newest?.action === 'remove' ? note(newest) : null };
}

function build(f: Facts, computedAt: number): RewardProposal {
  const d = decisions(f.adjustments);
  const figuresOf = new Map([...f.teams.keys()].map((id) => [id, teamFigures(f, id)]));
  const teams: RewardCandidate[] = [];
  for (const t of f.teams.values()) {
    const figures = figuresOf.get(t.id)!;
    const met = criteriaMet(f.criteria, figures);
    const proposed = figures.rank !== null && met.all;
    const c = decide(teamCandidate(f, t, figures, met.reasons), proposed, d);
    if (c !== undefined) teams.push(c);
  }
  const inList = new Set(teams.filter((t) => t.removed === null).map((t) => t.id));
  const members: RewardCandidate[] = [];
  const attended = new Map(f.attendance.map((a) => [a.member, a]));
  for (const m of f.members.values()) {
    const a = attended.get(m.id) ?? { member: m.id, n: 0, people: 0 };
    const proposed = inList.has(m.teamId) && a.n >= f.criteria.minMemberActivities;
    const c = decide(memberCandidate(f, m, a, figuresOf.get(m.teamId)!), proposed, d);
    if (c !== undefined) members.push(c);
  }
  return { period: f.period.id, criteria: f.criteria, computedAt, candidates: ordered(teams, members) };
}

function teamCandidate(f: Facts, t: TeamRow, figures: RewardFigures, reasons: RewardCandidate['reasons']): RewardCandidate {
  const communeName = f.report.ranking.find((r) => r.teamId === t.id)?.communeName ?? f.communeName(t.communeId);
  return { kind: 'team', id: t.id, name: t.name, teamId: t.id, teamName: t.name, communeName, figures, reasons, source: 'criteria', removed: null, added: null };
}

/** A member's figures are their team's, but for activities and people reached: those of the activities they attended. */
function memberCandidate(f: Facts, m: MemberRow, a: Attendance, team: RewardFigures): RewardCandidate {
  const figures = { ...team, activities: a.n, peopleReached: a.people };
  const reasons = a.n > 0 ? [memberReason(a.n, f.criteria.minMemberActivities)] : [];
  return {
    ...teamCandidate(f, f.teams.get(m.teamId)!, figures, reasons),
    kind: 'member',
    id: String(m.id),
    name: m.name,
  };
}

/** Teams by rank (unranked last, by name), each followed by its members (most activities first, then by name). */
function ordered(teams: RewardCandidate[], members: RewardCandidate[]): RewardCandidate[] {
  const rankOf = (c: RewardCandidate): number => c.figures.rank ?? Number.MAX_SAFE_INTEGER;
  const byName = (a: RewardCandidate, b: RewardCandidate): number => a.name.localeCompare(b.name, 'vi') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const teamIds = [...new Set([...teams, ...members].map((c) => c.teamId))];
  const anyOf = (id: string): RewardCandidate => teams.find((t) => t.teamId === id) ?? members.find((m) => m.teamId === id)!;
  teamIds.sort((a, b) => rankOf(anyOf(a)) - rankOf(anyOf(b)) || anyOf(a).teamName.localeCompare(anyOf(b).teamName, 'vi') || (a < b ? -1 : a > b ? 1 : 0));
  return teamIds.flatMap((id) => [
    ...teams.filter((t) => t.id === id),
    ...members.filter((m) => m.teamId === id).sort((a, b) => b.figures.activities - a.figures.activities || byName(a, b)),
  ]);
}
