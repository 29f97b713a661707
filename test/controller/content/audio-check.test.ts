// Damaged and unusable uploads, with real bytes: a clip spoken by espeak-ng and a WAV made here, each cut to 20 kB
// (sox alone reads such a file as a 0.5 s clip), and the other ways a WAV or an MP3 can be broken. The structure is
// checked before any tool runs, so the WAV cases need no sox; the espeak-ng and MP3 cases skip with the reason where
// a tool is missing (CI installs espeak-ng and sox).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMp3, inspectWav } from '../../../controller/content/audio-check.js';
import { SoxAudio } from '../../../controller/content/audio.js';
import { ContentError } from '../../../controller/content/errors.js';
import { missing } from '../../support/tools.js';

const noSox = missing('sox');
const noEspeak = missing('espeak-ng');
const noMp3 = noSox || !/AUDIO FILE FORMATS:.*\bmp3\b/.test(spawnSync('sox', ['-h'], { encoding: 'utf8' }).stdout ?? '');
if (!noSox && noMp3) console.warn('[skip] sox cannot write MP3 here (libsox-fmt-mp3 missing): the MP3 cases are skipped.');

const CUT = 20_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-audio-check-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A RIFF/WAVE file: `fmt ` and `data` chunks (and `extra` chunks before data), sizes right unless told. */
function wav(o: { format?: number; channels?: number; rate?: number; bits?: number; data?: Buffer; fmt?: boolean; extra?: Buffer[] } = {}): Buffer {
  const { format = 1, channels = 1, rate = 16_000, bits = 16 } = o;
  const chunk = (id: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
  };
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(format, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE((rate * channels * bits) / 8, 8);
  fmt.writeUInt16LE((channels * bits) / 8, 12);
  fmt.writeUInt16LE(bits, 14);
  const body = Buffer.concat([Buffer.from('WAVE'), ...(o.fmt === false ? [] : [chunk('fmt ', fmt)]), ...(o.extra ?? []), chunk('data', o.data ?? tone(3, rate))]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** `seconds` of a speech-like tone (440 Hz under a 3 Hz tremolo), 16-bit mono. */
function tone(seconds: number, rate = 16_000): Buffer {
  const out = Buffer.alloc(Math.round(seconds * rate) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    const t = i / rate;
    out.writeInt16LE(Math.round(12_000 * Math.sin(2 * Math.PI * 440 * t) * (0.55 + 0.45 * Math.sin(2 * Math.PI * 3 * t))), i * 2);
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<ContentError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ContentError)) throw new Error(`expected a ContentError, got ${String(err)}`);
  return err;
}

function thrown(f: () => unknown): ContentError {
  try {
    f();
  } catch (err) {
    if (err instanceof ContentError) return err;
    throw err;
  }
  throw new Error('expected a ContentError, nothing was thrown');
}

describe('a WAV cut short', () => {
  it('is refused with its reason, in Vietnamese and English, although its first bytes are those of a WAV', async () => {
    const whole = wav({ data: tone(3) });
    expect(inspectWav(whole).seconds).toBe(3);
    const cut = join(dir, 'cut.wav');
    await writeFile(cut, whole.subarray(0, CUT));
    const err = await refusal(new SoxAudio({ tempDir: dir }).importFile(cut, join(dir, 'out.wav')));
    expect(err.code).toBe('damaged-audio');
    expect(err.message).toContain('bị cắt cụt');
    expect(err.message).toContain('khối "data" khai 96000 byte nhưng tệp chỉ còn 19956 byte (0,62 trên 3,00 giây)');
    expect(err.message).toContain('the WAV file is truncated: its data chunk declares 96000 bytes but only 19956 are in the file (0.62 of 3.00 s)');
    expect(err.message).toMatch(/Hãy gửi lại tệp gốc đầy đủ.*Upload the complete original file again/);
  });

  it.skipIf(noSox || noEspeak)('refuses the first 20 kB of a clip spoken by espeak-ng, and takes the whole clip', async () => {
    const spoken = join(dir, 'spoken.wav');
    execFileSync('espeak-ng', ['-v', 'vi', '-w', spoken, 'Thông báo: ngày mai có mưa lớn, bà con chú ý phòng tránh.']);
    const bytes = await readFile(spoken);
    expect(bytes.length).toBeGreaterThan(3 * CUT);
    const audio = new SoxAudio({ tempDir: dir });
    const cut = join(dir, 'spoken-cut.wav');
    await writeFile(cut, bytes.subarray(0, CUT));
    const err = await refusal(audio.importFile(cut, join(dir, 'out.wav')));
    expect(err.code).toBe('damaged-audio');
    expect(err.message).toMatch(/tệp WAV bị cắt cụt: .* \(0,45 trên 3,\d\d giây\)/);
    const whole = await audio.importFile(spoken, join(dir, 'spoken-out.wav'));
    expect(whole.durationMs).toBeGreaterThan(3000);
  });
});

describe('other broken or unusable WAV files', () => {
  const data = tone(1);

  it('refuses a RIFF size that disagrees with the file, either way', () => {
    const whole = wav({ data });
    const longer = Buffer.concat([whole, Buffer.alloc(64)]);
    expect(thrown(() => inspectWav(longer)).message).toContain(`the RIFF header gives a file of ${whole.length} bytes but the file has ${whole.length + 64}`);
    const shorter = Buffer.from(whole);
    shorter.writeUInt32LE(whole.length - 8 - 100, 4);
    expect(thrown(() => inspectWav(shorter)).code).toBe('damaged-audio');
    const unfilled = Buffer.from(whole);
    unfilled.writeUInt32LE(0xffffffff, 4);
    expect(thrown(() => inspectWav(unfilled)).message).toContain('never filled in');
  });

  it('refuses a missing fmt chunk, a missing or empty data chunk, and a chunk that runs past the end', () => {
    expect(thrown(() => inspectWav(wav({ data, fmt: false }))).message).toContain('no "fmt " chunk');
    expect(thrown(() => inspectWav(wav({ data: Buffer.alloc(0) }))).message).toMatch(/khối "data" không chứa mẫu âm thanh nào.*holds no samples/);
    const noData = wav({ data }).subarray(0, 12 + 24);
    noData.writeUInt32LE(noData.length - 8, 4);
    expect(thrown(() => inspectWav(noData)).message).toContain('no "data" chunk');
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([0x10, 0x27, 0, 0]), Buffer.alloc(20)]); // claims 10,000 bytes
    const bad = wav({ data, extra: [list] });
    expect(thrown(() => inspectWav(bad.subarray(0, 12 + 24 + list.length))).message).toContain('the "LIST" chunk declares 10000 bytes but only 20 are left');
  });

  it('refuses encodings the conversion does not take, naming them, and takes PCM, float and A-law', async () => {
    expect(thrown(() => inspectWav(wav({ format: 0x11, bits: 4, data }))).code).toBe('unsupported-audio');
    expect(thrown(() => inspectWav(wav({ format: 0x11, bits: 4, data }))).message).toContain('IMA ADPCM');
    expect(thrown(() => inspectWav(wav({ format: 0x55, data }))).message).toMatch(/kiểu mã hóa MPEG Layer III.*export it again as 16-bit PCM WAV or MP3/);
    expect(thrown(() => inspectWav(wav({ bits: 12, data }))).message).toContain('PCM 12-bit');
    expect(inspectWav(wav({ format: 3, bits: 32, data: Buffer.alloc(64_000) })).seconds).toBe(1);
    expect(inspectWav(wav({ format: 6, bits: 8, data: Buffer.alloc(8000), rate: 8000 })).seconds).toBe(1);
    if (noSox) return;
    // Real ADPCM bytes, as sox writes them.
    const adpcm = join(dir, 'adpcm.wav');
    await writeFile(join(dir, 'pcm.wav'), wav({ data }));
    execFileSync('sox', [join(dir, 'pcm.wav'), '-e', 'ima-adpcm', adpcm]);
    const err = await refusal(new SoxAudio({ tempDir: dir }).importFile(adpcm, join(dir, 'out.wav')));
    expect([err.code, err.message]).toEqual(['unsupported-audio', expect.stringContaining('IMA ADPCM')]);
  });
});

