/**
 * What the cart draws, learned from what it measures: the load current is what the panel gives minus what goes into
 * the battery (`solarMa − batteryMa`: with a PWM charger the panel's current reaches the battery bus). With the
 * amplifier off that is the board's own base load; with it on, one running mean per 5 % volume step. A volume never
 * played is the configured prior (idle + max × (v/100)², the power of a class-D amplifier following the square of
 * the amplitude), scaled by how the measured volumes compare with their prior. Pure.
 */
import type { BatteryChemistry } from '../../hardware/power/power.js';

const BUCKETS = 21; // volumes 0, 5, … 100
const MEAN_OVER = 720; // readings (an hour at 5 s): the programme (speech, music) moves the draw ±15 % over minutes
const TRUSTED_AFTER = 60; // readings at one volume before its mean replaces the prior there
/** A typical battery voltage while discharging, to turn the prior's watts into amps. */
const TYPICAL_MV: Record<BatteryChemistry, number> = { 'lead-acid': 12_400, lifepo4: 13_100 };
const PRIOR_BASE_W = 2; // the Pi, the GNSS, the board: until measured

export interface LoadState {
  /** Base load with the amplifier off, mA; null until measured. */
  baseMa: number | null;
  baseN: number;
  /** Total load with the amplifier on at volume bucket i (i × 5 %), mA, and its count. */
  onMa: (number | null)[];
  onN: number[];
}

export const initialLoad = (): LoadState => ({
  baseMa: null,
  baseN: 0,
  onMa: new Array<number | null>(BUCKETS).fill(null),
  onN: new Array<number>(BUCKETS).fill(0),
});

const bucketOf = (volumePercent: number): number => Math.min(BUCKETS - 1, Math.max(0, Math.round(volumePercent / 5)));

export class LoadModel {
  readonly #idleW: number;
  readonly #maxW: number;
  readonly #mv: number;
  s: LoadState;

  constructor(chemistry: BatteryChemistry, amplifier: { idleW: number; maxW: number }, state?: LoadState) {
    this.#idleW = amplifier.idleW;
    this.#maxW = amplifier.maxW;
    this.#mv = TYPICAL_MV[chemistry];
    this.s = state ?? initialLoad();
  }

  observe(solarMa: number, batteryMa: number, amplifierOn: boolean, volumePercent: number): void {
    const ma = Math.max(0, solarMa - batteryMa);
    const s = this.s;
    if (!amplifierOn) {
      s.baseN = Math.min(MEAN_OVER, s.baseN + 1);
      s.baseMa = s.baseMa === null ? ma : s.baseMa + (ma - s.baseMa) / s.baseN;
      return;
    }
    const i = bucketOf(volumePercent);
    s.onN[i] = Math.min(MEAN_OVER, s.onN[i]! + 1);
    const mean = s.onMa[i];
    s.onMa[i] = mean === null || mean === undefined ? ma : mean + (ma - mean) / s.onN[i]!;
  }

  get baseMa(): number {
    return this.s.baseMa ?? (PRIOR_BASE_W / this.#mv) * 1e6;
  }

  /** The prior's amplifier draw at a volume, mA. */
  #priorAmpMa(volumePercent: number): number {
    return ((this.#idleW + this.#maxW * (volumePercent / 100) ** 2) / this.#mv) * 1e6;
  }

  /** How the measured amplifier draws compare with the prior (1 until a volume is measured). */
  #scale(): number {
    let measured = 0;
    let prior = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const ma = this.s.onMa[i];
      if (ma === null || ma === undefined || this.s.onN[i]! < TRUSTED_AFTER) continue;
      measured += Math.max(0, ma - this.baseMa);
      prior += this.#priorAmpMa(i * 5);
    }
    return prior > 0 ? Math.min(3, Math.max(0.3, measured / prior)) : 1;
  }

  /** Draw of the whole cart with the amplifier on at `volumePercent`, mA, for each of `volumes`, into `out`. */
  drawsMa(volumes: readonly number[], out: Float64Array): Float64Array {
    const scale = this.#scale();
    for (let j = 0; j < volumes.length; j++) out[j] = this.drawMa(volumes[j]!, scale);
    return out;
  }

  drawMa(volumePercent: number, scale = this.#scale()): number {
    const i = bucketOf(volumePercent);
    const ma = this.s.onMa[i];
    if (ma !== null && ma !== undefined && this.s.onN[i]! >= TRUSTED_AFTER && Math.abs(i * 5 - volumePercent) < 0.5) return ma;
    return this.baseMa + scale * this.#priorAmpMa(volumePercent);
  }
}
