/**
 * The cart's player: a small state machine that sequences the amplifier relay and the audio so that the relay is
 * never on while idle, and records every play.
 *
 *   idle ──play──► warming (relay on, warm-up delay) ──► playing ⇄ paused
 *     ▲                                                     │ stop / end of session / blocked
 *     └──── relay off ◄── cooling (tail delay) ◄────────────┘
 *   blocked: a play was refused by policy (hours, limits, quiet zone, battery), the time is not known yet, or
 *            there is nothing approved to play; the reasons are in the status. A refused play never touches the relay.
 *
 * One session plays the playlist in order, round and round, until the team stops it, the policy blocks it or the
 * playlist is empty. An emergency clip interrupts what is playing; the interrupted clip starts again after it.
 */
import { EventEmitter } from 'node:events';
import type { AudioPlayer } from '../../hardware/audio/audio.js';
import type { Logger } from '../../hardware/logger.js';
import type { Relay } from '../../hardware/relay/relay.js';
import type { Volume } from '../../hardware/volume/volume.js';
import type { EventKind, PlayOutcome, PlayRecord, PlayTrigger, Position, Priority, Stamp } from '../../protocol/index.js';
import { nextClip } from '../logic/playlist.js';

export type PlayerStateName = 'idle' | 'warming' | 'playing' | 'paused' | 'cooling' | 'blocked';

export interface PlayableClip {
  id: string;
  file: string;
  title: string;
  priority: Priority;
  manifestVersion: number;
}

export interface BlockReason {
  code: string;
  text: string;
}

/** The refusal when no clip is playable at all (no manifest yet, or nothing in it for this cart now). */
export const NOTHING_TO_PLAY = {
  code: 'no-approved-clip',
  vi: 'Chưa có bản tin được duyệt để phát: chờ xe tải danh sách phát của huyện (cần kết nối), hoặc báo huyện duyệt bản tin cho xe này',
  en: "No approved clip yet: wait for the cart to download the district's playlist (it needs its link), or ask the district to approve a clip for this cart",
} as const;

/** What the broadcast policy says right now (device/logic/policy.ts, evaluated by the cart). */
export interface Gate {
  allowed: boolean;
  reasons: BlockReason[];
  /** Highest volume allowed here and now (a quiet zone), or null. */
  volumeCap: number | null;
}

export interface PlayerTiming {
  /** Relay on → audio: the amplifier's warm-up. */
  warmupMs: number;
  /** Audio end → relay off. */
  tailMs: number;
  /** A pause longer than this ends the session (the amplifier is not left on for nothing). */
  pauseTimeoutMs: number;
  /** Volume change per button press, %. */
  volumeStep: number;
}

export const DEFAULT_TIMING: PlayerTiming = { warmupMs: 1500, tailMs: 1000, pauseTimeoutMs: 120_000, volumeStep: 5 };

export interface PlayerOptions {
  relay: Relay;
  audio: AudioPlayer;
  volume: Volume;
  /** The current playable list, ordered (emergency, priority, ordinary), files verified at sync. */
  playlist: () => readonly PlayableClip[];
  /**
   * The policy for the clip about to play (null: none chosen yet, or a volume change between clips): an emergency
   * clip may go where an ordinary one may not (the energy reserve).
   */
  gate: (clip: PlayableClip | null) => Gate;
  /** Play-time check of a clip's SHA-256 (a failing SD card); false = do not play it. */
  verify: (clip: PlayableClip) => Promise<boolean>;
  stamp: () => Stamp;
  position: () => Position | undefined;
  timing?: Partial<PlayerTiming>;
  logger: Logger;
}

export type PlayInput = Omit<PlayRecord, 'type' | 'record'>;

/** A play under way: its record so far, without the outcome; `seconds` played up to now. */
export type PlaySoFar = Omit<PlayInput, 'outcome'>;

export interface PlayerEvents {
  state: [state: { name: PlayerStateName; clip: string | null; reasons: BlockReason[] }];
  /** A clip's sound has started: the play so far (0 s). Its `play` follows, whatever the outcome. */
  started: [play: PlaySoFar];
  /** A play ended: the record to keep. */
  play: [play: PlayInput];
  /** Something for the event log. */
  event: [event: { kind: EventKind; code: string; detail: string }];
}

