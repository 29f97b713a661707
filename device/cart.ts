/**
 * The cart: one composition of the player, the store, the clip cache, the policy, the track, the link and the
 * hardware, with `start()` / `stop()`. Everything is built by the caller (cart-run.ts) and handed in; this file
 * wires the events together and runs the cart's periodic work. A failing feature is logged, not fatal.
 */
import type { Logger } from '../hardware/logger.js';
import type { GnssFix } from '../hardware/gnss/gnss.js';
import type { ButtonName } from '../hardware/buttons/buttons.js';
import type { Announcement, Command, CommandStatus, EventKind, Manifest, Stamp } from '../protocol/index.js';
import type { CartConfig } from './config.js';
import type { ClipCache } from './content/cache.js';
import { freshFix, telemetryMessage, type LiveState } from './cart-live.js';
import type { CartStatus } from './cart-status.js';
import type { AppliedSettings } from './update/settings.js';
import type { CartHardware } from './hardware.js';
import type { CartIdentity } from './identity.js';
import type { CartClock } from './logic/clock.js';
import { localDayStart } from './logic/local-time.js';
import { buildPlaylist, emergencyClips } from './logic/playlist.js';
import { evaluatePolicy, initialPolicyState, validatePolicyConfig, type BlockCode, type PolicyConfig, type PolicyState } from './logic/policy.js';
import { TrackThinner, type TrackPoint } from './logic/track.js';
import type { Uplink } from './link/uplink.js';
import { manifestRefusalKind } from './sync/errors.js';
import type { ContentSync } from './sync/sync.js';
import { NOTHING_TO_PLAY, Player, type Gate, type PlayableClip } from './player/player.js';
import { PlayCheckpoints, recoverPowerLostPlays } from './player/play-checkpoint.js';
import { StatusLed } from './status-led.js';
import type { CartStore } from './store/index.js';

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

/** How often the cart looks at the policy, the runtime counters and the relay, ms. */
const TICK_MS = 1000;
/** Thinned track points go to the district in records of this many points (or every TRACK_FLUSH_MS). */
const TRACK_BATCH = 20;
const TRACK_FLUSH_MS = 10 * 60_000;
/** The power board is read this often for the status and the policy; a sample is stored once a minute. */
const POWER_READ_MS = 5000;
const POWER_SAMPLE_MS = 60_000;
/** Old rows are pruned this often, and once this long after the start: a cart on for a morning only must prune too. */
const PRUNE_MS = 6 * 3600_000;
const FIRST_PRUNE_MS = 60_000;

/**
 * The refusal while the clock has no trusted time (source `unknown`: no network, no real-time clock, no GNSS fix
 * yet, nothing persisted): the allowed hours and the day's total cannot be judged on a wall clock that may read 1970.
 */
export const TIME_UNKNOWN = {
  code: 'time-unknown',
  vi: 'Chưa biết giờ: chờ tín hiệu GNSS (đưa xe ra chỗ thoáng, thấy bầu trời) hoặc kết nối mạng, để giữ đúng giờ phát',
  en: 'The time is not known yet: waiting for a GNSS fix (move the cart into the open, under the sky) or the network, to keep the broadcast hours',
} as const;

/** The policy's reasons read off the clock: meaningless while the time is unknown (TIME_UNKNOWN says why instead). */
const CLOCK_REASONS: ReadonlySet<BlockCode> = new Set(['outside-hours', 'daily-limit']);

export class Cart {
  readonly player: Player;
  readonly #o: CartOptions;
  readonly #log: Logger;
  readonly #policy: PolicyConfig;
  #policyState: PolicyState = initialPolicyState();
  readonly #live: LiveState = { fix: null, fixAt: 0, power: null, relayOn: false, faults: new Set(), lastError: null, decision: null };
  readonly #thinner = new TrackThinner();
  #trackBuffer: TrackPoint[] = [];
  #trackSince = 0;
  #uplink: Uplink | null = null;
  #sync: ContentSync | null = null;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #firstPrune: ReturnType<typeof setTimeout> | undefined;
  #playlist: PlayableClip[] = [];
  #sessionStart: number | null = null;
  #playedToday = { day: 0, seconds: 0 };
  #runtime = { uptimeS: 0, amplifierS: 0, audioS: 0 };
  /** Runtime seconds not yet written to the store (written once a minute and at stop). */
  #unsaved = { uptimeS: 0, amplifierS: 0, audioS: 0 };
  #ticks = 0;
  #lastTick = 0;
  readonly #elapsedNow: () => number;
  /** Why a play is refused now (an unknown time, the policy's reasons, an empty playlist), in both languages, for the status. */
  #refusals: { code: string; vi: string; en: string }[] = [];
  #outboxDepth = 0;
  #stopped = false;
  readonly #led: StatusLed | null;
  readonly #checkpoints: PlayCheckpoints;

