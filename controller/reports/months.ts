/**
 * A report reads its period month by month and adds the months up; the figures of a month that is over and rolled
 * up are kept in memory, per database connection, until a late record changes one of its days. A yearly report
 * of a province's 500 carts then reads only the month under way (and any month a late record touched) instead of
 * a year of per-day rows: the warm report's cost follows what changed, not the size of the period.
 *
 * Every figure of a period is a sum, a union, a minimum or a maximum of its months', except sessions, which look
 * at the plays before them: a month gives the starts of its own sessions, and each is counted when it also begins
 * more than the gap after the latest end of the unit's plays in the period's earlier months (start − max(a, b) > gap
 * ⇔ start − a > gap and start − b > gap). Days are added in the same order as before, so per-unit figures are the
 * same whichever months came from memory.
 *
 * How a kept month learns that it is out of date: triggers of the `reports` area (rollup-schema.ts, report_changes)
 * stamp, with a rising number, every rolled-up day that a play or a track point inserted later touches. A month is
 * kept only if all of its days came from the checked rollup; each report reads the days stamped since the number it
 * last saw, in its own read transaction, and forgets the months they fall in. Telemetry, status and arrivals are
 * final once a day is rolled up (rollup.ts); faults and the registry are read afresh by every report.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import type { Tally } from './aggregate.js';
import * as q from './queries.js';
import { dayStart, vnDateParts, vnMonthStart } from './period.js';

/** What a report reads of one month (or of the part of one inside its period). */
export interface MonthData {
  playDays: q.PlayDay[];
  clips: q.ClipCount[];
  starts: q.SessionStart[];
  cells: q.PlayCell[];
  metres: q.UnitSum[];
  amplifier: q.UnitSum[];
  soc: q.SocCount[];
  lowDays: q.UnitCount[];
  energy: q.EnergyDay[];
  online: q.UnitCount[];
  leftOut: q.LeftOutRow[];
}

/** Reads one month's figures (its days must be in the rollup's `main` or in `temp`: rollup.ts selectDays). */
export async function readMonth(db: SqliteDb, s: q.Scope, lowSoc: number, gapSeconds: number): Promise<MonthData> {
  return {
    playDays: await q.playDays(db, s),
    clips: await q.clipCounts(db, s),
    starts: await q.sessionStarts(db, s, gapSeconds),
    cells: await q.playCells(db, s),
    metres: await q.trackMetres(db, s),
    amplifier: await q.amplifierSeconds(db, s),
    soc: await q.socHistogram(db, s),
    lowDays: await q.lowSocDays(db, s, lowSoc),
    energy: await q.energyDays(db, s),
    online: await q.onlineDays(db, s),
    leftOut: await q.leftOut(db, s),
  };
}

/** The calendar months of [start, end), Vietnam time, as [start, end) pairs (a period is whole months: period.ts). */
export function monthsOf(start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = start; a < end; ) {
    const { year, month } = vnDateParts(a);
    const b = Math.min(end, vnMonthStart(year, month + 1));
    out.push([a, b]);
    a = b;
  }
  return out;
}

/**
 * Adds up rows by unit and then by `key`, in the order first seen. The kept months' rows are never changed: a row
 * is copied the first time its key is seen.
 */
