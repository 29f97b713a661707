// Player.speak() on the simulated relay, volume and audio: the relay on only while a cue is spoken, never during a
// session, the cue's volume under the quiet zone's cap and the team's volume back after, the state name unchanged
// (a blocked cart stays blocked), no play record, and presses during a cue that do not break the sequencing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SimulatedAudioPlayer } from '../../../hardware/audio/sim-player.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import type { SimulatedRelay } from '../../../hardware/relay/sim-relay.js';
import type { SimulatedVolume } from '../../../hardware/volume/sim-volume.js';
import type { Gate, PlayableClip, PlayInput, Player } from '../../../device/player/player.js';
import { playerRig, run } from './rig.js';

const dir = mkdtempSync(join(tmpdir(), 'loa-speak-'));
const clips: PlayableClip[] = ['a', 'b'].map((id) => ({ id, file: join(dir, `${id}.wav`), title: id, priority: 'ordinary', manifestVersion: 3 }));
const emergency: PlayableClip = { id: 'storm', file: join(dir, 'storm.wav'), title: 'bão', priority: 'emergency', manifestVersion: 3 };
const cue = join(dir, 'outside-hours.wav');

beforeAll(async () => {
  for (const c of [...clips, emergency]) await writeToneWav(c.file, { seconds: 10, sampleRate: 1000, frequency: 100 });
  await writeToneWav(cue, { seconds: 2, sampleRate: 1000, frequency: 100 });
});

let relay: SimulatedRelay;
let audio: SimulatedAudioPlayer;
let volume: SimulatedVolume;
let gate: Gate;
let player: Player;
let plays: PlayInput[];
let states: string[];

beforeEach(async () => {
  gate = { allowed: true, reasons: [], volumeCap: null };
  ({ relay, audio, volume, player, plays, states } = await playerRig({ playlist: () => clips, gate: () => gate, verify: async () => true, position: () => undefined, startVolume: 60 }));
});

afterEach(() => {
  vi.useRealTimers();
});

/** Runs fake time until `p` settles (at most a minute of it): a slow disk may start the simulated audio late. */
async function finish<T>(p: Promise<T>): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  for (let i = 0; i < 1200 && !done; i++) await run(50);
  return watched;
}

/** Runs fake time until `ok()` (at most a minute of it). */
async function runUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !ok(); i++) await run(50);
}

/** The relay's switches since `from`, as on/off. */
const switches = (from: number): boolean[] => relay.history.slice(from).map((h) => h.on);

describe('Player.speak', () => {
  it('blocked: relay on, warm-up, the cue at its volume, tail, relay off, the team volume back, still blocked', async () => {
    gate = { allowed: false, reasons: [{ code: 'outside-hours', text: 'Ngoài giờ phát thanh' }], volumeCap: null };
    player.playPause();
    expect(player.state).toBe('blocked');
    const before = relay.history.length;
    const volumesBefore = volume.history.length;
    const spoken = player.speak(cue, 30);
    await run(900);
    expect(await relay.isOn()).toBe(true);
    expect(audio.history).toHaveLength(0); // warming up: no sound yet
    expect(player.speaking).toBe(true);
    await run(200 + 2000);
    expect(audio.lastPlayed).toBe(cue);
    await run(600);
    expect(await finish(spoken)).toBe(true);
    expect(switches(before)).toEqual([true, false]);
    expect(volume.history.slice(volumesBefore).map((v) => v.applied)).toEqual([30, 60]);
    expect(player.volume).toBe(60);
    expect(player.state).toBe('blocked');
    expect(player.reasons.map((r) => r.code)).toEqual(['outside-hours']);
    expect(states.at(-1)).toBe('blocked');
    expect(plays).toEqual([]);
  });

  it('says nothing while a session runs, nor a second cue over the first', async () => {
    player.playPause();
    await run(1500);
    expect(player.state).toBe('playing');
    expect(await player.speak(cue, 30)).toBe(false);
    player.stopPressed();
    await run(600);
    expect(player.state).toBe('idle');
    const first = player.speak(cue, 30);
    expect(await player.speak(cue, 30)).toBe(false);
    await run(4000);
    expect(await finish(first)).toBe(true);
    expect(audio.history.filter((h) => h.file === cue)).toHaveLength(1);
    expect(await relay.isOn()).toBe(false);
  });

  it('keeps under the quiet zone cap and the hardware maximum', async () => {
    gate = { allowed: false, reasons: [{ code: 'quiet-zone', text: 'yên tĩnh' }], volumeCap: 20 };
    await player.setVolume(60);
    const from = volume.history.length;
    const spoken = player.speak(cue, 30);
    await run(4000);
    expect(await finish(spoken)).toBe(true);
    expect(volume.history.slice(from).map((v) => v.applied)).toEqual([20]); // the cap: already the team's capped volume
    gate = { allowed: true, reasons: [], volumeCap: null };
    const loud = player.speak(cue, 100);
    await run(4000);
    expect(await finish(loud)).toBe(true);
    expect(volume.history.slice(from + 1).map((v) => v.applied)).toEqual([80, 60]);
  });

  it('a play press during the cue cuts it and starts the session once the cue relay is off: one relay cycle each', async () => {
    const before = relay.history.length;
    const spoken = player.speak(cue, 30);
    await run(1500); // the cue is playing
    player.playPause();
    player.playPause(); // pressed twice: the last press wins, nothing doubles
    await run(600);
    expect(await finish(spoken)).toBe(false);
    expect(audio.history[0]).toMatchObject({ file: cue, ended: { completed: false, reason: 'stopped' } });
    await runUntil(() => player.state === 'playing');
    expect(player.state).toBe('playing');
    expect(player.volume).toBe(60);
    expect(switches(before)).toEqual([true, false, true]);
    player.stopPressed();
    await run(600);
    expect(switches(before)).toEqual([true, false, true, false]);
    expect(plays.map((p) => [p.clip, p.outcome, p.volume])).toEqual([['a', 'stopped', 60]]);
  });

  it('an emergency clip during the warm-up plays after it; a stop drops the press; stop() waits for the relay', async () => {
    const spoken = player.speak(cue, 30);
    await run(300);
    player.playClip(emergency, 'remote');
    await run(500 + 1000 + 200);
    expect(await finish(spoken)).toBe(false);
    expect(audio.history.map((h) => h.file)).toEqual([emergency.file]); // the cue never sounded
    expect(player.clip?.id).toBe('storm');
    await finish(player.stop());
    const again = player.speak(cue, 30);
    await run(1200);
    player.next();
    player.stopPressed(); // the stop outranks the press before it
    await run(600);
    expect(await finish(again)).toBe(false);
    expect(player.state).toBe('idle');
    expect(await relay.isOn()).toBe(false);
    const last = player.speak(cue, 30);
    await run(100);
    const stopping = player.stop();
    await finish(stopping);
    expect(await finish(last)).toBe(false);
    expect(await relay.isOn()).toBe(false);
  });

  it('a cue that cannot be played is an event, and the relay still goes off', async () => {
    const events: string[] = [];
    player.on('event', (e) => events.push(`${e.kind}/${e.code}`));
    const spoken = player.speak(join(dir, 'missing.wav'), 30);
    await run(2000);
    expect(await finish(spoken)).toBe(false);
    expect(events).toEqual(['fault/cue']);
    expect(await relay.isOn()).toBe(false);
    expect(player.volume).toBe(60);
  });
});
