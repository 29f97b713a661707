/**
 * Audio import for the content library: what the carts play is WAV PCM, mono, 16 kHz, 16-bit, at one loudness.
 *
 * Uploads are WAV or MP3, recognised by their first bytes (never by their name); anything else is refused as
 * `not-audio`, and so is a file over the size limit (`too-large`, checked before it is read) or the length limit
 * (`too-long`, from the header with `soxi -D`). MP3 needs Debian's `libsox-fmt-mp3` (`no-mp3` when sox lacks it).
 * A cut or malformed file (`damaged-audio`) or a WAV encoding the conversion does not take (`unsupported-audio`) is
 * refused from its structure (audio-check.ts), and again when sox decodes less than that structure promises or
 * fails part-way: sox alone reads a cut file up to where it ends and calls it a shorter clip.
 *
 * Loudness: two-pass RMS normalisation. Pass 1, `sox in -n channels 1 stats`, measures the RMS level of the mono
 * mix; pass 2 converts with `channels 1 rate 16000 vol G dB 0.05 dither`, where G = target − RMS (target −20 dBFS
 * RMS, G limited to ±40 dB) and 0.05 is the gain of vol's peak limiter, so a raised clip with loud peaks is limited
 * rather than clipped (`gain -l` was tried: its limiter also squeezes peaks well below 0 dBFS). Peak normalisation
 * (`gain -n`) was not chosen: it levels peaks, not what people hear, so a quiet speech clip with one loud click stays
 * quiet. The result is measured again (pass 3) and returned.
 *
 * Text to speech: `espeak-ng -v vi -b 1 -f text.txt -w speech.wav` (the text goes through a file, so no text can be
 * taken for an option), then the same conversion. Every tool runs with execFile and an argument array, on files in
 * a fresh temporary folder with fixed names.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../logger.js';
import { damaged, inspectMp3, inspectWav, type AudioLayout } from './audio-check.js';
import { both, ContentError } from './errors.js';

/** What was measured of a converted clip. */
export interface AudioFacts {
  durationMs: number;
  /** RMS level, dBFS. */
  rmsDb: number;
  /** Peak level, dBFS. */
  peakDb: number;
}

/** Turns uploads and text into clips in the carts' format. */
export interface AudioImporter {
  /** Converts the WAV or MP3 at `input` into the carts' format at `output`. */
  importFile(input: string, output: string): Promise<AudioFacts>;
  /** Speaks `text` (Vietnamese) into the carts' format at `output`. */
  speak(text: string, output: string): Promise<AudioFacts>;
}

export interface SoxAudioOptions {
  /** Where the temporary folders go (the library uses its own data folder). */
  tempDir: string;
  /** Longest clip accepted, seconds (default 600). */
  maxSeconds?: number;
  /** Largest upload accepted, bytes (default 50 MB). */
  maxBytes?: number;
  /** Longest text for speech, characters (default 5000). */
  maxTextChars?: number;
  /** RMS level the clips are brought to, dBFS (default −20). */
  targetRmsDb?: number;
  /** espeak-ng voice (default `vi`). */
  voice?: string;
  /** Longest time one tool may run, ms (default 120 s). */
  toolTimeoutMs?: number;
  logger?: Logger;
}

export const CART_RATE = 16_000;
const MAX_GAIN_DB = 40;
const SILENCE_DB = -70;
/**
 * How much shorter than its structure promises a file may decode, s (or 2 % if more): an MP3 decoder drops a frame
 * or two at the edges (26–72 ms each), a WAV decodes to the sample.
 */
const DECODE_SLACK_S = 0.2;

export type UploadType = 'wav' | 'mp3';

/** The upload type from its first bytes, or undefined when it is neither WAV nor MP3. */
export function sniffAudio(head: Uint8Array): UploadType | undefined {
  const b = Buffer.from(head);
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) return 'mp3';
  return undefined;
}

interface ToolResult {
  stdout: string;
  stderr: string;
}

export class SoxAudio implements AudioImporter {
  readonly #o: SoxAudioOptions;
  readonly #log: Logger;
  #mp3: Promise<boolean> | undefined;

