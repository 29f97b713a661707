/**
 * The runtime counters (uptime, amplifier, audio: totals since the cart was first started, kept in the store once a
 * minute and at stop), the current session's length and the local day's broadcast, which the policy limits.
 */
import { localDayStart } from '../logic/local-time.js';
import { TICK_MS, type CartContext, type CartFeature } from './feature.js';

export type RuntimeTotals = { uptimeS: number; amplifierS: number; audioS: number };

const KEYS = ['uptimeS', 'amplifierS', 'audioS'] as const;
/** The counters are written to the store every this many ticks. */
const SAVE_TICKS = 60;

export class RuntimeCounters implements CartFeature {
  readonly name = 'runtime';
  readonly #ctx: CartContext;
  #totals: RuntimeTotals = { uptimeS: 0, amplifierS: 0, audioS: 0 };
  /** Seconds not yet written to the store: whole seconds are saved, the fractions wait for the next save. */
  #unsaved: RuntimeTotals = { uptimeS: 0, amplifierS: 0, audioS: 0 };
  #lastTick = 0;
  #ticks = 0;
  #sessionStart: number | null = null;
  #playedToday = { day: 0, seconds: 0 };

  constructor(ctx: CartContext) {
    this.#ctx = ctx;
  }

  get totals(): RuntimeTotals {
    return this.#totals;
  }

  async start(): Promise<void> {
    const { store, clock } = this.#ctx.options;
    const saved = await store.runtimeCounters();
    this.#totals = { uptimeS: saved.uptimeS, amplifierS: saved.amplifierS, audioS: saved.audioS };
    // A restart does not give the team a new daily allowance: what was played earlier today counts.
    const today = localDayStart(clock.now().time);
    this.#playedToday = { day: today, seconds: await store.playSecondsToday(Math.floor(today / 1000)) };
    this.#ctx.player.on('state', (s) => {
      if (s.name === 'warming') this.#sessionStart = this.#ctx.elapsedNow();
      if (s.name === 'idle' || s.name === 'blocked') this.#sessionStart = null;
    });
    this.#lastTick = this.#ctx.elapsedNow();
    this.#ctx.every(TICK_MS, () => this.#tick());
  }

  async stop(): Promise<void> {
    this.#count();
    await this.#save();
  }

  /** Seconds of the current continuous broadcast (0 when none). */
  sessionSeconds(): number {
    return this.#sessionStart === null ? 0 : (this.#ctx.elapsedNow() - this.#sessionStart) / 1000;
  }

  /** Seconds broadcast on the local day of `now` (ms); a new day starts from 0. */
  playedTodaySeconds(now: number): number {
    const day = localDayStart(now);
    if (this.#playedToday.day !== day) this.#playedToday = { day, seconds: 0 };
    return this.#playedToday.seconds;
  }

  async #tick(): Promise<void> {
    this.#count();
    if (++this.#ticks % SAVE_TICKS === 0) await this.#save();
  }

  #count(): void {
    const now = this.#ctx.elapsedNow();
    const dt = (now - this.#lastTick) / 1000;
    this.#lastTick = now;
    const playing = this.#ctx.player.state === 'playing';
    const delta: RuntimeTotals = { uptimeS: dt, amplifierS: this.#ctx.live.relayOn ? dt : 0, audioS: playing ? dt : 0 };
    for (const k of KEYS) {
      this.#totals[k] += delta[k];
      this.#unsaved[k] += delta[k];
    }
    if (playing) this.#playedToday.seconds += dt;
  }

  async #save(): Promise<void> {
    const whole = { uptimeS: Math.floor(this.#unsaved.uptimeS), amplifierS: Math.floor(this.#unsaved.amplifierS), audioS: Math.floor(this.#unsaved.audioS) };
    for (const k of KEYS) this.#unsaved[k] -= whole[k];
    await this.#ctx.options.store.addRuntime(whole).catch((err: unknown) => this.#ctx.fault('store', err));
  }
}
