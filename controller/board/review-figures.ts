/**
 * The figures of a review (báo cáo / sơ kết / tổng kết): the carts' figures (reports/compute.ts) and the confirmed
 * activities and training records of the board, for the period, the previous period of the same kind and the same
 * period a year before, each compared (Δ and %), for the whole scope and per commune.
 *
 * Communes: the period is grouped as it stood on its last day (as its report is). A comparison period on the other
 * side of a merger is regrouped onto today's communes (`communesAsOf: 'now'`), so that Dân Hòa of 2026 is compared
 * with Dân Lực + Dân Lý of 2025: the same ground. Every record (a cart's commune row, an activity, a trained member's
 * team) is then counted for the commune it is part of in the period's grouping.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { CommuneHistory, type CommuneView } from '../fleet/commune-history.js';
import { computeReport } from '../reports/compute.js';
import { parsePeriod, vnDateParts, vnDay, type Period } from '../reports/period.js';
import type { Figures, Report } from '../reports/report.js';
import { migrateBoard } from './area.js';
import { ACTIVITY_KINDS, type ActivityFigures, type ActivityKind, type Compared, type ReviewCommuneRow, type ReviewData, type ReviewFigureSet } from './types.js';

export interface ReviewDataOptions {
  period: Period;
  /** Limit the review to this commune (its carts and activities, former communes included), or the whole area. */
  commune: string | null;
  /** Unix seconds: when the figures are computed. */
  now: number;
  /** The real time, for the report rollup (reports/compute.ts). */
  clock?: () => number;
}

/** The period before `p`, of the same kind: 2026-11 → 2026-10, 2026-Q1 → 2025-Q4, 2026-H1 → 2025-H2, 2026 → 2025. */
export function previousPeriod(p: Period): Period {
  const perYear = { month: 12, quarter: 4, half: 2, year: 1 }[p.kind];
  const [year, index] = p.index > 1 ? [p.year, p.index - 1] : [p.year - 1, perYear];
  return parsePeriod(periodId(p.kind, year, index));
}

/** The same period a year before. */
export function lastYearPeriod(p: Period): Period {
  return parsePeriod(periodId(p.kind, p.year - 1, p.index));
}

function periodId(kind: Period['kind'], year: number, index: number): string {
  if (kind === 'month') return `${year}-${String(index).padStart(2, '0')}`;
  if (kind === 'quarter') return `${year}-Q${index}`;
  if (kind === 'half') return `${year}-H${index}`;
  return `${year}`;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** A figure beside its two comparisons; percentages to one decimal, null against 0. */
export function compared(value: number, previous: number, lastYear: number): Compared {
  const percent = (base: number): number | null => (base === 0 ? null : round1(((value - base) / base) * 100));
  return {
    value,
    previous,
    deltaPrevious: round1(value - previous),
    percentPrevious: percent(previous),
    lastYear,
    deltaLastYear: round1(value - lastYear),
    percentLastYear: percent(lastYear),
  };
}

/** The plain figures of one scope in one period, before comparing. */
interface Plain {
  units: number;
  broadcastHours: number;
  plays: number;
  sessions: number;
  km: number;
  activeUnitDays: number;
  communesReached: number;
  faults: number;
  offlineDays: number;
  activities: number;
  peopleReached: number;
  membersTakingPart: number;
  membersTrained: number;
  policeTips: number;
}

const FIGURE_KEYS = [
  'units', 'broadcastHours', 'plays', 'sessions', 'km', 'activeUnitDays', 'communesReached', 'faults', 'offlineDays',
  'activities', 'peopleReached', 'membersTakingPart', 'membersTrained', 'policeTips',
] as const satisfies readonly (keyof Plain & keyof ReviewFigureSet)[];

function cartPlain(f: Figures | undefined): Omit<Plain, 'activities' | 'peopleReached' | 'membersTakingPart' | 'membersTrained' | 'policeTips'> {
  if (f === undefined) return { units: 0, broadcastHours: 0, plays: 0, sessions: 0, km: 0, activeUnitDays: 0, communesReached: 0, faults: 0, offlineDays: 0 };
  return {
    units: f.units,
    broadcastHours: round1(f.broadcastSeconds / 3600),
    plays: f.plays,
    sessions: f.sessions,
    km: round1(f.km),
    activeUnitDays: f.activeUnitDays,
    communesReached: f.communesReached.length,
    faults: f.faults,
    offlineDays: f.offlineDays,
  };
}

function compareSets(now: Plain, previous: Plain, lastYear: Plain): ReviewFigureSet {
  const out = {} as ReviewFigureSet;
  for (const k of FIGURE_KEYS) out[k] = compared(now[k], previous[k], lastYear[k]);
  return out;
}

/** The confirmed activities and trained members of one period, by commune (period grouping) and in total. */
interface ActivityCounts {
  total: ActivityFigures;
  byCommune: Map<string, ActivityFigures>;
}

interface ActivityRow {
  id: number;
  kind: ActivityKind;
  commune_id: string;
  people_reached: number;
}

function emptyActivity(): ActivityFigures {
  const byKind = Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, { activities: 0, peopleReached: 0 }])) as ActivityFigures['byKind'];
  return { activities: 0, byKind, peopleReached: 0, membersTakingPart: 0, membersTrained: 0, awaitingConfirmation: 0 };
}

