// The cases every AudioPlayer must pass, on real WAV files written by `writeToneWav`. Timing bounds are given by
// the harness: the simulator keeps time exactly, real aplay into the paced sink runs a little ahead (see
// paced-sink.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AudioPlayer, AudioPlayerEvents } from '../../../hardware/audio/audio.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import { sleep } from '../../support/wait.js';

export interface AudioHarness {
  player: AudioPlayer;
  /** Tone options so that one second of sound matches what the harness expects. */
  tone: { sampleRate: number; channels: number };
  /** How far `elapsedMs` at the end may fall short of the file's duration, and exceed it (ms). */
  early: number;
  late: number;
  dispose(): Promise<void>;
}

type Event = { [K in keyof AudioPlayerEvents]: [K, ...AudioPlayerEvents[K]] }[keyof AudioPlayerEvents];

function record(player: AudioPlayer): Event[] {
  const events: Event[] = [];
  player.on('started', (e) => events.push(['started', e]));
  player.on('ended', (e) => events.push(['ended', e]));
  player.on('error', (e) => events.push(['error', e]));
  return events;
}

const ended = (player: AudioPlayer) => new Promise<AudioPlayerEvents['ended'][0]>((r) => player.once('ended', r));

export function audioContract(name: string, make: () => Promise<AudioHarness>): void {
  describe(`AudioPlayer contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-audio-'));
    const tone = async (h: AudioHarness, file: string, seconds: number) =>
      writeToneWav(join(dir, file), { seconds, ...h.tone, frequency: 440 });

    it('plays a WAV to the end: started, then ended completed, elapsed about the duration', async () => {
      const h = await make();
      try {
        const info = await tone(h, 'one.wav', 1);
        const events = record(h.player);
        const end = ended(h.player);
        await h.player.play(join(dir, 'one.wav'));
        expect(h.player.playing).toBe(true);
        const e = await end;
        console.info(`[measure] ${name}: a ${info.durationMs} ms WAV ended with elapsedMs ${e.elapsedMs.toFixed(0)}`);
        expect(events.map((x) => x[0])).toEqual(['started', 'ended']);
        expect(e).toMatchObject({ file: join(dir, 'one.wav'), completed: true, reason: 'completed' });
        expect(e.elapsedMs).toBeGreaterThanOrEqual(info.durationMs - h.early);
        expect(e.elapsedMs).toBeLessThanOrEqual(info.durationMs + h.late);
        expect(h.player.playing).toBe(false);
      } finally {
        await h.dispose();
      }
    });

    it('does not count paused time', async () => {
      const h = await make();
      try {
        const info = await tone(h, 'pause.wav', 1.5);
        const end = ended(h.player);
        const t0 = performance.now();
        await h.player.play(join(dir, 'pause.wav'));
        await sleep(300);
        h.player.pause();
        expect(h.player.paused).toBe(true);
        const atPause = h.player.elapsedMs;
        await sleep(700);
        expect(h.player.elapsedMs).toBe(atPause);
        h.player.resume();
        expect(h.player.paused).toBe(false);
        const e = await end;
        const wall = performance.now() - t0;
        console.info(`[measure] ${name}: ${info.durationMs} ms WAV paused 700 ms: elapsedMs ${e.elapsedMs.toFixed(0)}, wall ${wall.toFixed(0)} ms`);
        expect(e.completed).toBe(true);
        expect(e.elapsedMs).toBeLessThanOrEqual(info.durationMs + h.late);
        expect(e.elapsedMs).toBeGreaterThanOrEqual(info.durationMs - h.early);
        expect(wall).toBeGreaterThanOrEqual(info.durationMs + 700 - h.early);
      } finally {
        await h.dispose();
      }
    });

    it('stops mid-play: ended not completed, reason stopped, once stop() resolves', async () => {
      const h = await make();
      try {
        await tone(h, 'long.wav', 5);
        const events = record(h.player);
        await h.player.play(join(dir, 'long.wav'));
        await sleep(200);
        await h.player.stop();
        expect(events.map((x) => x[0])).toEqual(['started', 'ended']);
        expect(events[1]).toMatchObject(['ended', { completed: false, reason: 'stopped' }]);
        const elapsed = (events[1]![1] as { elapsedMs: number }).elapsedMs;
        expect(elapsed).toBeGreaterThanOrEqual(150);
        expect(elapsed).toBeLessThan(2000);
        expect(h.player.playing).toBe(false);
        await h.player.stop(); // nothing playing: no effect
        expect(events).toHaveLength(2);
      } finally {
        await h.dispose();
      }
    });

    it('stops while paused', async () => {
      const h = await make();
      try {
        await tone(h, 'paused-stop.wav', 5);
        await h.player.play(join(dir, 'paused-stop.wav'));
        await sleep(100);
        h.player.pause();
        const t0 = performance.now();
        const end = ended(h.player);
        await h.player.stop();
        expect(await end).toMatchObject({ completed: false, reason: 'stopped' });
        expect(performance.now() - t0).toBeLessThan(1500);
        expect(h.player.paused).toBe(false);
      } finally {
        await h.dispose();
      }
    });

    it('a new play replaces the current one', async () => {
      const h = await make();
      try {
        await tone(h, 'a.wav', 5);
        await tone(h, 'b.wav', 0.3);
        const events = record(h.player);
        await h.player.play(join(dir, 'a.wav'));
        const endB = new Promise<void>((r) => h.player.on('ended', (e) => e.file.endsWith('b.wav') && r()));
        await h.player.play(join(dir, 'b.wav'));
        await endB;
        expect(events.map((x) => [x[0], basename((x[1] as { file: string }).file), (x[1] as { reason?: string }).reason])).toEqual([
          ['started', 'a.wav', undefined],
          ['ended', 'a.wav', 'replaced'],
          ['started', 'b.wav', undefined],
          ['ended', 'b.wav', 'completed'],
        ]);
      } finally {
        await h.dispose();
      }
    });

    it('of two plays called together, only the last one starts', async () => {
      const h = await make();
      try {
        await tone(h, 'first.wav', 3);
        await tone(h, 'second.wav', 3);
        const events = record(h.player);
        const first = h.player.play(join(dir, 'first.wav'));
        const second = h.player.play(join(dir, 'second.wav'));
        await Promise.all([first, second]);
        await h.player.stop();
        const seen = events.map((x) => [x[0], basename((x[1] as { file: string }).file), (x[1] as { reason?: string }).reason]);
        // The first may be dropped before or after the second starts (whichever file check ends first).
        expect(seen.filter((x) => x[1] === 'first.wav')).toEqual([['ended', 'first.wav', 'replaced']]);
        expect(seen.filter((x) => x[1] === 'second.wav')).toEqual([
          ['started', 'second.wav', undefined],
          ['ended', 'second.wav', 'stopped'],
        ]);
      } finally {
        await h.dispose();
      }
    });

    it('refuses a file that is not a WAV: error, ended not completed, play() rejects', async () => {
      const h = await make();
      try {
        const file = join(dir, 'notes.wav');
        writeFileSync(file, 'this is text, not sound\n'.repeat(100));
        const events = record(h.player);
        await expect(h.player.play(file)).rejects.toMatchObject({ code: 'AUDIO_NOT_WAV', file });
        expect(events.map((x) => x[0])).toEqual(['error', 'ended']);
        expect(events[1]).toMatchObject(['ended', { completed: false, reason: 'failed' }]);
      } finally {
        await h.dispose();
      }
    });

    it('reports a missing file as AUDIO_FILE_MISSING', async () => {
      const h = await make();
      try {
        const events = record(h.player);
        await expect(h.player.play(join(dir, 'gone.wav'))).rejects.toMatchObject({ code: 'AUDIO_FILE_MISSING' });
        expect(events.map((x) => x[0])).toEqual(['error', 'ended']);
      } finally {
        await h.dispose();
      }
    });
  });
}
