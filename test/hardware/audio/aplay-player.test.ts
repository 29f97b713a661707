// Real aplay, to the ALSA `null` device and to the paced FIFO sink (see paced-sink.ts for why both).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AplayPlayer } from '../../../hardware/audio/aplay-player.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import { missing } from '../../support/tools.js';
import { audioContract } from './audio-contract.js';
import { PacedSink } from './paced-sink.js';

const noAplay = missing('aplay');
const dir = mkdtempSync(join(tmpdir(), 'loa-aplay-'));

describe.skipIf(noAplay || missing('mkfifo'))('with aplay', () => {
  // 96 kHz, 4 channels, 16-bit: 768,000 bytes a second, so the 64 KiB pipe holds 85 ms of sound.
  audioContract('aplay into a paced ALSA file sink', async () => {
    const sink = new PacedSink(mkdtempSync(join(tmpdir(), 'loa-sink-')), 768_000);
    return {
      player: new AplayPlayer({ device: sink.device }),
      tone: { sampleRate: 96_000, channels: 4 },
      // Measured here: a 1 s WAV ends at elapsedMs ~920, a 1.5 s WAV paused once at ~1260 (the pipe, drained
      // during the pause, lets aplay run ahead twice).
      early: 400,
      late: 300,
      dispose: () => sink.close(),
    };
  });
});

describe('AplayPlayer', () => {
  it('kills a player that does not end after SIGTERM (a wedged sound device)', async () => {
    // A stand-in aplay that announces playback like aplay, then ignores SIGTERM (an ignored signal stays ignored
    // across exec) and never ends.
    const fake = join(dir, 'wedged-aplay');
    writeFileSync(fake, `#!/bin/sh\ntrap '' TERM\necho "Playing WAVE '$5' : Signed 16 bit Little Endian" >&2\nexec sleep 30\n`);
    chmodSync(fake, 0o755);
    const file = join(dir, 'wedged.wav');
    await writeToneWav(file, { seconds: 3 });
    const player = new AplayPlayer({ binary: fake, device: 'null', killAfterMs: 300 });
    await player.play(file);
    const end = new Promise<{ reason: string }>((r) => player.once('ended', r));
    const t0 = performance.now();
    await player.stop();
    const took = performance.now() - t0;
    expect(await end).toMatchObject({ reason: 'stopped' });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2000);
  });

  it.skipIf(noAplay)('plays a generated WAV on -D null, faster than real time, and says it completed', async () => {
    const file = join(dir, 'tone.wav');
    const info = await writeToneWav(file, { seconds: 2, sampleRate: 16000, frequency: 440 });
    const player = new AplayPlayer({ device: 'null' });
    const seen: string[] = [];
    player.on('started', () => seen.push('started'));
    const end = new Promise<{ completed: boolean; elapsedMs: number }>((r) => player.once('ended', r));
    const t0 = performance.now();
    await player.play(file);
    const e = await end;
    const wall = performance.now() - t0;
    console.info(`[measure] aplay -D null: a ${info.durationMs} ms WAV ended after ${wall.toFixed(0)} ms wall, elapsedMs ${e.elapsedMs.toFixed(0)}`);
    expect(seen).toEqual(['started']);
    expect(e.completed).toBe(true);
    // The null device has no clock: the whole file goes in at once. Honest bound: no longer than the file.
    expect(e.elapsedMs).toBeLessThan(info.durationMs);
  });

  it('reports a missing aplay binary as an error event and a failed end; the process survives', async () => {
    const file = join(dir, 'short.wav');
    await writeToneWav(file, { seconds: 0.2 });
    const player = new AplayPlayer({ binary: join(dir, 'no-such-aplay'), device: 'null' });
    const errors: string[] = [];
    player.on('error', (e) => errors.push(e.code));
    const end = new Promise<{ completed: boolean; reason: string }>((r) => player.once('ended', r));
    await expect(player.play(file)).rejects.toMatchObject({ code: 'AUDIO_PLAYER_MISSING', message: /not installed or not found/ });
    expect(errors).toEqual(['AUDIO_PLAYER_MISSING']);
    expect(await end).toMatchObject({ completed: false, reason: 'failed' });
  });

  it('does not crash when nobody listens to error: the failure is logged and play() rejects', async () => {
    const file = join(dir, 'short2.wav');
    await writeToneWav(file, { seconds: 0.2 });
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string | (() => string)) => logged.push(typeof m === 'string' ? m : m()) };
    const player = new AplayPlayer({ binary: join(dir, 'no-such-aplay'), logger });
    await expect(player.play(file)).rejects.toMatchObject({ code: 'AUDIO_PLAYER_MISSING' });
    expect(logged.join()).toMatch(/AUDIO_PLAYER_MISSING/);
  });

  it.skipIf(noAplay)('reports an ALSA device that does not exist as AUDIO_PLAYER_FAILED with what aplay said', async () => {
    const file = join(dir, 'short3.wav');
    await writeToneWav(file, { seconds: 0.2 });
    const player = new AplayPlayer({ device: 'no_such_pcm' });
    player.on('error', () => {});
    await expect(player.play(file)).rejects.toMatchObject({ code: 'AUDIO_PLAYER_FAILED', message: /exited with code 1.*no_such_pcm/s });
  });

  it('checks its options', () => {
    expect(() => new AplayPlayer({ device: '-q' })).toThrow(/options\.device must be an ALSA PCM name, got "-q"/);
  });
});
