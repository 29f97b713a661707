// Real sox and espeak-ng (skipped with the reason where missing; CI installs both): the conversion to the carts'
// format, the loudness normalisation measured with `sox … stats`, and the clear refusals.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoxAudio, sniffAudio } from '../../../controller/content/audio.js';
import { ContentError } from '../../../controller/content/errors.js';
import { missing } from '../../support/tools.js';

const noSox = missing('sox');
const noEspeak = missing('espeak-ng');
// MP3 in sox needs Debian's libsox-fmt-mp3, which is not installed here nor yet in .ci/run.
const noMp3 = noSox || !/AUDIO FILE FORMATS:.*\bmp3\b/.test(spawnSync('sox', ['-h'], { encoding: 'utf8' }).stdout ?? '');
if (!noSox && noMp3) console.warn('[skip] sox cannot read MP3 here (libsox-fmt-mp3 missing): the MP3 import test is skipped.');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-audio-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: 'ignore' });
}

function info(path: string): { rate: number; channels: number; bits: number } {
  const out = (flag: string): number => Number(execFileSync('soxi', [flag, path], { encoding: 'utf8' }).trim());
  return { rate: out('-r'), channels: out('-c'), bits: out('-b') };
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ContentError)) throw new Error(`expected a ContentError, got ${String(err)}`);
  return err.code;
}

describe('sniffAudio', () => {
  it('knows WAV and MP3 by their first bytes only', () => {
    expect(sniffAudio(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBe('wav');
    expect(sniffAudio(Buffer.from('ID3\x04\0\0\0\0\0\0\0\0', 'latin1'))).toBe('mp3');
    expect(sniffAudio(Buffer.from([0xff, 0xfb, 0x90, 0]))).toBe('mp3');
    expect(sniffAudio(Buffer.from('%PDF-1.7\n'))).toBeUndefined();
  });
});

describe.skipIf(noSox)('SoxAudio with sox', () => {
  it('converts to mono 16 kHz 16-bit and brings very different levels to one loudness', async () => {
    const audio = new SoxAudio({ tempDir: dir });
    // Three speech-like clips (a tone under a slow tremolo) at very different levels, stereo 44.1 kHz.
    const levels = [0.01, 0.15, 0.9];
    const before: number[] = [];
    const after: number[] = [];
    for (const [i, v] of levels.entries()) {
      const input = join(dir, `level-${i}.wav`);
      sox('-n', '-r', '44100', '-c', '2', '-b', '16', input, 'synth', '3', 'sine', String(220 + 80 * i), 'tremolo', '3', '90', 'vol', String(v));
      before.push((await audio.measure(input)).rmsDb);
      const output = join(dir, `level-${i}-out.wav`);
      const facts = await audio.importFile(input, output);
      after.push(facts.rmsDb);
      expect(info(output)).toEqual({ rate: 16_000, channels: 1, bits: 16 });
      expect(facts.durationMs).toBe(3000);
      expect(facts.peakDb).toBeLessThanOrEqual(0);
    }
    const spread = (xs: number[]): number => Math.max(...xs) - Math.min(...xs);
    console.info(`[loudness] RMS dBFS before ${before.map((x) => x.toFixed(1)).join(' / ')} (spread ${spread(before).toFixed(1)} dB); after ${after.map((x) => x.toFixed(1)).join(' / ')} (spread ${spread(after).toFixed(1)} dB)`);
    expect(spread(before)).toBeGreaterThan(30);
    expect(spread(after)).toBeLessThan(1);
  });

  it('refuses what is not audio, too large or too long, with codes', async () => {
    const audio = new SoxAudio({ tempDir: dir, maxSeconds: 2, maxBytes: 200_000 });
    const text = join(dir, 'notes.wav');
    await writeFile(text, 'đây không phải âm thanh');
    expect(await code(audio.importFile(text, join(dir, 'x.wav')))).toBe('not-audio');
    const fakeWav = join(dir, 'fake.wav');
    await writeFile(fakeWav, Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), Buffer.alloc(100, 7)]));
    expect(await code(audio.importFile(fakeWav, join(dir, 'x.wav')))).toBe('damaged-audio'); // WAV by its first bytes, garbage after
    const long = join(dir, 'long.wav');
    sox('-n', '-r', '8000', '-c', '1', long, 'synth', '3', 'sine', '300');
    const err = await audio.importFile(long, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect((err as ContentError).code).toBe('too-long');
    expect((err as ContentError).message).toMatch(/quá giới hạn 2 giây/);
    const big = join(dir, 'big.wav');
    sox('-n', '-r', '44100', '-c', '2', big, 'synth', '1.5', 'sine', '300');
    expect(await code(audio.importFile(big, join(dir, 'x.wav')))).toBe('too-large');
    const silent = join(dir, 'silent.wav');
    sox('-n', '-r', '16000', '-c', '1', silent, 'trim', '0', '1');
    expect(await code(audio.importFile(silent, join(dir, 'x.wav')))).toBe('silent');
  });

  it.skipIf(noMp3)('imports MP3 (needs libsox-fmt-mp3)', async () => {
    const audio = new SoxAudio({ tempDir: dir });
    const mp3 = join(dir, 'clip.mp3');
    sox('-n', '-r', '44100', '-c', '2', mp3, 'synth', '2', 'sine', '440', 'vol', '0.3');
    const out = join(dir, 'clip-out.wav');
    await audio.importFile(mp3, out);
    expect(info(out)).toEqual({ rate: 16_000, channels: 1, bits: 16 });
  });

  it.skipIf(!noMp3)('refuses MP3 with the package to install when sox cannot read it', async () => {
    const audio = new SoxAudio({ tempDir: dir });
    const mp3 = join(dir, 'clip.mp3');
    await writeFile(mp3, Buffer.concat([Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1'), Buffer.alloc(200)]));
    const err = await audio.importFile(mp3, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect((err as ContentError).code).toBe('no-mp3');
    expect((err as ContentError).message).toContain('libsox-fmt-mp3');
  });
});

describe.skipIf(noSox || noEspeak)('SoxAudio text to speech with espeak-ng', () => {
  it('speaks Vietnamese into the carts’ format, even text that looks like an option', async () => {
    const audio = new SoxAudio({ tempDir: dir });
    const out = join(dir, 'tts.wav');
    const facts = await audio.speak('--help Thông báo: ngày mai có mưa lớn, bà con chú ý phòng tránh.', out);
    expect(info(out)).toEqual({ rate: 16_000, channels: 1, bits: 16 });
    expect(facts.durationMs).toBeGreaterThan(2000);
    expect(Math.abs(facts.rmsDb - -20)).toBeLessThan(1.5);
    expect(await code(audio.speak('   ', out))).toBe('bad-text');
    expect(await code(new SoxAudio({ tempDir: dir, maxTextChars: 5 }).speak('quá dài rồi', out))).toBe('bad-text');
  });
});
