/**
 * The shape of a periodic report (báo cáo tháng / quý / 6 tháng / năm): figures per unit, per commune and in total,
 * plays per clip, the team ranking for the emulation movement (thi đua), and notes on method. Plain data: the
 * renderers (JSON, CSV, HTML) turn it into text in the language they are asked for.
 */
import type { Period } from './period.js';

export interface FaultCount {
  code: string;
  count: number;
}

export interface BatteryHealth {
  /** Telemetry samples that carried a state of charge. */
  samples: number;
  /** Lowest state of charge seen, %, or null without samples. */
  minSoc: number | null;
  /** Median state of charge over the samples, %, or null without samples. */
  medianSoc: number | null;
  /** Days (unit-days for a commune or the total) with a state of charge below 30 % at some minute. */
  daysBelow30: number;
}

/**
 * What the carts' energy forecasts (telemetry, protocol SPEC.md 0x02 bit 11) said in the period. Minutes left are
 * ordinary broadcast minutes at the cart's volume before its emergency reserve, with the day's expected sun.
 */
export interface EnergyFigures {
  /** Days (unit-days for a commune or the total) with a forecast. */
  days: number;
  /** The last battery health the cart had learned, % of nominal; for a commune or the total the lowest of its carts'. */
  healthPercent: number | null;
  /** The lowest minutes left seen. */
  minMinutesLeft: number | null;
  /** The typical day: the median over the days (unit-days) of each day's median minutes left. */
  medianMinutesLeft: number | null;
  /** Days (unit-days) on which the cart was in its emergency reserve (minutes left 0 at some sample). */
  reserveDays: number;
}

/** The figures of one unit, or summed over the units of a commune or of the whole report. */
export interface Figures {
  units: number;
  /** Sum of the seconds of every play (audio on). */
  broadcastSeconds: number;
  /** Amplifier-on seconds: from the carts' runtime counters, or estimated (see `amplifierEstimatedUnits`). */
  amplifierSeconds: number;
  /** Units whose amplifier time had to be estimated from plays (no runtime counters in the period). */
  amplifierEstimatedUnits: number;
  /** Broadcast sessions: runs of plays with no gap longer than 10 minutes. */
  sessions: number;
  plays: number;
  distinctClips: number;
  /** Kilometres travelled along the GNSS track, glitches removed. */
  km: number;
  /** Distinct local days with at least one play (for a commune or the total: a day any of its units played). */
  activeDays: number;
  /** Sum over units of their active days. */
  activeUnitDays: number;
  /** Communes whose centre is within 3 km of a play position. */
  communesReached: string[];
  /** Distinct ~1 km grid cells with plays ("khu vực": there is no village table). */
  areasReached: number;
  /** Unit-days of the period with no frame and no online status. */
  offlineDays: number;
  /** Unit-days of the period that count for `offlineDays` (after provisioning, not in the future, not retired). */
  daysCounted: number;
  faults: number;
  faultsByCode: FaultCount[];
  battery: BatteryHealth;
  energy: EnergyFigures;
}

export interface UnitRow extends Figures {
  unitId: string;
  number: number;
  communeId: string;
  teamId: string;
  teamName: string;
  retired: boolean;
  amplifierEstimated: boolean;
}

export interface CommuneRow {
  communeId: string;
  /** Official code (2025 list, or a former commune's code before it), null when not registered. */
  code: string | null;
  /** Its name on the day the report groups by (reports/communes.ts). */
  name: string;
  units: UnitRow[];
  totals: Figures;
}

export interface ClipRow {
  clip: string;
  /** Title from the content library when the caller gave one. */
  title: string | null;
  plays: number;
  seconds: number;
  /** Units that played it. */
  units: number;
}

export interface TeamRank {
  rank: number;
  teamId: string;
  teamName: string;
  communeId: string;
  communeName: string;
  broadcastSeconds: number;
  activeDays: number;
  /** Days of the period that have passed (the divisor of the active-day ratio). */
  daysElapsed: number;
  /** Broadcast hours × (active days ÷ days elapsed), rounded to 0.01. */
  score: number;
}

/** A note on method or a caveat; renderers turn the code into a sentence. */
export type ReportNote =
  | { code: 'method' }
  | { code: 'amplifier-estimated'; units: string[]; warmupSeconds: number; tailSeconds: number }
  | { code: 'gnss-glitches'; maxKmh: number }
  | { code: 'areas-not-villages' }
  | { code: 'period-incomplete'; asOf: number }
  | { code: 'retired-units'; units: string[] }
  /**
   * Plays stored but left out of the figures because the cart's clock was wrong: received in the period (by "now"),
   * with a start before the cart's registration, or more than `aheadHours` after they were received. By cart.
   */
  | { code: 'plays-left-out'; beforeRegistration: number; future: number; aheadHours: number; units: { unitId: string; beforeRegistration: number; future: number }[] }
  | { code: 'no-data' }
  /** Carts whose battery health fell below `belowPercent`: their battery should be replaced. */
  | { code: 'battery-replace'; belowPercent: number; units: { unitId: string; healthPercent: number }[] };

export interface Report {
  period: Period;
  /** The commune the report is limited to, or null for the whole district. */
  commune: string | null;
  /** When it was computed, Unix seconds. */
  generatedAt: number;
  communes: CommuneRow[];
  totals: Figures;
  clips: ClipRow[];
  ranking: TeamRank[];
  notes: ReportNote[];
}
