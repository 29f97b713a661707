/**
 * The cart's core: the player with its play checkpoints and status LED, the relay, and the event wiring, with
 * `start()` / `stop()`. Everything is built by the caller (cart-run.ts) and handed in; the features around the core
 * (device/features/: runtime, energy, position, content, gate, buttons, link, housekeeping, and the simulators'
 * coupling on a simulated cart) are built and ordered by compose.ts, the cart's one composition root. The core
 * starts them in that order after the relay is off and the player ready, and stops them in reverse after the
 * session has stopped and the relay is off again.
 */
import type { Logger } from '../hardware/logger.js';
import { clipUtf8 } from '../lib/utf8.js';
import { MAX_DETAIL, type Announcement, type Command, type CommandStatus, type EventKind, type Stamp } from '../protocol/index.js';
import type { CartConfig } from './config.js';
import type { ClipCache } from './content/cache.js';
import type { LiveState } from './cart-live.js';
import type { CartStatus } from './cart-status.js';
import type { AppliedSettings } from './update/settings.js';
import type { CartHardware } from './hardware.js';
import type { CartIdentity } from './identity.js';
import type { CartClock } from './logic/clock.js';
import type { Uplink } from './link/uplink.js';
import type { ContentSync } from './sync/sync.js';
import { Player, type Gate, type PlayableClip } from './player/player.js';
import { PlayCheckpoints, recoverPowerLostPlays } from './player/play-checkpoint.js';
import { StatusLed } from './status-led.js';
import type { CartStore } from './store/index.js';
import type { CartContext, CartFeature } from './features/feature.js';
import type { Content } from './features/content.js';
import type { Energy } from './features/energy.js';
import type { BroadcastGate } from './features/gate.js';
import type { DistrictLink } from './features/link.js';

export { TIME_UNKNOWN } from './features/gate.js';

export interface CartOptions {
  identity: CartIdentity;
  config: CartConfig;
  hardware: CartHardware;
  store: CartStore;
  cache: ClipCache;
  clock: CartClock;
  /**
   * The monotonic clock (ms) that durations are measured on: the runtime counters, the session and the day's
   * broadcast. Default `performance.now`; a simulated cart passes its simulators' faster clock, the one the plays'
   * lengths come from, so that amplifier hours and broadcast hours agree.
   */
  elapsedNow?: () => number;
  /**
   * How many times faster than real time `elapsedNow` runs (the simulators' `--speed`; default 1): the play
   * checkpoint, refreshed every few seconds of playing time, sets its real timer by it.
   */
  speed?: number;
  boot: number;
  /** Builds the uplink once the cart's callbacks exist; null = no link configured. */
  uplink: ((cart: Cart) => Uplink) | null;
  /** Builds the content sync (district HTTP); null = no controller address: content only by hand (incoming/). */
  sync: ((cart: Cart) => ContentSync) | null;
  logger: (namespace: string) => Logger;
  firmware: string;
  /** Software updates and remote settings (device/update/); absent = such commands are refused. */
  remote?: RemoteChanges;
  /** The remote settings version the cart runs on, for its status (device/update/settings.ts). */
  settingsApplied?: () => AppliedSettings;
}

/** What the cart hands the `update` and `set-config` commands to (device/update/ implements it). */
export interface RemoteChanges {
  update(c: Command & { action: 'update' }): Promise<{ status: CommandStatus; detail: string }>;
  setConfig(c: Command & { action: 'set-config' }): Promise<{ status: CommandStatus; detail: string }>;
}

/** The features the core asks for its status, its commands and the player's gate (compose.ts builds them). */
export interface CartParts {
  content: Content;
  energy: Energy;
  gate: BroadcastGate;
  link: DistrictLink;
  /** Every feature, in start order (the ones above among them). */
  features: CartFeature[];
}

/** Before the features are attached nothing plays. */
const CLOSED: Gate = { allowed: false, reasons: [{ code: 'starting', text: 'Xe đang khởi động' }], volumeCap: null };

export class Cart {
  readonly player: Player;
  readonly #o: CartOptions;
  readonly #log: Logger;
  readonly #live: LiveState = { fix: null, fixAt: 0, power: null, relayOn: false, faults: new Set(), lastError: null, decision: null };
  readonly #outbox = { depth: 0 };
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #timeouts: ReturnType<typeof setTimeout>[] = [];
  readonly #elapsedNow: () => number;
  readonly #led: StatusLed | null;
  readonly #checkpoints: PlayCheckpoints;
  readonly #ctx: CartContext;
  #parts: CartParts | null = null;
  #started: CartFeature[] = [];
  #stopped = false;

