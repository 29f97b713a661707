/**
 * The link to the district: the boot's hello record, the uplink (MQTT or serial: records out, acknowledgements,
 * signed commands and announcements in) when one is configured, and the live telemetry and fix it sends.
 */
import { freshFix, telemetryMessage } from '../cart-live.js';
import type { Cart } from '../cart.js';
import type { Uplink, UplinkStats } from '../link/uplink.js';
import type { Content } from './content.js';
import type { Energy } from './energy.js';
import type { CartContext, CartFeature } from './feature.js';
import type { RuntimeCounters } from './runtime.js';

export interface LinkParts {
  runtime: RuntimeCounters;
  content: Content;
  energy: Energy;
}

export class DistrictLink implements CartFeature {
  readonly name = 'link';
  readonly #ctx: CartContext;
  readonly #cart: Cart;
  readonly #p: LinkParts;
  #uplink: Uplink | null = null;

  constructor(ctx: CartContext, cart: Cart, parts: LinkParts) {
    this.#ctx = ctx;
    this.#cart = cart;
    this.#p = parts;
  }

  get configured(): boolean {
    return this.#ctx.options.uplink !== null;
  }

  stats(): UplinkStats | undefined {
    return this.#uplink?.stats();
  }

  async start(): Promise<void> {
    const ctx = this.#ctx;
    const o = ctx.options;
    const active = this.#p.content.manifest?.version ?? 0;
    await ctx.record([{ type: 'hello', firmware: o.firmware, manifestVersion: active, capabilities: this.#capabilities(), bootTime: ctx.stamp() }]);
    if (!o.uplink) return;
    const uplink = o.uplink(this.#cart);
    this.#uplink = uplink;
    uplink.on('acked', () => void this.#refreshDepth());
    uplink.on('refused', (reason, detail) => void ctx.event(reason === 'command-bad-signature' || reason === 'announcement' ? 'rejected-signature' : 'link', reason, detail));
    await uplink.start();
    ctx.every(o.config.link.telemetryPeriodMs, () => this.#sendLive());
  }

  async stop(): Promise<void> {
    await this.#uplink?.stop().catch(() => undefined);
  }

  /** New records are kept: send them now rather than at the next round. */
  flush(): void {
    void this.#uplink?.flush();
  }

  /** What this cart has, for its hello: the links it is configured with, not merely whether it has an uplink. */
  #capabilities(): string[] {
    const o = this.#ctx.options;
    return [
      'relay', 'buttons', 'audio', 'volume', 'gnss', 'power-board',
      ...(o.hardware.statusLed ? ['status-led'] : []),
      ...(o.uplink && o.identity.broker ? ['mqtt'] : []),
      ...(o.uplink && o.config.link.serial ? ['serial-link'] : []),
    ];
  }

  async #refreshDepth(): Promise<void> {
    this.#ctx.outbox.depth = await this.#ctx.options.store.depth();
  }

  #sendLive(): void {
    const uplink = this.#uplink;
    if (!uplink) return;
    const { live, player, outbox } = this.#ctx;
    const { runtime, content, energy } = this.#p;
    const sync = content.syncState();
    const fix = freshFix(live, performance.now());
    const telemetry = telemetryMessage(live, player, {
      runtime: runtime.totals,
      outboxDepth: outbox.depth,
      manifestVersion: content.manifest?.version ?? 0,
      clipsMissing: sync?.clipsMissing ?? 0,
      bytesToGo: sync?.bytesToGo ?? 0,
      socPercent: energy.socPercent,
      energy: energy.snapshot(),
    });
    uplink.sendLive([telemetry, ...(fix ? [fix] : [])]);
  }
}
