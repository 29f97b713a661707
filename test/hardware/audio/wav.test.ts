import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotWavError, encodeToneWav, parseWavHeader, readWavInfo, writeToneWav } from '../../../hardware/audio/wav.js';
import { missing } from '../../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'loa-wav-'));

describe('WAV tone writer and header reader', () => {
  it('writes a PCM tone whose header reads back', async () => {
    const file = join(dir, 'tone.wav');
    const info = await writeToneWav(file, { seconds: 1.5, sampleRate: 22050, channels: 2, frequency: 1000, amplitude: 0.25 });
    expect(info).toEqual({ format: 1, channels: 2, sampleRate: 22050, bitsPerSample: 16, blockAlign: 4, dataBytes: 132300, durationMs: 1500 });
    expect(await readWavInfo(file)).toEqual(info);
    expect(readFileSync(file).length).toBe(44 + 132300);
  });

  it('writes a sine of the asked amplitude and frequency', () => {
    const buf = encodeToneWav({ seconds: 1, sampleRate: 8000, frequency: 1000, amplitude: 0.5 });
    const samples = Array.from({ length: 8000 }, (_, i) => buf.readInt16LE(44 + 2 * i));
    expect(Math.max(...samples)).toBeGreaterThan(16000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(16384);
    // 1000 Hz at 8000 Hz: the wave repeats every 8 samples.
    expect(samples[2]).toBe(samples[10]);
    expect(samples[0]).toBe(0);
  });

  it('names the bad tone argument', () => {
    expect(() => encodeToneWav({ seconds: -1 })).toThrow(/seconds is out of range, got -1/);
    expect(() => encodeToneWav({ seconds: 1, frequency: 9000, sampleRate: 16000 })).toThrow(/frequency .* got 9000/);
    expect(() => encodeToneWav({ seconds: 1, amplitude: 2 })).toThrow(/amplitude .* got 2/);
  });

  it('skips other chunks (odd-sized ones are padded) before data', () => {
    const tone = encodeToneWav({ seconds: 0.1, sampleRate: 8000 });
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const withList = Buffer.concat([tone.subarray(0, 36), list, tone.subarray(36)]);
    expect(parseWavHeader(withList, withList.length).durationMs).toBe(100);
  });

  it('counts only the data that is really in a truncated file', () => {
    const tone = encodeToneWav({ seconds: 1, sampleRate: 8000 });
    const half = tone.subarray(0, 44 + 8000);
    expect(parseWavHeader(half, half.length).durationMs).toBe(500);
  });

  it('rejects what is not a WAV with a NotWavError that says what to do', async () => {
    const text = join(dir, 'notes.wav');
    writeFileSync(text, 'hello, not sound');
    const err: unknown = await readWavInfo(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotWavError);
    expect(err).toMatchObject({ code: 'NOT_WAV', message: /notes\.wav is not a playable WAV file \(no RIFF\/WAVE header\)\. Convert/ });
    const noData = encodeToneWav({ seconds: 0.1 }).subarray(0, 36);
    expect(() => parseWavHeader(noData, 36)).toThrow(/no data chunk/);
    expect(() => parseWavHeader(Buffer.alloc(0), 0)).toThrow(NotWavError);
  });

  it.skipIf(missing('sox'))('reads a WAV written by sox', () => {
    const file = join(dir, 'sox.wav');
    execFileSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', file, 'synth', '0.75', 'sine', '300']);
    const info = parseWavHeader(readFileSync(file), readFileSync(file).length, file);
    expect(info).toMatchObject({ format: 1, channels: 2, sampleRate: 44100, bitsPerSample: 16 });
    expect(info.durationMs).toBeCloseTo(750, 0);
  });

  it.skipIf(missing('sox'))('writes a WAV that sox reads with the same length and rate', async () => {
    const file = join(dir, 'for-sox.wav');
    await writeToneWav(file, { seconds: 2, sampleRate: 16000 });
    expect(execFileSync('sox', ['--i', '-D', file], { encoding: 'utf8' }).trim()).toBe('2.000000');
    expect(execFileSync('sox', ['--i', '-r', file], { encoding: 'utf8' }).trim()).toBe('16000');
  });
});
