/**
 * `computeReport`: the figures of a periodic report from the fleet tables, in one read transaction so that ingest
 * writing at the same time cannot make the figures disagree with each other. The heavy per-day figures of finished
 * days come from the report rollup (rollup.ts), which the report fills first, in short write transactions of its own.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { Tally, round } from './aggregate.js';
import { distanceToBoxM, latitudeSpanDeg, type Box } from './geo.js';
import { vnDay, type Period } from './period.js';
import { communeView, type CommuneInfo, type CommuneView } from './communes.js';
import * as q from './queries.js';
import { keptMonths, monthsOf, readMonth, sumMonths, type MonthData } from './months.js';
import { dropTempTables, fillRollup, markChecked, migrateRollup, refreshRollup, selectDays, type DaySelection, type RollupUse } from './rollup.js';
import type { ClipRow, CommuneRow, Report, ReportNote, TeamRank, UnitRow } from './report.js';

/** A new session starts after a gap of more than this between plays, seconds. */
export const SESSION_GAP_S = 600;
/** Track segments faster than this are GNSS glitches, km/h. */
export const MAX_TRACK_KMH = 30;
/** A commune is reached when a play happened within this distance of its centre, metres. */
export const REACH_M = 3000;
/** A day counts as a low-battery day when the state of charge fell below this, %. */
export const LOW_SOC = 30;
/** A cart whose battery health (learned capacity, % of nominal) is below this gets a "replace the battery" line. */
export const REPLACE_BATTERY_BELOW = 80;
/**
 * A play that starts more than this after the controller received it is left out of the figures (a wrong cart clock;
 * a day covers a cart whose clock drifted without GNSS), s. So is one that starts before its cart's registration.
 */
export const MAX_AHEAD_S = 86_400;
/** The cart player's defaults (relay on → warm-up → plays → tail → relay off), for the amplifier estimate. */
export const WARMUP_S = 1.5;
export const TAIL_S = 1;

export interface ReportOptions {
  period: Period;
  /**
   * Limit the report to the units of this commune: its own carts and those of the communes merged into it
   * (communes reached still counts every commune of the area).
   */
  commune?: string;
  /**
   * Which communes the carts are grouped by, with which names and codes: as they stood on the period's last day
   * (default: a past report stays the same after later mergers and renamings), or as they stand on the day of
   * `now`, which regroups an old period onto today's communes (a before/after comparison across a merger).
   */
  communesAsOf?: 'period' | 'now';
  /**
   * The current time, Unix seconds (default: the system clock): days after it are not counted as offline, and the
   * rollup keeps only the days that ended before both it and the system clock.
   */
  now?: number;
  /** The real time, Unix seconds (default: the system clock), which a `now` to come must not pass for the rollup. */
  clock?: () => number;
  /** Clip titles from the content library, by clip id. */
  clipTitles?: ReadonlyMap<string, string>;
  /**
   * Use and fill the rollup of past days (default true; rollup.ts): the first report of a period rolls its finished
   * days up (a year for 100 carts: ~20 s), later ones read them. false: read the fleet tables only and write nothing
   * to the database file (a read-only copy). 'replica': a province hub's copy of an area (controller/province/replica.ts):
   * the days of report_days are taken as they are, faults from replica_faults; nothing is checked, filled or written.
   */
  rollup?: RollupUse;
}

/** A commune id that is not in the communes table. */
export class UnknownCommuneError extends Error {
  readonly code = 'unknown-commune';
  constructor(readonly commune: string) {
    super(`Không có xã ${JSON.stringify(commune)} trong danh sách xã (unknown commune)`);
    this.name = 'UnknownCommuneError';
  }
}

interface Data {
  months: MonthData[];
  units: q.UnitInfo[];
  faults: q.FaultRow[];
}

/** The constants of the per-day SQL (day-sql.ts), as the rollup and the area's summaries use them. */
export const CONSTANTS = { sessionGapS: SESSION_GAP_S, maxSpeedMs: MAX_TRACK_KMH / 3.6, maxAheadS: MAX_AHEAD_S };

interface ReadWindow {
  start: number;
  end: number;
  stop: number;
  commune: string | null;
}

const scopeOf = (w: ReadWindow, mainDays: q.Scope['mainDays']): q.Scope => ({
  ...w,
  firstDay: vnDay(w.start),
  afterDay: vnDay(w.end - 1) + 1,
  mainDays,
});

