import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AudioError } from '../../../hardware/audio/audio.js';
import { SimulatedAudioPlayer } from '../../../hardware/audio/sim-player.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import { audioContract } from './audio-contract.js';

audioContract('simulator at real speed', async () => ({
  player: new SimulatedAudioPlayer(),
  tone: { sampleRate: 8000, channels: 1 },
  early: 5,
  late: 60,
  dispose: async () => {},
}));

describe('SimulatedAudioPlayer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loa-sim-audio-'));

  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the real duration of the file, divided by the speed factor', async () => {
    vi.useFakeTimers();
    const file = join(dir, 'thirty.wav');
    await writeToneWav(file, { seconds: 30, sampleRate: 8000 });
    const player = new SimulatedAudioPlayer({ speed: 10, now: () => Date.now() });
    const ends: { completed: boolean; elapsedMs: number }[] = [];
    player.on('ended', (e) => ends.push(e));
    await player.play(file);
    await vi.advanceTimersByTimeAsync(1000);
    expect(player.elapsedMs).toBe(10_000); // file time
    player.pause();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(player.elapsedMs).toBe(10_000);
    expect(ends).toEqual([]);
    player.resume();
    await vi.advanceTimersByTimeAsync(1999);
    expect(ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ends).toMatchObject([{ completed: true, elapsedMs: 30_000 }]);
  });

  it('records lastPlayed and history with outcomes, and fails the next play on demand', async () => {
    vi.useFakeTimers();
    const a = join(dir, 'a.wav');
    const b = join(dir, 'b.wav');
    await writeToneWav(a, { seconds: 1 });
    await writeToneWav(b, { seconds: 2 });
    const player = new SimulatedAudioPlayer({ now: () => Date.now() });
    const errors: string[] = [];
    player.on('error', (e) => errors.push(e.code));
    await player.play(a);
    await vi.advanceTimersByTimeAsync(1000);
    player.fail('AUDIO_PLAYER_MISSING');
    await expect(player.play(b)).rejects.toBeInstanceOf(AudioError);
    await player.play(b);
    await vi.advanceTimersByTimeAsync(500);
    await player.stop();
    expect(player.lastPlayed).toBe(b);
    expect(errors).toEqual(['AUDIO_PLAYER_MISSING']);
    expect(player.history).toEqual([
      { file: a, durationMs: 1000, ended: { completed: true, reason: 'completed', elapsedMs: 1000 } },
      { file: b, durationMs: 0, ended: { completed: false, reason: 'failed', elapsedMs: 0 } },
      { file: b, durationMs: 2000, ended: { completed: false, reason: 'stopped', elapsedMs: 500 } },
    ]);
  });

  it('checks its options', () => {
    expect(() => new SimulatedAudioPlayer({ speed: 0 })).toThrow(/options\.speed must be > 0, got 0/);
  });
});
