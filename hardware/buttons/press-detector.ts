/**
 * Debounce and long-press logic, shared by the real and the simulated buttons. It is fed raw levels (pressed or
 * not) as they change, and reports debounced events through the callbacks.
 *
 * Debounce: a new level counts once it has stayed unchanged for `debounceMs`; every bounce restarts the wait. The
 * press and release are timed from the first edge of the level that held, so bounce does not shorten or lengthen
 * the reported duration.
 */
import { DEFAULT_DEBOUNCE_MS, DEFAULT_LONG_PRESS_MS, type ButtonTiming } from './buttons.js';

export interface PressCallbacks {
  press(durationMs: number): void;
  longpress(heldMs: number): void;
  release(durationMs: number, long: boolean): void;
}

export function checkTiming(timing: ButtonTiming): Required<ButtonTiming> {
  const debounceMs = timing.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const longPressMs = timing.longPressMs ?? DEFAULT_LONG_PRESS_MS;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new RangeError(`debounceMs must be a number of milliseconds >= 0, got ${debounceMs}`);
  }
  if (!Number.isFinite(longPressMs) || longPressMs <= debounceMs) {
    throw new RangeError(`longPressMs must be a number of milliseconds above debounceMs (${debounceMs}), got ${longPressMs}`);
  }
  return { debounceMs, longPressMs };
}

export class PressDetector {
  readonly #timing: Required<ButtonTiming>;
  readonly #cb: PressCallbacks;
  readonly #now: () => number;
  /** The debounced level. */
  #pressed = false;
  /** The last raw level seen, and when it started. */
  #raw = false;
  #rawSince = 0;
  #pressedAt = 0;
  #long = false;
  /** The long threshold passed while a release was settling: fire it if the release turns out to be a bounce. */
  #longDue = false;
  #settle: ReturnType<typeof setTimeout> | undefined;
  #longTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(timing: ButtonTiming, callbacks: PressCallbacks, now: () => number = Date.now) {
    this.#timing = checkTiming(timing);
    this.#cb = callbacks;
    this.#now = now;
  }

  get pressed(): boolean {
    return this.#pressed;
  }

  /** Sets the starting level without reporting anything (a button already held at start-up is not a press). */
  reset(pressed: boolean): void {
    this.dispose();
    this.#pressed = this.#raw = pressed;
    this.#long = pressed; // a hold that started before us is never reported as a press
    this.#rawSince = this.#pressedAt = this.#now();
  }

  /** A raw level from the input; repeated levels are ignored. */
  input(pressed: boolean): void {
    if (pressed === this.#raw) return;
    this.#raw = pressed;
    this.#rawSince = this.#now();
    clearTimeout(this.#settle);
    this.#settle = undefined;
    if (pressed === this.#pressed) {
      // A bounce back to the debounced level.
      if (pressed && this.#longDue) this.#fireLong();
      return;
    }
    const since = this.#rawSince;
    this.#settle = setTimeout(() => this.#accept(pressed, since), this.#timing.debounceMs);
  }

  /** Clears pending timers. */
  dispose(): void {
    this.#longDue = false;
    clearTimeout(this.#settle);
    clearTimeout(this.#longTimer);
    this.#settle = this.#longTimer = undefined;
  }

  #fireLong(): void {
    this.#longDue = false;
    this.#long = true;
    this.#cb.longpress(this.#now() - this.#pressedAt);
  }

  #accept(pressed: boolean, since: number): void {
    this.#settle = undefined;
    this.#pressed = pressed;
    if (pressed) {
      this.#pressedAt = since;
      this.#long = false;
      const wait = Math.max(0, this.#timing.longPressMs - (this.#now() - since));
      this.#longTimer = setTimeout(() => {
        this.#longTimer = undefined;
        // Let go just before the threshold, the release still settling: not (yet) a long press.
        if (!this.#raw) this.#longDue = true;
        else this.#fireLong();
      }, wait);
      return;
    }
    clearTimeout(this.#longTimer);
    this.#longTimer = undefined;
    this.#longDue = false;
    const duration = since - this.#pressedAt;
    if (!this.#long) this.#cb.press(duration);
    this.#cb.release(duration, this.#long);
  }
}