/** True when every day of the month came from the checked rollup (nothing computed for this report alone). */
function allRolledUp(selection: DaySelection, start: number, end: number): boolean {
  const days = vnDay(end - 1) + 1 - vnDay(start);
  const fresh = selection.stale.plays.length + selection.stale.track.length === 0;
  return fresh && Object.values(selection.main).every((d) => d.length === days);
}

/**
 * Everything the report needs, in one read transaction, month by month (months.ts): a month kept in memory is taken
 * as it is; for the others, the days that the rollup cannot give are computed into the connection's `temp` tables
 * (which takes no lock on the database file). A whole-fleet report keeps each month that came entirely from the
 * checked rollup (at a province hub's replica: any month) and is over by `stop`.
 */
async function read(db: SqliteDb, w: ReadWindow, useRollup: RollupUse): Promise<{ data: Data; stale: DaySelection['stale']; verified: DaySelection['verified'] }> {
  return db.exclusive(async () => {
    await db.exec('BEGIN');
    try {
      const keep = useRollup !== false && w.commune === null ? await keptMonths(db) : null;
      const stale: DaySelection['stale'] = { plays: [], track: [] };
      const verified: DaySelection['verified'] = { days: [], seq: 0 };
      const months: MonthData[] = [];
      for (const [start, end] of monthsOf(w.start, w.end)) {
        const have = end <= w.stop ? keep?.get(start) : undefined;
        if (have !== undefined) {
          months.push(have);
          continue;
        }
        const month = { ...w, start, end, stop: Math.max(start, Math.min(end, w.stop)) };
        const selection = await selectDays(db, month, CONSTANTS, useRollup);
        const data = await readMonth(db, scopeOf(month, selection.main), LOW_SOC, SESSION_GAP_S);
        // A replica's day without a summary is a day without data, until one comes (it stamps the day: replica.ts).
        if (end <= w.stop && (useRollup === 'replica' || allRolledUp(selection, start, end))) keep?.keep(start, data);
        verified.days.push(...selection.verified.days);
        verified.seq = selection.verified.seq;
        stale.plays.push(...selection.stale.plays);
        stale.track.push(...selection.stale.track);
        months.push(data);
      }
      const s = scopeOf(w, { plays: [], track: [], telemetry: [], online: [] });
      const data: Data = {
        months,
        units: await q.units(db, s),
        faults: await q.faults(db, s, useRollup === 'replica'),
      };
      return { data, stale, verified };
    } finally {
      await db.exec('COMMIT');
      await dropTempTables(db);
    }
  });
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Rolls up the days of `period` that are over by `now` (Unix seconds) and by `clock` (the system clock), as a report
 * of it does before reading: what keeps the rollup filled between reports, without reading the report.
 */
async function warmRollup(db: SqliteDb, period: Period, now: number, clock: () => number = systemSeconds): Promise<void> {
  await migrateRollup(db);
  // Live rows are final once their day is over by the clock, and `now` may be a time to come: take the earlier.
  const horizon = Math.min(now, clock());
  await fillRollup(db, vnDay(period.start), vnDay(period.end - 1) + 1, horizon, CONSTANTS);
}

/** Computes the report of `options.period` (all communes, or one). */
export async function computeReport(db: SqliteDb, options: ReportOptions): Promise<Report> {
  const { period } = options;
  const now = options.now ?? (options.clock ?? systemSeconds)();
  if (!Number.isFinite(now)) throw new RangeError(`now must be Unix seconds, got ${String(now)}`);
  const commune = options.commune ?? null;
  const stop = Math.max(period.start, Math.min(period.end, now));
  const view = await db.exclusive(() => communeView(db, vnDay(options.communesAsOf === 'now' ? now : period.end - 1)));
  if (commune !== null && !view.currentOf.has(commune)) throw new UnknownCommuneError(commune);
  const members = commune === null ? null : JSON.stringify(view.membersOf(commune));
  const useRollup = options.rollup ?? true;
  if (useRollup === true) await warmRollup(db, period, now, options.clock);
  const { data, stale, verified } = await read(db, { start: period.start, end: period.end, stop, commune: members }, useRollup);
  if (useRollup === true && stale.plays.length + stale.track.length > 0) await refreshRollup(db, stale, CONSTANTS);
  if (useRollup === true) await markChecked(db, verified.days, verified.seq);

  const tallies = new Map<string, Tally>();
  const tally = (u: string): Tally => {
    let t = tallies.get(u);
    if (t === undefined) tallies.set(u, (t = new Tally()));
    return t;
  };
  const sum = sumMonths(data.months, SESSION_GAP_S, tally);
  for (const r of data.faults) tally(r.u).faults.set(r.code, r.n);
  const near = communesNear(view.communes, REACH_M); // only the communes of that day
  for (const cell of sum.cells) {
    const t = tally(cell.u);
    t.areas.add(`${Math.floor(cell.cy / 10)}:${Math.floor(cell.cx / 10)}`);
    for (const c of near(cell)) {
      if (!t.communes.has(c.id) && distanceToBoxM(c.lat, c.lon, cell) <= REACH_M) t.communes.add(c.id);
    }
  }

  const firstDay = vnDay(period.start);
  const stopDay = stop > period.start ? vnDay(stop - 1) + 1 : firstDay; // days before stopDay have begun
  const estimated: string[] = [];
  const retired: string[] = [];
  const rows: UnitRow[] = [];
  for (const u of data.units) {
    const communeId = view.communeOf(u.communeId, u.teamCommuneId);
    if (commune !== null && view.currentOf.get(commune) === commune && communeId !== commune) continue; // a split commune's other part
    const t = tallies.get(u.unitId) ?? new Tally();
    if (u.retired && t.plays === 0) continue;
    t.units = 1;
    const counter = sum.amplifier.get(u.unitId);
    let amplifierEstimated = false;
    if (counter !== undefined && counter.n > 0) t.amplifierSeconds = counter.v;
    else if (t.plays > 0) {
      t.amplifierSeconds = t.broadcastSeconds + t.sessions * (WARMUP_S + TAIL_S);
      t.amplifierEstimatedUnits = 1;
      amplifierEstimated = true;
      estimated.push(u.unitId);
    }
    if (u.retired) retired.push(u.unitId);
    else {
      t.daysCounted = Math.max(0, stopDay - Math.max(firstDay, vnDay(u.provisionedAt)));
      t.offlineDays = Math.max(0, t.daysCounted - (sum.online.get(u.unitId) ?? 0));
    }
    rows.push({
      unitId: u.unitId,
      number: u.number,
      communeId,
      teamId: u.teamId,
      teamName: u.teamName,
      retired: u.retired !== 0,
      amplifierEstimated,
      ...t.figures(),
    });
    tallies.set(u.unitId, t);
  }

  const byCommune = new Map<string, UnitRow[]>();
  for (const r of rows) byCommune.set(r.communeId, [...(byCommune.get(r.communeId) ?? []), r]);
  const total = new Tally();
  const communeRows: CommuneRow[] = [...byCommune]
    .map(([id, units]) => {
      const sum = new Tally();
      for (const r of units) sum.add(tallies.get(r.unitId)!);
      total.add(sum);
      return { communeId: id, code: view.codeOf(id), name: view.nameOf(id), units, totals: sum.figures() };
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'vi') || cmp(a.communeId, b.communeId));

  const daysElapsed = Math.max(1, stopDay - firstDay);
  const notes: ReportNote[] = [{ code: 'method' }, { code: 'gnss-glitches', maxKmh: MAX_TRACK_KMH }, { code: 'areas-not-villages' }];
  if (estimated.length > 0) notes.push({ code: 'amplifier-estimated', units: estimated, warmupSeconds: WARMUP_S, tailSeconds: TAIL_S });
  if (now < period.end) notes.push({ code: 'period-incomplete', asOf: now });
  if (retired.length > 0) notes.push({ code: 'retired-units', units: retired });
  const leftOut = leftOutNote(sum.leftOut);
  if (leftOut !== undefined) notes.push(leftOut);
  const worn = rows.filter((r) => !r.retired && r.energy.healthPercent !== null && r.energy.healthPercent < REPLACE_BATTERY_BELOW);
  if (worn.length > 0) {
    notes.push({ code: 'battery-replace', belowPercent: REPLACE_BATTERY_BELOW, units: worn.map((r) => ({ unitId: r.unitId, healthPercent: r.energy.healthPercent! })) });
  }
  if (total.plays === 0) notes.push({ code: 'no-data' });

  return {
    period,
    commune,
    generatedAt: now,
    communes: communeRows,
    totals: total.figures(),
    clips: clipRows(sum.clips, new Set(rows.map((r) => r.unitId)), options.clipTitles),
    ranking: rank(rows, tallies, view, daysElapsed),
    notes,
  };
}

type Placed = CommuneInfo & { lat: number; lon: number };

/**
 * The communes with a centre, and a look-up of those whose centre may lie within `metres` of a box: the ones in its
 * band of latitude (latitude order, two binary searches), so that a year of cells is not measured against every
 * commune of a province. Whether one is within reach is still decided by {@link distanceToBoxM}.
 */
function communesNear(communes: readonly CommuneInfo[], metres: number): (box: Box) => readonly Placed[] {
  const placed = communes.filter((c): c is Placed => c.lat !== null && c.lon !== null).sort((a, b) => a.lat - b.lat);
  const span = latitudeSpanDeg(metres);
  const firstAbove = (lat: number): number => {
    let [lo, hi] = [0, placed.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (placed[mid]!.lat < lat) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (box) => placed.slice(firstAbove(box.lat0 - span), firstAbove(box.lat1 + span));
}

/** The note on the plays left out of the figures, or undefined when there are none. */
function leftOutNote(rows: readonly q.LeftOutRow[]): ReportNote | undefined {
  if (rows.length === 0) return undefined;
  const units = new Map<string, { unitId: string; beforeRegistration: number; future: number }>();
  for (const r of rows) {
    const u = units.get(r.u) ?? { unitId: r.u, beforeRegistration: 0, future: 0 };
    if (r.reason === 'before-registration') u.beforeRegistration += r.n;
    else u.future += r.n;
    units.set(r.u, u);
  }
  const list = [...units.values()]; // in unit order (the query's)
  const sum = (k: 'beforeRegistration' | 'future'): number => list.reduce((n, u) => n + u[k], 0);
  return { code: 'plays-left-out', beforeRegistration: sum('beforeRegistration'), future: sum('future'), aheadHours: MAX_AHEAD_S / 3600, units: list };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clipRows(counts: q.ClipCount[], inReport: ReadonlySet<string>, titles?: ReadonlyMap<string, string>): ClipRow[] {
  const clips = new Map<string, ClipRow>();
  for (const r of counts) {
    if (!inReport.has(r.u)) continue;
    const row = clips.get(r.clip) ?? { clip: r.clip, title: titles?.get(r.clip) ?? null, plays: 0, seconds: 0, units: 0 };
    row.plays += r.n;
    row.seconds += r.s;
    row.units++;
    clips.set(r.clip, row);
  }
  return [...clips.values()]
    .map((r) => ({ ...r, seconds: round(r.seconds, 1) }))
    .sort((a, b) => b.plays - a.plays || b.seconds - a.seconds || cmp(a.clip, b.clip));
}

/**
 * The thi đua ranking of teams. Score = broadcast hours × (active days ÷ days of the period elapsed), where a team's
 * active days are the days on which any of its carts played: it rewards both the volume of broadcasting and its
 * regularity (two hours every day scores far above the same hours in one week). Ties (to 0.01) are broken by more
 * active days, then more broadcast seconds, then more plays, then the team id, so the order never depends on
 * the database.
 */
function rank(rows: UnitRow[], tallies: ReadonlyMap<string, Tally>, communes: CommuneView, daysElapsed: number): TeamRank[] {
  const teams = new Map<string, { row: UnitRow; sum: Tally }>();
  for (const r of rows) {
    const team = teams.get(r.teamId) ?? { row: r, sum: new Tally() };
    team.sum.add(tallies.get(r.unitId)!);
    teams.set(r.teamId, team);
  }
  const ranked = [...teams.values()].map(({ row, sum }) => ({
    teamId: row.teamId,
    teamName: row.teamName,
    communeId: row.communeId,
    communeName: communes.nameOf(row.communeId),
    broadcastSeconds: round(sum.broadcastSeconds, 1),
    activeDays: sum.days.size,
    daysElapsed,
    score: round((sum.broadcastSeconds / 3600) * (sum.days.size / daysElapsed), 2),
    plays: sum.plays,
  }));
  ranked.sort(
    (a, b) =>
      b.score - a.score || b.activeDays - a.activeDays || b.broadcastSeconds - a.broadcastSeconds || b.plays - a.plays || cmp(a.teamId, b.teamId),
  );
  return ranked.map(({ plays: _plays, ...r }, i) => ({ rank: i + 1, ...r }));
}
