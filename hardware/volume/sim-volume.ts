/** A volume that only remembers, with the same clamp as the real one. Test control: `history` of applied values. */
import { silentLogger, type Logger } from '../logger.js';
import { checkMax, clampVolume, type Volume, type VolumeSetResult } from './volume.js';

export interface SimulatedVolumeOptions {
  max: number;
  /** Starting volume in percent; default 50, clamped to max. */
  initial?: number;
  logger?: Logger;
}

export class SimulatedVolume implements Volume {
  readonly max: number;
  /** Test control: every result of `set()`. */
  readonly history: VolumeSetResult[] = [];
  readonly #logger: Logger;
  #percent: number;

  constructor(options: SimulatedVolumeOptions) {
    this.max = checkMax(options.max);
    this.#percent = clampVolume(options.initial ?? 50, this.max).applied;
    this.#logger = options.logger ?? silentLogger;
  }

  async get(): Promise<number> {
    return this.#percent;
  }

  async set(percent: number): Promise<VolumeSetResult> {
    const result = clampVolume(percent, this.max);
    if (result.clamped) {
      this.#logger.warn(() => `volume ${percent}% asked, ${result.applied}% set: the configured range is 0–${this.max}%`);
    }
    this.#percent = result.applied;
    this.history.push(result);
    return result;
  }
}
