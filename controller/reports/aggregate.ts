/**
 * Adding up the per-unit figures into a commune's or the district's: additive figures are summed, the distinct ones
 * (days, clips, communes, areas) are unions of sets, and the battery median comes from the merged histogram of
 * state-of-charge values.
 */
import type { BatteryHealth, FaultCount, Figures } from './report.js';

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
    };
  }
}

/** Minimum and median of a histogram of integer values (the median of an even count is the mean of the middle two). */
export function battery(histogram: ReadonlyMap<number, number>, daysBelow30: number): BatteryHealth {
  const values = [...histogram].sort((a, b) => a[0] - b[0]);
  const samples = values.reduce((n, [, c]) => n + c, 0);
  if (samples === 0) return { samples: 0, minSoc: null, medianSoc: null, daysBelow30 };
  const at = (k: number): number => {
    let seen = 0;
    for (const [v, c] of values) {
      seen += c;
      if (k < seen) return v;
    }
    return values[values.length - 1]![0];
  };
  const median = samples % 2 === 1 ? at((samples - 1) / 2) : (at(samples / 2 - 1) + at(samples / 2)) / 2;
  return { samples, minSoc: values[0]![0], medianSoc: median, daysBelow30 };
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
