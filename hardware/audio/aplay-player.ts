/**
 * Real playback through ALSA's `aplay`, using node-aplay.
 *
 * What node-aplay 1.0.3 does (read in node_modules/node-aplay/node-aplay.js): `play()` spawns the binary named
 * `aplay` from PATH with the file as its only argument; `stop()`, `pause()` and `resume()` send SIGTERM, SIGSTOP
 * and SIGCONT to that child. It has no device option, no start or error event, emits `complete` for ANY exit with a
 * code (aplay failing with exit 1 included), and attaches no `error` listener to the child, so a missing aplay
 * binary (ENOENT) crashes the whole process. `resume()` after `stop()` silently starts the file again.
 *
 * Decision: subclass node-aplay's `Sound` and override only `play()`, so that it spawns the configured binary with
 * `-D <device> -t wav <file>` and an `error` listener; keep node-aplay's signal-based `stop()`, `pause()` and
 * `resume()`, which are right. Its `complete` event is never used: this wrapper reads the child itself — start is
 * aplay's "Playing WAVE" line on stderr, success is exit code 0 after a start, anything else is a failure. The file
 * is checked as a WAV before aplay sees it (aplay would play any other file as raw noise, and exit 0). Stopping a
 * paused aplay also sends SIGCONT (a stopped process cannot run its SIGTERM handler), and a player that has not
 * exited within `killAfterMs` of `stop()` gets SIGKILL (aplay can block in a wedged ALSA device).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { emitRecoverableError } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { AudioError, checkPlayable, type AudioPlayer, type AudioPlayerEvents, type EndReason } from './audio.js';
import { PlaybackClock } from './playback-clock.js';

/** node-aplay's `Sound`, as its source defines it. */
interface NodeAplaySound extends EventEmitter {
  filename: string;
  process: ChildProcess;
  stopped: boolean;
  play(): void;
  stop(): void;
  pause(): void;
  resume(): void;
}
const NodeAplay = createRequire(import.meta.url)('node-aplay') as new (filename: string) => NodeAplaySound;

class DeviceAplay extends NodeAplay {
  constructor(
    filename: string,
    private readonly binary: string,
    private readonly device: string,
  ) {
    super(filename);
  }

