// The cart's own bookkeeping over a day and across a restart: the daily broadcast counter, manifest activations,
// retention pruning and the last track point. Each on the in-process cart (day-cart.ts), with the shortest script
// that shows it.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeToneWav } from '../../../hardware/audio/wav.js';
import { dataDirWithIdentity } from '../../support/identity.js';
import { ContentSync } from '../../../device/sync/sync.js';
import { CartStore } from '../../../device/store/index.js';
import { ByteReader, readMessages, type Manifest, type ManifestClip, type Priority } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC } from '../../../tools/vector-cases.js';
import { sha, signed } from '../sync/fixtures.js';
import { hms, local, startDayCart, useDayTimers, type DayCart } from './day-cart.js';

const LAT = 19.8185;
const HOME = { latitude: LAT, longitude: 105.6 };
const EAST = { latitude: LAT, longitude: 105.615 };
const FINE = 100;
const PLAYER = { warmupMs: 1000, tailMs: 500, initialVolume: 50 };
/** One minute of broadcast a day, in the allowed hours of the morning. */
const ONE_MINUTE_A_DAY = { allowedHours: [{ from: '07:00', to: '11:00' }], maxSessionMinutes: 120, maxDailyMinutes: 1 };

let day: DayCart | null = null;

/** Stops the cart, letting fake time run while a session ends (relay off after the tail). */
async function stop(d: DayCart): Promise<void> {
  let done = false;
  const stopped = d.cart.stop().then(() => (done = true));
  for (let i = 0; i < 50 && !done; i++) await vi.advanceTimersByTimeAsync(100);
  await stopped;
}

afterEach(async () => {
  const d = day;
  day = null;
  if (d) await stop(d);
  vi.useRealTimers();
});

async function pressAt(d: DayCart, at: number, ms: number): Promise<void> {
  await d.runUntil(at, 60_000);
  const released = d.press('playPause', ms);
  await d.runUntil(at + ms + 200, FINE);
  await released;
}

async function blockEvents(d: DayCart): Promise<string[]> {
  return (await d.store.eventsSince(0)).filter((e) => e.kind === 'block').map((e) => `${hms(e.at.time)} ${e.code}`);
}

describe('the daily broadcast limit', () => {
  it('counts the session being played once', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({ policy: ONE_MINUTE_A_DAY, route: { points: [{ ...HOME, atMs: 0 }] }, player: PLAYER });
    await pressAt(day, local(7, 0, 10), 80); // playing from 07:00:11
    await day.runUntil(local(7, 1, 30), FINE);
    expect(await blockEvents(day)).toEqual(['07:01:11 daily-limit']);
  });

  it('keeps what was played earlier in the day across a restart', async () => {
    useDayTimers(local(7, 0));
    const first = await startDayCart({ policy: ONE_MINUTE_A_DAY, route: { points: [{ ...HOME, atMs: 0 }] }, player: PLAYER });
    day = first;
    await pressAt(first, local(7, 0, 10), 80);
    await first.runUntil(local(7, 0, 50), FINE);
    await pressAt(first, local(7, 0, 50), 1600); // long press: stopped after some 40 s of sound
    await first.runUntil(local(7, 1), FINE);
    const played = (await first.store.playsSince(0)).reduce((s, p) => s + p.seconds, 0);
    expect(played).toBeGreaterThan(38);
    await stop(first);
    day = await startDayCart({ policy: ONE_MINUTE_A_DAY, route: { points: [{ ...HOME, atMs: 0 }] }, player: PLAYER, dataDir: first.dataDir, boot: 2 });
    await pressAt(day, local(7, 5), 80); // playing from 07:05:01: the minute is full some 20 s later
    await day.runUntil(local(7, 6), FINE);
    expect(await blockEvents(day)).toEqual(['07:05:21 daily-limit']);
  });
});

