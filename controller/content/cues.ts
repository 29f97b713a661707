/**
 * The spoken cues: short Vietnamese sentences the cart says on its own speaker, quietly, when a team member presses
 * a button and the cart cannot do what was asked ("Ngoài giờ phát thanh"). They are spoken here, where espeak-ng is
 * installed (the district controller, or `loa controller cues build` on a machine with the district key), never on
 * the Pi, and signed with the district's content key, so a cart plays only cues its district made.
 *
 * The pack is one ustar file (lib/tar.ts), `<data>/cues/pack.tar`, served to carts as `GET /content/cues` and copied
 * by hand into a cart's `content/incoming/cues.tar`:
 *
 *   cues.json   {"format":"loa-cues-1","district","version","language":"vi","cues":[{"id","text","file","sha256","bytes"}]}
 *               (JSON.stringify, keys in that order, one newline after): the signed bytes
 *   cues.sig    {"keyId","signature"}: Ed25519 over the bytes of cues.json by the district key (as release.sig is
 *               over release.json; the signed bytes start with `{`, so they can never be read as a signed object of
 *               SPEC.md, which starts with 0x12)
 *   <id>.wav    each cue: PCM, mono, 11 025 Hz, 8-bit — speech from espeak-ng (22 050 Hz) with the silence at both
 *               ends cut, halved in rate through a [1 2 1]/4 low-pass and brought to a 90 % peak; a whole pack is
 *               a few hundred kB, which aplay plays as it is
 *
 * A new pack (version = the time, and always above the last) is made when the texts or the district change (spoken
 * again: espeak-ng needed) or when the district key changed (the same sounds signed again: no espeak-ng needed).
 */
