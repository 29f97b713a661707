/**
 * Output volume in percent, with a hard ceiling from configuration (`max`) that protects the speaker and the
 * neighbours: `set()` never goes above it and says so in its result.
 */
export interface VolumeSetResult {
  requested: number;
  /** What was applied: `requested` rounded and clamped to 0..max. */
  applied: number;
  /** True when `requested` was above `max` (or below 0) and was cut. */
  clamped: boolean;
}

export interface Volume {
  /** The hard maximum in percent (0–100), from configuration. */
  readonly max: number;
  /** The current volume in percent, read back from the mixer. */
  get(): Promise<number>;
  /** Sets the volume, clamped to 0..max. */
  set(percent: number): Promise<VolumeSetResult>;
}

export class VolumeError extends Error {
  readonly code: 'VOLUME_MIXER_MISSING' | 'VOLUME_MIXER_FAILED' | 'VOLUME_UNREADABLE';
  constructor(code: VolumeError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolumeError';
    this.code = code;
  }
}

/** Checks the configured maximum. */
export function checkMax(max: unknown): number {
  if (typeof max !== 'number' || !Number.isFinite(max) || max < 0 || max > 100) {
    throw new RangeError(`options.max must be a percentage from 0 to 100, got ${JSON.stringify(max)}`);
  }
  return max;
}

/** Clamps a requested percentage to 0..max (rounded to a whole percent); rejects non-numbers. */
export function clampVolume(percent: number, max: number): VolumeSetResult {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) {
    throw new RangeError(`percent must be a number, got ${JSON.stringify(percent)}`);
  }
  const applied = Math.round(Math.min(Math.max(percent, 0), max));
  return { requested: percent, applied, clamped: percent > max || percent < 0 };
}