describe('manifest activations', () => {
  const tones: { id: string; hz: number; priority: Priority }[] = [
    { id: 'tone-a', hz: 440, priority: 'ordinary' },
    { id: 'tone-b', hz: 550, priority: 'ordinary' },
  ];
  const alert = { id: 'alert', hz: 880, priority: 'emergency' as const };
  const wav = (hz: number): Buffer => encodeToneWav({ frequency: hz, seconds: 3, sampleRate: 8000 });
  const clip = (t: { id: string; hz: number; priority: Priority }): ManifestClip => {
    const bytes = wav(t.hz);
    return { id: t.id, sha256: sha(bytes), size: bytes.length, durationMs: 3000, priority: t.priority, title: t.id, validFrom: 0, validUntil: 0, targets: [] };
  };
  const manifest = (version: number, clips: ManifestClip[]): Manifest => {
    const issued = Math.floor(local(6, 0) / 1000);
    return { district: 'sim', version, issued, expires: issued + 86_400, targets: [{ kind: 'district', id: 'sim' }], clips };
  };

  /** A data folder with an identity pinning the test district key, and manifest 1 with its clips in incoming/. */
  async function dataDirWithDistrictContent(): Promise<string> {
    const dataDir = await dataDirWithIdentity('loa-book-', { districtKeys: [TEST_DISTRICT_PUBLIC] });
    placeIncoming(dataDir, manifest(1, tones.map(clip)), tones);
    return dataDir;
  }

  function placeIncoming(dataDir: string, m: Manifest, files: { id: string; hz: number }[]): void {
    const incoming = join(dataDir, 'content', 'incoming');
    mkdirSync(incoming, { recursive: true });
    for (const f of files) writeFileSync(join(incoming, `${f.id}.wav`), wav(f.hz));
    writeFileSync(join(incoming, 'manifest.bin'), signed(m));
  }

  async function activations(d: DayCart): Promise<string[]> {
    return (await d.store.eventsSince(0)).filter((e) => e.kind === 'manifest').map((e) => `${e.code}: ${e.detail}`);
  }

  it('records a manifest the content sync activates once', async () => {
    useDayTimers(local(7, 0));
    const dataDir = await dataDirWithDistrictContent();
    // Manifest 2 left pending by the last run, its clips all in the cache already: the sync activates it at start.
    const partialDir = join(dataDir, 'content', 'partial');
    mkdirSync(partialDir, { recursive: true });
    writeFileSync(join(partialDir, 'pending.manifest'), signed(manifest(2, tones.map(clip).reverse())));
    day = await startDayCart({
      policy: { allowedHours: [{ from: '07:00', to: '11:00' }] },
      route: { points: [{ ...HOME, atMs: 0 }] },
      player: PLAYER,
      dataDir,
      sync: ({ cart, cache }) =>
        new ContentSync({ cache, baseUrl: 'http://127.0.0.1:9', partialDir, onEvent: (kind, code, detail) => cart.contentEvent(kind, code, detail) }),
    });
    await day.runUntil(local(7, 0, 5), FINE);
    expect((await day.cart.status()).manifest?.version).toBe(2);
    expect(await activations(day)).toEqual([
      'activated: manifest 1 with 2 clips activated from incoming/',
      'activated: manifest 2 with 2 clips downloaded and activated',
    ]);
  });

  it('plays a new emergency clip from incoming/ at once, as one from the sync', async () => {
    useDayTimers(local(7, 0));
    const dataDir = await dataDirWithDistrictContent();
    day = await startDayCart({ policy: { allowedHours: [{ from: '07:00', to: '11:00' }] }, route: { points: [{ ...HOME, atMs: 0 }] }, player: PLAYER, dataDir });
    await day.runUntil(local(7, 0, 5), FINE);
    placeIncoming(dataDir, manifest(2, [...tones.map(clip), clip(alert)]), [alert]);
    const issued = Math.floor(Date.now() / 1000);
    expect(await day.cart.command({ unit: 1, counter: 1, issued, expires: issued + 60, action: 'sync-now' })).toEqual({ status: 'ok', detail: 'manifest 2' });
    await day.runUntil(local(7, 0, 15), FINE);
    const plays = await day.store.playsSince(0);
    expect(plays[0]).toMatchObject({ clip: 'alert', trigger: 'emergency', outcome: 'completed' });
    expect(await activations(day)).toEqual(['activated: manifest 1 with 2 clips activated from incoming/', 'activated: manifest 2 with 3 clips activated from incoming/']);
  });
});

