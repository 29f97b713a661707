/**
 * The team's status LED: what the cart is doing, readable from a few steps away. Steady on while broadcasting, a
 * slow blink while warming up or paused, off when idle; when a play is refused it flashes the reason as a count,
 * repeated for a while: 1 outside the hours, 2 a session or daily limit, 3 a quiet zone, 4 low battery, 5 nothing
 * approved to play yet, or anything else (the printed card on the cart says which is which; `loa unit status` gives
 * the words).
 *
 * The LED is any on/off output: the same `Relay` interface as the amplifier relay, on its own pin.
 */
import type { Relay } from '../hardware/relay/relay.js';
import type { PlayerStateName } from './player/player.js';

export const BLINK_CODES: Record<string, number> = {
  'outside-hours': 1,
  'session-limit': 2,
  'daily-limit': 2,
  'quiet-zone': 3,
  'low-battery': 4,
  'no-approved-clip': 5,
};

const FLASH_MS = 250;
const PAUSE_MS = 1500;
const SLOW_MS = 700;

export class StatusLed {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pattern: boolean[] = [];
  #step = 0;

  constructor(private readonly output: Relay) {}

  async open(): Promise<void> {
    await this.output.open();
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.output.close();
  }

  /** Shows the player's state; `reasons` are the block codes when it is blocked. */
  show(state: PlayerStateName, reasons: readonly string[] = []): void {
    switch (state) {
      case 'playing':
        return this.#run([true]);
      case 'warming':
      case 'paused':
      case 'cooling':
        return this.#run([true, false], SLOW_MS);
      case 'idle':
        return this.#run([false]);
      case 'blocked': {
        const n = BLINK_CODES[reasons[0] ?? ''] ?? 5;
        const flashes = Array.from({ length: n }, () => [true, false]).flat();
        return this.#run([...flashes, ...Array<boolean>(Math.round(PAUSE_MS / FLASH_MS)).fill(false)], FLASH_MS);
      }
    }
  }

  /** The pattern now shown, one entry per step: for the status display and tests. */
  get pattern(): readonly boolean[] {
    return this.#pattern;
  }

  #run(pattern: boolean[], stepMs = 0): void {
    clearTimeout(this.#timer);
    this.#pattern = pattern;
    this.#step = 0;
    const tick = (): void => {
      const on = pattern[this.#step % pattern.length]!;
      this.#step++;
      void (on ? this.output.on() : this.output.off()).catch(() => undefined);
      if (pattern.length > 1) this.#timer = setTimeout(tick, stepMs);
    };
    tick();
  }
}
