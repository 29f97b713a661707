/**
 * The cart's upkeep: old rows pruned from the store (track, power samples, acknowledged records, by the
 * configuration's days), and the last trusted time kept, so a cart restarted without network or GNSS still knows
 * roughly when it is.
 */
import type { CartContext, CartFeature } from './feature.js';

/** Old rows are pruned this often, and once this long after the start: a cart on for a morning only must prune too. */
const PRUNE_MS = 6 * 3600_000;
const FIRST_PRUNE_MS = 60_000;
/** The last trusted time is written this often. */
const GOOD_TIME_MS = 60_000;

export class Housekeeping implements CartFeature {
  readonly name = 'housekeeping';
  readonly #ctx: CartContext;

  constructor(ctx: CartContext) {
    this.#ctx = ctx;
  }

  async start(): Promise<void> {
    this.#ctx.every(PRUNE_MS, () => this.#prune());
    this.#ctx.after(FIRST_PRUNE_MS, () => this.#prune());
    this.#ctx.every(GOOD_TIME_MS, () => this.#keepGoodTime());
  }

  async stop(): Promise<void> {}

  async #prune(): Promise<void> {
    const s = this.#ctx.options.config.storage;
    await this.#ctx.options.store.prune({ trackDays: s.trackDays, samplesDays: s.samplesDays, ackedDays: s.ackedDays });
  }

  async #keepGoodTime(): Promise<void> {
    const good = this.#ctx.stamp();
    if (good.source === 'system' || good.source === 'gnss') await this.#ctx.options.store.setSetting('lastGoodTime', good);
  }
}