/** `YYYY-MM-DD` of a Unix time, Vietnam time. */
function isoDay(t: number): string {
  const d = vnDateParts(t);
  return `${d.year}-${d.mm}-${d.dd}`;
}

/**
 * Reads one period's activities (inside the caller's `exclusive` section). `keyOf` maps a registered commune id to
 * the commune it counts for; `inScope` says whether that commune is in the review.
 */
async function activityCounts(db: SqliteDb, p: Period, keyOf: (id: string) => string, inScope: (key: string) => boolean): Promise<ActivityCounts> {
  const total = emptyActivity();
  const byCommune = new Map<string, ActivityFigures>();
  const of = (key: string): ActivityFigures => {
    let f = byCommune.get(key);
    if (f === undefined) byCommune.set(key, (f = emptyActivity()));
    return f;
  };
  const rows = await db.all<ActivityRow>(
    "SELECT id, kind, commune_id, people_reached FROM board_activities WHERE status = 'confirmed' AND at >= ? AND at < ? ORDER BY id",
    [p.start, p.end],
  );
  for (const r of rows) {
    const key = keyOf(r.commune_id);
    if (!inScope(key)) continue;
    for (const f of [total, of(key)]) {
      f.activities++;
      f.peopleReached += r.people_reached;
      f.byKind[r.kind].activities++;
      f.byKind[r.kind].peopleReached += r.people_reached;
    }
  }
  const present = await db.all<{ member_id: number; commune_id: string }>(
    `SELECT DISTINCT m.member_id, a.commune_id FROM board_activity_members m JOIN board_activities a ON a.id = m.activity_id
      WHERE a.status = 'confirmed' AND a.at >= ? AND a.at < ?`,
    [p.start, p.end],
  );
  countDistinct(present, keyOf, inScope, total, of, 'membersTakingPart');
  const trained = await db.all<{ member_id: number; commune_id: string }>(
    `SELECT DISTINCT t.member_id, tm.commune_id FROM board_training t JOIN members m ON m.id = t.member_id JOIN teams tm ON tm.id = m.team_id
      WHERE t.day >= ? AND t.day <= ?`,
    [isoDay(p.start), isoDay(p.end - 1)],
  );
  countDistinct(trained, keyOf, inScope, total, of, 'membersTrained');
  const waiting = await db.all<{ commune_id: string }>(
    "SELECT commune_id FROM board_activities WHERE status IN ('submitted', 'returned') AND at >= ? AND at < ?",
    [p.start, p.end],
  );
  for (const w of waiting) {
    const key = keyOf(w.commune_id);
    if (!inScope(key)) continue;
    total.awaitingConfirmation++;
    of(key).awaitingConfirmation++;
  }
  return { total, byCommune };
}

/** Counts distinct members in total and per commune (a member counts once in each). */
function countDistinct(
  rows: { member_id: number; commune_id: string }[], keyOf: (id: string) => string, inScope: (key: string) => boolean,
  total: ActivityFigures, of: (key: string) => ActivityFigures, field: 'membersTakingPart' | 'membersTrained',
): void {
  const all = new Set<number>();
  const per = new Map<string, Set<number>>();
  for (const r of rows) {
    const key = keyOf(r.commune_id);
    if (!inScope(key)) continue;
    all.add(r.member_id);
    per.set(key, (per.get(key) ?? new Set()).add(r.member_id));
  }
  total[field] = all.size;
  for (const [key, members] of per) of(key)[field] = members.size;
}

function withActivities(cart: ReturnType<typeof cartPlain>, a: ActivityFigures | undefined): Plain {
  const f = a ?? emptyActivity();
  return {
    ...cart,
    activities: f.activities,
    peopleReached: f.peopleReached,
    membersTakingPart: f.membersTakingPart,
    membersTrained: f.membersTrained,
    policeTips: f.byKind['police-tip'].activities,
  };
}

/** Which current commune each registered id belongs to, as a comparable text. */
const grouping = (v: CommuneView): string => JSON.stringify([...v.currentOf].sort((a, b) => (a[0] < b[0] ? -1 : 1)));

/** One period's figures: its report and its activities, each row keyed by the review period's communes. */
interface PeriodFigures {
  report: Report;
  activity: ActivityCounts;
  /** Report commune rows, re-keyed and summed. */
  rows: Map<string, Figures[]>;
}

/**
 * The figures of a review. `lateNotes` is left empty: the review service fills it from the finalised reviews.
 * Throws UnknownCommuneError (reports/compute.ts) for a commune not in the registry.
 */
