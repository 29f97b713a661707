/**
 * The state of charge a cart can trust, from what its power board measures and nothing else. Coulomb counting on
 * the battery current between readings carries the charge from moment to moment; two kinds of anchor pull it back
 * to the battery's own word, because counting drifts (sensor gain, charge efficiency, a wrong capacity):
 *   - rest: with the amplifier off long enough for the chemistry and a small current, the terminal voltage
 *     corrected for I·R is the open-circuit voltage of soc.ts; the estimate moves toward it by a Kalman weight that
 *     follows how much a millivolt says there (a steep lead-acid table: a lot; the flat LiFePO4 middle: almost
 *     nothing);
 *   - full: charging with the voltage at the top of the table and the current tapered to a few % of C is 100 %.
 * Between two confident anchors, ΔSoC = (η·Ah in − Ah out) / capacity: every pair of anchors is one equation, and a
 * least-squares fit over the last weeks (forgetting older ones, held by the nominal prior while there is little data)
 * gives the real capacity (battery health). A single one-way stretch of ≥ 30 points would give it alone, but a cart
 * that charges and plays every day rarely makes one (the bench's dry season never did), so the fit takes the mixed
 * days too, each weighted by its net flow squared (a day that put back what it took says little).
 * The internal resistance is learned from the voltage step when the load switches; under load, a voltage far below
 * what the count says (the LiFePO4 knee near empty) pulls the estimate down. All state is plain JSON ({@link EstimatorState}) so that a restart loses nothing. Pure.
 */
import type { BatterySpec, PowerReading } from '../../hardware/power/power.js';
import { interpolateOcv, ocvForPercent, ocvTables, restingMv, type OcvPoint } from '../../hardware/power/soc.js';

/** A gap between readings longer than this means the cart was off: it is not integrated. */
export const MAX_GAP_MS = 15 * 60_000;
/** How long the amplifier must have been off before the voltage is a rest voltage (polarisation has relaxed). */
export const REST_MS: Record<BatterySpec['chemistry'], number> = { 'lead-acid': 2 * 3_600_000, lifepo4: 30 * 60_000 };
/** Share of the charging coulombs that are stored (textbook: lead-acid loses some to gassing, LiFePO4 almost none). */
export const CHARGE_EFFICIENCY: Record<BatterySpec['chemistry'], number> = { 'lead-acid': 0.85, lifepo4: 0.97 };
/**
 * Uncertainty of one averaged rest voltage, mV: ADC quantisation and noise, what polarisation is left, temperature
 * (≈ 10 mV per 5 °C for lead-acid), and for LiFePO4 the ≈ 30 mV hysteresis between a charge and a discharge rest.
 */
const REST_SIGMA_MV: Record<BatterySpec['chemistry'], number> = { 'lead-acid': 15, lifepo4: 35 };
const AVERAGE_MS = 10 * 60_000; // a rest correction averages this long a window of readings
const REPEAT_REST_MS = 2 * 3_600_000; // and is not repeated within one rest sooner than this: the errors are not independent
const FULL_HOLD_MS = 10 * 60_000;
const FULL_TAPER_OF_C = 0.03; // "tapered": charging current under 3 % of C
const FULL_PERCENT = 97; // the rested voltage must be at least that of 97 % on the table
const DRIFT_OF_THROUGHPUT = 0.03; // coulomb counting loses ≈ 3 % of what flows (gain error, efficiency)
const CONFIDENT_SIGMA = 5; // a rest anchor counts for the capacity when the voltage says the SoC within ±5 points
/**
 * The nominal prior weighs as much as one anchor pair with 8 Ah between them: an aged battery (70 % of nominal is
 * common) must be learned from a few pairs, not held at the label for weeks.
 */
const PRIOR_WEIGHT_AH2 = 60;
/**
 * Whether a full anchor is one end of a capacity equation. Not for lead-acid: its charging polarisation lifts the
 * voltage to the top of the table early, and a cart that plays while it charges tapers below 100 % (on the bench
 * "full" came at 95–98 % true, even after an hour of taper); the fit turned those points into a capacity 10–25 %
 * low. Its nightly rests, on a steep table, are the anchors it uses.
 */