  constructor(options: CartOptions) {
    this.#o = options;
    this.#elapsedNow = options.elapsedNow ?? (() => performance.now());
    this.#log = options.logger('loa:unit:cart');
    const hw = options.hardware;
    this.#led = hw.statusLed ? new StatusLed(hw.statusLed) : null;
    this.player = new Player({
      relay: hw.relay,
      audio: hw.audio,
      volume: hw.volume,
      playlist: () => this.#parts?.content.playlist ?? [],
      gate: (clip) => this.#parts?.gate.gate(clip) ?? CLOSED,
      verify: (clip) => this.#parts?.content.verify(clip) ?? Promise.resolve(false),
      stamp: () => this.stamp(),
      position: () => (this.#live.fix ? { lat: this.#live.fix.latitude, lon: this.#live.fix.longitude } : undefined),
      timing: options.config.player,
      logger: options.logger('loa:unit:player'),
    });
    this.#checkpoints = new PlayCheckpoints({
      player: this.player,
      store: options.store,
      boot: options.boot,
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      keep: (play, checkpoint) => void this.#record([{ type: 'play', ...play }], checkpoint),
      onError: (err) => this.#fault('play checkpoint', err),
    });
    this.#ctx = this.#context();
  }

  /** What the features are built with (compose.ts). */
  get context(): CartContext {
    return this.#ctx;
  }

  /** The features, once, before `start()`. */
  attach(parts: CartParts): void {
    if (this.#parts) throw new Error('Cart.attach: the features are attached already');
    this.#parts = parts;
  }

  stamp(): Stamp {
    return this.#o.clock.stamp();
  }

  /** What this cart may play now, in order (the content feature's playlist). */
  get playlist(): readonly PlayableClip[] {
    return this.#parts?.content.playlist ?? [];
  }

  /** Starts everything in a safe order: relay off first, then the player, then the features (the link last). */
  async start(): Promise<void> {
    const parts = this.#parts;
    if (!parts) throw new Error('Cart.start: attach the features first (device/features/compose.ts)');
    const { hardware: hw, store } = this.#o;
    await hw.relay.open(); // switches the relay off
    await this.#led?.open().catch((err: unknown) => this.#fault('status LED', err));
    hw.relay.events.on('changed', (c) => (this.#live.relayOn = c.on));
    // Before anything plays: a play a power cut stopped left its checkpoint, and becomes a power-lost play.
    await this.#recoverPlays();
    this.#outbox.depth = await store.depth();
    await this.player.start((await store.getSetting('volume')) ?? this.#o.config.player.initialVolume);
    this.#wirePlayer();
    for (const f of parts.features) {
      await f.start();
      this.#started.push(f);
    }
    const active = parts.content.manifest?.version ?? 0;
    this.#log.info(`cart ${this.#o.identity.unitName} started (boot ${this.#o.boot}, manifest ${active}, ${parts.content.playlist.length} clips playable)`);
  }

  /** Stops the session (relay off), then the features in reverse order, the hardware and the store. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    for (const t of this.#timeouts) clearTimeout(t);
    await this.player.stop().catch((err: unknown) => this.#log.error(`stopping the player: ${String(err)}`));
    this.#checkpoints.stop();
    await this.#o.hardware.relay.off().catch(() => undefined);
    for (const f of this.#started.reverse()) await f.stop().catch((err: unknown) => this.#fault(`stopping ${f.name}`, err));
    await this.#o.hardware.relay.close().catch(() => undefined);
    await this.#led?.close().catch(() => undefined);
    await this.#o.store.close();
    this.#log.info('cart stopped, relay off');
  }

  // --- status -----------------------------------------------------------------------------------------------------

  async status(): Promise<CartStatus> {
    const parts = this.#parts!;
    const fix = this.#live.fix;
    const power = this.#live.power;
    const manifest = parts.content.manifest;
    const soc = parts.energy.socPercent;
    return {
      unit: this.#o.identity.unitName,
      commune: this.#o.identity.commune,
      simulated: this.#o.hardware.sim !== null,
      time: this.stamp(),
      state: this.player.state,
      clip: this.player.clip ? { id: this.player.clip.id, title: this.player.clip.title } : null,
      blocked: this.player.state === 'blocked' ? [...parts.gate.refusals] : [],
      warnings: (this.#live.decision?.warnings ?? []).map((w) => w.code),
      volume: this.player.volume,
      relay: await this.#o.hardware.relay.isOn().catch(() => null),
      battery: power ? { mv: Math.round(power.batteryMv), soc: Math.round(soc ?? power.socPercent), solarMv: Math.round(power.solarMv), ma: Math.round(power.batteryMa) } : null,
      energy: power ? parts.energy.snapshot() : null,
      position: fix ? { lat: fix.latitude, lon: fix.longitude, time: fix.time?.toISOString() ?? null, satellites: fix.satellites } : null,
      link: parts.link.configured ? { configured: true, stats: parts.link.stats() } : { configured: false },
      outbox: { depth: this.#outbox.depth, lost: await this.#o.store.lostRecords() },
      manifest: manifest ? { version: manifest.version, clips: manifest.clips.length, playable: parts.content.playlist.length } : null,
      sync: parts.content.syncState(),
      faults: [...this.#live.faults],
      led: this.#led ? this.#led.pattern.map((on) => (on ? '■' : '·')).join('') : null,
      lastError: this.#live.lastError,
      settings: this.#o.settingsApplied?.() ?? null,
    };
  }

  // --- the core's wiring ------------------------------------------------------------------------------------------

  #context(): CartContext {
    return {
      options: this.#o,
      player: this.player,
      live: this.#live,
      outbox: this.#outbox,
      stamp: () => this.stamp(),
      elapsedNow: () => this.#elapsedNow(),
      record: (records, checkpoint) => this.#record(records, checkpoint),
      event: (kind, code, detail) => this.#event(kind, code, detail),
      fault: (where, err) => this.#fault(where, err),
      every: (ms, work) => void this.#timers.push(setInterval(() => this.#guarded(work), ms)),
      after: (ms, work) => void this.#timeouts.push(setTimeout(() => this.#guarded(work), ms)),
      logger: (namespace) => this.#o.logger(namespace),
    };
  }

  /** Periodic work that fails is logged; the next round runs anyway. */
  #guarded(work: () => Promise<void> | void): void {
    Promise.resolve()
      .then(work)
      .catch((err: unknown) => this.#fault('tick', err));
  }

  #fault(where: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#live.lastError = `${where}: ${message}`;
    this.#log.error(`${where}: ${message}`);
  }

  /** Keeps durable records (and deletes the play checkpoint they end, in the same transaction) and sends them. */
  async #record(records: Parameters<CartStore['appendDurable']>[0], checkpoint?: string): Promise<void> {
    try {
      await this.#o.store.appendDurable(records, checkpoint === undefined ? {} : { clearCheckpoints: [checkpoint] });
      this.#outbox.depth += records.length;
      this.#parts?.link.flush();
    } catch (err) {
      this.#live.faults.add('storage');
      this.#fault('store', err);
    }
  }

  async #event(kind: EventKind, code: string, detail: string): Promise<void> {
    await this.#record([{ type: 'event', at: this.stamp(), kind, code, detail: clipUtf8(detail, MAX_DETAIL) }]);
  }

  /** An event from a part built outside the cart (the content sync). */
  contentEvent(kind: EventKind, code: string, detail: string): void {
    void this.#event(kind, code, detail);
  }

  /** A manifest announcement from the district (through the uplink). */
  announced(a: Announcement): void {
    this.#parts?.content.announced(a);
  }

  async #recoverPlays(): Promise<void> {
    try {
      for (const r of await recoverPowerLostPlays(this.#o.store, () => this.stamp())) {
        if (r.type === 'play') this.#log.warn(`play of ${r.clip} cut by a power loss after ${r.seconds} s: recorded as power-lost (record ${r.record})`);
        else this.#log.error(`a play checkpoint could not be read back (record ${r.record})`);
      }
    } catch (err) {
      this.#live.faults.add('storage');
      this.#fault('recovering the play cut by a power loss', err);
    }
  }

  #wirePlayer(): void {
    // Every play's record goes through the checkpoints: kept with its checkpoint's deletion, in one transaction.
    this.#checkpoints.start();
    this.player.on('event', (e) => void this.#event(e.kind, e.code, e.detail));
    this.player.on('state', (s) => {
      this.#led?.show(s.name, s.reasons.map((r) => r.code));
      this.#log.info(`player ${s.name}${s.clip ? ` (${s.clip})` : ''}`);
    });
  }

  // --- commands from the district -----------------------------------------------------------------------------------

  /** Obeys a verified command (its signature, unit, expiry and counter were checked by the uplink). */
  async command(c: Command): Promise<{ status: CommandStatus; detail: string }> {
    const content = this.#parts!.content;
    switch (c.action) {
      case 'set-volume': {
        const applied = await this.player.setVolume(c.volume);
        await this.#o.store.setSetting('volume', this.player.teamVolume);
        return { status: 'ok', detail: `volume ${this.player.teamVolume} % (applied ${applied} %)` };
      }
      case 'stop':
        this.player.stopPressed();
        return { status: 'ok', detail: 'stopped' };
      case 'play-clip': {
        const clip = content.playlist.find((p) => p.id === c.clip);
        if (!clip) return { status: 'refused', detail: `clip ${c.clip} is not playable on this cart now` };
        this.player.playClip(clip, clip.priority === 'emergency' ? 'emergency' : 'remote');
        const blocked = this.player.state === 'blocked';
        return { status: blocked ? 'refused' : 'ok', detail: blocked ? this.player.reasons.map((r) => r.text).join('; ') : `playing ${clip.id}` };
      }
      case 'sync-now':
        return { status: 'ok', detail: await content.syncNow() };
      case 'reboot':
        setTimeout(() => process.kill(process.pid, 'SIGTERM'), 500).unref();
        return { status: 'ok', detail: 'restarting' };
      case 'set-config':
        if (!this.#o.remote) return { status: 'refused', detail: `settings ${c.version} cannot be applied: this cart was started without remote settings` };
        return this.#o.remote.setConfig(c);
      case 'update':
        if (!this.#o.remote) return { status: 'refused', detail: `release ${c.version} cannot be installed: this cart was started without its releases folder` };
        return this.#o.remote.update(c);
    }
  }
}
