/**
 * Volume through ALSA's `amixer`. Arguments go to `execFile` as an array (no shell), so a control name such as
 * `Speaker Playback; x` reaches amixer as one argument and nothing else runs. `get()` parses `amixer sget` output:
 *
 *   Simple mixer control 'PCM',0
 *     ...
 *     Mono: Playback -1000 [60%] [-10.00dB] [on]
 *
 * or one `Front Left:` / `Front Right:` line per channel (their average is reported).
 */
import { execFile } from 'node:child_process';
import { silentLogger, type Logger } from '../logger.js';
import { VolumeError, checkMax, clampVolume, type Volume, type VolumeSetResult } from './volume.js';

export interface AmixerVolumeOptions {
  /** The hard maximum in percent. */
  max: number;
  /** Simple mixer control: `PCM` (Pi headphone jack on older kernels), `Master`, `Headphone`, `Speaker`… */
  control: string;
  /** Sound card index or name (`-c`); default amixer's default. */
  card?: string | number;
  /** Control device (`-D`), e.g. `hw:1`; default amixer's default. */
  device?: string;
  /** Path of the amixer binary. Default `amixer`. */
  binary?: string;
  /** Give up on amixer after this long (ms). Default 5000. */
  timeoutMs?: number;
  logger?: Logger;
}

/** The playback percentages of every channel line in `amixer sget` output (`[60%]`), in order. */
export function parsePlaybackPercents(output: string): number[] {
  const found: number[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*[^:]+:\s*Playback\b.*?\[(\d{1,3})%\]/.exec(line);
    if (m) found.push(Number(m[1]));
  }
  return found;
}

export class AmixerVolume implements Volume {
  readonly max: number;
  readonly #opts: AmixerVolumeOptions;
  readonly #binary: string;
  readonly #logger: Logger;

  constructor(options: AmixerVolumeOptions) {
    this.max = checkMax(options.max);
    if (typeof options.control !== 'string' || options.control.trim() === '') {
      throw new RangeError(`options.control must name a mixer control (PCM, Master…), got ${JSON.stringify(options.control)}`);
    }
    this.#opts = options;
    this.#binary = options.binary ?? 'amixer';
    this.#logger = options.logger ?? silentLogger;
  }

  async get(): Promise<number> {
    const out = await this.#run(['sget', this.#opts.control]);
    const percents = parsePlaybackPercents(out);
    if (percents.length === 0) {
      throw new VolumeError(
        'VOLUME_UNREADABLE',
        `amixer printed no playback volume for control "${this.#opts.control}". Check the control name (amixer scontrols lists them).`,
      );
    }
    return Math.round(percents.reduce((a, b) => a + b, 0) / percents.length);
  }

  async set(percent: number): Promise<VolumeSetResult> {
    const result = clampVolume(percent, this.max);
    if (result.clamped) {
      this.#logger.warn(() => `volume ${percent}% asked, ${result.applied}% set: the configured range is 0–${this.max}%`);
    }
    await this.#run(['sset', this.#opts.control, `${result.applied}%`]);
    return result;
  }

  #run(command: string[]): Promise<string> {
    const args = [
      ...(this.#opts.card !== undefined ? ['-c', String(this.#opts.card)] : []),
      ...(this.#opts.device !== undefined ? ['-D', this.#opts.device] : []),
      ...command,
    ];
    this.#logger.debug(() => `${this.#binary} ${JSON.stringify(args)}`);
    return new Promise((resolve, reject) => {
      execFile(this.#binary, args, { timeout: this.#opts.timeoutMs ?? 5000, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(
            new VolumeError(
              'VOLUME_MIXER_MISSING',
              `The mixer program ${this.#binary} is not installed or not found. Install alsa-utils (apt install alsa-utils) or fix the configured path.`,
              { cause: err },
            ),
          );
        }
        const said = stderr.trim().split('\n').slice(-1)[0] ?? '';
        reject(
          new VolumeError(
            'VOLUME_MIXER_FAILED',
            `amixer ${command[0]} on control "${this.#opts.control}" failed${said ? `: ${said}` : ''}. Check the sound card and the control name (amixer scontrols).`,
            { cause: err },
          ),
        );
      });
    });
  }
}
