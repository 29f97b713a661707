/**
 * The province report (báo cáo toàn tỉnh): the reports of its areas, as each area's own controller would compute them
 * (the hub runs the same `computeReport` on each area's replica), side by side and summed. The sum is exact where a
 * figure adds up (plays, seconds, days, faults…): the total of the province is the sum of its areas' totals, to the
 * digit the area reports print. Figures that do not add are either merged exactly (the lowest battery of the
 * province is the lowest of its areas'), counted from the replicas (active days), or left out with a note (medians:
 * they need every sample, which the area reports do not carry).
 */
import { round } from '../reports/aggregate.js';
import type { Period } from '../reports/period.js';
import type { CommuneRow, FaultCount, Figures, Report, TeamRank } from '../reports/report.js';

/** One area's report as the hub computed it from the area's replica. */
export interface AreaReport {
  areaId: string;
  name: string;
  provinceCode: string | null;
  report: Report;
}

/** A commune of one of the areas (commune ids are the area's own, so the area says whose). */
export interface ProvinceCommuneRow extends CommuneRow {
  areaId: string;
  areaName: string;
}

/** A team in the province ranking: its area's rank beside the province's. */
export interface ProvinceTeamRank extends TeamRank {
  areaId: string;
  areaName: string;
  areaRank: number;
  plays: number;
}

/** How a figure of the province total was made, or what the reader must know; renderers turn it into a sentence. */
export type ProvinceNote =
  | { code: 'province-sum'; areas: number }
  | { code: 'active-days'; how: 'union' | 'max' }
  | { code: 'medians-left-out' }
  | { code: 'communes-by-area' }
  | { code: 'clips-by-area' }
  | { code: 'period-incomplete'; asOf: number }
  | { code: 'areas-without-data'; areas: string[] }
  | { code: 'no-areas' };

export interface ProvinceReport {
  period: Period;
  generatedAt: number;
  areas: AreaReport[];
  /** The province's figures: see the module comment for how each is made. */
  totals: Figures;
  communes: ProvinceCommuneRow[];
  ranking: ProvinceTeamRank[];
  notes: ProvinceNote[];
}

export interface SumOptions {
  period: Period;
  now: number;
  /**
   * The distinct days with a play in any area, counted from the replicas; undefined when they could not be counted
   * (the total then shows the largest of the areas', a lower bound, and a note says so).
   */
  activeDays?: number;
}

const lowest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

function mergeFaults(lists: readonly FaultCount[][]): FaultCount[] {
  const by = new Map<string, number>();
  for (const list of lists) for (const f of list) by.set(f.code, (by.get(f.code) ?? 0) + f.count);
  return [...by]
    .map(([code, c]) => ({ code, count: c }))
    .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * The sum of the areas' totals. Decimal figures are added as printed and rounded again to the same digits (so
 * 0.1 + 0.2 is 0.3, not 0.30000000000000004). Communes reached are the union of `area/commune` (two areas' commune
 * ids may be the same word); distinct clips add up, since every area has its own library.
 */
