// The play under way kept on the card (issue 12): a checkpoint left in the store becomes one power-lost play at the
// next start and none the start after; a play that ends clears its checkpoint with its record; while a clip plays
// the checkpoint's seconds are refreshed every period of playing time (the simulators' fast clock included).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedAudioPlayer } from '../../../hardware/audio/sim-player.js';
import { writeToneWav } from '../../../hardware/audio/wav.js';
import { silentLogger } from '../../../hardware/logger.js';
import { SimulatedRelay } from '../../../hardware/relay/sim-relay.js';
import { SimulatedVolume } from '../../../hardware/volume/sim-volume.js';
import { CHECKPOINT_PERIOD_S, PlayCheckpoints, recoverPowerLostPlays } from '../../../device/player/play-checkpoint.js';
import { Player, type PlayableClip, type PlayInput, type PlaySoFar } from '../../../device/player/player.js';
import { CartStore } from '../../../device/store/index.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { ByteReader, readMessages } from '../../../protocol/index.js';
import { T0, tempDir } from '../store/fixtures.js';

const STAMP = () => ({ time: T0 + 600, source: 'estimated' as const });

const soFar = (seconds: number): PlaySoFar => ({
  start: { time: T0, source: 'gnss' },
  clip: 'clip-a',
  manifestVersion: 7,
  seconds,
  trigger: 'schedule',
  volume: 65,
  where: { lat: 19.8185, lon: 105.6 },
});

describe('recovering the play a power cut stopped', () => {
  it('turns a checkpoint left in the store into one power-lost play in the outbox, and none at the next start', async () => {
    const path = join(await tempDir(), 'cart.db');
    const before = await CartStore.open({ path });
    await before.openPlayCheckpoint('3.1', soFar(0));
    expect(await before.refreshPlayCheckpoint('3.1', soFar(35.2))).toBe(true);
    await before.close(); // the power goes: nothing ends the play

    const after = await CartStore.open({ path });
    const recovered = await recoverPowerLostPlays(after, STAMP);
    expect(recovered).toEqual([{ type: 'play', record: 1, ...soFar(35.2), outcome: 'power-lost' }]);
    expect(await after.playsSince(0)).toEqual(recovered);
    const outbox = await after.pending(10_000);
    expect(outbox.map((e) => e.record)).toEqual([1]);
    expect(readMessages(new ByteReader(outbox[0]!.bytes))).toMatchObject([{ type: 'play', outcome: 'power-lost', seconds: 35.2, clip: 'clip-a' }]);
    expect(await after.playCheckpoints()).toEqual([]);
    expect(await recoverPowerLostPlays(after, STAMP)).toEqual([]);
    await after.close();

    const again = await CartStore.open({ path });
    expect(await recoverPowerLostPlays(again, STAMP)).toEqual([]);
    expect(await again.depth()).toBe(1);
    await again.close();
  });

  it('finds nothing to recover when the play ended: its record deleted the checkpoint in the same transaction', async () => {
    const store = await CartStore.open({ path: join(await tempDir(), 'cart.db') });
    await store.openPlayCheckpoint('4.1', soFar(0));
    await store.appendDurable([{ type: 'play', ...soFar(41), outcome: 'completed' }], { clearCheckpoints: ['4.1'] });
    expect(await store.playCheckpoints()).toEqual([]);
    expect(await store.refreshPlayCheckpoint('4.1', soFar(45)), 'a late refresh writes nothing back').toBe(false);
    expect(await recoverPowerLostPlays(store, STAMP)).toEqual([]);
    expect((await store.playsSince(0)).map((p) => p.outcome)).toEqual(['completed']);
    await store.close();
  });

  it('records a checkpoint it cannot read back as a storage event, once', async () => {
    const path = join(await tempDir(), 'cart.db');
    await (await CartStore.open({ path })).close();
    const db = await SqliteDb.open(path);
    await db.run('INSERT INTO play_checkpoints (token, play, updated_ms) VALUES (?, ?, ?)', ['5.1', '{"clip": 12', 0]);
    await db.close();
    const store = await CartStore.open({ path });
    expect(await recoverPowerLostPlays(store, STAMP)).toMatchObject([{ type: 'event', kind: 'storage', code: 'checkpoint-unreadable' }]);
    expect(await recoverPowerLostPlays(store, STAMP)).toEqual([]);
    await store.close();
  });
});

// --- the refreshes, on the player and its simulators, with fake time ----------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'loa-checkpoint-'));
const clip: PlayableClip = { id: 'a', file: join(dir, 'a.wav'), title: 'a', priority: 'ordinary', manifestVersion: 3 };