describe.skipIf(noMp3)('a broken MP3', () => {
  let mp3: Buffer;
  beforeAll(async () => {
    const source = join(dir, 'mp3-source.wav');
    await writeFile(source, wav({ data: tone(3) }));
    const out = join(dir, 'clip.mp3');
    execFileSync('sox', [source, out]);
    mp3 = await readFile(out);
  });

  it('takes the whole file, whose frames add up to its length', async () => {
    const seconds = inspectMp3(mp3).seconds!;
    expect(seconds).toBeGreaterThanOrEqual(3); // and the encoder's delay and padding
    expect(seconds).toBeLessThan(3.2);
    const path = join(dir, 'whole.mp3');
    await writeFile(path, mp3);
    expect((await new SoxAudio({ tempDir: dir }).importFile(path, join(dir, 'out.wav'))).durationMs).toBeGreaterThan(2900);
  });

  it('refuses a file cut inside a frame, which sox would decode as a shorter clip', async () => {
    const path = join(dir, 'cut.mp3');
    // Cut inside a frame (a cut between frames of a file with no frame count header cannot be told from a short file).
    await writeFile(path, mp3.subarray(0, Math.floor(mp3.length / 2) + 37));
    const err = await refusal(new SoxAudio({ tempDir: dir }).importFile(path, join(dir, 'out.wav')));
    expect(err.code).toBe('damaged-audio');
    expect(err.message).toMatch(/tệp MP3 bị cắt cụt.*the MP3 file is truncated: its last frame needs \d+ bytes but only \d+ are left/);
  });

  it('refuses bytes that are not frames between frames, and a frame count header that promises more', () => {
    const middle = Math.floor(mp3.length / 2);
    const spliced = Buffer.concat([mp3.subarray(0, middle), Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7) & 0x7f)), mp3.subarray(middle)]);
    // The splice cuts a frame: either that frame runs into the garbage, or the garbage sits between frames.
    expect(thrown(() => inspectMp3(spliced)).code).toBe('damaged-audio');
    const frames = Math.round((inspectMp3(mp3).seconds! * 16_000) / 576);
    const xing = Buffer.from(mp3);
    const at = 4 + 9; // MPEG-2 mono: the side information ends 13 bytes into the frame
    xing.write('Xing', at, 'latin1');
    xing.writeUInt32BE(1, at + 4);
    xing.writeUInt32BE(frames + 50, at + 8);
    expect(thrown(() => inspectMp3(xing)).message).toMatch(/its header counts \d+ frames \([\d.]+ s\) but the file has \d+/);
  });
});
