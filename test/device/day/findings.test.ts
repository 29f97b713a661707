// Cart bugs found while scripting the day (scripted-day.test.ts), each reduced to the shortest script on the
// simulators that showed it, and kept as regression tests: they state what the cart does since the fix (the comments
// say what was wrong and how it was fixed).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CartStore } from '../../../device/store/index.js';
import type { PlayRecord } from '../../../protocol/index.js';
import { hms, local, startDayCart, stopLeftover, useDayTimers, type DayCart } from './day-cart.js';

const LAT = 19.8185;
const SCHOOL = { latitude: LAT, longitude: 105.605 };
const FAR = { latitude: LAT, longitude: 105.61 }; // about 520 m east of the school: outside its circle
const SCHOOL_ZONE = { name: 'Trường tiểu học', lat: SCHOOL.latitude, lon: SCHOOL.longitude, radiusM: 120, action: { capVolume: 30 } };
const FINE = 100;

let day: DayCart | null = null;

afterEach(async () => {
  const d = day;
  day = null;
  await stopLeftover(d);
});

async function pressAt(d: DayCart, at: number, name: 'playPause' | 'volumeUp', ms: number): Promise<void> {
  await d.runUntil(at, 60_000);
  const released = d.press(name, ms);
  await d.runUntil(at + ms + 200, FINE);
  await released;
}

describe('a policy block that comes while the amplifier warms up', () => {
  // Player.#run took the stop request with outcome 'blocked' at the top of the loop (`if (req?.kind === 'stop')
  // break;`) without setting `blocked`, so the session ended in `idle`, no `block` event was recorded and the status
  // showed no reason. Fixed: that stop sets `blocked` too (`if (req.outcome === 'blocked') blocked = this.#reasons`).
  it('leaves the player blocked, with a block event, like a block during a play', async () => {
    useDayTimers(local(10, 59));
    day = await startDayCart({
      policy: { allowedHours: [{ from: '07:00', to: '11:00' }] },
      route: { points: [{ ...FAR, atMs: 0 }] },
      player: { warmupMs: 1000, tailMs: 500, initialVolume: 50 },
    });
    // Pressed at 10:59:59.5, acted on at 10:59:59.61: still warming up at the 11:00:00 policy tick.
    await pressAt(day, local(10, 59, 59, 500), 'playPause', 80);
    await day.runUntil(local(11, 0, 3), FINE);
    await day.cart.stop();
    const d = day;
    day = null;
    vi.useRealTimers();
    const store = await CartStore.open({ path: join(d.dataDir, 'cart.db') });
    const blocks = (await store.eventsSince(0)).filter((e) => e.kind === 'block').map((e) => `${hms(e.at.time)} ${e.code}`);
    const plays = await store.playsSince(0);
    await store.close();
    expect(plays).toEqual([]);
    expect(d.happenings.filter((h) => 'state' in h).map((h) => ('state' in h ? h.state : ''))).toEqual(['warming', 'cooling', 'blocked']);
    expect(blocks).toEqual(['11:00:00 outside-hours']);
  });
});

describe('the volume cap of a quiet zone', () => {
  // Player.setVolume() replaced the player's only volume with min(wanted, cap): once capped inside the circle the
  // cart stayed at the cap everywhere afterwards, while the saved setting (used after a restart) still said the
  // team's volume. Fixed: the team's volume and the applied one are kept apart (applied = min(team, cap)), the cap
  // is applied again before each clip and on each cart tick while playing, and the buttons change the team's volume.
  it('is lifted when the cart leaves the zone: the next play is at the team volume again', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({
      policy: { allowedHours: [{ from: '07:00', to: '11:00' }], quietZones: [SCHOOL_ZONE] },
      route: { points: [{ ...SCHOOL, atMs: 0 }, { ...SCHOOL, atMs: 120_000 }, { ...FAR, atMs: 240_000 }] },
      player: { warmupMs: 1000, tailMs: 500, initialVolume: 60 },
    });
    await pressAt(day, local(7, 0, 30), 'playPause', 80); // in the circle
    await day.runUntil(local(7, 0, 40), FINE);
    expect(day.cart.player.volume).toBe(30);
    await pressAt(day, local(7, 0, 50), 'playPause', 1600); // long press: stop
    await day.runUntil(local(7, 5), 60_000); // walked out of the circle
    await pressAt(day, local(7, 5), 'playPause', 80);
    // Which clip the session starts with is not what this test is about: under some faketime dates the playlist
    // starts again at sim-tone-1 (8 s) instead of going on at sim-tone-3 (4 s), which then had not completed by
    // 07:05:08. Wait for the first clip that completes, up to 07:05:30, and say what the player did if none does.
    let next: PlayRecord | undefined;
    for (let t = local(7, 5, 8); next === undefined && t <= local(7, 5, 30); t += 2000) {
      await day.runUntil(t, FINE);
      next = (await day.store.playsSince(local(7, 5) / 1000)).find((p) => p.outcome === 'completed');
    }
    const seen = day.happenings.filter((h) => h.at >= local(7, 4, 59)).map((h) => ({ ...h, at: h.at - local(7, 5) }));
    expect(next, JSON.stringify(seen)).toMatchObject({ outcome: 'completed' });
    expect(next?.volume).toBe(60);
  });

  it('does not replace the team volume saved for the next start with the cap', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({
      policy: { allowedHours: [{ from: '07:00', to: '11:00' }], quietZones: [SCHOOL_ZONE] },
      route: { points: [{ ...SCHOOL, atMs: 0 }] },
      player: { warmupMs: 1000, tailMs: 500, initialVolume: 60 },
    });
    await day.runUntil(local(7, 0, 5), FINE); // a fix in the circle
    await pressAt(day, local(7, 0, 10), 'volumeUp', 80);
    expect(day.cart.player.volume).toBeLessThanOrEqual(30); // what is heard here stays capped
    expect(await day.store.getSetting('volume')).toBeGreaterThanOrEqual(60); // the team's volume is not lost
  });
});

describe('a GNSS fix whose date the clock refuses', () => {
  // A neo-m8n in our captures sent 2015 dates (a GPS week rollover). The clock already refused such a time; the fix
  // itself still carried it, into the live fix (whose 16-bit time the district would place, wrongly but plausibly,
  // within ±9 h) and into the track. Fixed: such a fix carries the cart's own best time.
  it('is kept with the cart’s own time, not a date years off', async () => {
    useDayTimers(local(7, 0));
    day = await startDayCart({ policy: { allowedHours: [{ from: '07:00', to: '11:00' }] }, route: { points: [{ ...SCHOOL, atMs: 0 }] } });
    await day.runUntil(local(7, 0, 5), FINE);
    const rolledOver = new Date(local(7, 0, 5) - 1024 * 7 * 86_400_000);
    day.sim.gnss.emit('fix', { hasFix: true, latitude: FAR.latitude, longitude: FAR.longitude, time: rolledOver, timeOfDay: null, speedMps: 0, courseDeg: null, hdop: 1, satellites: 8, quality: 'gps', altitudeM: null } as never);
    const status = await day.cart.status();
    expect(status.position).toMatchObject({ lon: FAR.longitude, time: new Date(local(7, 0, 5)).toISOString() });
  });
});