  constructor(options: CartOptions) {
    this.#o = options;
    this.#elapsedNow = options.elapsedNow ?? (() => performance.now());
    this.#log = options.logger('loa:unit:cart');
    this.#policy = validatePolicyConfig(options.config.policy ?? {});
    const hw = options.hardware;
    this.#led = hw.statusLed ? new StatusLed(hw.statusLed) : null;
    this.player = new Player({
      relay: hw.relay,
      audio: hw.audio,
      volume: hw.volume,
      playlist: () => this.#playlist,
      gate: () => this.#gate(),
      verify: (clip) => this.#verify(clip),
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
  }

  stamp(): Stamp {
    return this.#o.clock.stamp();
  }

  /** Starts everything in a safe order: relay off first, the link last. */
  async start(): Promise<void> {
    const { hardware: hw, store } = this.#o;
    await hw.relay.open(); // switches the relay off
    await this.#led?.open().catch((err: unknown) => this.#fault('status LED', err));
    hw.relay.events.on('changed', (c) => (this.#live.relayOn = c.on));
    // Before anything plays: a play a power cut stopped left its checkpoint, and becomes a power-lost play.
    await this.#recoverPlays();
    const runtime = await store.runtimeCounters();
    this.#runtime = { uptimeS: runtime.uptimeS, amplifierS: runtime.amplifierS, audioS: runtime.audioS };
    this.#outboxDepth = await store.depth();
    // A restart does not give the team a new daily allowance: what was played earlier today counts.
    const today = localDayStart(this.#o.clock.now().time);
    this.#playedToday = { day: today, seconds: await store.playSecondsToday(Math.floor(today / 1000)) };
    this.#refreshPlaylist();
    await this.player.start((await store.getSetting('volume')) ?? this.#o.config.player.initialVolume);
    this.#wirePlayer();
    await this.#wireButtons();
    await this.#wireGnss();
    await this.#wirePower();
    // The active manifest the cache refused at open (its key no longer pinned, a damaged file): said to the district
    // like a refusal of the sync, before anything replaces it.
    const refused = this.#o.cache.refusedAtOpen;
    if (refused) await this.#event(manifestRefusalKind(refused.code), refused.code, `active manifest refused at start: ${refused.message}`);
    // Imported once the player and the hardware run: a new emergency clip in it plays at once.
    await this.#importIncoming();
    const active = this.#o.cache.active?.manifest.version ?? 0;
    await this.#record([{ type: 'hello', firmware: this.#o.firmware, manifestVersion: active, capabilities: this.#capabilities(), bootTime: this.stamp() }]);
    if (this.#o.sync) {
      const sync = this.#o.sync(this);
      this.#sync = sync;
      sync.on('activated', (m) => void this.#manifestActivated(m, 'sync').catch((err: unknown) => this.#fault('content', err)));
      await sync.start();
    }
    if (this.#o.uplink) {
      this.#uplink = this.#o.uplink(this);
      this.#uplink.on('acked', () => void this.#refreshDepth());
      this.#uplink.on('refused', (reason, detail) => void this.#event(reason === 'command-bad-signature' || reason === 'announcement' ? 'rejected-signature' : 'link', reason, detail));
      await this.#uplink.start();
    }
    this.#lastTick = this.#elapsedNow();
    this.#every(TICK_MS, () => this.#tick());
    this.#every(this.#o.config.link.telemetryPeriodMs, () => this.#sendLive());
    this.#every(POWER_READ_MS, () => this.#readPower());
    this.#every(POWER_SAMPLE_MS, () => this.#samplePower());
    this.#every(PRUNE_MS, () => this.#prune());
    this.#firstPrune = setTimeout(() => this.#guarded(() => this.#prune()), FIRST_PRUNE_MS);
    this.#log.info(`cart ${this.#o.identity.unitName} started (boot ${this.#o.boot}, manifest ${active}, ${this.#playlist.length} clips playable)`);
  }

  /** Stops the session (relay off), then the link, the hardware and the store. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#firstPrune);
    await this.player.stop().catch((err: unknown) => this.#log.error(`stopping the player: ${String(err)}`));
    this.#checkpoints.stop();
    await this.#o.hardware.relay.off().catch(() => undefined);
    // The last fix of a moving cart was not kept yet (the thinner waits for the next one): keep it now.
    this.#keepTrack(this.#thinner.flush(), this.#live.fix?.speedMps ?? null);
    await this.#flushTrack(true);
    this.#tickRuntime();
    await this.#saveRuntime();
    await this.#uplink?.stop().catch(() => undefined);
    await this.#sync?.stop().catch(() => undefined);
    const hw = this.#o.hardware;
    await Promise.allSettled([hw.buttons.close(), hw.gnss.close(), hw.power.close()]);
    await hw.relay.close().catch(() => undefined);
    await this.#led?.close().catch(() => undefined);
    await this.#o.store.close();
    this.#log.info('cart stopped, relay off');
  }

  // --- status -----------------------------------------------------------------------------------------------------

  async status(): Promise<CartStatus> {
    const fix = this.#live.fix;
    const power = this.#live.power;
    const manifest = this.#o.cache.active?.manifest ?? null;
    const stats = this.#uplink?.stats();
    return {
      unit: this.#o.identity.unitName,
      commune: this.#o.identity.commune,
      simulated: this.#o.hardware.sim !== null,
      time: this.stamp(),
      state: this.player.state,
      clip: this.player.clip ? { id: this.player.clip.id, title: this.player.clip.title } : null,
      blocked: this.player.state === 'blocked' ? this.#refusals : [],
      warnings: (this.#live.decision?.warnings ?? []).map((w) => w.code),
      volume: this.player.volume,
      relay: await this.#o.hardware.relay.isOn().catch(() => null),
      battery: power ? { mv: Math.round(power.batteryMv), soc: Math.round(power.socPercent), solarMv: Math.round(power.solarMv), ma: Math.round(power.batteryMa) } : null,
      position: fix ? { lat: fix.latitude, lon: fix.longitude, time: fix.time?.toISOString() ?? null, satellites: fix.satellites } : null,
      link: this.#uplink ? { configured: true, stats } : { configured: false },
      outbox: { depth: this.#outboxDepth, lost: await this.#o.store.lostRecords() },
      manifest: manifest ? { version: manifest.version, clips: manifest.clips.length, playable: this.#playlist.length } : null,
      sync: this.#sync?.state() ?? null,
      faults: [...this.#live.faults],
      led: this.#led ? this.#led.pattern.map((on) => (on ? '■' : '·')).join('') : null,
      lastError: this.#live.lastError,
      settings: this.#o.settingsApplied?.() ?? null,
    };
  }

  // --- the pieces ---------------------------------------------------------------------------------------------------

  /** What this cart has, for its hello: the links it is configured with, not merely whether it has an uplink. */
  #capabilities(): string[] {
    const o = this.#o;
    return [
      'relay', 'buttons', 'audio', 'volume', 'gnss', 'power-board',
      ...(o.hardware.statusLed ? ['status-led'] : []),
      ...(o.uplink && o.identity.broker ? ['mqtt'] : []),
      ...(o.uplink && o.config.link.serial ? ['serial-link'] : []),
    ];
  }

  #every(ms: number, work: () => Promise<void> | void): void {
    this.#timers.push(setInterval(() => this.#guarded(work), ms));
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
      this.#outboxDepth += records.length;
      void this.#uplink?.flush();
    } catch (err) {
      this.#live.faults.add('storage');
      this.#fault('store', err);
    }
  }

  /** An event from a part built outside the cart (the content sync). */
  contentEvent(kind: EventKind, code: string, detail: string): void {
    void this.#event(kind, code, detail);
  }

  /** A manifest announcement from the district (through the uplink). */
  announced(a: Announcement): void {
    this.#sync?.announce(a);
  }

  async #event(kind: EventKind, code: string, detail: string): Promise<void> {
    await this.#record([{ type: 'event', at: this.stamp(), kind, code, detail: detail.slice(0, 1000) }]);
  }

  async #refreshDepth(): Promise<void> {
    this.#outboxDepth = await this.#o.store.depth();
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
      if (s.name === 'warming') this.#sessionStart = this.#elapsedNow();
      if (s.name === 'idle' || s.name === 'blocked') this.#sessionStart = null;
      this.#led?.show(s.name, s.reasons.map((r) => r.code));
      this.#log.info(`player ${s.name}${s.clip ? ` (${s.clip})` : ''}`);
    });
  }

