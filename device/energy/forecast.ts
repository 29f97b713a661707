/**
 * The forecast's arithmetic, pure: step forward in 10-minute slots from now, the usable charge minus the draw plus
 * the expected harvest of the slot (charging only stores `efficiency` of it, and never past the capacity), until the
 * charge reaches the floor; at most a day (1440 min, "a day or more"). The floor is the one the reserve keeps at
 * each moment: it includes what the board's own base load will take before a pessimistic sun gives it back
 * ({@link nightNeed}), so it is higher in the evening and before a dull day.
 */

export const FORECAST_CAP_MINUTES = 1440;
const STEP_MIN = 10;
const HOUR_MS = 3_600_000;
const NOW_FADE_MIN = 45; // the weight of the current harvest falls by e every 45 minutes

export interface ForecastInput {
  /** Usable charge now, Ah (above the usable scale's 0 %). */
  chargeAh: number;
  capacityAh: number;
  /** The charge where ordinary play stops (cut-off plus the emergency reserve), Ah, before the night's share below. */
  floorAh: number;
  /**
   * The floor also keeps, times `scale`, what the base load will take before the sun gives it back: {@link needAt}
   * of `need` (from {@link nightNeed}), or `unknownHours` of base load when no sun is learned (`need` null).
   * Omitted: nothing added.
   */
  nightAh?: { need: NightNeed | null; baseA: number; unknownHours: number; scale: number };
  /** What the cart draws while playing, mA. */
  drawMa: number;
  /** Expected harvest, Ah per hour, per local hour slot from now's (index 0), or null for none. */
  rates: Float64Array | null;
  /**
   * The panel's current now, A (smoothed over minutes), or null: the first hour's harvest starts from it and blends
   * into the profile (the clouds of now last a while; the sun ramps inside an hour).
   */
  harvestNowA?: number | null;
  /** How far into its hour slot `now` is, ms. */
  msIntoSlot: number;
  /** Share of the charging Ah that is stored. */
  efficiency: number;
}

/** The harvest and the floor of each 10-minute step of the day ahead: the same for every volume, so computed once. */
export interface ForecastSteps {
  /** Expected harvest at the middle of step i, A. */
  harvestA: Float64Array;
  /** The floor at the start of step i (i = 0 … STEPS), Ah. */
  floorAh: Float64Array;
}

const STEPS = FORECAST_CAP_MINUTES / STEP_MIN;

export const newForecastSteps = (): ForecastSteps => ({ harvestA: new Float64Array(STEPS), floorAh: new Float64Array(STEPS + 1) });

/** Fills `out` with the harvest and the floor of every step of the day ahead. */
export function forecastSteps(f: Omit<ForecastInput, 'chargeAh' | 'drawMa'>, out: ForecastSteps = newForecastSteps()): ForecastSteps {
  for (let i = 0; i < STEPS; i++) out.harvestA[i] = harvestAt(f, (i + 0.5) * STEP_MIN);
  for (let i = 0; i <= STEPS; i++) out.floorAh[i] = floorAt(f, i * STEP_MIN);
  return out;
}

/** Minutes of play before the charge reaches the floor, capped at 1440, 0 when already there. */
export function minutesUntilFloor(f: ForecastInput, steps: ForecastSteps = forecastSteps(f)): number {
  let charge = f.chargeAh;
  if (charge <= steps.floorAh[0]!) return 0;
  const drawA = f.drawMa / 1000;
  for (let i = 0; i < STEPS; i++) {
    const netA = steps.harvestA[i]! - drawA;
    const next = Math.min(f.capacityAh, charge + (netA > 0 ? netA * f.efficiency : netA) * (STEP_MIN / 60));
    const floor = steps.floorAh[i]!;
    const nextFloor = steps.floorAh[i + 1]!;
    if (next <= nextFloor) return i * STEP_MIN + (STEP_MIN * (charge - floor)) / (charge - floor - (next - nextFloor));
    charge = next;
  }
  return FORECAST_CAP_MINUTES;
}

/** What the base load takes before the sun gives it back, at each hour-slot boundary from now's slot start. */
export interface NightNeed {
  /** Ah at the start of slot k (k = 0 … 48); 0 at the end of the 48 hours known. */
  atSlot: Float64Array;
  /** The (pessimistic) harvest of each slot, Ah per hour, as given to {@link nightNeed}. */
  lowA: Float64Array;
  baseA: number;
  efficiency: number;
}

/**
 * The charge the base load alone needs at the start of each slot so as never to go below what it is asked to keep
 * before the end of the 48 hours: the deepest cumulative deficit ahead (a sunny slot pays back, stored at
 * `efficiency`). With a pessimistic harvest it is the share of the floor that keeps an emergency's reserve through
 * the night and a dull morning.
 */
export function nightNeed(lowA: Float64Array, baseA: number, efficiency: number, out?: NightNeed): NightNeed {
  const n = out ?? { atSlot: new Float64Array(lowA.length + 1), lowA, baseA, efficiency };
  n.lowA = lowA;
  n.baseA = baseA;
  n.efficiency = efficiency;
  n.atSlot[lowA.length] = 0;
  for (let k = lowA.length - 1; k >= 0; k--) n.atSlot[k] = stepBack(n.atSlot[k + 1]!, lowA[k]! - baseA, efficiency, 1);
  return n;
}

/** The need `hours` after the start of now's slot (fractional), Ah. */
export function needAt(n: NightNeed, hours: number): number {
  const k = Math.min(n.lowA.length - 1, Math.max(0, Math.floor(hours)));
  const left = Math.min(1, Math.max(0, k + 1 - hours));
  return stepBack(n.atSlot[k + 1]!, n.lowA[k]! - n.baseA, n.efficiency, left);
}

/** The need before `hours` of a net flow `netA` (negative: a deficit), given the need after them. */
function stepBack(after: number, netA: number, efficiency: number, hours: number): number {
  return netA < 0 ? after - netA * hours : Math.max(0, after - netA * efficiency * hours);
}

/** Expected harvest, A, `minutes` from now. */
function harvestAt(f: Omit<ForecastInput, 'chargeAh' | 'drawMa'>, minutes: number): number {
  if (f.rates === null) return 0;
  const profile = f.rates[Math.floor((f.msIntoSlot + minutes * 60_000) / HOUR_MS)] ?? 0;
  if (f.harvestNowA === null || f.harvestNowA === undefined) return profile;
  const w = Math.exp(-minutes / NOW_FADE_MIN);
  return w * f.harvestNowA + (1 - w) * profile;
}

/** The floor `minutes` from now. */
function floorAt(f: Omit<ForecastInput, 'chargeAh' | 'drawMa'>, minutes: number): number {
  const n = f.nightAh;
  if (n === undefined) return f.floorAh;
  if (n.need === null) return f.floorAh + n.scale * n.baseA * n.unknownHours;
  return f.floorAh + n.scale * needAt(n.need, (f.msIntoSlot + minutes * 60_000) / HOUR_MS);
}
