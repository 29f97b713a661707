/**
 * Adding up the per-unit figures into a commune's or the district's: additive figures are summed, the distinct ones
 * (days, clips, communes, areas) are unions of sets, and the battery median comes from the merged histogram of
 * state-of-charge values.
 */
import type { BatteryHealth, EnergyFigures, FaultCount, Figures } from './report.js';

/** What one unit contributed, with the sets and histogram that a sum needs. */
export class Tally {
  units = 0;
  broadcastSeconds = 0;
  amplifierSeconds = 0;
  amplifierEstimatedUnits = 0;
  sessions = 0;
  plays = 0;
  metres = 0;
  activeUnitDays = 0;
  offlineDays = 0;
  daysCounted = 0;
  daysBelow30 = 0;
  readonly days = new Set<number>();
  readonly clips = new Set<string>();
  readonly communes = new Set<string>();
  readonly areas = new Set<string>();
  readonly faults = new Map<string, number>();
  /** State of charge % → number of samples. */
  readonly soc = new Map<number, number>();
  /** Battery health %: a unit's latest, the lowest of the units added. */
  health: number | null = null;
  minMinutesLeft: number | null = null;
  /** A day's median minutes left → number of (unit-)days. */
  readonly dayMedians = new Map<number, number>();
  reserveDays = 0;

  /** Adds another tally (a unit's into its commune's, a commune's into the total). */
  add(o: Tally): void {
    this.units += o.units;
    this.broadcastSeconds += o.broadcastSeconds;
    this.amplifierSeconds += o.amplifierSeconds;
    this.amplifierEstimatedUnits += o.amplifierEstimatedUnits;
    this.sessions += o.sessions;
    this.plays += o.plays;
    this.metres += o.metres;
    this.activeUnitDays += o.activeUnitDays;
    this.offlineDays += o.offlineDays;
    this.daysCounted += o.daysCounted;
    this.daysBelow30 += o.daysBelow30;
    for (const d of o.days) this.days.add(d);
    for (const c of o.clips) this.clips.add(c);
    for (const c of o.communes) this.communes.add(c);
    for (const a of o.areas) this.areas.add(a);
    for (const [code, n] of o.faults) this.faults.set(code, (this.faults.get(code) ?? 0) + n);
    for (const [soc, n] of o.soc) this.soc.set(soc, (this.soc.get(soc) ?? 0) + n);
    this.health = lowest(this.health, o.health);
    this.minMinutesLeft = lowest(this.minMinutesLeft, o.minMinutesLeft);
    for (const [m, n] of o.dayMedians) this.dayMedians.set(m, (this.dayMedians.get(m) ?? 0) + n);
    this.reserveDays += o.reserveDays;
  }

  /** One day of a unit's energy forecasts (days in order, so the last health wins). */
  addEnergyDay(d: { lo: number; med: number; reserve: number; health: number | null }): void {
    if (d.health !== null) this.health = d.health;
    this.minMinutesLeft = lowest(this.minMinutesLeft, d.lo);
    this.dayMedians.set(d.med, (this.dayMedians.get(d.med) ?? 0) + 1);
    if (d.reserve) this.reserveDays++;
  }

  energy(): EnergyFigures {
    const typical = histogramStats(this.dayMedians);
    return {
      days: typical.samples,
      healthPercent: this.health,
      minMinutesLeft: this.minMinutesLeft,
      medianMinutesLeft: typical.median === null ? null : round(typical.median, 0),
      reserveDays: this.reserveDays,
    };
  }

  figures(): Figures {
    const faultsByCode: FaultCount[] = [...this.faults]
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return {
      units: this.units,
      broadcastSeconds: round(this.broadcastSeconds, 1),
      amplifierSeconds: round(this.amplifierSeconds, 1),
      amplifierEstimatedUnits: this.amplifierEstimatedUnits,
      sessions: this.sessions,
      plays: this.plays,
      distinctClips: this.clips.size,
      km: round(this.metres / 1000, 2),
      activeDays: this.days.size,
      activeUnitDays: this.activeUnitDays,
      communesReached: [...this.communes].sort(),
      areasReached: this.areas.size,
      offlineDays: this.offlineDays,
      daysCounted: this.daysCounted,
      faults: faultsByCode.reduce((n, f) => n + f.count, 0),
      faultsByCode,
      battery: battery(this.soc, this.daysBelow30),
      energy: this.energy(),
    };
  }
}

/** Samples, minimum and median of a histogram of values (the median of an even count is the mean of the middle two). */
export function histogramStats(histogram: ReadonlyMap<number, number>): { samples: number; min: number | null; median: number | null } {
  const values = [...histogram].sort((a, b) => a[0] - b[0]);
  const samples = values.reduce((n, [, c]) => n + c, 0);
  if (samples === 0) return { samples: 0, min: null, median: null };
  const at = (k: number): number => {
    let seen = 0;
    for (const [v, c] of values) {
      seen += c;
      if (k < seen) return v;
    }
    return values[values.length - 1]![0];
  };
  const median = samples % 2 === 1 ? at((samples - 1) / 2) : (at(samples / 2 - 1) + at(samples / 2)) / 2;
  return { samples, min: values[0]![0], median };
}

/** The battery figures of a histogram of state-of-charge values. */
export function battery(histogram: ReadonlyMap<number, number>, daysBelow30: number): BatteryHealth {
  const { samples, min, median } = histogramStats(histogram);
  return { samples, minSoc: min, medianSoc: median, daysBelow30 };
}

function lowest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
