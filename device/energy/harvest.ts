/**
 * What the panel gives, learned from the cart's own last days: amp-hours per local hour slot (UTC+7) per day, the
 * last {@link KEEP_DAYS} days kept, the recent ones weighing more (the season moves). A slot measured while the
 * charger tapered (the battery near full) says less than the panel could give: it is kept apart and used only as a
 * lower bound when no other day measured that slot. Before any day is learned, no harvest is assumed. Pure.
 */
import { MAX_GAP_MS } from './estimator.js';
import { localDayKey, localMsOfDay } from '../logic/local-time.js';

export const KEEP_DAYS = 14;
const HOUR_MS = 3_600_000;
const RECENT_WEIGHT = 0.8; // each older day weighs 0.8 of the next one
const MIN_COVER_MS = 45 * 60_000; // a slot seen less than this (the cart was off) is not learned
/** Today's harvest so far against the profile says whether today is a cloudy day; it weighs once this much is expected. */
const TODAY_EVIDENCE_AH = 3;
/** The pessimistic harvest: this quantile of the learned days' ratios to the profile (one dull day in five). */
export const LOW_QUANTILE = 0.2;
/**
 * The forecast's typical day (today before it says much, and tomorrow): this quantile of the learned days' ratios
 * to the profile, or null for the profile itself (their weighted mean). Measured on bench:energy (2026-12-03, the
 * same model otherwise): null 15712/17256 = 91.1 % (1–1439 min: 77.4 %), 0.35 91.1 % (77.6 %), 0.5 90.8 %
 * (76.3 %): the next day's weather is not in the learned days' spread, so a quantile barely moves the misses.
 */
export const FORECAST_QUANTILE: number | null = null;
/**
 * Until this many days are learned, a day of this ratio (heavy rain) counts among them: a cart that has seen only
 * sunny days has not yet seen what its season can do.
 */
const UNSEEN_DAYS = 5;
/** The local hours a panel may give anything in, at 20° N: what `covered` asks to have seen. */
const DAYLIGHT_FROM = 6;
const DAYLIGHT_TO = 18;
const UNSEEN_RATIO = 0.2;

export interface HarvestDay {
  day: string;
  /** Ah per slot; null = not measured. */
  ah: (number | null)[];
  /** True where the charger tapered during the slot (the value is then a lower bound). */
  tapered: boolean[];
}

export interface HarvestState {
  days: HarvestDay[];
  /** The slot being measured. */
  open: { day: string; slot: number; ah: number; ms: number; tapered: boolean } | null;
}

export const initialHarvest = (): HarvestState => ({ days: [], open: null });

const clampRatio = (r: number): number => Math.min(1.5, Math.max(0.1, r));

const emptyDay = (day: string): HarvestDay => ({ day, ah: new Array<number | null>(24).fill(null), tapered: new Array<boolean>(24).fill(false) });

export class HarvestProfile {
  s: HarvestState;

  constructor(state?: HarvestState) {
    this.s = state ?? initialHarvest();
  }

  /** Days with at least one slot learned. */
  get days(): number {
    return this.s.days.length;
  }

  /**
   * Whether every daylight hour (06:00–18:00 local) was measured on some kept day. Before that, a profile learned
   * from part of a first day would read the hours not yet seen as sunless, and the night's need as two days long.
   */
  get covered(): boolean {
    for (let slot = DAYLIGHT_FROM; slot < DAYLIGHT_TO; slot++) {
      if (!this.s.days.some((d) => d.ah[slot] !== null && d.ah[slot] !== undefined)) return false;
    }
    return true;
  }

  /** The panel current `solarMa` flowed for `dtMs` up to `at`; `tapered` when the charger was holding back. */
  observe(at: number, solarMa: number, dtMs: number, tapered: boolean): void {
    const day = localDayKey(at);
    const slot = Math.floor(localMsOfDay(at) / HOUR_MS);
    const open = this.s.open;
    if (open === null || open.day !== day || open.slot !== slot) {
      if (open !== null) this.#close(open);
      this.s.open = { day, slot, ah: 0, ms: 0, tapered: false };
      return; // the interval before this reading belongs to the slot just closed (or to a gap)
    }
    if (dtMs > MAX_GAP_MS) return;
    open.ah += (Math.max(0, solarMa) / 1000) * (dtMs / HOUR_MS);
    open.ms += dtMs;
    open.tapered ||= tapered;
  }