type Request = { kind: 'stop'; outcome: PlayOutcome } | { kind: 'next' } | { kind: 'clip'; clip: PlayableClip; trigger: PlayTrigger };

export class Player extends EventEmitter<PlayerEvents> {
  readonly #o: PlayerOptions;
  readonly #t: PlayerTiming;
  #state: PlayerStateName = 'idle';
  #reasons: BlockReason[] = [];
  #clip: PlayableClip | null = null;
  /** The clip chosen and being checked before it plays. */
  #choosing: PlayableClip | null = null;
  #session: Promise<void> | null = null;
  #request: Request | null = null;
  #wake: (() => void) | null = null;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #lastClipId: string | null = null;
  /** The volume applied to the mixer now: the team's volume, capped where a quiet zone says so. */
  #volume = 0;
  /** The volume the team chose (buttons, remote command): kept across quiet zones and restarts. */
  #teamVolume = 0;
  /** A spoken cue under way (speak()); the mixer is its own until it ends. */
  #speech: Promise<boolean> | null = null;
  /** Set when a press or a stop cuts the cue short; wakes its warm-up. */
  #speechCut = false;
  #speechWake: (() => void) | null = null;
  /** A press that came during a cue: acted on once the cue's relay is off again. */
  #afterSpeech: (() => void) | null = null;

  constructor(options: PlayerOptions) {
    super();
    this.#o = options;
    this.#t = { ...DEFAULT_TIMING, ...options.timing };
  }

  get state(): PlayerStateName {
    return this.#state;
  }

  get clip(): PlayableClip | null {
    return this.#clip;
  }

  /** The clip playing, or else the one asked for next (an emergency clip while the amplifier warms up): what the gate judges. */
  get upcoming(): PlayableClip | null {
    return this.#clip ?? this.#choosing ?? (this.#request?.kind === 'clip' ? this.#request.clip : null);
  }

  get reasons(): readonly BlockReason[] {
    return this.#reasons;
  }

  /** The volume applied now, %. */
  get volume(): number {
    return this.#volume;
  }

  /** The volume the team chose, % (what to keep across restarts). */
  get teamVolume(): number {
    return this.#teamVolume;
  }

  /**
   * Milliseconds of the clip under way played so far, paused time excluded: the clock a play's `seconds` come from
   * (the simulator's runs `speed` times faster). Meaningful between `started` and `play`.
   */
  get playedMs(): number {
    return this.#o.audio.elapsedMs;
  }

  /** Switches the relay off and sets the team's volume: call once at start. */
  async start(initialVolume: number): Promise<void> {
    await this.#o.relay.off();
    await this.setVolume(initialVolume);
  }

  /** Waits for any session to end (relay off). */
  async stop(): Promise<void> {
    this.#cutSpeech(null);
    this.#ask({ kind: 'stop', outcome: 'stopped' });
    await this.#speech;
    await this.#session;
  }