beforeAll(async () => {
  await writeToneWav(clip.file, { seconds: 22, sampleRate: 1000, frequency: 100 });
});

/** What the checkpoints asked of the store, with the fake time of the call. */
type Write = { at: number; kind: 'open' | 'refresh'; token: string; seconds: number };

let writes: Write[];
let kept: { play: PlayInput; checkpoint: string | undefined }[];

async function rig(speed: number): Promise<{ player: Player; checkpoints: PlayCheckpoints }> {
  const audio = new SimulatedAudioPlayer({ now: Date.now, speed });
  const relay = new SimulatedRelay();
  await relay.open();
  const player = new Player({
    relay,
    audio,
    volume: new SimulatedVolume({ max: 80 }),
    playlist: () => [clip],
    gate: () => ({ allowed: true, reasons: [], volumeCap: null }),
    verify: async () => true,
    stamp: () => ({ time: Math.floor(Date.now() / 1000), source: 'system' }),
    position: () => undefined,
    timing: { warmupMs: 0, tailMs: 0 },
    logger: silentLogger,
  });
  const store = {
    openPlayCheckpoint: async (token: string, play: PlaySoFar) => void writes.push({ at: Date.now(), kind: 'open', token, seconds: play.seconds }),
    refreshPlayCheckpoint: async (token: string, play: PlaySoFar) => (writes.push({ at: Date.now(), kind: 'refresh', token, seconds: play.seconds }), true),
  };
  const checkpoints = new PlayCheckpoints({ player, store, boot: 9, speed, keep: (play, checkpoint) => kept.push({ play, checkpoint }), onError: (err) => { throw err; } });
  checkpoints.start();
  await player.start(50);
  return { player, checkpoints };
}

const realSetTimeout = globalThis.setTimeout;

/** Runs fake time in 50 ms steps, letting real file reads (the simulator reads the WAV header) finish between. */
async function run(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 50) {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => realSetTimeout(resolve, 1));
    await vi.advanceTimersByTimeAsync(Math.min(50, left));
  }
}

describe('the checkpoint of the play under way', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 2, 10, 1, 0, 0), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    writes = [];
    kept = [];
  });
  afterEach(() => vi.useRealTimers());

  it(`is kept when the sound starts, refreshed every ${CHECKPOINT_PERIOD_S} s of playing time, not while paused, and ended with the record`, async () => {
    const { player, checkpoints } = await rig(1);
    const t0 = Date.now();
    player.playPause();
    await run(12_100);
    player.playPause(); // paused at ~12 s of the 22 s clip, for 20 s
    await run(20_000);
    player.playPause();
    await run(11_000); // the clip ends at ~42 s
    expect(writes[0]).toMatchObject({ kind: 'open', token: '9.1', seconds: 0 });
    const refreshes = writes.filter((w) => w.kind === 'refresh');
    expect(refreshes.every((w) => w.token === '9.1')).toBe(true);
    // At 5, 10, 15 (the pause begun: the 12 s so far), none while paused, then 35 and 40 s.
    expect(refreshes.map((w) => [Math.round((w.at - t0) / 1000), Math.round(w.seconds)])).toEqual([
      [5, 5],
      [10, 10],
      [15, 12],
      [35, 15],
      [40, 20],
    ]);
    expect(kept).toMatchObject([{ checkpoint: '9.1', play: { clip: 'a', outcome: 'completed', seconds: 22 } }]);
    const n = writes.length;
    await run(20_000); // the session goes on with the next play, under its own token
    expect(writes.slice(n).filter((w) => w.token === '9.1'), 'refreshes after the play ended').toEqual([]);
    expect(writes.filter((w) => w.kind === 'open').map((w) => w.token)).toEqual(['9.1', '9.2']);
    checkpoints.stop();
  });

  it('refreshes every period of the simulators’ fast clock, and gives each play its own token', async () => {
    const { player, checkpoints } = await rig(4);
    player.playPause();
    await run(7_000); // the 22 s clip takes 5.5 s at speed 4; the next has played ~6 s
    player.stopPressed();
    await run(200);
    const refreshes = (token: string) => writes.filter((w) => w.kind === 'refresh' && w.token === token).map((w) => w.seconds);
    expect(refreshes('9.1')).toEqual([5, 10, 15, 20]);
    expect(refreshes('9.2')).toEqual([5]);
    expect(kept.map((k) => [k.checkpoint, k.play.outcome])).toEqual([
      ['9.1', 'completed'],
      ['9.2', 'stopped'],
    ]);
    checkpoints.stop();
  });
});
