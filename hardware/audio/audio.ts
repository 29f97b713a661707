/**
 * Audio playback of one WAV file at a time. Every `play()` ends with exactly one `ended` event, whether it played
 * to the end, was stopped, or failed (then after an `error`). Drivers emit `error` only when someone listens (an
 * unheard `error` would crash the process); the failure is logged and `ended` reports it in any case.
 */
import type { EventEmitter } from 'node:events';
import { NotWavError, readWavInfo, type WavInfo } from './wav.js';

export type EndReason = 'completed' | 'stopped' | 'failed' | 'replaced';

export interface AudioPlayerEvents {
  /** Sound is going out (the player has opened the device and begun writing). */
  started: [event: { file: string }];
  /** Playback ended. `completed` is true only when the whole file was played. */
  ended: [event: { file: string; completed: boolean; reason: EndReason; elapsedMs: number }];
  /** A failure; an `ended` with `completed: false, reason: 'failed'` follows when a playback was under way. */
  error: [error: AudioError];
}

export interface AudioPlayer extends EventEmitter<AudioPlayerEvents> {
  /**
   * Starts playing `file` (stopping what was playing, which ends with reason `replaced`). Resolves when playback has
   * started; rejects with an `AudioError` (also emitted as `error`) when it cannot start. A play overtaken by another
   * `play()` before it started resolves without starting, with an `ended` of reason `replaced`.
   */
  play(file: string): Promise<void>;
  /** Pauses; playback time does not run while paused. No effect when nothing plays. */
  pause(): void;
  /** Resumes after `pause()`. No effect when not paused. */
  resume(): void;
  /** Stops; resolves once the player has ended (`ended` with reason `stopped`). No effect when nothing plays. */
  stop(): Promise<void>;
  /** Milliseconds of this (or the last) playback, without the paused time. */
  readonly elapsedMs: number;
  /** True from `started` to `ended`, paused or not. */
  readonly playing: boolean;
  readonly paused: boolean;
}

/** Also used by `fail()` on the simulator. */
export type AudioErrorCode = 'AUDIO_PLAYER_MISSING' | 'AUDIO_NOT_WAV' | 'AUDIO_FILE_MISSING' | 'AUDIO_PLAYER_FAILED';

export class AudioError extends Error {
  readonly code: AudioErrorCode;
  readonly file: string;
  constructor(code: AudioErrorCode, file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioError';
    this.code = code;
    this.file = file;
  }
}

/** Reads the WAV header of a file about to be played; failures become `AudioError`s a technician can act on. */
export async function checkPlayable(file: string): Promise<WavInfo> {
  try {
    return await readWavInfo(file);
  } catch (err) {
    if (err instanceof NotWavError) throw new AudioError('AUDIO_NOT_WAV', file, err.message, { cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `The audio file ${file} does not exist. Check the clip cache, or download the playlist again.`
        : `The audio file ${file} cannot be read (${String(err)}).`;
    throw new AudioError('AUDIO_FILE_MISSING', file, message, { cause: err });
  }
}
