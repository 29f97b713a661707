/**
 * The team's buttons: play/pause, next, volume up and down, a long press to stop. The button acts first (a team
 * member waits for the sound, not for the SD card), then the press is counted and recorded. A press the cart cannot
 * obey is answered aloud, short and quiet, with a signed spoken cue (device/content/cues.ts) when the cart has them;
 * a play press with little battery left hears the minutes left before the session starts.
 */
import type { ButtonName } from '../../hardware/buttons/buttons.js';
import type { Energy } from './energy.js';
import type { CartContext, CartFeature } from './feature.js';

/** A cue: what the cart can say, chosen for refusal codes (device/content/cues.ts implements it). */
export interface SpokenCues {
  cueFor(codes: readonly string[], context: { minutesLeft: number | null }): { id: string; file: string; text: string } | null;
}

/** A play press with no more than this many minutes left at the team's volume hears them first. */
const WARN_MINUTES = 30;

export class TeamButtons implements CartFeature {
  readonly name = 'buttons';
  readonly #ctx: CartContext;
  readonly #energy: Energy;
  readonly #cues: SpokenCues | null;

  constructor(ctx: CartContext, energy: Energy, cues: SpokenCues | null) {
    this.#ctx = ctx;
    this.#energy = energy;
    this.#cues = cues;
  }

  async start(): Promise<void> {
    const b = this.#ctx.options.hardware.buttons;
    b.on('press', (e) => void this.#press(e.name, false).catch((err: unknown) => this.#ctx.fault('button', err)));
    b.on('longpress', (e) => void this.#press(e.name, true).catch((err: unknown) => this.#ctx.fault('button', err)));
    await b.open();
  }

  async stop(): Promise<void> {
    await this.#ctx.options.hardware.buttons.close().catch(() => undefined);
  }

  async #press(name: ButtonName, long: boolean): Promise<void> {
    const { player, options } = this.#ctx;
    if (long) player.stopPressed();
    else if (name === 'playPause') await this.#playPause();
    else if (name === 'next') player.next();
    else if (name === 'volumeUp' || name === 'volumeDown') {
      await player.changeVolume(name === 'volumeUp' ? 1 : -1);
      await options.store.setSetting('volume', player.teamVolume);
    }
    await options.store.addRuntime({ buttonPresses: 1 }).catch(() => undefined);
    await this.#ctx.event('button', long ? `${name}-long` : name, `state ${player.state}`);
  }

  async #playPause(): Promise<void> {
    const player = this.#ctx.player;
    const starting = player.state === 'idle' || player.state === 'blocked';
    const minutes = starting ? this.#energy.snapshot().forecasts[0]?.minutesLeft ?? null : null;
    // With the minutes known, the reserve's cue is "Pin còn khoảng N phút".
    if (minutes !== null && minutes <= WARN_MINUTES && minutes > 0) await this.#say(['energy-reserve'], minutes);
    player.playPause('button');
    // Refused (hours, zone, battery, nothing approved): the reasons are in the status; the team hears the first.
    if (starting && player.state === 'blocked') await this.#say(player.reasons.map((r) => r.code), null);
  }

  /** Speaks the cue for `codes`, if the cart has one and no session runs; a cue that cannot be said is only logged. */
  async #say(codes: readonly string[], minutesLeft: number | null): Promise<void> {
    const cue = this.#cues?.cueFor(codes, { minutesLeft });
    const settings = this.#ctx.options.config.cues;
    if (!cue || !settings.enabled) return;
    const spoken = await this.#ctx.player.speak(cue.file, settings.volumePercent);
    if (spoken) this.#ctx.logger('loa:unit:cues').info(`cue ${cue.id}: “${cue.text}”`);
  }
}