  /** The play/pause button. */
  playPause(trigger: PlayTrigger = 'button'): void {
    if (this.#cutSpeech(() => this.playPause(trigger))) return;
    if (this.#state === 'playing') {
      this.#o.audio.pause();
      this.#setState('paused');
      this.#pauseTimer = setTimeout(() => this.#ask({ kind: 'stop', outcome: 'stopped' }), this.#t.pauseTimeoutMs);
    } else if (this.#state === 'paused') {
      clearTimeout(this.#pauseTimer);
      this.#o.audio.resume();
      this.#setState('playing');
    } else if (this.#session === null) {
      this.#begin(trigger, null);
    }
  }

  /** The next button: skip to the next clip (starts a session when idle). */
  next(): void {
    if (this.#cutSpeech(() => this.next())) return;
    if (this.#session === null) this.#begin('button', null);
    else this.#ask({ kind: 'next' });
  }

  /** Long press: stop the session. */
  stopPressed(): void {
    this.#cutSpeech(null);
    this.#ask({ kind: 'stop', outcome: 'stopped' });
  }

  /** Plays one clip now (a remote command, or an emergency clip that interrupts what is playing). */
  playClip(clip: PlayableClip, trigger: PlayTrigger): void {
    if (this.#cutSpeech(() => this.playClip(clip, trigger))) return;
    if (this.#session === null) this.#begin(trigger, clip);
    else this.#ask({ kind: 'clip', clip, trigger });
  }

  /** Stops the session because the policy says so (called by the cart's policy tick). */
  block(reasons: BlockReason[]): void {
    this.#reasons = reasons;
    if (this.#session !== null) this.#ask({ kind: 'stop', outcome: 'blocked' });
    else this.#setState('blocked');
  }

  /** The policy allows again: leave `blocked`. */
  unblock(): void {
    this.#reasons = [];
    if (this.#state === 'blocked') this.#setState('idle');
  }

  /** A volume button: changes the team's volume; returns the volume applied (capped in a quiet zone). */
  async changeVolume(direction: 1 | -1): Promise<number> {
    return this.setVolume(this.#teamVolume + direction * this.#t.volumeStep);
  }

  /** Sets the team's volume (clamped to the hardware maximum) and applies it under the current cap. */
  async setVolume(percent: number): Promise<number> {
    this.#teamVolume = Math.min(this.#o.volume.max, Math.max(0, Math.round(percent)));
    return this.applyCap(this.#o.gate(this.#clip).volumeCap);
  }

  /** Applies the team's volume under `cap` (null = no cap): called when the cart moves in or out of a quiet zone. */
  async applyCap(cap: number | null): Promise<number> {
    // During a cue the mixer is the cue's: the team's volume is applied when it ends.
    if (this.#speech !== null) return cap === null ? this.#teamVolume : Math.min(this.#teamVolume, cap);
    const wanted = cap === null ? this.#teamVolume : Math.min(this.#teamVolume, cap);
    if (wanted !== this.#volume) this.#volume = (await this.#o.volume.set(wanted)).applied;
    return this.#volume;
  }

  // --- spoken cues -----------------------------------------------------------------------------------------------

  /**
   * Speaks a cue (a short WAV) when no session runs (idle or blocked; otherwise false at once): relay on, the
   * warm-up, the volume set to `volumePercent` under the gate's cap, the file, the tail, relay off, the team's volume
   * back. The state name is not changed (a blocked cart stays blocked, with its reasons) and nothing is recorded as
   * a play: a cue is not a broadcast. A press during the cue cuts it short and is acted on once the relay is off.
   * True when the whole cue was played.
   */
  async speak(file: string, volumePercent: number): Promise<boolean> {
    if (this.#session !== null || this.#speech !== null || (this.#state !== 'idle' && this.#state !== 'blocked')) return false;
    this.#speechCut = false;
    const run = this.#speak(file, volumePercent);
    this.#speech = run;
    try {
      return await run;
    } finally {
      this.#speech = null;
      const then = this.#afterSpeech;
      this.#afterSpeech = null;
      then?.();
    }
  }

  /** True while a cue is being spoken. */
  get speaking(): boolean {
    return this.#speech !== null;
  }

  async #speak(file: string, volumePercent: number): Promise<boolean> {
    const audio = this.#o.audio;
    let onEnd: ((e: { file: string; completed: boolean }) => void) | undefined;
    let completed = false;
    try {
      await this.#o.relay.on();
      await this.#speechPause(this.#t.warmupMs, true);
      if (!this.#speechCut) {
        const cap = this.#o.gate(null).volumeCap;
        const wanted = Math.max(0, Math.min(Math.round(volumePercent), cap ?? Infinity, this.#o.volume.max));
        this.#volume = (await this.#o.volume.set(wanted)).applied;
        const ended = new Promise<boolean>((resolve) => {
          onEnd = (e) => e.file === file && resolve(e.completed);
          audio.on('ended', onEnd);
        });
        await audio.play(file);
        // A cut that came while the player was starting: the audio was not playing yet to be stopped.
        if (this.#speechCut) void audio.stop();
        completed = await ended;
      }
    } catch (err) {
      this.emit('event', { kind: 'fault', code: 'cue', detail: `cue ${file}: ${(err as Error).message}` });
    } finally {
      if (onEnd) audio.off('ended', onEnd);
      await this.#speechPause(this.#t.tailMs, false);
      await this.#o.relay.off();
      const cap = this.#o.gate(null).volumeCap;
      const team = cap === null ? this.#teamVolume : Math.min(this.#teamVolume, cap);
      if (team !== this.#volume) this.#volume = (await this.#o.volume.set(team)).applied;
    }
    return completed;
  }

  /**
   * Cuts a cue under way short; `then` (a press) runs once its relay is off (null: a stop, nothing after). False
   * when no cue is being spoken.
   */
  #cutSpeech(then: (() => void) | null): boolean {
    if (this.#speech === null) return false;
    this.#afterSpeech = then;
    this.#speechCut = true;
    this.#speechWake?.();
    if (this.#o.audio.playing) void this.#o.audio.stop();
    return true;
  }

  /** A cue's warm-up (ends early when the cue is cut) or its tail (always whole: the amplifier must settle). */
  #speechPause(ms: number, cuttable: boolean): Promise<void> {
    if (cuttable && this.#speechCut) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#speechWake = null;
        resolve();
      }
      if (cuttable) this.#speechWake = done;
    });
  }

  // --- the session ---------------------------------------------------------------------------------------------

  #begin(trigger: PlayTrigger, first: PlayableClip | null): void {
    const gate = this.#o.gate(first ?? this.#pickNext());
    if (!gate.allowed) {
      this.#refuse(gate.reasons);
      return;
    }
    if (first === null && this.#pickNext() === null) {
      this.#refuse([{ code: NOTHING_TO_PLAY.code, text: NOTHING_TO_PLAY.vi }]);
      return;
    }
    this.#request = first === null ? null : { kind: 'clip', clip: first, trigger };
    this.#session = this.#run(trigger).finally(() => {
      this.#session = null;
    });
  }

  #refuse(reasons: BlockReason[]): void {
    this.#reasons = reasons;
    this.#setState('blocked');
    this.emit('event', { kind: 'block', code: reasons.map((r) => r.code).join(',') || 'blocked', detail: reasons.map((r) => r.text).join('; ') });
  }

  #ask(request: Request): void {
    if (this.#session === null) return;
    // A stop outranks everything; otherwise the newest request wins.
    if (this.#request?.kind === 'stop' && request.kind !== 'stop') return;
    this.#request = request;
    clearTimeout(this.#pauseTimer);
    if (this.#o.audio.playing) void this.#o.audio.stop();
    this.#wake?.();
  }

  async #run(trigger: PlayTrigger): Promise<void> {
    let blocked: BlockReason[] | null = null;
    try {
      await this.#o.relay.on();
      if (!(await this.#o.relay.isOn())) this.emit('event', { kind: 'fault', code: 'relay-mismatch', detail: 'relay read back off after switching on' });
      this.#setState('warming');
      // The first clip's SHA-256 is checked while the amplifier warms up, so the check does not delay the sound.
      const first = this.#request?.kind === 'clip' ? this.#request.clip : this.#pickNext();
      let checked: { id: string; ok: Promise<boolean> } | null = first ? { id: first.id, ok: this.#o.verify(first).catch(() => false) } : null;
      await this.#sleep(this.#t.warmupMs);
      let resume: PlayableClip | null = null;
      let failures = 0;
      for (;;) {
        const req = this.#takeRequest();
        if (req?.kind === 'stop') {
          // A stop asked by the policy during the warm-up is still a block, with its reasons.
          if (req.outcome === 'blocked') blocked = this.#reasons;
          break;
        }
        let clip: PlayableClip | null;
        let why: PlayTrigger = trigger;
        if (req?.kind === 'clip') {
          clip = req.clip;
          why = req.trigger;
        } else if (resume !== null) {
          clip = resume;
          resume = null;
        } else {
          clip = this.#pickNext();
        }
        if (clip === null) {
          this.emit('event', { kind: 'info', code: 'playlist-empty', detail: 'no approved clip to play for this cart now' });
          break;
        }
        const gate = this.#o.gate(clip);
        if (!gate.allowed) {
          blocked = gate.reasons;
          break;
        }
        this.#choosing = clip;
        const verified = checked?.id === clip.id ? checked.ok : this.#o.verify(clip);
        checked = null;
        if (!(await verified)) {
          this.emit('event', { kind: 'rejected-clip', code: 'hash-mismatch', detail: `clip ${clip.id}: file no longer matches its SHA-256, not played` });
          this.#lastClipId = clip.id;
          if (++failures >= Math.max(3, this.#o.playlist().length)) break;
          continue;
        }
        await this.applyCap(gate.volumeCap);
        const outcome = await this.#playOne(clip, why);
        if (outcome === 'interrupted' && this.#request?.kind === 'clip') resume = clip;
        if (outcome === 'blocked') blocked = this.#reasons;
        failures = outcome === 'failed' ? failures + 1 : 0;
        if (failures >= Math.max(3, this.#o.playlist().length)) {
          this.emit('event', { kind: 'fault', code: 'nothing-playable', detail: `${failures} clips in a row could not be played; session ended` });
          break;
        }
      }
    } catch (err) {
      this.#o.logger.error(`player session failed: ${(err as Error).message}`);
      this.emit('event', { kind: 'fault', code: 'player', detail: (err as Error).message });
    } finally {
      this.#setState('cooling');
      await this.#sleep(this.#t.tailMs).catch(() => undefined);
      await this.#o.relay.off();
      this.#request = null;
      this.#clip = null;
      this.#choosing = null;
      if (blocked !== null) this.#refuse(blocked);
      else this.#setState('idle');
    }
  }

  #takeRequest(): Request | null {
    const r = this.#request;
    if (r?.kind !== 'stop') this.#request = null;
    return r;
  }

  #pickNext(): PlayableClip | null {
    return nextClip(this.#o.playlist(), this.#lastClipId);
  }

  async #playOne(clip: PlayableClip, trigger: PlayTrigger): Promise<PlayOutcome> {
    const audio = this.#o.audio;
    const start = this.#o.stamp();
    const where = this.#o.position();
    this.#clip = clip;
    this.#lastClipId = clip.id;
    const ended = new Promise<{ completed: boolean; reason: string; elapsedMs: number }>((resolve) => {
      const onEnd = (e: { file: string; completed: boolean; reason: string; elapsedMs: number }): void => {
        if (e.file !== clip.file) return;
        audio.off('ended', onEnd);
        resolve(e);
      };
      audio.on('ended', onEnd);
    });
    let outcome: PlayOutcome;
    let seconds = 0;
    try {
      await audio.play(clip.file);
      const soFar: PlaySoFar = { start, clip: clip.id, manifestVersion: clip.manifestVersion, seconds: 0, trigger, volume: this.#volume };
      if (where !== undefined) soFar.where = where;
      this.emit('started', soFar);
      this.#setState('playing');
      const end = await ended;
      seconds = end.elapsedMs / 1000;
      outcome = end.completed ? 'completed' : this.#outcomeOfRequest();
    } catch (err) {
      outcome = 'failed';
      this.emit('event', { kind: 'fault', code: 'audio', detail: `clip ${clip.id}: ${(err as Error).message}` });
    }
    const record: PlayInput = {
      start,
      clip: clip.id,
      manifestVersion: clip.manifestVersion,
      seconds: Math.round(seconds * 10) / 10,
      outcome,
      trigger,
      volume: this.#volume,
    };
    if (where !== undefined) record.where = where;
    this.emit('play', record);
    return outcome;
  }

  #outcomeOfRequest(): PlayOutcome {
    const r = this.#request;
    if (r === null) return 'failed';
    if (r.kind === 'stop') return r.outcome;
    if (r.kind === 'next') return 'next';
    return 'interrupted';
  }

  /** Sleeps, but wakes early when a request arrives. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = () => (this.#request?.kind === 'stop' ? done() : undefined);
    });
  }

  #setState(name: PlayerStateName): void {
    this.#state = name;
    this.emit('state', { name, clip: this.#clip?.id ?? null, reasons: name === 'blocked' ? this.#reasons : [] });
  }
}
