/** Capped exponential backoff, used for reconnecting to the broker and for resending unacknowledged records. */

export interface BackoffOptions {
  /** Delay after the first failure, ms. */
  initialMs: number;
  /** Longest delay, ms. */
  maxMs: number;
  /** Growth per failure (at least 1). */
  factor: number;
}

/** Checks the options, naming the bad one. `what` prefixes the option names in messages (`backoff.`). */
export function checkBackoff(options: BackoffOptions, what: string): BackoffOptions {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${what}.${name} must be a positive number, got ${String(value)}`);
    }
  }
  if (options.factor < 1) throw new RangeError(`${what}.factor must be at least 1, got ${options.factor}`);
  if (options.maxMs < options.initialMs) {
    throw new RangeError(`${what}.maxMs must be at least ${what}.initialMs (${options.initialMs}), got ${options.maxMs}`);
  }
  return options;
}

/** Delay before attempt `attempt` (1-based): initial × factor^(attempt−1), capped at max. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
}

/**
 * The same delay with "equal jitter": half of it fixed, half random, so a district's carts that lost the broker
 * together do not all come back in the same millisecond, and none retries sooner than half the nominal delay.
 */
export function jitteredDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = backoffDelay(attempt, options);
  return Math.round(base / 2 + random() * (base / 2));
}