  async #wireButtons(): Promise<void> {
    const b = this.#o.hardware.buttons;
    b.on('press', (e) => void this.#press(e.name, false));
    b.on('longpress', (e) => void this.#press(e.name, true));
    await b.open();
  }

  /** Acts on the button first (a team member waits for the sound, not for the SD card), then records it. */
  async #press(name: ButtonName, long: boolean): Promise<void> {
    if (long) this.player.stopPressed();
    else if (name === 'playPause') this.player.playPause('button');
    else if (name === 'next') this.player.next();
    else if (name === 'volumeUp' || name === 'volumeDown') {
      await this.player.changeVolume(name === 'volumeUp' ? 1 : -1);
      await this.#o.store.setSetting('volume', this.player.teamVolume);
    }
    await this.#o.store.addRuntime({ buttonPresses: 1 }).catch(() => undefined);
    await this.#event('button', long ? `${name}-long` : name, `state ${this.player.state}`);
  }

  async #wireGnss(): Promise<void> {
    const g = this.#o.hardware.gnss;
    g.on('fix', (f) => this.#onFix(f));
    g.on('disconnected', () => this.#live.faults.add('gnss'));
    g.on('connected', () => this.#live.faults.delete('gnss'));
    await g.open().catch((err: unknown) => this.#fault('gnss', err));
  }

  #onFix(raw: GnssFix): void {
    // A receiver without a date yet, or one that rolled its GPS week over (ours read 2015 from a neo-m8n), gives a
    // time the clock refuses: the fix then carries the cart's own best time, not a date years off (and a fix time
    // years off would be placed wrongly but plausibly within ±9 h by the district: SPEC.md 0x03).
    const trusted = raw.time !== null && this.#o.clock.observeGnss(raw.time.getTime());
    const f: GnssFix = trusted ? raw : { ...raw, time: new Date(this.stamp().time * 1000) };
    this.#live.fix = f;
    this.#live.fixAt = performance.now();
    const update = this.#thinner.push({ time: f.time?.getTime() ?? Date.now(), lat: f.latitude, lon: f.longitude, speedMps: f.speedMps });
    this.#keepTrack(update.points, f.speedMps);
    for (const e of update.events) void this.#event('info', e.kind, e.kind === 'stop-end' ? `stop of ${Math.round(e.durationS)} s` : 'stopped');
    void this.#flushTrack(false);
  }

  /** Thinned points go to the store's track now and to the district in the next track record. */
  #keepTrack(points: readonly TrackPoint[], speedMps: number | null): void {
    for (const p of points) {
      this.#o.store.addTrackPoint({ time: Math.floor(p.time / 1000), lat: p.lat, lon: p.lon, ...(speedMps !== null ? { speed: speedMps } : {}) });
      this.#trackBuffer.push(p);
    }
  }

  async #flushTrack(force: boolean): Promise<void> {
    const buf = this.#trackBuffer;
    if (buf.length === 0) return;
    if (!force && buf.length < TRACK_BATCH && Date.now() - this.#trackSince < TRACK_FLUSH_MS) return;
    this.#trackBuffer = [];
    this.#trackSince = Date.now();
    await this.#record([{ type: 'track', source: this.stamp().source, points: buf.map((p) => ({ time: Math.floor(p.time / 1000), lat: p.lat, lon: p.lon })) }]);
  }

  async #wirePower(): Promise<void> {
    const p = this.#o.hardware.power;
    p.on('error', (err) => {
      this.#live.faults.add('power-board');
      this.#fault('power board', err);
    });
    await p.open().catch((err: unknown) => {
      this.#live.faults.add('power-board');
      this.#fault('power board', err);
    });
    await this.#readPower();
  }