import { spawn } from 'node:child_process';
import { createHash, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { writeFileDurably } from '../../lib/durable.js';
import { readTar, TarWriter } from '../../lib/tar.js';
import { keyId } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { both, ContentError } from './errors.js';

export const CUE_FORMAT = 'loa-cues-1';
export const CUE_RATE = 11_025;
/** The "Pin còn khoảng N phút" cues. */
export const BATTERY_MINUTES = [5, 10, 15, 20, 30, 45, 60, 90, 120] as const;

export interface CueText {
  id: string;
  text: string;
}

/** Every cue of the contract (issue 16), with what it says. */
export const CUE_TEXTS: readonly CueText[] = [
  { id: 'outside-hours', text: 'Ngoài giờ phát thanh' },
  { id: 'daily-limit', text: 'Hôm nay đã phát đủ giờ' },
  { id: 'session-limit', text: 'Đã phát liên tục lâu, hãy nghỉ rồi phát lại' },
  { id: 'quiet-zone', text: 'Đang ở khu vực yên tĩnh' },
  { id: 'no-approved-clip', text: 'Chưa có bản tin được duyệt' },
  { id: 'time-unknown', text: 'Chưa biết giờ, hãy đưa xe ra chỗ thoáng' },
  { id: 'low-battery', text: 'Pin yếu, hãy sạc pin dưới nắng' },
  { id: 'energy-reserve', text: 'Pin chỉ còn dự phòng cho tin khẩn cấp' },
  ...BATTERY_MINUTES.map((n) => ({ id: `battery-minutes-${n}`, text: `Pin còn khoảng ${n} phút` })),
];

export interface CueEntry extends CueText {
  file: string;
  sha256: string;
  bytes: number;
}

export interface CueDocument {
  format: typeof CUE_FORMAT;
  district: string;
  version: number;
  language: 'vi';
  cues: CueEntry[];
}

export interface CuePack {
  document: CueDocument;
  /** The signed bytes (cues.json) and their SHA-256: the pack's ETag. */
  json: Buffer;
  sha256: string;
  /** The key that signed it. */
  keyId: string;
  /** The whole pack as served and exported. */
  tar: Buffer;
  /** Seconds of speech in all the cues. */
  seconds: number;
}

export interface CuePacksOptions {
  /** The controller's data folder: the pack is `<dataDir>/cues/pack.tar`. */
  dataDir: string;
  district: string;
  /** The district key (read at each signing, so a rotation takes effect). */
  signer: { readonly privateKey: KeyObject };
  /** Default {@link CUE_TEXTS}. */
  texts?: readonly CueText[];
  /** The espeak-ng program (default `espeak-ng` from PATH) and its voice (default `vi`). */
  espeak?: string;
  voice?: string;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
  logger?: Logger;
}

export type EnsureAction = 'kept' | 'signed' | 'built';

export class CuePacks {
  readonly #o: CuePacksOptions;
  readonly #log: Logger;
  #cached: { mtimeMs: number; size: number; pack: LoadedPack } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CuePacksOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  get path(): string {
    return join(this.#o.dataDir, 'cues', 'pack.tar');
  }

  /** The pack on disk (made by this controller or by `loa controller cues build`), or undefined. */
  current(): Promise<CuePack | undefined> {
    return this.#load();
  }

  async #load(): Promise<LoadedPack | undefined> {
    const info = await stat(this.path).catch(() => null);
    if (info === null) return undefined;
    const c = this.#cached;
    if (c && c.mtimeMs === info.mtimeMs && c.size === info.size) return c.pack;
    const pack = await readPack(await readFile(this.path));
    this.#cached = { mtimeMs: info.mtimeMs, size: info.size, pack };
    return pack;
  }

  /** At start: keeps the pack when it is up to date, signs it again after a key change, speaks it when texts changed. */
  ensure(): Promise<{ pack: CuePack; action: EnsureAction }> {
    return this.#serial(async () => {
      // A damaged file is made again.
      const pack = await this.#load().catch(() => undefined);
      if (pack && this.#sameTexts(pack)) {
        if (pack.keyId === keyId(this.#o.signer.privateKey)) return { pack, action: 'kept' as const };
        return { pack: await this.#write(pack.document.cues, pack.files), action: 'signed' as const };
      }
      return { pack: await this.#build(), action: 'built' as const };
    });
  }

  /** Speaks every cue again and signs a new version. */
  build(): Promise<CuePack> {
    return this.#serial(() => this.#build());
  }

  /** The pack to serve: the current one, signed again first when the district key changed since. */
  async latest(): Promise<CuePack | undefined> {
    const pack = await this.current().catch((err: unknown) => {
      this.#log.error(`${this.path} cannot be read (${String(err)}): run \`loa controller cues build\``);
      return undefined;
    });
    if (pack === undefined || pack.keyId === keyId(this.#o.signer.privateKey)) return pack;
    return (await this.ensure()).pack;
  }

  #sameTexts(pack: CuePack): boolean {
    const want = this.#o.texts ?? CUE_TEXTS;
    const have = pack.document.cues;
    return pack.document.district === this.#o.district && want.length === have.length && want.every((t, i) => t.id === have[i]!.id && t.text === have[i]!.text);
  }

  async #build(): Promise<CuePack> {
    const started = performance.now();
    const files = new Map<string, Buffer>();
    const cues: CueEntry[] = [];
    const texts = this.#o.texts ?? CUE_TEXTS;
    for (const t of texts) if (!/^[a-z0-9-]{1,48}$/.test(t.id)) throw new RangeError(`cue id must be a-z, 0-9 and -, got ${JSON.stringify(t.id)}`);
    // Spoken a few at a time: each espeak-ng run is short, and mostly its start-up.
    const spoken = await inBatches(texts, SPEAK_AT_ONCE, (t) => this.#speak(t.text));
    texts.forEach((t, i) => {
      const wav = toCueWav(spoken[i]!, t.id);
      const file = `${t.id}.wav`;
      files.set(file, wav);
      cues.push({ id: t.id, text: t.text, file, sha256: sha256(wav), bytes: wav.length });
    });
    const pack = await this.#write(cues, files);
    this.#log.info(`cue pack ${pack.document.version}: ${cues.length} cues, ${pack.seconds.toFixed(1)} s, ${pack.tar.length} bytes in ${Math.round(performance.now() - started)} ms`);
    return pack;
  }

  /** Signs the document for `cues` as the next version and writes the pack durably. */
  async #write(cues: CueEntry[], files: Map<string, Buffer>): Promise<CuePack> {
    const previous = await this.current().catch(() => undefined);
    const now = (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
    const document: CueDocument = { format: CUE_FORMAT, district: this.#o.district, version: Math.max(now, (previous?.document.version ?? 0) + 1), language: 'vi', cues };
    const key = this.#o.signer.privateKey;
    const json = encodeCueDocument(document);
    const sig = Buffer.from(`${JSON.stringify({ keyId: keyId(key), signature: sign(null, json, key).toString('base64') })}\n`, 'utf8');
    const members: [string, Buffer][] = [['cues.json', json], ['cues.sig', sig], ...cues.map((c): [string, Buffer] => [c.file, files.get(c.file)!])];
    const tar = await tarOf(members, document.version);
    await mkdir(join(this.#o.dataDir, 'cues'), { recursive: true });
    await writeFileDurably(this.path, tar);
    this.#cached = undefined;
    return readPack(tar);
  }

  /**
   * espeak-ng's WAV (16-bit, 22 050 Hz) of `text`, which goes in on stdin (never taken for an option). The same text,
   * voice and program give the same sound: said once per process (a controller started again, the tests' many
   * controllers), a failure not kept.
   */
  #speak(text: string): Promise<Buffer> {
    const program = this.#o.espeak ?? 'espeak-ng';
    // A bare name is looked up on PATH: another PATH may find another program, or none.
    const where = program.includes('/') ? program : `${process.env.PATH ?? ''}:${program}`;
    const key = `${where}\0${this.#o.voice ?? 'vi'}\0${text}`;
    const known = SPOKEN.get(key);
    if (known) return known;
    const said = this.#spawnSpeech(program, text);
    SPOKEN.set(key, said);
    said.catch(() => SPOKEN.delete(key));
    return said;
  }

  #spawnSpeech(program: string, text: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, ['-v', this.#o.voice ?? 'vi', '-b', '1', '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e.code === 'ENOENT' ? noEspeak(program) : new ContentError('audio-failed', `${program}: ${e.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new ContentError('audio-failed', both(`${program} không đọc được "${text}" (mã ${code}): ${err.trim()}`, `${program} failed on "${text}" (exit ${code}): ${err.trim()}`)));
      });
      child.stdin.on('error', () => undefined); // a program that exits at once: its exit says why
      child.stdin.end(text, 'utf8');
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Sounds already made in this process, by program, voice and text. */
const SPOKEN = new Map<string, Promise<Buffer>>();
/** espeak-ng runs at once while a pack is made. */
const SPEAK_AT_ONCE = 4;

/** `work` over `items`, `size` at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}

/** The one line to show when espeak-ng is missing (the CLI exits 2 with it; the controller runs without cues). */
export function noEspeak(program = 'espeak-ng'): ContentError {
  return new ContentError(
    'no-espeak',
    both(
      `Chưa cài ${program} nên không tạo được câu nói của xe loa: chạy \`apt install espeak-ng\` rồi \`loa controller cues build\``,
      `${program} is not installed, so the carts' spoken cues cannot be made: run \`apt install espeak-ng\`, then \`loa controller cues build\``,
    ),
  );
}

/** The signed bytes: the fields in a fixed order, one newline after. */
export function encodeCueDocument(d: CueDocument): Buffer {
  const cues = d.cues.map((c) => ({ id: c.id, text: c.text, file: c.file, sha256: c.sha256, bytes: c.bytes }));
  return Buffer.from(`${JSON.stringify({ format: d.format, district: d.district, version: d.version, language: d.language, cues })}\n`, 'utf8');
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A pack read back, with its sounds by file name (to sign them again after a key change). */
interface LoadedPack extends CuePack {
  files: Map<string, Buffer>;
}

/** Reads a pack this controller wrote (its own file: the shape is trusted, the signature not checked again). */
async function readPack(tar: Buffer): Promise<LoadedPack> {
  const members = new Map<string, Buffer>();
  for await (const e of readTar(Readable.from([tar]), { maxEntries: 256, maxEntryBytes: 16 * 1024 * 1024 })) {
    const parts: Buffer[] = [];
    for await (const chunk of e.body) parts.push(chunk);
    members.set(e.name, Buffer.concat(parts));
  }
  const json = members.get('cues.json');
  const sig = members.get('cues.sig');
  if (!json || !sig) throw new ContentError('bad-field', both('Gói câu nói hỏng (thiếu cues.json hoặc cues.sig): chạy `loa controller cues build`', 'the cue pack is damaged (no cues.json or cues.sig): run `loa controller cues build`'));
  const document = JSON.parse(json.toString('utf8')) as CueDocument;
  const files = new Map(document.cues.map((c) => [c.file, members.get(c.file) ?? Buffer.alloc(0)]));
  let seconds = 0;
  for (const wav of files.values()) seconds += Math.max(0, wav.length - 44) / CUE_RATE;
  return { document, json, sha256: sha256(json), keyId: (JSON.parse(sig.toString('utf8')) as { keyId: string }).keyId, tar, seconds, files };
}

async function tarOf(members: [string, Buffer][], mtime: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  const tar = new TarWriter(sink);
  for (const [name, data] of members) await tar.file(name, data, 0o644, mtime);
  await tar.finish();
  return Buffer.concat(chunks);
}

// --- the sound ----------------------------------------------------------------------------------------------------

/** Below this (of 32 768) a sample is silence at the ends: about −40 dBFS. */
const SILENCE = 330;
const MARGIN_S = 0.04;

/**
 * espeak-ng's 16-bit mono WAV → the cue's 8-bit mono WAV at 11 025 Hz: silence cut at both ends (a 40 ms margin
 * kept), a [1 2 1]/4 low-pass then every second sample (espeak speaks at 22 050 Hz), the peak brought to 90 %.
 */
export function toCueWav(wav: Buffer, what = 'speech'): Buffer {
  const fmt = chunk(wav, 'fmt ');
  const data = chunk(wav, 'data');
  if (fmt === null || data === null || fmt.readUInt16LE(0) !== 1 || fmt.readUInt16LE(2) !== 1 || fmt.readUInt16LE(14) !== 16) {
    throw new ContentError('audio-failed', `${what}: espeak-ng did not give 16-bit mono PCM WAV`);
  }
  const rate = fmt.readUInt32LE(4);
  const n = Math.floor(data.length / 2);
  const x = (i: number): number => data.readInt16LE(2 * Math.min(n - 1, Math.max(0, i)));
  let first = 0;
  let last = n - 1;
  while (first < n && Math.abs(x(first)) < SILENCE) first++;
  while (last > first && Math.abs(x(last)) < SILENCE) last--;
  if (first >= n) throw new ContentError('silent', `${what}: espeak-ng gave silence`);
  const margin = Math.round(MARGIN_S * rate);
  first = Math.max(0, first - margin);
  last = Math.min(n - 1, last + margin);
  const step = rate / CUE_RATE;
  const out = new Float64Array(Math.floor((last - first + 1) / step));
  let peak = 1;
  for (let k = 0; k < out.length; k++) {
    const i = first + Math.round(k * step);
    out[k] = step >= 1.5 ? (x(i - 1) + 2 * x(i) + x(i + 1)) / 4 : x(i);
    peak = Math.max(peak, Math.abs(out[k]!));
  }
  const gain = Math.min(4, (0.9 * 32_767) / peak);
  // RIFF chunks have an even length: an odd count gets one more sample of silence.
  const body = Buffer.alloc(out.length + (out.length % 2), 128);
  for (let k = 0; k < out.length; k++) body[k] = Math.max(0, Math.min(255, Math.round((out[k]! * gain) / 256) + 128));
  return Buffer.concat([wavHeader(body.length), body]);
}

function chunk(wav: Buffer, id: string): Buffer | null {
  if (wav.length < 12 || wav.toString('latin1', 0, 4) !== 'RIFF' || wav.toString('latin1', 8, 12) !== 'WAVE') return null;
  for (let at = 12; at + 8 <= wav.length; ) {
    const size = wav.readUInt32LE(at + 4);
    // espeak-ng writing to a pipe cannot know the size and says 0x7ffff000: the data runs to the end.
    if (wav.toString('latin1', at, at + 4) === id) return wav.subarray(at + 8, Math.min(wav.length, at + 8 + size));
    at += 8 + size + (size % 2);
  }
  return null;
}

function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(CUE_RATE, 24);
  h.writeUInt32LE(CUE_RATE, 28); // bytes per second
  h.writeUInt16LE(1, 32); // bytes per frame
  h.writeUInt16LE(8, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
