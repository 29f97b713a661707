/**
 * What of the cart's telemetry goes in the next live frame (SPEC.md, 0x02 telemetry): the fields that changed since
 * they were last sent, and every field now and then. A live frame is latest-wins and may be lost, so the district's
 * picture is at most one refresh period stale; in between, a frame carries a few bytes of telemetry beside the fix
 * and fits a short serial frame (SPEC.md section 9).
 *
 * Measured values change a little at every reading (ADC noise, the sun), so they are sent again only when they
 * moved by more than a deadband since they were last sent. Runtime counters change every second and travel with the
 * full refreshes only: the district's reports take amplifier time from the difference of two counters, so nothing is
 * lost between them. The energy forecast goes when it moved enough for the district's picture (`energyMoved`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Telemetry } from '../../protocol/index.js';

/** How far a measured value moves before it is sent again (units of the field). */
export const DEADBANDS = { batteryMv: 20, batteryMa: 50, solarMv: 100, solarMa: 50 } as const;

type Field = Exclude<keyof Telemetry, 'type'>;
/** Fields compared exactly. `runtime` is not here: it rides on full refreshes only. */
const EXACT: readonly Field[] = ['soc', 'state', 'volume', 'faults', 'outboxDepth', 'sync'];

export interface LiveDeltaOptions {
  /** Every how many telemetry messages one carries every field (default 10: five minutes at 30 s). */
  fullEvery?: number;
}

/** The telemetry to send, and how to record that it went. */
export interface ComposedTelemetry {
  message: Telemetry;
  full: boolean;
  /** Call once the frame carrying `message` was handed to the link; a frame that failed to go is not committed. */
  commit(): void;
}

export class LiveDelta {
  readonly #fullEvery: number;
  /** The value of each field as last sent. */
  #sent: Telemetry = { type: 'telemetry' };
  /** Delta messages committed since the last full one. */
  #sinceFull: number;

  constructor(o: LiveDeltaOptions = {}) {
    const every = o.fullEvery ?? 10;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`fullEvery must be a whole number ≥ 1, got ${String(o.fullEvery)}`);
    this.#fullEvery = every;
    this.#sinceFull = every;
  }

  /** The next message carries every field: after the link came back, the district may have missed deltas. */
  refresh(): void {
    this.#sinceFull = this.#fullEvery;
  }

  /** The message to send for the cart's whole current telemetry `now`. */
  compose(now: Telemetry): ComposedTelemetry {
    // A cycle is one full message and fullEvery − 1 deltas.
    const isFull = this.#sinceFull >= this.#fullEvery - 1;
    const message: Telemetry = isFull ? withoutUndefined(now) : this.#changes(now);
    return {
      message,
      full: isFull,
      commit: () => {
        this.#sent = { ...this.#sent, ...message };
        this.#sinceFull = isFull ? 0 : this.#sinceFull + 1;
      },
    };
  }

  #changes(now: Telemetry): Telemetry {
    const out: Telemetry = { type: 'telemetry' };
    const last = this.#sent;
    for (const k of Object.keys(DEADBANDS) as (keyof typeof DEADBANDS)[]) {
      const v = now[k];
      if (v === undefined) continue;
      const before = last[k];
      if (before === undefined || Math.abs(v - before) > DEADBANDS[k]) out[k] = v;
    }
    for (const k of EXACT) {
      if (now[k] !== undefined && !isDeepStrictEqual(now[k], last[k])) (out as unknown as Record<string, unknown>)[k] = now[k];
    }
    if (now.energy !== undefined && energyMoved(now.energy, last.energy)) out.energy = now.energy;
    return out;
  }
}

/**
 * The forecast moves a little at every reading; it goes again when the team's picture changed: the minutes left by
 * more than a tenth (at least 5 min), the reserve reached or left, charging begun or ended, the health re-estimated.
 */
export function energyMoved(now: NonNullable<Telemetry['energy']>, last: Telemetry['energy']): boolean {
  if (last === undefined) return true;
  const far = (a: number, b: number): boolean => Math.abs(a - b) > Math.max(5, 0.1 * b);
  return (
    far(now.minutesLeft, last.minutesLeft) ||
    far(now.minutesLeftNoSun, last.minutesLeftNoSun) ||
    (now.minutesLeft === 0) !== (last.minutesLeft === 0) ||
    Math.abs(now.reserveMinutes - last.reserveMinutes) > 2 ||
    (now.minutesToFull === null) !== (last.minutesToFull === null) ||
    now.healthPercent !== last.healthPercent
  );
}

function withoutUndefined(t: Telemetry): Telemetry {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as unknown as Telemetry;
}