function sumBy<T extends { u: string }, K>(lists: readonly (readonly T[])[], key: (r: T) => K, add: (into: T, r: T) => void): T[] {
  const byUnit = new Map<string, Map<K, T>>();
  const out: T[] = [];
  for (const rows of lists) {
    for (const r of rows) {
      let unit = byUnit.get(r.u);
      if (unit === undefined) byUnit.set(r.u, (unit = new Map()));
      const k = key(r);
      const have = unit.get(k);
      if (have !== undefined) add(have, r);
      else {
        const copy = { ...r };
        unit.set(k, copy);
        out.push(copy);
      }
    }
  }
  return out;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What the months of a period add up to, beside what {@link sumMonths} puts in the units' tallies. */
export interface MonthsSum {
  /** Amplifier seconds and samples with a counter, per unit. */
  amplifier: Map<string, { v: number; n: number }>;
  /** Online days per unit. */
  online: Map<string, number>;
  /** Play positions per unit and ~100 m cell, with the box of the period's positions in each. */
  cells: q.PlayCell[];
  /** Plays and seconds per unit and clip, in unit and clip order. */
  clips: q.ClipCount[];
  /** Plays left out per unit and reason, in unit and reason order. */
  leftOut: q.LeftOutRow[];
}

/**
 * Adds the months of a period up, in order: into each unit's tally (from `tally`) go its plays, broadcast seconds,
 * active days, clips, sessions (see the module comment), metres, state-of-charge histogram, low-battery days and
 * energy days; the rest is returned. Days are added in order, as the rows of one period would be.
 */
export function sumMonths(months: readonly MonthData[], gapSeconds: number, tally: (unit: string) => Tally): MonthsSum {
  const amplifier = new Map<string, { v: number; n: number }>();
  const online = new Map<string, number>();
  for (const m of months) {
    for (const r of m.playDays) {
      const t = tally(r.u);
      t.plays += r.n;
      t.broadcastSeconds += r.s;
      t.days.add(r.day);
      t.activeUnitDays++;
    }
    for (const r of m.clips) tally(r.u).clips.add(r.clip);
    for (const r of m.metres) tally(r.u).metres += r.v;
    for (const r of m.soc) {
      const t = tally(r.u);
      t.soc.set(r.soc, (t.soc.get(r.soc) ?? 0) + r.n);
    }
    for (const r of m.lowDays) tally(r.u).daysBelow30 += r.n;
    for (const r of m.energy) tally(r.u).addEnergyDay(r);
    for (const r of m.amplifier) {
      const a = amplifier.get(r.u);
      if (a === undefined) amplifier.set(r.u, { v: r.v, n: r.n });
      else [a.v, a.n] = [a.v + r.v, a.n + r.n];
    }
    for (const r of m.online) online.set(r.u, (online.get(r.u) ?? 0) + r.n);
  }
  for (const [u, n] of countSessions(months, gapSeconds)) tally(u).sessions = n;
  const lists = <K extends keyof MonthData>(k: K): MonthData[K][] => months.map((m) => m[k]);
  return {
    amplifier,
    online,
    // cy and cx are thousandths of a degree: |cx| ≤ 180,000 < 200,000.
    cells: sumBy(lists('cells'), (r) => r.cy * 400_000 + r.cx, (a, r) => {
      a.lat0 = Math.min(a.lat0, r.lat0);
      a.lat1 = Math.max(a.lat1, r.lat1);
      a.lon0 = Math.min(a.lon0, r.lon0);
      a.lon1 = Math.max(a.lon1, r.lon1);
    }),
    clips: sumBy(lists('clips'), (r) => r.clip, (a, r) => {
      a.n += r.n;
      a.s += r.s;
    }).sort((a, b) => byText(a.u, b.u) || byText(a.clip, b.clip)),
    leftOut: sumBy(lists('leftOut'), (r) => r.reason, (a, r) => void (a.n += r.n)).sort((a, b) => byText(a.u, b.u) || byText(a.reason, b.reason)),
  };
}

/** Sessions per unit over the months: a month's own starts that also begin more than the gap after the earlier months' plays. */
function countSessions(months: readonly MonthData[], gapSeconds: number): Map<string, number> {
  const lastEnd = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const m of months) {
    for (const r of m.starts) {
      const before = lastEnd.get(r.u);
      if (before === undefined || r.start - before > gapSeconds) counts.set(r.u, (counts.get(r.u) ?? 0) + 1);
    }
    for (const r of m.playDays) lastEnd.set(r.u, Math.max(lastEnd.get(r.u) ?? -Infinity, r.e));
  }
  return counts;
}

/** The kept months of one database connection. */
interface Kept {
  /** The highest report_changes.seq when the months were last checked. */
  seq: number;
  months: Map<number, MonthData>;
}

const kept = new WeakMap<SqliteDb, Kept>();

/** Months kept per connection at most (a little over two years). */
const MAX_MONTHS = 26;

/**
 * The kept months of `db` that are still right, after forgetting those whose days changed since the last report.
 * Call inside the report's read transaction (with the rollup migrated: report_changes exists).
 */
export async function keptMonths(db: SqliteDb): Promise<{ get(start: number): MonthData | undefined; keep(start: number, data: MonthData): void }> {
  const [{ seq }] = await db.all<{ seq: number }>('SELECT coalesce(max(seq), 0) seq FROM main.report_changes');
  let k = kept.get(db);
  if (k === undefined) kept.set(db, (k = { seq, months: new Map() }));
  else if (seq !== k.seq) {
    const changed = await db.all<{ day: number }>('SELECT day FROM main.report_changes WHERE seq > ?', [k.seq]);
    for (const { day } of changed) k.months.delete(monthOfDay(day));
  }
  k.seq = seq;
  const months = k.months;
  return {
    get: (start) => months.get(start),
    keep: (start, data) => {
      months.set(start, data);
      for (const old of [...months.keys()].sort((a, b) => a - b).slice(0, Math.max(0, months.size - MAX_MONTHS))) months.delete(old);
    },
  };
}

/** The start (Unix seconds) of the Vietnam calendar month of a local day number. */
function monthOfDay(day: number): number {
  const { year, month } = vnDateParts(dayStart(day));
  return vnMonthStart(year, month);
}

/** Forgets the kept months of `db` (tests; a restored database file under the same connection is not a thing). */
export function forgetMonths(db: SqliteDb): void {
  kept.delete(db);
}
