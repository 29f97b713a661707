/**
 * Track thinning and stop detection: GNSS fixes in (a few a second), the points worth keeping and sending out
 * (SPEC.md "track") and the cart's stops. Stateful but pure: no clock, no I/O; times are the fixes' own (ms since
 * the epoch).
 *
 * A fix is kept when the cart is more than `minDistanceM` from the last kept point, or, while moving, when
 * `maxIntervalS` passed since the last kept point. While standing still nothing is kept but the stop point.
 * The cart is stopped once it has been slower than `stopSpeedMps` and within `minDistanceM` of one spot for
 * `stopAfterS`; the stop starts at the first fix of that run (the stop point). It ends when the cart is more than
 * `minDistanceM` from the stop point (speed alone does not end it: a receiver's speed jitters while standing), at
 * the time it started moving again.
 */
import { haversineM, isValidPosition } from './geo.js';

export interface TrackFix {
  /** Ms since the epoch. */
  time: number;
  lat: number;
  lon: number;
  /** Speed over ground; null when the receiver gave none (then standing is judged by position alone). */
  speedMps: number | null;
}

export interface TrackPoint {
  time: number;
  lat: number;
  lon: number;
}

export type StopEvent =
  | { kind: 'stop-start'; time: number; lat: number; lon: number }
  | { kind: 'stop-end'; time: number; lat: number; lon: number; startedAt: number; durationS: number };

export interface TrackUpdate {
  /** Points to keep, in time order (never earlier than a point returned before). */
  points: TrackPoint[];
  events: StopEvent[];
}

export interface TrackThinnerOptions {
  /** Keep a point when the cart moved more than this from the last kept point; also the radius of a stop. */
  minDistanceM?: number;
  /** While moving, keep a point at least this often, seconds. */
  maxIntervalS?: number;
  /** Slower than this counts as standing, m/s. */
  stopSpeedMps?: number;
  /** Standing this long makes a stop, seconds. */
  stopAfterS?: number;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a number above 0, got ${String(value)}`);
  return value;
}

const point = (f: TrackPoint): TrackPoint => ({ time: f.time, lat: f.lat, lon: f.lon });

export class TrackThinner {
  readonly #minDistanceM: number;
  readonly #maxIntervalMs: number;
  readonly #stopSpeedMps: number;
  readonly #stopAfterMs: number;
  #lastKept: TrackPoint | null = null;
  #lastFix: { fix: TrackPoint; kept: boolean } | null = null;
  /** A run of slow fixes within `minDistanceM` of its first one (the anchor), not long enough yet to be a stop. */
  #candidate: { anchor: TrackPoint; kept: boolean } | null = null;
  #stop: { point: TrackPoint; movingSince: number | null } | null = null;
  #ignored = 0;

  constructor(options: TrackThinnerOptions = {}) {
    this.#minDistanceM = positive('minDistanceM', options.minDistanceM ?? 25);
    this.#maxIntervalMs = positive('maxIntervalS', options.maxIntervalS ?? 60) * 1000;
    this.#stopSpeedMps = positive('stopSpeedMps', options.stopSpeedMps ?? 0.5);
    this.#stopAfterMs = positive('stopAfterS', options.stopAfterS ?? 120) * 1000;
  }

  /** The stop point while the cart is stopped, else null. */
  get stoppedAt(): TrackPoint | null {
    return this.#stop ? { ...this.#stop.point } : null;
  }

  /** Fixes dropped because their time was not after the previous fix's (receiver glitches, replays). */
  get ignoredFixes(): number {
    return this.#ignored;
  }

  /** Feeds one fix with a position; returns the points to keep and the stop events it caused. */
  push(fix: TrackFix): TrackUpdate {
    if (!Number.isFinite(fix.time)) throw new RangeError(`fix.time must be ms since the epoch, got ${String(fix.time)}`);
    if (!isValidPosition(fix)) throw new RangeError(`fix must have lat −90..90 and lon −180..180, got ${JSON.stringify({ lat: fix.lat, lon: fix.lon })}`);
    const out: TrackUpdate = { points: [], events: [] };
    const previous = this.#lastFix;
    if (previous && fix.time <= previous.fix.time) {
      this.#ignored++;
      return out;
    }
    const here = point(fix);
    // Without a speed from the receiver, standing is judged by position alone (a speed computed from two noisy
    // positions a second apart says nothing): the stop then ends when the cart leaves the radius.
    const slow = fix.speedMps === null || fix.speedMps < this.#stopSpeedMps;
    const kept = this.#stop ? this.#whileStopped(here, slow, out) : this.#whileMoving(here, slow, out);
    this.#lastFix = { fix: here, kept };
    return out;
  }

  /**
   * End of the track (shutdown, end of file): keeps the last fix if it was not kept while moving, or the spot where
   * the cart stands if that was not kept. Nothing when it is stopped (the stop point is kept already).
   */
  flush(): TrackPoint[] {
    const last = this.#lastFix;
    if (!last || last.kept || this.#stop) return [];
    const candidate = this.#candidate;
    const p = candidate ? candidate.anchor : last.fix;
    if (candidate?.kept) return [];
    if (candidate) candidate.kept = true;
    last.kept = true;
    this.#keep(p);
    return [p];
  }

  #keep(p: TrackPoint): void {
    this.#lastKept = p;
  }

  #whileStopped(here: TrackPoint, slow: boolean, out: TrackUpdate): boolean {
    const stop = this.#stop!;
    if (haversineM(stop.point, here) <= this.#minDistanceM) {
      stop.movingSince = slow ? null : (stop.movingSince ?? here.time);
      return false;
    }
    const end = stop.movingSince ?? here.time;
    out.events.push({ kind: 'stop-end', time: end, lat: stop.point.lat, lon: stop.point.lon, startedAt: stop.point.time, durationS: (end - stop.point.time) / 1000 });
    this.#stop = null;
    this.#keep(here);
    out.points.push(here);
    this.#candidate = slow ? { anchor: here, kept: true } : null;
    return true;
  }

  #whileMoving(here: TrackPoint, slow: boolean, out: TrackUpdate): boolean {
    const last = this.#lastKept;
    const far = last === null || haversineM(last, here) > this.#minDistanceM;
    if (!slow) {
      this.#candidate = null;
      if (!far && here.time - last!.time < this.#maxIntervalMs) return false;
      this.#keep(here);
      out.points.push(here);
      return true;
    }
    const candidate = this.#candidate;
    if (candidate && haversineM(candidate.anchor, here) <= this.#minDistanceM) {
      // Still standing: nothing is kept until the stop is confirmed, then only its stop point.
      if (here.time - candidate.anchor.time < this.#stopAfterMs) return false;
      this.#candidate = null;
      this.#stop = { point: candidate.anchor, movingSince: null };
      out.events.push({ kind: 'stop-start', time: candidate.anchor.time, lat: candidate.anchor.lat, lon: candidate.anchor.lon });
      if (!candidate.kept) {
        this.#keep(candidate.anchor);
        out.points.push(candidate.anchor);
      }
      return false;
    }
    // Slow, at a new spot: it may be the start of a stop. Kept only by distance (time does not count while slow).
    this.#candidate = { anchor: here, kept: far };
    if (!far) return false;
    this.#keep(here);
    out.points.push(here);
    return true;
  }
}