const FULL_ANCHORS_THE_FIT: Record<BatterySpec['chemistry'], boolean> = { 'lead-acid': false, lifepo4: true };
/**
 * An anchor pair enters the fit only when the charge moved this much between its anchors: over fewer points an
 * anchor's own error (±1–5) is a large share of the step, and the small steps of every day add up to a bias.
 */
const MIN_FIT_POINTS = 10;
/** Health is reported once the anchor pairs weigh this many times the nominal prior (before: null, not a guess). */
const HEALTH_AFTER_PRIOR_TIMES = 2;
/** The lower bound of the capacity: this much below the fit, plus what the anchors leave uncertain. */
const CAPACITY_LOW_FLOOR = 0.03;
const CAPACITY_LOW_MAX = 0.35;
const FORGET_MS = 14 * 86_400_000; // an equation's weight falls by e every two weeks: the battery ages
const MIN_SAMPLE_AH = 2; // an anchor pair with less than this flowing between them does not count as a sample
const MAX_RESIDUAL = 25; // points: an equation this far from the current fit is a bad anchor, not a battery
/** Under load the voltage has polarisation on top of I·R: it says where the SoC is only within this, mV. */
const LOAD_SIGMA_MV: Record<BatterySpec['chemistry'], number> = { 'lead-acid': 200, lifepo4: 80 };
const LOAD_PULL_MS = 120_000; // the pull toward the loaded voltage's bound acts with this time constant
const STEP_MIN_MA = 800; // a load step this large, between two readings this close, measures the resistance
const STEP_MAX_MS = 15_000;

export interface Anchor {
  at: number;
  /** The SoC the anchor measured (not the blended estimate). */
  percent: number;
  kind: 'rest' | 'full';
}

/** Everything the estimator knows, as plain JSON. */
export interface EstimatorState {
  soc: number | null;
  /** Standard deviation of `soc`, points. */
  sigma: number;
  capacityAh: number;
  /**
   * Share of the charging Ah that is stored: the chemistry's prior, not learned (with the mixed days a cart makes it
   * cannot be told apart from the capacity: a fit of both drifted on the bench).
   */
  efficiency: number;
  capacitySamples: number;
  /** The fit's sums over anchor pairs, x = η·in − out in Ah, ΔSoC = x·b in points, capacity = 100 / b. */
  fit: { xx: number; xp: number; at: number | null };
  resistanceMilliohm: number;
  resistanceSamples: number;
  last: { at: number; mv: number; ma: number; amplifierOn: boolean } | null;
  /** When the amplifier was last seen switched off (null while it is on). */
  ampOffSince: number | null;
  /** Set after a gap: the next rest is taken at full weight. */
  lost: boolean;
  rest: { from: number; sumMv: number; n: number; lastUpdate: number | null } | null;
  fullSince: number | null;
  /** True after a full anchor until the charge falls below 95 %: one anchor per charge. */
  fullDone: boolean;
  anchor: Anchor | null;
  /** Ah in and out at the terminals since `anchor` (before the efficiency). */
  inAh: number;
  outAh: number;
}

export function initialEstimator(battery: BatterySpec): EstimatorState {
  return {
    soc: null,
    sigma: 30,
    capacityAh: battery.capacityAh,
    efficiency: CHARGE_EFFICIENCY[battery.chemistry],
    capacitySamples: 0,
    fit: { xx: 0, xp: 0, at: null },
    resistanceMilliohm: battery.internalResistanceMilliohm,
    resistanceSamples: 0,
    last: null,
    ampOffSince: null,
    lost: true,
    rest: null,
    fullSince: null,
    fullDone: false,
    anchor: null,
    inAh: 0,
    outAh: 0,
  };
}