  /** node-aplay's `play()` with the configured binary and device, stdout ignored and stderr readable. */
  override play(): void {
    this.stopped = false;
    this.process = spawn(this.binary, ['-D', this.device, '-t', 'wav', this.filename], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

export interface AplayPlayerOptions {
  /** ALSA PCM name passed as `-D`: `default`, `plughw:1,0`, `null` in tests. Default `default`. */
  device?: string;
  /** Path of the aplay binary. Default `aplay` (from PATH). */
  binary?: string;
  /** SIGKILL a player that has not ended this long after `stop()`. Default 2000 ms. */
  killAfterMs?: number;
  /** Monotonic clock in ms for `elapsedMs`. Default `performance.now`. */
  now?: () => number;
  logger?: Logger;
}

const STDERR_KEEP = 4096;

interface Playback {
  file: string;
  sound: DeviceAplay;
  started: boolean;
  stopping: EndReason | undefined;
  done: Promise<void>;
}

export class AplayPlayer extends EventEmitter<AudioPlayerEvents> implements AudioPlayer {
  readonly #device: string;
  readonly #binary: string;
  readonly #killAfterMs: number;
  readonly #logger: Logger;
  readonly #clock: PlaybackClock;
  #current: Playback | undefined;
  #paused = false;
  /** Counts `play()` calls, so that a play overtaken while it checked its file does not start. */
  #generation = 0;

  constructor(options: AplayPlayerOptions = {}) {
    super();
    this.#device = options.device ?? 'default';
    this.#binary = options.binary ?? 'aplay';
    this.#killAfterMs = options.killAfterMs ?? 2000;
    if (this.#device === '' || this.#device.startsWith('-')) {
      throw new RangeError(`options.device must be an ALSA PCM name, got ${JSON.stringify(this.#device)}`);
    }
    if (!Number.isFinite(this.#killAfterMs) || this.#killAfterMs < 0) {
      throw new RangeError(`options.killAfterMs must be >= 0, got ${this.#killAfterMs}`);
    }
    this.#logger = options.logger ?? silentLogger;
    this.#clock = new PlaybackClock(options.now);
  }

  get elapsedMs(): number {
    return this.#clock.elapsedMs;
  }

  get playing(): boolean {
    return this.#current?.started === true;
  }

  get paused(): boolean {
    return this.#paused;
  }

  async play(file: string): Promise<void> {
    if (typeof file !== 'string' || file === '') throw new RangeError(`file must be a path, got ${JSON.stringify(file)}`);
    const generation = ++this.#generation;
    if (this.#current) await this.#stop('replaced');
    this.#clock.reset();
    try {
      await checkPlayable(file);
    } catch (err) {
      this.#fail(err as AudioError);
      this.emit('ended', { file, completed: false, reason: 'failed', elapsedMs: 0 });
      throw err;
    }
    if (generation !== this.#generation) {
      // Another play() came while this one checked its file: it never starts.
      this.emit('ended', { file, completed: false, reason: 'replaced', elapsedMs: 0 });
      return;
    }
    await new Promise<void>((resolve, reject) => this.#spawn(file, resolve, reject));
  }

  pause(): void {
    const cur = this.#current;
    if (!cur?.started || this.#paused || cur.stopping) return;
    cur.sound.pause();
    this.#paused = true;
    this.#clock.pause();
  }

  resume(): void {
    const cur = this.#current;
    if (!cur || !this.#paused || cur.stopping) return;
    cur.sound.resume();
    this.#paused = false;
    this.#clock.resume();
  }

  stop(): Promise<void> {
    return this.#stop('stopped');
  }

  async #stop(reason: EndReason): Promise<void> {
    const cur = this.#current;
    if (!cur) return;
    if (!cur.stopping) {
      cur.stopping = reason;
      cur.sound.stop(); // SIGTERM
      if (this.#paused) cur.sound.process.kill('SIGCONT');
      const killer = setTimeout(() => {
        this.#logger.warn(() => `aplay did not end ${this.#killAfterMs} ms after SIGTERM: sending SIGKILL`);
        cur.sound.process.kill('SIGKILL');
      }, this.#killAfterMs);
      void cur.done.finally(() => clearTimeout(killer));
    }
    await cur.done;
  }

  #spawn(file: string, resolve: () => void, reject: (err: Error) => void): void {
    const sound = new DeviceAplay(file, this.#binary, this.#device);
    let finish!: () => void;
    const cur: Playback = { file, sound, started: false, stopping: undefined, done: new Promise((r) => (finish = r)) };
    this.#current = cur;
    this.#paused = false;
    let stderr = '';
    let ended = false;
    const end = (completed: boolean, reason: EndReason, error?: AudioError) => {
      if (ended) return;
      ended = true;
      this.#clock.stop();
      if (this.#current === cur) this.#current = undefined;
      this.#paused = false;
      if (error) this.#fail(error);
      if (!cur.started && error) reject(error);
      else if (!cur.started) reject(new AudioError('AUDIO_PLAYER_FAILED', file, `Playback of ${file} was ${reason} before it started.`));
      this.emit('ended', { file, completed, reason, elapsedMs: this.#clock.elapsedMs });
      finish();
    };

    sound.play();
    const child = sound.process;
    this.#logger.debug(() => `spawned ${this.#binary} -D ${this.#device} -t wav ${file} (pid ${child.pid})`);
    child.on('error', (err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT';
      end(
        false,
        'failed',
        new AudioError(
          missing ? 'AUDIO_PLAYER_MISSING' : 'AUDIO_PLAYER_FAILED',
          file,
          missing
            ? `The audio player ${this.#binary} is not installed or not found. Install alsa-utils (apt install alsa-utils) or fix the configured path.`
            : `The audio player ${this.#binary} could not be started: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
      if (!cur.started && /Playing WAVE/.test(stderr)) {
        cur.started = true;
        this.#clock.start();
        this.emit('started', { file });
        resolve();
      }
    });
    child.on('close', (code, signal) => {
      if (cur.stopping) return end(false, cur.stopping);
      if (code === 0 && cur.started) return end(true, 'completed');
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = stderr.trim().split('\n').slice(-2).join(' / ');
      end(
        false,
        'failed',
        new AudioError(
          'AUDIO_PLAYER_FAILED',
          file,
          `The audio player ${how} while playing ${file}${said ? `: ${said}` : ''}. Check the sound device "${this.#device}" (aplay -L lists them).`,
        ),
      );
    });
  }

  #fail(error: AudioError): void {
    this.#logger.warn(() => `${error.code}: ${error.message}`);
    emitRecoverableError(this, error);
  }
}