export function sumFigures(areas: readonly { areaId: string; totals: Figures }[], activeDays: number | undefined): Figures {
  const add = (pick: (f: Figures) => number): number => areas.reduce((n, a) => n + pick(a.totals), 0);
  const communes = areas.flatMap((a) => a.totals.communesReached.map((c) => `${a.areaId}/${c}`)).sort();
  const faultsByCode = mergeFaults(areas.map((a) => a.totals.faultsByCode));
  return {
    units: add((f) => f.units),
    broadcastSeconds: round(add((f) => f.broadcastSeconds), 1),
    amplifierSeconds: round(add((f) => f.amplifierSeconds), 1),
    amplifierEstimatedUnits: add((f) => f.amplifierEstimatedUnits),
    sessions: add((f) => f.sessions),
    plays: add((f) => f.plays),
    distinctClips: add((f) => f.distinctClips),
    km: round(add((f) => f.km), 2),
    activeDays: activeDays ?? areas.reduce((n, a) => Math.max(n, a.totals.activeDays), 0),
    activeUnitDays: add((f) => f.activeUnitDays),
    communesReached: [...new Set(communes)],
    areasReached: add((f) => f.areasReached),
    offlineDays: add((f) => f.offlineDays),
    daysCounted: add((f) => f.daysCounted),
    faults: faultsByCode.reduce((n, f) => n + f.count, 0),
    faultsByCode,
    battery: {
      samples: add((f) => f.battery.samples),
      minSoc: areas.reduce<number | null>((m, a) => lowest(m, a.totals.battery.minSoc), null),
      medianSoc: null,
      daysBelow30: add((f) => f.battery.daysBelow30),
    },
    energy: {
      days: add((f) => f.energy.days),
      healthPercent: areas.reduce<number | null>((m, a) => lowest(m, a.totals.energy.healthPercent), null),
      minMinutesLeft: areas.reduce<number | null>((m, a) => lowest(m, a.totals.energy.minMinutesLeft), null),
      medianMinutesLeft: null,
      reserveDays: add((f) => f.energy.reserveDays),
    },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every team of every area, ranked again with the comparator of the area reports (compute.ts `rank`): score, then
 * active days, broadcast seconds, plays, team id — and the area id last, since two areas may name a team the same.
 * Every area's report has the same period and "now", so the same days elapsed, and the scores compare as they are.
 */
export function rankTeams(areas: readonly AreaReport[]): ProvinceTeamRank[] {
  const all: Omit<ProvinceTeamRank, 'rank'>[] = [];
  for (const a of areas) {
    const plays = new Map<string, number>();
    for (const c of a.report.communes) for (const u of c.units) plays.set(u.teamId, (plays.get(u.teamId) ?? 0) + u.plays);
    for (const { rank, ...t } of a.report.ranking) all.push({ ...t, areaId: a.areaId, areaName: a.name, areaRank: rank, plays: plays.get(t.teamId) ?? 0 });
  }
  all.sort(
    (a, b) =>
      b.score - a.score ||
      b.activeDays - a.activeDays ||
      b.broadcastSeconds - a.broadcastSeconds ||
      b.plays - a.plays ||
      cmp(a.teamId, b.teamId) ||
      cmp(a.areaId, b.areaId),
  );
  return all.map((t, i) => ({ rank: i + 1, ...t }));
}

/** The province report of the areas' reports (all of the same period and "now"). */
export function provinceReportOf(areas: readonly AreaReport[], o: SumOptions): ProvinceReport {
  const sorted = [...areas].sort((a, b) => a.name.localeCompare(b.name, 'vi') || cmp(a.areaId, b.areaId));
  const totals = sumFigures(sorted.map((a) => ({ areaId: a.areaId, totals: a.report.totals })), o.activeDays);
  const communes = sorted.flatMap((a) => a.report.communes.map((c) => ({ ...c, areaId: a.areaId, areaName: a.name })));
  const notes: ProvinceNote[] = [{ code: 'province-sum', areas: sorted.length }];
  if (sorted.length === 0) notes.push({ code: 'no-areas' });
  notes.push({ code: 'active-days', how: o.activeDays === undefined ? 'max' : 'union' });
  notes.push({ code: 'medians-left-out' }, { code: 'communes-by-area' }, { code: 'clips-by-area' });
  if (o.now < o.period.end) notes.push({ code: 'period-incomplete', asOf: o.now });
  const silent = sorted.filter((a) => a.report.totals.plays === 0 && a.report.totals.daysCounted === 0).map((a) => a.areaId);
  if (silent.length > 0) notes.push({ code: 'areas-without-data', areas: silent });
  return { period: o.period, generatedAt: o.now, areas: sorted, totals, communes, ranking: rankTeams(sorted), notes };
}