/** Slope of the OCV table at `mv`: percent per millivolt. */
export function percentPerMv(table: readonly OcvPoint[], mv: number): number {
  for (let i = 1; i < table.length; i++) {
    const hi = table[i]!;
    const lo = table[i - 1]!;
    if (mv <= hi.mv || i === table.length - 1) return (hi.percent - lo.percent) / (hi.mv - lo.mv);
  }
  return 0;
}

/** The battery's state of charge, learned from readings. `observe` is called for every reading (every ~5 s). */
export class SocEstimator {
  readonly #battery: BatterySpec;
  readonly #table: readonly OcvPoint[];
  readonly #fullMv: number;
  s: EstimatorState;

  constructor(battery: BatterySpec, state?: EstimatorState) {
    this.#battery = battery;
    this.#table = ocvTables[battery.chemistry];
    this.#fullMv = ocvForPercent(this.#table, FULL_PERCENT);
    this.s = state ?? initialEstimator(battery);
  }

  /** One reading, with whether the amplifier was on since the previous one. */
  observe(r: PowerReading, amplifierOn: boolean): void {
    const s = this.s;
    const last = s.last;
    const dt = last === null ? Infinity : r.at - last.at;
    if (dt <= 0) return; // a repeated or out-of-order reading
    if (last !== null && dt <= STEP_MAX_MS) this.#learnResistance(last.mv, last.ma, r.batteryMv, r.batteryMa);
    if (amplifierOn) s.ampOffSince = null;
    else if (s.ampOffSince === null || dt > MAX_GAP_MS) s.ampOffSince = last?.amplifierOn === false && dt <= MAX_GAP_MS ? last.at : r.at;
    if (s.soc === null) this.#firstGuess(r);
    else if (dt > MAX_GAP_MS) this.#gap();
    else {
      this.#count(last!.ma, r.batteryMa, dt);
      this.#loadGuard(r, dt);
    }
    s.last = { at: r.at, mv: r.batteryMv, ma: r.batteryMa, amplifierOn };
    this.#restCorrection(r, amplifierOn);
    this.#fullCorrection(r);
  }

  /**
   * The state of charge told from outside, not measured: a technician who charged the battery on a mains charger or
   * fitted another one (`loa unit battery`), or a simulator's test control. Taken as a confident anchor of its own;
   * no capacity sample spans it (what flowed before belongs to the battery as it was).
   */
  told(percent: number): void {
    if (!(percent >= 0 && percent <= 100)) throw new RangeError(`told: percent must be 0–100, got ${percent}`);
    const s = this.s;
    s.soc = percent;
    s.sigma = 2;
    s.lost = false;
    s.anchor = null;
    s.rest = null;
    s.fullSince = null;
  }

