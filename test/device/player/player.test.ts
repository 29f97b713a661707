// The player on the simulators: relay sequencing, sessions, pause, next, stop, emergency interruption, policy
// blocks, and play-time hash failures — every play recorded once with the right outcome.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SimulatedAudioPlayer } from '../../../hardware/audio/sim-player.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import type { SimulatedRelay } from '../../../hardware/relay/sim-relay.js';
import type { Gate, PlayableClip, PlayInput, Player } from '../../../device/player/player.js';
import { playerRig, run } from './rig.js';

const dir = mkdtempSync(join(tmpdir(), 'loa-player-'));
const clips: PlayableClip[] = ['a', 'b', 'c'].map((id) => ({ id, file: join(dir, `${id}.wav`), title: id, priority: 'ordinary', manifestVersion: 3 }));
const emergency: PlayableClip = { id: 'storm', file: join(dir, 'storm.wav'), title: 'bão', priority: 'emergency', manifestVersion: 3 };

beforeAll(async () => {
  // Clips of 10 s each (tiny files: 1 kHz sample rate is enough for the simulator, which only reads the header).
  for (const c of [...clips, emergency]) await writeToneWav(c.file, { seconds: 10, sampleRate: 1000, frequency: 100 });
});

let relay: SimulatedRelay;
let audio: SimulatedAudioPlayer;
let gate: Gate;
let bad: Set<string>;
let player: Player;
let plays: PlayInput[];
let states: string[];

beforeEach(async () => {
  gate = { allowed: true, reasons: [], volumeCap: null };
  bad = new Set();
  ({ relay, audio, player, plays, states } = await playerRig({
    playlist: () => clips,
    gate: () => gate,
    verify: async (c) => !bad.has(c.id),
    position: () => ({ lat: 19.88, lon: 105.6 }),
    startVolume: 50,
  }));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Player', () => {
  it('switches the relay on, warms up, plays the playlist in order, and leaves the relay off when stopped', async () => {
    expect(relay.history.at(-1)?.on).toBe(false);
    player.playPause();
    await run(999);
    expect(audio.history).toHaveLength(0); // still warming up
    expect(await relay.isOn()).toBe(true);
    await run(1 + 25_000);
    expect(audio.history.map((h) => h.file)).toEqual([clips[0]!.file, clips[1]!.file, clips[2]!.file]);
    player.stopPressed();
    await run(600);
    expect(await relay.isOn()).toBe(false);
    expect(player.state).toBe('idle');
    expect(plays.map((p) => [p.clip, p.outcome])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'stopped'],
    ]);
    expect(plays[0]).toMatchObject({ seconds: 10, trigger: 'button', volume: 50, manifestVersion: 3, where: { lat: 19.88 } });
    expect(states).toEqual(['warming', 'playing', 'playing', 'playing', 'cooling', 'idle']);
  });

  it('pauses without counting the paused time, and ends a pause that lasts too long', async () => {
    player.playPause();
    await run(1000 + 4000);
    player.playPause();
    expect(player.state).toBe('paused');
    await run(60_000);
    player.playPause();
    await run(6000);
    expect(plays[0]).toMatchObject({ clip: 'a', outcome: 'completed', seconds: 10 });
    player.playPause();
    await run(121_000);
    expect(player.state).toBe('idle');
    expect(await relay.isOn()).toBe(false);
    expect(plays.at(-1)?.outcome).toBe('stopped');
  });

  it('skips with next, and the skipped play says so', async () => {
    player.next();
    await run(1000 + 3000);
    player.next();
    await run(100);
    expect(plays).toMatchObject([{ clip: 'a', outcome: 'next', seconds: 3 }]);
    expect(audio.lastPlayed).toBe(clips[1]!.file);
  });

  it('interrupts for an emergency clip, then plays the interrupted clip again', async () => {
    player.playPause();
    await run(1000 + 4000);
    player.playClip(emergency, 'emergency');
    await run(10_000 + 100);
    expect(plays.map((p) => [p.clip, p.outcome, p.trigger])).toEqual([
      ['a', 'interrupted', 'button'],
      ['storm', 'completed', 'emergency'],
    ]);
    expect(audio.lastPlayed).toBe(clips[0]!.file);
  });

  it('refuses to start when the policy blocks, with the reasons in its state, relay untouched', async () => {
    gate = { allowed: false, reasons: [{ code: 'outside-hours', text: 'Ngoài giờ phát cho phép' }], volumeCap: null };
    const events: string[] = [];
    player.on('event', (e) => events.push(`${e.kind}:${e.code}`));
    player.playPause();
    await run(2000);
    expect(player.state).toBe('blocked');
    expect(player.reasons[0]?.code).toBe('outside-hours');
    expect(relay.history.filter((h) => h.on)).toHaveLength(0);
    expect(events).toEqual(['block:outside-hours']);
    gate = { allowed: true, reasons: [], volumeCap: null };
    player.unblock();
    expect(player.state).toBe('idle');
  });

  it('with nothing approved to play, refuses the play without touching the relay, and says why', async () => {
    const { player: empty, relay: own } = await playerRig({ playlist: () => [], gate: () => gate, verify: async () => true, position: () => undefined, startVolume: 50 });
    const events: string[] = [];
    empty.on('event', (e) => events.push(`${e.kind}:${e.code}`));
    const switched = own.history.length;
    empty.playPause();
    await run(3000);
    expect(own.history.slice(switched)).toEqual([]);
    expect(empty.state).toBe('blocked');
    expect(empty.reasons).toEqual([{ code: 'no-approved-clip', text: expect.stringMatching(/^Chưa có bản tin được duyệt/) }]);
    expect(events).toEqual(['block:no-approved-clip']);
  });

  it('stops a session the policy blocks mid-play, recording the play as blocked', async () => {
    player.playPause();
    await run(1000 + 2000);
    player.block([{ code: 'quiet-zone', text: 'Trường học' }]);
    await run(600);
    expect(plays.at(-1)).toMatchObject({ clip: 'a', outcome: 'blocked' });
    expect(player.state).toBe('blocked');
    expect(await relay.isOn()).toBe(false);
  });

  it('caps the volume in a quiet zone', async () => {
    gate = { allowed: true, reasons: [], volumeCap: 30 };
    player.playPause();
    await run(1000 + 100);
    expect(player.volume).toBe(30);
    expect(await player.changeVolume(1)).toBe(30);
  });

  it('does not play a clip whose file no longer matches its hash, and says so', async () => {
    bad.add('a');
    const events: string[] = [];
    player.on('event', (e) => events.push(e.code));
    player.playPause();
    await run(1000 + 100);
    expect(events).toContain('hash-mismatch');
    expect(audio.lastPlayed).toBe(clips[1]!.file);
  });

  it('ends the session when nothing at all can be played, relay off', async () => {
    for (const c of clips) bad.add(c.id);
    player.playPause();
    await run(3000);
    expect(player.state).toBe('idle');
    expect(await relay.isOn()).toBe(false);
    expect(audio.history).toHaveLength(0);
  });
});
