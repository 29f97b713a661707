// The player on the simulated relay, audio and volume, under vitest fake timers, as player.test.ts and
// speak.test.ts drive it: one place that builds it and steps its time.
import { vi } from 'vitest';
import { SimulatedAudioPlayer } from '../../../hardware/audio/sim-player.js';
import { silentLogger } from '../../../hardware/logger.js';
import { SimulatedRelay } from '../../../hardware/relay/sim-relay.js';
import { SimulatedVolume } from '../../../hardware/volume/sim-volume.js';
import { Player, type PlayerOptions, type PlayInput } from '../../../device/player/player.js';

export interface PlayerRig {
  relay: SimulatedRelay;
  audio: SimulatedAudioPlayer;
  volume: SimulatedVolume;
  player: Player;
  /** Every play record and every state name, in order. */
  plays: PlayInput[];
  states: string[];
}

/** Fake Date and timers at 29/11/2026 09:00 local, then a started player (warm-up 1 s, tail 0.5 s, mixer max 80 %). */
export async function playerRig(o: Pick<PlayerOptions, 'playlist' | 'gate' | 'verify' | 'position'> & { startVolume: number }): Promise<PlayerRig> {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 29, 2, 0, 0), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const relay = new SimulatedRelay();
  await relay.open();
  const audio = new SimulatedAudioPlayer({ now: Date.now });
  const volume = new SimulatedVolume({ max: 80 });
  const player = new Player({
    relay,
    audio,
    volume,
    ...o,
    stamp: () => ({ time: Math.floor(Date.now() / 1000), source: 'system' }),
    timing: { warmupMs: 1000, tailMs: 500 },
    logger: silentLogger,
  });
  const rig: PlayerRig = { relay, audio, volume, player, plays: [], states: [] };
  player.on('play', (p) => rig.plays.push(p));
  player.on('state', (s) => rig.states.push(s.name));
  await player.start(o.startVolume);
  return rig;
}

const realSetTimeout = globalThis.setTimeout;

/**
 * Real event-loop turns and a real millisecond, so that file reads (the simulator reads each WAV header from disk)
 * complete between fake-timer steps even on a busy machine.
 */
async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => realSetTimeout(resolve, 1));
  }
}

/** Lets the player's promises, file reads and timers run for `ms` of fake time, in 50 ms steps. */
export async function run(ms: number): Promise<void> {
  await settle();
  for (let left = ms; left > 0; left -= 50) {
    await vi.advanceTimersByTimeAsync(Math.min(50, left));
    await settle();
  }
}