  async #readPower(): Promise<void> {
    try {
      this.#live.power = await this.#o.hardware.power.read();
      this.#live.faults.delete('power-board');
    } catch (err) {
      this.#live.faults.add('power-board');
      this.#fault('power board', err);
    }
  }

  #samplePower(): void {
    const r = this.#live.power;
    if (r) this.#o.store.addPowerSample({ time: this.stamp().time, batteryMv: r.batteryMv, batteryMa: r.batteryMa, solarMv: r.solarMv, solarMa: r.solarMa, socPercent: r.socPercent });
  }

  // --- policy, playlist, content -----------------------------------------------------------------------------------

  #gate(): Gate {
    const { time: now, source } = this.#o.clock.now();
    const day = localDayStart(now);
    if (this.#playedToday.day !== day) this.#playedToday = { day, seconds: 0 };
    const session = this.#sessionStart === null ? 0 : (this.#elapsedNow() - this.#sessionStart) / 1000;
    const fix = this.#live.fix;
    const decision = evaluatePolicy(
      { now, position: fix ? { lat: fix.latitude, lon: fix.longitude } : null, socPercent: this.#live.power?.socPercent ?? null, sessionSeconds: session, playedTodaySeconds: this.#playedToday.seconds },
      this.#policyState,
      this.#policy,
    );
    this.#policyState = decision.state;
    this.#live.decision = decision;
    if (decision.state.lowBattery) this.#live.faults.add('low-battery');
    else this.#live.faults.delete('low-battery');
    // No trusted time yet: refused, rather than judging the hours on a wall clock that may say 1970 or last night.
    // Nothing approved to play: refused too. Both before the relay is touched, and said so, like a policy refusal.
    const known = source !== 'unknown';
    const refusals: { code: string; vi: string; en: string }[] = known ? [] : [TIME_UNKNOWN];
    for (const r of decision.reasons) if (known || !CLOCK_REASONS.has(r.code)) refusals.push({ code: r.code, ...r.detail });
    if (this.#playlist.length === 0) refusals.push(NOTHING_TO_PLAY);
    this.#refusals = refusals;
    return { allowed: refusals.length === 0, reasons: refusals.map((r) => ({ code: r.code, text: r.vi })), volumeCap: decision.volumeCap };
  }

  async #verify(clip: PlayableClip): Promise<boolean> {
    const m = this.#o.cache.active?.manifest.clips.find((c) => c.id === clip.id);
    return m !== undefined && (await this.#o.cache.verifyClip(m));
  }

  #refreshPlaylist(): void {
    const active = this.#o.cache.active;
    if (active === null) {
      this.#playlist = [];
      this.#live.faults.add('no-manifest');
      return;
    }
    this.#live.faults.delete('no-manifest');
    const id = this.#o.identity;
    const list = buildPlaylist({
      manifest: active.manifest,
      cart: { unitName: id.unitName, unitNumber: id.unitNumber, team: id.team, commune: id.commune, district: id.district },
      verified: this.#o.cache.presentClipIds(),
      now: this.#o.clock.now().time,
    });
    this.#playlist = list.clips.map((c) => ({ id: c.id, file: this.#o.cache.fileOf(c), title: c.title, priority: c.priority, manifestVersion: active.manifest.version }));
  }

  /**
   * A manifest became active, downloaded by the content sync or placed in incoming/: the playlist follows it, and
   * its emergency clips play at once (they interrupt what is playing), where the policy allows. The sync records its
   * own activations (through `contentEvent`); one from incoming/ is recorded here.
   */
  async #manifestActivated(m: Manifest, how: 'sync' | 'incoming'): Promise<void> {
    await this.#o.store.setSetting('activeManifestVersion', m.version);
    if (how === 'incoming') await this.#event('manifest', 'activated', `manifest ${m.version} with ${m.clips.length} clips activated from incoming/`);
    this.#refreshPlaylist();
    for (const { id } of emergencyClips(m.clips)) {
      const clip = this.#playlist.find((c) => c.id === id);
      if (clip) this.player.playClip(clip, 'emergency');
    }
  }

  async #importIncoming(): Promise<void> {
    try {
      const m = await this.#o.cache.importIncoming();
      if (m) await this.#manifestActivated(m, 'incoming');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'refused';
      const kind: EventKind = code === 'bad-signature' || code === 'unknown-key' ? 'rejected-signature' : code.startsWith('clip') ? 'rejected-clip' : 'manifest';
      await this.#event(kind, code, (err as Error).message);
      this.#fault('content', err);
    }
  }

  // --- periodic work ------------------------------------------------------------------------------------------------

  #tickRuntime(): void {
    const now = this.#elapsedNow();
    const dt = (now - this.#lastTick) / 1000;
    this.#lastTick = now;
    const delta = { uptimeS: dt, amplifierS: this.#live.relayOn ? dt : 0, audioS: this.player.state === 'playing' ? dt : 0 };
    for (const k of ['uptimeS', 'amplifierS', 'audioS'] as const) {
      this.#runtime[k] += delta[k];
      this.#unsaved[k] += delta[k];
    }
    if (this.player.state === 'playing') this.#playedToday.seconds += dt;
  }

  async #saveRuntime(): Promise<void> {
    // Whole seconds are saved; the fractions wait for the next save, so nothing is lost to rounding.
    const whole = { uptimeS: Math.floor(this.#unsaved.uptimeS), amplifierS: Math.floor(this.#unsaved.amplifierS), audioS: Math.floor(this.#unsaved.audioS) };
    for (const k of ['uptimeS', 'amplifierS', 'audioS'] as const) this.#unsaved[k] -= whole[k];
    await this.#o.store.addRuntime(whole).catch((err: unknown) => this.#fault('store', err));
  }

  async #tick(): Promise<void> {
    this.#tickRuntime();
    this.#o.hardware.sim?.power.setLoad({ amplifierOn: this.#live.relayOn, volumePercent: this.player.volume });
    const gate = this.#gate();
    const busy = this.player.state === 'warming' || this.player.state === 'playing' || this.player.state === 'paused';
    if (!gate.allowed && busy) this.player.block(gate.reasons);
    else if (gate.allowed && this.player.state === 'blocked') this.player.unblock();
    else if (busy) await this.player.applyCap(gate.volumeCap);
    if (++this.#ticks % 60 === 0) {
      await this.#saveRuntime();
      const good = this.stamp();
      if (good.source === 'system' || good.source === 'gnss') await this.#o.store.setSetting('lastGoodTime', good);
      this.#refreshPlaylist();
    }
  }

  #sendLive(): void {
    if (!this.#uplink) return;
    const manifest = this.#o.cache.active?.manifest;
    const sync = this.#sync?.state();
    const fix = freshFix(this.#live, performance.now());
    const messages = [
      telemetryMessage(this.#live, this.player, {
        runtime: this.#runtime,
        outboxDepth: this.#outboxDepth,
        manifestVersion: manifest?.version ?? 0,
        clipsMissing: sync?.clipsMissing ?? 0,
        bytesToGo: sync?.bytesToGo ?? 0,
      }),
      ...(fix ? [fix] : []),
    ];
    this.#uplink.sendLive(messages);
  }

  async #prune(): Promise<void> {
    const s = this.#o.config.storage;
    await this.#o.store.prune({ trackDays: s.trackDays, samplesDays: s.samplesDays, ackedDays: s.ackedDays });
  }

  // --- commands from the district -----------------------------------------------------------------------------------

  /** Obeys a verified command (its signature, unit, expiry and counter were checked by the uplink). */
  async command(c: Command): Promise<{ status: CommandStatus; detail: string }> {
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
        const clip = this.#playlist.find((p) => p.id === c.clip);
        if (!clip) return { status: 'refused', detail: `clip ${c.clip} is not playable on this cart now` };
        this.player.playClip(clip, clip.priority === 'emergency' ? 'emergency' : 'remote');
        return { status: this.player.state === 'blocked' ? 'refused' : 'ok', detail: this.player.state === 'blocked' ? this.player.reasons.map((r) => r.text).join('; ') : `playing ${clip.id}` };
      }
      case 'sync-now':
        if (this.#sync) {
          this.#sync.syncNow();
          return { status: 'ok', detail: `sync started (active manifest ${this.#o.cache.active?.manifest.version ?? 0})` };
        }
        await this.#importIncoming();
        this.#refreshPlaylist();
        return { status: 'ok', detail: `manifest ${this.#o.cache.active?.manifest.version ?? 0}` };
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