  #close(open: NonNullable<HarvestState['open']>): void {
    if (open.ms < MIN_COVER_MS) return;
    let day = this.s.days.find((d) => d.day === open.day);
    if (day === undefined) {
      day = emptyDay(open.day);
      this.s.days.push(day);
      this.s.days.sort((a, b) => (a.day < b.day ? -1 : 1));
      while (this.s.days.length > KEEP_DAYS) this.s.days.shift();
    }
    day.ah[open.slot] = (open.ah * HOUR_MS) / open.ms;
    day.tapered[open.slot] = open.tapered;
  }

  /** Expected Ah in local hour `slot` on a typical recent day: weighted mean of untapered days, else a tapered bound. */
  expected(slot: number, skipDay?: string): number {
    let sum = 0;
    let weight = 0;
    let bound = 0;
    let w = 1;
    for (let i = this.s.days.length - 1; i >= 0; i--, w *= RECENT_WEIGHT) {
      const d = this.s.days[i]!;
      if (d.day === skipDay) continue;
      const ah = d.ah[slot];
      if (ah === null || ah === undefined) continue;
      if (d.tapered[slot]) bound = Math.max(bound, ah);
      else {
        sum += w * ah;
        weight += w;
      }
    }
    return weight > 0 ? Math.max(sum / weight, 0) : bound;
  }

  /**
   * Expected Ah per hour for the 48 local hour slots from the one of `now` (index 0) on, into `out`. Today's slots
   * are scaled by how today has gone so far (a rainy morning tends to make a rainy day); tomorrow's by half of it.
   * Ratios are bounded to 0.1–1.5.
   */
  rates(now: number, out: Float64Array): Float64Array {
    const slot = Math.floor(localMsOfDay(now) / HOUR_MS);
    const today = this.#todayFactor(localDayKey(now), slot);
    const typical = FORECAST_QUANTILE === null ? 1 : this.#quantileRatio(localDayKey(now), FORECAST_QUANTILE, false);
    for (let i = 0; i < out.length; i++) {
      const factor = slot + i < 24 ? today : (today + typical) / 2;
      out[i] = this.expected((slot + i) % 24) * factor;
    }
    return out;
  }

  /**
   * A pessimistic harvest per hour for the 48 slots from now's, into `out`: the profile times the lower quantile of
   * the learned days' ratios (times today's ratio when today is duller still). What the reserve is judged on: an
   * emergency must find its reserve after a dull day too, not only after an average one.
   */
  lowRates(now: number, out: Float64Array, quantile = LOW_QUANTILE): Float64Array {
    const slot = Math.floor(localMsOfDay(now) / HOUR_MS);
    const dayKey = localDayKey(now);
    const low = this.#quantileRatio(dayKey, quantile, true);
    const today = Math.min(low, this.#todayFactor(dayKey, slot));
    for (let i = 0; i < out.length; i++) out[i] = this.expected((slot + i) % 24) * (slot + i < 24 ? today : low);
    return out;
  }

  /** The `quantile` of the learned days' ratios to the profile (today left out), with the unseen rain if `unseen`. */
  #quantileRatio(dayKey: string, quantile: number, unseen: boolean): number {
    const ratios = this.s.days.filter((d) => d.day !== dayKey).map((d) => this.#ratio(d, 24));
    while (unseen && ratios.length < UNSEEN_DAYS) ratios.push(UNSEEN_RATIO);
    if (ratios.length === 0) return 1;
    ratios.sort((a, b) => a - b);
    return ratios[Math.floor(quantile * (ratios.length - 1))]!;
  }

  /**
   * How today goes against the profile. Before today says much, yesterday's ratio half carries over (day kinds
   * persist: a rainy day tends to follow a rainy day); then today's measured (untapered) slots, weighed by how much
   * was expected of them so far.
   */
  #todayFactor(dayKey: string, slot: number): number {
    const days = this.s.days;
    const i = days.findIndex((d) => d.day === dayKey);
    const yesterday = i > 0 ? days[i - 1] : i === -1 ? days[days.length - 1] : undefined;
    const typical = FORECAST_QUANTILE === null ? 1 : this.#quantileRatio(dayKey, FORECAST_QUANTILE, false);
    const prior = yesterday === undefined ? typical : typical + 0.5 * (this.#ratio(yesterday, 24) - typical);
    const today = i >= 0 ? days[i] : undefined;
    if (today === undefined) return prior;
    const { got, expected } = this.#measured(today, slot);
    if (expected <= 0) return prior;
    const weight = expected / (expected + TODAY_EVIDENCE_AH);
    return prior + weight * (clampRatio(got / expected) - prior);
  }

  /** A day's measured harvest over its expected one (the profile without that day), slots before `until`. */
  #ratio(day: HarvestDay, until: number): number {
    const { got, expected } = this.#measured(day, until);
    return expected > 0 ? clampRatio(got / expected) : 1;
  }

  #measured(day: HarvestDay, until: number): { got: number; expected: number } {
    let got = 0;
    let expected = 0;
    for (let i = 0; i < until; i++) {
      const ah = day.ah[i];
      if (ah === null || ah === undefined || day.tapered[i]) continue;
      got += ah;
      expected += this.expected(i, day.day);
    }
    return { got, expected };
  }
}
