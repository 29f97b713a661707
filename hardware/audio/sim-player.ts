/**
 * A player that plays nothing but takes the real time of the file: it reads the WAV header (so a non-WAV or a
 * missing file fails as on the cart) and ends after the file's duration divided by `speed`. Test controls:
 * `lastPlayed`, `history`, `fail(next)`.
 */
import { EventEmitter } from 'node:events';
import { emitRecoverableError } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { AudioError, checkPlayable, type AudioErrorCode, type AudioPlayer, type AudioPlayerEvents, type EndReason } from './audio.js';
import { PlaybackClock } from './playback-clock.js';

export interface SimulatedAudioPlayerOptions {
  /** How many times faster than real time the simulated playback runs (10 = a 30 s clip takes 3 s). Default 1. */
  speed?: number;
  /** Clock in ms; default `performance.now`. Fake timers need a clock they control, e.g. `Date.now`. */
  now?: () => number;
  logger?: Logger;
}

export interface SimulatedPlay {
  file: string;
  /** Length of the file, from its header (0 when it failed before reading it). */
  durationMs: number;
  /** Filled in when the play ends. */
  ended?: { completed: boolean; reason: EndReason; elapsedMs: number };
}

interface Current {
  play: SimulatedPlay;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class SimulatedAudioPlayer extends EventEmitter<AudioPlayerEvents> implements AudioPlayer {
  /** Test control: every play, in order, with its outcome. */
  readonly history: SimulatedPlay[] = [];
  readonly #speed: number;
  readonly #logger: Logger;
  readonly #clock: PlaybackClock;
  #current: Current | undefined;
  #paused = false;
  /** Counts `play()` calls, so that a play overtaken while it checked its file does not start. */
  #generation = 0;
  #nextFailure: AudioError | AudioErrorCode | undefined;

  constructor(options: SimulatedAudioPlayerOptions = {}) {
    super();
    this.#speed = options.speed ?? 1;
    if (!Number.isFinite(this.#speed) || this.#speed <= 0) throw new RangeError(`options.speed must be > 0, got ${this.#speed}`);
    this.#logger = options.logger ?? silentLogger;
    // The clock runs in file time: real time multiplied by the speed.
    const now = options.now ?? (() => performance.now());
    this.#clock = new PlaybackClock(() => now() * this.#speed);
  }

  /** Test control: the file of the last `play()`, whatever its outcome. */
  get lastPlayed(): string | undefined {
    return this.history.at(-1)?.file;
  }

  /** Test control: the next `play()` fails with this error (or a generic one with this code), as a real one could. */
  fail(next: AudioError | AudioErrorCode = 'AUDIO_PLAYER_FAILED'): void {
    this.#nextFailure = next;
  }

  get elapsedMs(): number {
    return this.#clock.elapsedMs;
  }

  get playing(): boolean {
    return this.#current !== undefined;
  }

  get paused(): boolean {
    return this.#paused;
  }

  async play(file: string): Promise<void> {
    if (typeof file !== 'string' || file === '') throw new RangeError(`file must be a path, got ${JSON.stringify(file)}`);
    const generation = ++this.#generation;
    if (this.#current) this.#end(false, 'replaced');
    this.#clock.reset();
    const play: SimulatedPlay = { file, durationMs: 0 };
    this.history.push(play);
    try {
      const failure = this.#nextFailure;
      this.#nextFailure = undefined;
      if (failure instanceof AudioError) throw failure;
      if (failure) throw new AudioError(failure, file, `Simulated failure ${failure} playing ${file}.`);
      play.durationMs = (await checkPlayable(file)).durationMs;
    } catch (err) {
      const error = err as AudioError;
      this.#logger.warn(() => `${error.code}: ${error.message}`);
      emitRecoverableError(this, error);
      play.ended = { completed: false, reason: 'failed', elapsedMs: 0 };
      this.emit('ended', { file, completed: false, reason: 'failed', elapsedMs: 0 });
      throw err;
    }
    if (generation !== this.#generation) {
      // Another play() came while this one checked its file: it never starts.
      play.ended = { completed: false, reason: 'replaced', elapsedMs: 0 };
      this.emit('ended', { file, completed: false, reason: 'replaced', elapsedMs: 0 });
      return;
    }
    if (this.#current) this.#end(false, 'replaced');
    this.#current = { play, timer: undefined };
    this.#paused = false;
    this.#clock.start();
    this.#schedule();
    this.emit('started', { file });
  }

  pause(): void {
    const cur = this.#current;
    if (!cur || this.#paused) return;
    clearTimeout(cur.timer);
    this.#paused = true;
    this.#clock.pause();
  }

  resume(): void {
    if (!this.#current || !this.#paused) return;
    this.#paused = false;
    this.#clock.resume();
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (this.#current) this.#end(false, 'stopped');
  }

  #schedule(): void {
    const cur = this.#current!;
    const left = Math.max(0, cur.play.durationMs - this.#clock.elapsedMs) / this.#speed;
    cur.timer = setTimeout(() => this.#end(true, 'completed'), left);
  }

  #end(completed: boolean, reason: EndReason): void {
    const cur = this.#current!;
    clearTimeout(cur.timer);
    this.#clock.stop();
    this.#current = undefined;
    this.#paused = false;
    const elapsedMs = completed ? cur.play.durationMs : this.#clock.elapsedMs;
    cur.play.ended = { completed, reason, elapsedMs };
    this.emit('ended', { file: cur.play.file, completed, reason, elapsedMs });
  }
}
