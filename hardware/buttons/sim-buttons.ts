/**
 * Simulated buttons for `npm start`, the demo and tests. Test controls: `press(name, ms)` holds a button for `ms`
 * (optionally with contact bounce at both edges), `hold(name)` / `letGo(name)` for open-ended holds. They go
 * through the same debounce and long-press logic as the real buttons, and use timers, so fake timers drive them.
 */
import { BaseButtons } from './base-buttons.js';
import { STANDARD_BUTTONS, type ButtonName, type ButtonTiming } from './buttons.js';

export interface SimulatedButtonsOptions extends ButtonTiming {
  /** Button names; default the four standard ones. */
  names?: readonly ButtonName[];
  now?: () => number;
}

export interface PressOptions {
  /** Number of extra raw edges at press and at release, 1 ms apart (contact bounce). Default 0. */
  bounces?: number;
}

export class SimulatedButtons extends BaseButtons {
  #open = false;

  constructor(options: SimulatedButtonsOptions = {}) {
    super(options.names ?? STANDARD_BUTTONS, options, options.now);
  }

  async open(): Promise<void> {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.#open = false;
    this.disposeAll();
  }

  /** Test control: the raw contact closes now (ignored while closed). */
  hold(name: ButtonName): void {
    const d = this.detector(name);
    if (this.#open) d.input(true);
  }

  /** Test control: the raw contact opens now. */
  letGo(name: ButtonName): void {
    const d = this.detector(name);
    if (this.#open) d.input(false);
  }

  /** Test control: holds `name` for `ms`, then lets go; resolves once the release is debounced. */
  async press(name: ButtonName, ms: number, options: PressOptions = {}): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ms must be a duration >= 0, got ${ms}`);
    const bounces = options.bounces ?? 0;
    this.detector(name);
    const sleep = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, t));
    const edge = async (pressed: boolean) => {
      for (let i = 0; i < bounces; i++) {
        if (pressed) this.hold(name); else this.letGo(name);
        await sleep(1);
        if (pressed) this.letGo(name); else this.hold(name);
        await sleep(1);
      }
      if (pressed) this.hold(name); else this.letGo(name);
    };
    await edge(true);
    await sleep(ms);
    await edge(false);
    await sleep(this.timing.debounceMs + 1);
  }
}