  constructor(options: SoxAudioOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** True when this sox reads MP3 (Debian package libsox-fmt-mp3). */
  hasMp3(): Promise<boolean> {
    this.#mp3 ??= this.#run('sox', ['-h'])
      .then((r) => /AUDIO FILE FORMATS:.*\bmp3\b/.test(r.stdout))
      .catch(() => false);
    return this.#mp3;
  }

  async importFile(input: string, output: string): Promise<AudioFacts> {
    const maxBytes = this.#o.maxBytes ?? 50_000_000;
    const size = (await stat(input)).size;
    if (size > maxBytes) {
      throw new ContentError('too-large', both(`Tệp ${size} byte, quá giới hạn ${maxBytes} byte: hãy cắt ngắn hoặc nén lại`, `the file is ${size} bytes, over the ${maxBytes}-byte limit: shorten or compress it`));
    }
    const bytes = await readFile(input); // at most maxBytes: the structure check walks the whole file
    const type = sniffAudio(bytes.subarray(0, 12));
    if (type === undefined) throw notAudio('không phải WAV hay MP3', 'it is neither WAV nor MP3');
    if (type === 'mp3' && !(await this.hasMp3())) {
      throw new ContentError('no-mp3', both('Máy chủ chưa đọc được MP3: cài gói libsox-fmt-mp3 (apt-get install libsox-fmt-mp3) hoặc gửi WAV', 'this server cannot read MP3: install libsox-fmt-mp3 or upload WAV'));
    }
    const layout = type === 'wav' ? inspectWav(bytes) : inspectMp3(bytes);
    return this.#inJob(async (job) => {
      const source = join(job, `in.${type}`);
      await symlink(resolve(input), source);
      let seconds: number;
      try {
        seconds = Number((await this.#run('soxi', ['-D', source])).stdout.trim());
      } catch (err) {
        if (err instanceof ContentError && err.code === 'audio-failed') throw notAudio('sox không đọc được tệp', `sox cannot read it: ${err.message}`);
        throw err;
      }
      this.#checkLength(layout.seconds ?? seconds);
      return this.#convert(source, output, layout);
    });
  }

  async speak(text: string, output: string): Promise<AudioFacts> {
    const maxChars = this.#o.maxTextChars ?? 5000;
    const clean = typeof text === 'string' ? text.trim() : '';
    if (clean === '') throw new ContentError('bad-text', both('Văn bản để đọc đang trống', 'the text to speak is empty'));
    if ([...clean].length > maxChars) {
      throw new ContentError('bad-text', both(`Văn bản dài ${[...clean].length} ký tự, quá ${maxChars}: hãy chia thành nhiều bản tin`, `the text is ${[...clean].length} characters, over ${maxChars}: split it into several clips`));
    }
    return this.#inJob(async (job) => {
      const textFile = join(job, 'text.txt');
      const speech = join(job, 'speech.wav');
      await writeFile(textFile, clean, 'utf8');
      await this.#run('espeak-ng', ['-v', this.#o.voice ?? 'vi', '-b', '1', '-f', textFile, '-w', speech]);
      return this.#convert(speech, output);
    });
  }

  /** Measures a file: RMS and peak of the mono mix, and its length. */
  async measure(path: string): Promise<AudioFacts> {
    const { stderr } = await this.#run('sox', [path, '-n', 'channels', '1', 'stats']);
    const field = (name: string): number => {
      const m = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(stderr);
      const value = m ? Number(m[1]) : NaN;
      return m?.[1] === '-inf' ? -Infinity : value;
    };
    const length = field('Length s');
    if (!Number.isFinite(length)) throw new ContentError('audio-failed', `sox stats gave no length for ${path}`);
    return { durationMs: Math.round(length * 1000), rmsDb: field('RMS lev dB'), peakDb: field('Pk lev dB') };
  }

  /**
   * Converts `source`. For an upload, `upload` is what its structure promises: sox must decode it all (a failure or
   * a shorter decode is `damaged-audio`).
   */
  async #convert(source: string, output: string, upload?: AudioLayout): Promise<AudioFacts> {
    let before: AudioFacts;
    try {
      before = await this.measure(source);
    } catch (err) {
      if (upload && err instanceof ContentError && err.code === 'audio-failed') throw damaged('sox không giải mã được hết tệp', `sox cannot decode all of it: ${err.message}`);
      throw err;
    }
    const promised = upload?.seconds ?? null;
    if (promised !== null && before.durationMs / 1000 < promised - Math.max(DECODE_SLACK_S, promised * 0.02)) {
      const s = (x: number, lang: 'vi' | 'en'): string => (lang === 'vi' ? x.toFixed(2).replace('.', ',') : x.toFixed(2));
      throw damaged(
        `sox chỉ giải mã được ${s(before.durationMs / 1000, 'vi')} trong ${s(promised, 'vi')} giây của tệp`,
        `sox decodes only ${s(before.durationMs / 1000, 'en')} of its ${s(promised, 'en')} s`,
      );
    }
    this.#checkLength(before.durationMs / 1000);
    if (!(before.rmsDb > SILENCE_DB)) throw new ContentError('silent', both('Tệp gần như im lặng: hãy kiểm tra lại bản ghi', 'the file is (almost) silent: check the recording'));
    const target = this.#o.targetRmsDb ?? -20;
    const gain = Math.max(-MAX_GAIN_DB, Math.min(MAX_GAIN_DB, target - before.rmsDb));
    // vol's limiter (gain 0.05, as sox's manual recommends) only acts on peaks that would clip, and only when raising.
    const vol = gain > 0 ? ['vol', gain.toFixed(2), 'dB', '0.05'] : ['vol', gain.toFixed(2), 'dB'];
    await this.#run('sox', [source, '-t', 'wav', '-e', 'signed-integer', '-b', '16', output, 'channels', '1', 'rate', String(CART_RATE), ...vol, 'dither']);
    const after = await this.measure(output);
    this.#log.debug(() => `converted ${source}: RMS ${before.rmsDb} → ${after.rmsDb} dBFS, gain ${gain.toFixed(2)} dB`);
    return after;
  }

  #checkLength(seconds: number): void {
    const max = this.#o.maxSeconds ?? 600;
    if (!Number.isFinite(seconds) || seconds <= 0) throw notAudio('không có âm thanh', 'it holds no sound');
    if (seconds > max) {
      throw new ContentError('too-long', both(`Bản tin dài ${Math.round(seconds)} giây, quá giới hạn ${max} giây: hãy cắt ngắn`, `the clip is ${Math.round(seconds)} s long, over the ${max} s limit: shorten it`));
    }
  }

  async #inJob<T>(work: (job: string) => Promise<T>): Promise<T> {
    const job = await mkdtemp(join(this.#o.tempDir, '.audio-'));
    try {
      return await work(job);
    } finally {
      await rm(job, { recursive: true, force: true });
    }
  }

  #run(tool: 'sox' | 'soxi' | 'espeak-ng', args: string[]): Promise<ToolResult> {
    return new Promise((resolvePromise, reject) => {
      execFile(tool, args, { timeout: this.#o.toolTimeoutMs ?? 120_000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolvePromise({ stdout, stderr });
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          const pkg = tool === 'espeak-ng' ? 'espeak-ng' : 'sox';
          reject(
            new ContentError(
              tool === 'espeak-ng' ? 'no-espeak' : 'no-sox',
              both(`Chưa cài ${tool}: chạy \`apt-get install ${pkg}\``, `${tool} is not installed: run \`apt-get install ${pkg}\``),
            ),
          );
          return;
        }
        const detail = stderr.trim().split('\n').slice(-1)[0] ?? err.message;
        reject(new ContentError('audio-failed', `${tool} failed: ${detail}`));
      });
    });
  }
}

function notAudio(vi: string, en: string): ContentError {
  return new ContentError('not-audio', both(`Tệp không phải âm thanh dùng được: ${vi}. Hãy gửi tệp WAV hoặc MP3`, `the file is not usable audio: ${en}. Upload a WAV or MP3 file`));
}