describe('a play cut by a power loss', () => {
  // The cut: the data folder copied while the cart plays, its store idle (a copy of the WAL and the database as a
  // power cut leaves them); the copy is started again as the cart after the cut.
  it('is recorded as power-lost at the next start, before anything plays, its seconds within 5 s, and once', async () => {
    useDayTimers(local(7, 0));
    const policy = { allowedHours: [{ from: '07:00', to: '11:00' }] };
    const route = { points: [{ ...HOME, atMs: 0 }] };
    const first = await startDayCart({ policy, route, player: PLAYER });
    day = first;
    await pressAt(first, local(7, 0, 10), 80);
    // The simulation playlist: sim-tone-3 (4 s), then sim-tone-1 (8 s): cut 6.5 s into the second clip.
    await first.runUntil(local(7, 0, 20), FINE);
    const started = first.happenings.find((h) => 'state' in h && h.state === 'playing' && h.clip === 'sim-tone-1');
    expect(started, 'sim-tone-1 playing by 07:00:20').toBeDefined();
    await first.runUntil(started!.at + 6500, FINE);
    const cutDir = `${first.dataDir}-cut`;
    cpSync(first.dataDir, cutDir, { recursive: true, filter: (src) => !src.endsWith('-shm') });
    await stop(first); // the uncut cart: the same play ends as stopped, its checkpoint deleted with its record
    day = null;
    try {
      const after = await startDayCart({ policy, route, player: PLAYER, dataDir: cutDir, boot: 2 });
      day = after;
      const plays = await after.store.playsSince(0);
      const lost = plays.filter((p) => p.outcome === 'power-lost');
      expect(lost, 'power-lost plays after the cut').toHaveLength(1);
      expect(lost[0]).toMatchObject({ clip: 'sim-tone-1', start: { time: Math.floor(started!.at / 1000), source: 'system' }, trigger: 'button', volume: 50 });
      expect(lost[0]!.seconds).toBeGreaterThanOrEqual(6.5 - 5);
      expect(lost[0]!.seconds).toBeLessThanOrEqual(6.5);
      // Recorded before the hello of this start (so before anything could play), and in the outbox for the district.
      const outbox = (await after.store.pending(1_000_000)).flatMap((e) => readMessages(new ByteReader(e.bytes)));
      const order = outbox.map((m) => (m.type === 'play' ? `play ${m.outcome}` : m.type)).filter((t) => t === 'hello' || t.startsWith('play'));
      expect(order).toEqual(['hello', 'play completed', 'play power-lost', 'hello']);
      await stop(after);
      day = await startDayCart({ policy, route, player: PLAYER, dataDir: cutDir, boot: 3 });
      expect((await day.store.playsSince(0)).filter((p) => p.outcome === 'power-lost'), 'power-lost plays at the start after').toHaveLength(1);
      await stop(day);
      day = null;

      vi.useRealTimers();
      const uncut = await CartStore.open({ path: join(first.dataDir, 'cart.db') });
      const endedPlays = await uncut.playsSince(0);
      const checkpoints = await uncut.playCheckpoints();
      await uncut.close();
      expect(endedPlays.map((p) => [p.clip, p.outcome])).toEqual([
        ['sim-tone-3', 'completed'],
        ['sim-tone-1', 'stopped'],
      ]);
      expect(checkpoints, 'checkpoints left by a cart stopped in an orderly way').toEqual([]);
    } finally {
      rmSync(cutDir, { recursive: true, force: true });
    }
  });
});

describe('retention', () => {
  it('prunes old rows soon after the start, not only six hours later', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({ policy: { allowedHours: [{ from: '07:00', to: '11:00' }] }, route: { points: [{ ...HOME, atMs: 0 }] } });
    const old = Math.floor(local(7, 0) / 1000) - 200 * 86_400; // older than the default 90 days of track
    day.store.addTrackPoint({ time: old, lat: HOME.latitude, lon: HOME.longitude });
    await day.store.flush();
    expect(await day.store.trackBetween(old, old)).toHaveLength(1);
    await day.runUntil(local(7, 2), 10_000);
    expect(await day.store.trackBetween(old, old)).toEqual([]);
  });
});

describe('the track at a stop of the cart', () => {
  it('keeps the last position of a moving cart', async () => {
    useDayTimers(local(7, 0));
    // About 2.6 m/s eastwards: a point is kept every 25 m (some 10 s), the fixes in between are not.
    const route = { points: [{ ...HOME, atMs: 0 }, { ...EAST, atMs: 600_000 }] };
    const d = await startDayCart({ policy: { allowedHours: [{ from: '07:00', to: '11:00' }] }, route });
    day = d;
    await d.runUntil(local(7, 1, 4, 500), 1000);
    const last = (await d.cart.status()).position;
    await stop(d);
    day = null;
    vi.useRealTimers();
    const store = await CartStore.open({ path: join(d.dataDir, 'cart.db') });
    const track = await store.trackBetween(0, Math.floor(local(8, 0) / 1000));
    await store.close();
    expect(track.at(-1)?.time).toBe(Math.floor(Date.parse(last!.time!) / 1000));
    expect(track.at(-1)?.lon).toBeCloseTo(last!.lon, 6);
  });
});

describe('the hello a cart sends at start', () => {
  // It claimed `mqtt` for any uplink and never `serial-link` or `status-led`; it now names what the cart has.
  it('names the status LED the simulated board has, and no link when the cart has none', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({ policy: { allowedHours: [{ from: '07:00', to: '11:00' }] }, route: { points: [{ ...HOME, atMs: 0 }] } });
    await day.runUntil(local(7, 0, 1), FINE);
    const hellos = (await day.store.pending(1_000_000)).flatMap((p) => readMessages(new ByteReader(p.bytes))).filter((m) => m.type === 'hello');
    expect(hellos).toHaveLength(1);
    const capabilities = (hellos[0] as { capabilities: string[] }).capabilities;
    expect(capabilities).toContain('status-led');
    expect(capabilities).not.toContain('mqtt');
    expect(capabilities).not.toContain('serial-link');
  });
});