  /** The battery spec's capacity in mA at C (used for "a few % of C"). */
  get #cMa(): number {
    return this.#battery.capacityAh * 1000;
  }

  #rested(mv: number, ma: number): number {
    return restingMv(mv, ma, this.s.resistanceMilliohm);
  }

  /** Nothing known yet: the voltage is the only word, however loaded; a wide uncertainty says so. */
  #firstGuess(r: PowerReading): void {
    this.s.soc = interpolateOcv(this.#table, this.#rested(r.batteryMv, r.batteryMa));
    this.s.sigma = 30;
    this.s.lost = true;
  }

  /** The cart was off: what flowed meanwhile is unknown; the next rest re-anchors, and no capacity sample spans it. */
  #gap(): void {
    this.s.lost = true;
    this.s.sigma = Math.max(this.s.sigma, 20);
    this.s.anchor = null;
    this.s.rest = null;
    this.s.fullSince = null;
  }

  /** Coulomb counting over `dtMs` with the trapezoid of the two currents. */
  #count(maBefore: number, maNow: number, dtMs: number): void {
    const s = this.s;
    const ma = (maBefore + maNow) / 2;
    const ah = (ma / 1000) * (dtMs / 3_600_000);
    const stored = ah > 0 ? ah * s.efficiency : ah;
    const points = (stored / s.capacityAh) * 100;
    s.soc = Math.min(100, Math.max(0, s.soc! + points));
    s.sigma = Math.min(30, s.sigma + DRIFT_OF_THROUGHPUT * Math.abs(points));
    if (ah > 0) s.inAh += ah;
    else s.outAh -= ah;
    if (s.soc < 95) s.fullDone = false;
  }

  /**
   * While discharging, the voltage corrected for I·R can still be far below what the count says: the count used
   * too large a capacity. Beyond the loaded voltage's uncertainty (steep near empty, wide in the middle), the
   * estimate is pulled down; never up (charging polarisation would lift it falsely, and safety is the point).
   */
  #loadGuard(r: PowerReading, dtMs: number): void {
    const s = this.s;
    if (r.batteryMa > -200) return;
    const mv = this.#rested(r.batteryMv, r.batteryMa);
    const measured = interpolateOcv(this.#table, mv);
    const band = 2 + percentPerMv(this.#table, mv) * LOAD_SIGMA_MV[this.#battery.chemistry];
    const excess = s.soc! - measured - band;
    if (excess > 0) s.soc = s.soc! - excess * (1 - Math.exp(-dtMs / LOAD_PULL_MS));
  }

  #learnResistance(mv0: number, ma0: number, mv1: number, ma1: number): void {
    const dI = ma1 - ma0;
    if (Math.abs(dI) < STEP_MIN_MA) return;
    const r = ((mv1 - mv0) / dI) * 1000; // mV per mA × 1000 = mΩ
    const nominal = this.#battery.internalResistanceMilliohm;
    if (!(r > nominal * 0.3 && r < nominal * 6)) return; // a step across a quantisation edge or a transient
    const s = this.s;
    const alpha = Math.max(0.05, 1 / (s.resistanceSamples + 2));
    s.resistanceMilliohm += alpha * (r - s.resistanceMilliohm);
    s.resistanceSamples++;
  }

  /** Rest: average the rested voltage over a window, then move the estimate by the Kalman weight. */
  #restCorrection(r: PowerReading, amplifierOn: boolean): void {
    const s = this.s;
    const quiet = Math.abs(r.batteryMa) <= Math.max(300, this.#cMa * 0.01);
    const restedLongEnough = !amplifierOn && s.ampOffSince !== null && r.at - s.ampOffSince >= REST_MS[this.#battery.chemistry];
    if (!quiet || !restedLongEnough) {
      s.rest = null;
      return;
    }
    s.rest ??= { from: r.at, sumMv: 0, n: 0, lastUpdate: null };
    const rest = s.rest;
    rest.sumMv += this.#rested(r.batteryMv, r.batteryMa);
    rest.n++;
    if (r.at - rest.from < AVERAGE_MS) return;
    if (rest.lastUpdate !== null && r.at - rest.lastUpdate < REPEAT_REST_MS) {
      rest.from = r.at;
      rest.sumMv = 0;
      rest.n = 0;
      return;
    }
    const mv = rest.sumMv / rest.n;
    this.applyRest(mv);
    rest.lastUpdate = r.at;
    rest.from = r.at;
    rest.sumMv = 0;
    rest.n = 0;
  }

  /**
   * One rest observation: the OCV's SoC with an uncertainty from the table's slope there. Returns the weight given
   * (0–1). After a gap the estimate takes the voltage's word whatever it is.
   */
  applyRest(mv: number): number {
    const s = this.s;
    const measured = interpolateOcv(this.#table, mv);
    const vSigma = Math.max(1, percentPerMv(this.#table, mv) * REST_SIGMA_MV[this.#battery.chemistry]);
    const prior = s.lost ? Math.max(s.sigma, 30) : s.sigma;
    const k = (prior * prior) / (prior * prior + vSigma * vSigma);
    s.soc = s.soc === null ? measured : s.soc + k * (measured - s.soc);
    s.sigma = Math.sqrt((1 - k) * prior * prior);
    s.lost = false;
    if (vSigma <= CONFIDENT_SIGMA) this.#anchorAt({ at: s.last?.at ?? 0, percent: measured, kind: 'rest' });
    return k;
  }

  /** Full: charging, tapered, at the top of the table, for a while. */
  #fullCorrection(r: PowerReading): void {
    const s = this.s;
    const tapered = r.batteryMa > -100 && r.batteryMa <= this.#cMa * FULL_TAPER_OF_C && r.solarMa > 0;
    const top = this.#rested(r.batteryMv, r.batteryMa) >= this.#fullMv;
    if (!tapered || !top || s.fullDone) {
      s.fullSince = null;
      return;
    }
    s.fullSince ??= r.at;
    if (r.at - s.fullSince < FULL_HOLD_MS) return;
    s.soc = 100;
    s.sigma = 1;
    s.lost = false;
    s.fullDone = true;
    this.#anchorAt({ at: r.at, percent: 100, kind: 'full' });
  }

  /** A confident anchor: with the previous one, one more equation for the capacity fit. */
  #anchorAt(anchor: Anchor): void {
    const s = this.s;
    // The flow since the last rest goes on being counted across a full anchor that the fit does not take.
    if (anchor.kind === 'full' && !FULL_ANCHORS_THE_FIT[this.#battery.chemistry]) return;
    const previous = s.anchor;
    if (previous !== null && s.inAh + s.outAh >= MIN_SAMPLE_AH) this.#equation(anchor.percent - previous.percent, s.inAh, s.outAh, anchor.at);
    s.anchor = anchor;
    s.inAh = 0;
    s.outAh = 0;
  }

  /** ΔSoC = b·(η·in − out), added to the least-squares sums (older ones forgotten) and solved with the nominal prior. */
  #equation(dp: number, inAh: number, outAh: number, at: number): void {
    const s = this.s;
    const x = inAh * s.efficiency - outAh;
    if (Math.abs(dp) < MIN_FIT_POINTS) return;
    if (Math.abs(dp - (x / s.capacityAh) * 100) > MAX_RESIDUAL) return; // a bad anchor, not a battery
    const f = s.fit;
    const keep = f.at === null ? 1 : Math.exp(-Math.max(0, at - f.at) / FORGET_MS);
    f.xx = f.xx * keep + x * x;
    f.xp = f.xp * keep + x * dp;
    f.at = at;
    const nominal = this.#battery.capacityAh;
    // Minimises Σ(dp − b·x)² + l·(b − b0)², b0 the nominal battery's points per Ah.
    const b = (f.xp + PRIOR_WEIGHT_AH2 * (100 / nominal)) / (f.xx + PRIOR_WEIGHT_AH2);
    if (!(b > 0)) return;
    s.capacityAh = Math.min(1.5 * nominal, Math.max(0.3 * nominal, 100 / b));
    if (Math.abs(x) >= MIN_SAMPLE_AH) s.capacitySamples++;
  }
}

/**
 * A lower bound of the capacity, Ah: the fit less one standard deviation of what its anchors (each within
 * ±CONFIDENT_SIGMA points) and the prior leave open, plus 3 %. Before any anchor pair it is about 70 % of the
 * nominal capacity: a battery whose age is unknown is judged as an aged one where safety depends on it.
 */
/** Whether the anchor pairs say more about the capacity than the nominal prior does (health is then reported). */
export function capacityLearned(s: EstimatorState): boolean {
  return s.capacitySamples > 0 && s.fit.xx >= HEALTH_AFTER_PRIOR_TIMES * PRIOR_WEIGHT_AH2;
}

export function capacityLowAh(s: EstimatorState, nominalAh: number): number {
  const relative = (CONFIDENT_SIGMA * s.capacityAh) / (100 * Math.sqrt(s.fit.xx + PRIOR_WEIGHT_AH2));
  return Math.min(nominalAh, s.capacityAh) * (1 - Math.min(CAPACITY_LOW_MAX, CAPACITY_LOW_FLOOR + relative));
}