export async function reviewData(db: SqliteDb, o: ReviewDataOptions): Promise<ReviewData> {
  await migrateBoard(db);
  const { period, commune, now } = o;
  const previous = previousPeriod(period);
  const lastYear = lastYearPeriod(period);
  const history = await db.exclusive(() => CommuneHistory.read(db));
  const periodView = history.asOf(vnDay(period.end - 1));
  // A comparison period grouped otherwise than the period (a merger in between, which today's grouping includes) is
  // regrouped onto today's communes. Compared with the period's grouping rather than today's, so that a review of a
  // period before a later merger keeps comparing like with like.
  const regroup = (p: Period): boolean => grouping(history.asOf(vnDay(p.end - 1))) !== grouping(periodView);
  const keyOf = (id: string): string => periodView.currentOf.get(id) ?? id;
  const inScope = (key: string): boolean => commune === null || key === commune;

  const figuresOf = async (p: Period, asOf: 'period' | 'now'): Promise<PeriodFigures> => {
    const report = await computeReport(db, {
      period: p, now, communesAsOf: asOf, ...(commune === null ? {} : { commune }), ...(o.clock === undefined ? {} : { clock: o.clock }),
    });
    const activity = await db.exclusive(() => activityCounts(db, p, keyOf, inScope));
    const rows = new Map<string, Figures[]>();
    for (const c of report.communes) rows.set(keyOf(c.communeId), [...(rows.get(keyOf(c.communeId)) ?? []), c.totals]);
    return { report, activity, rows };
  };
  const regrouped = [previous, lastYear].map(regroup);
  const current = await figuresOf(period, 'period');
  const before = await figuresOf(previous, regrouped[0] ? 'now' : 'period');
  const yearAgo = await figuresOf(lastYear, regrouped[1] ? 'now' : 'period');

  const plainOf = (f: PeriodFigures, key: string | null): Plain => {
    if (key === null) return withActivities(cartPlain(f.report.totals), f.activity.total);
    const rows = f.rows.get(key) ?? [];
    const cart = rows.map(cartPlain).reduce((a, b) => {
      const s = { ...a };
      for (const k of Object.keys(a) as (keyof typeof a)[]) s[k] = round1(a[k] + b[k]);
      return s;
    }, cartPlain(undefined));
    // Several former communes' rows make one: a commune reached by both counts once.
    cart.communesReached = new Set(rows.flatMap((r) => r.communesReached)).size;
    return withActivities(cart, f.activity.byCommune.get(key));
  };
  const setOf = (key: string | null): ReviewFigureSet => compareSets(plainOf(current, key), plainOf(before, key), plainOf(yearAgo, key));

  const ids = new Set<string>([...current.rows.keys(), ...current.activity.byCommune.keys()]);
  const communes: ReviewCommuneRow[] = [...ids]
    .map((id) => ({ communeId: id, name: periodView.nameOf(id), code: periodView.codeOf(id), figures: setOf(id) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi') || (a.communeId < b.communeId ? -1 : 1));
  return {
    period: period.id,
    previousPeriod: previous.id,
    lastYearPeriod: lastYear.id,
    commune,
    communeName: commune === null ? null : periodView.nameOf(commune),
    computedAt: now,
    totals: setOf(null),
    communes,
    activityTotals: current.activity.total,
    regroupedAcrossMerger: regrouped.some((r) => r),
    lateNotes: [],
  };
}

/** The figures a late note compares: what a signed review said, or what its period's records say now. */
export interface Accounted {
  plays: number;
  broadcastHours: number;
  activities: number;
  peopleReached: number;
}

/** The totals of a review's own figures that late notes follow. */
export const accountedOf = (d: ReviewData): Accounted => ({
  plays: d.totals.plays.value,
  broadcastHours: d.totals.broadcastHours.value,
  activities: d.totals.activities.value,
  peopleReached: d.totals.peopleReached.value,
});

/** What `period`'s records say now for the scope, computed as {@link reviewData} computes a review's own figures. */
export async function accountedNow(db: SqliteDb, o: ReviewDataOptions): Promise<Accounted> {
  await migrateBoard(db);
  const { period, commune } = o;
  const history = await db.exclusive(() => CommuneHistory.read(db));
  const view = history.asOf(vnDay(period.end - 1));
  const report = await computeReport(db, {
    period, now: o.now, communesAsOf: 'period', ...(commune === null ? {} : { commune }), ...(o.clock === undefined ? {} : { clock: o.clock }),
  });
  const keyOf = (id: string): string => view.currentOf.get(id) ?? id;
  const activity = await db.exclusive(() => activityCounts(db, period, keyOf, (key) => commune === null || key === commune));
  return {
    plays: report.totals.plays,
    broadcastHours: round1(report.totals.broadcastSeconds / 3600),
    activities: activity.total.activities,
    peopleReached: activity.total.peopleReached,
  };
}
