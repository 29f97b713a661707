// The first boot of a cart with neither network nor real-time clock: its clock is `unknown` (the system clock reads
// 1970, or what fake-hwclock restored) until the GNSS receiver's first fix. Meanwhile the cart refuses to play, with
// its own reason (time-unknown) instead of judging the allowed hours on a wrong clock; from the fix on, it plays
// within its policy. After a restart, the last good time it persisted gives an `estimated` time at once.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../hardware/logger.js';
import { TIME_UNKNOWN } from '../../../device/cart.js';
import { ControlServer } from '../../../device/control.js';
import { runLoa } from '../../support/cli.js';
import { hms, local, startDayCart, stopLeftover, useDayTimers, type DayCart, type DayCartOptions } from './day-cart.js';

const PLACE = { latitude: 19.8185, longitude: 105.61 };
const HOURS = { allowedHours: [{ from: '07:00', to: '11:00' }] };
const TIMING = { warmupMs: 1000, tailMs: 500, initialVolume: 50 };
const FINE = 100;
/** A Pi without a real-time clock that booted at 1970-01-01 00:00 UTC: 07:00 local, inside the allowed hours. */
const at1970 = (trueStart: number): number => Date.UTC(1970, 0, 1) - trueStart;

let day: DayCart | null = null;

afterEach(async () => {
  const d = day;
  day = null;
  await stopLeftover(d);
});

/** A cart on the simulators whose system clock is not synchronised, reading `wallClockOffsetMs` off the true time. */
function firstBoot(o: Pick<DayCartOptions, 'dataDir' | 'boot' | 'wallClockOffsetMs' | 'gnssFirstFixAfterMs'>): Promise<DayCart> {
  return startDayCart({ policy: HOURS, route: { points: [{ ...PLACE, atMs: 0 }] }, player: TIMING, systemClockSynchronised: false, ...o });
}

async function pressAt(d: DayCart, at: number, ms: number): Promise<void> {
  await d.runUntil(at, 60_000);
  const released = d.press('playPause', ms);
  await d.runUntil(at + ms + 200, FINE);
  await released;
}

const relayOns = (d: DayCart): number[] => d.happenings.flatMap((h) => ('relay' in h && h.relay ? [h.at] : []));

describe('a cart that boots with neither network nor clock', () => {
  it('refuses to play until its first GNSS fix, then plays within its hours, and refuses outside them for the hours', async () => {
    useDayTimers(local(10, 50));
    day = await firstBoot({ wallClockOffsetMs: at1970(local(10, 50)), gnssFirstFixAfterMs: 90_000 });

    // Before the fix: the wall clock reads 07:00 on 01/01/1970, inside the hours, and still nothing plays.
    await pressAt(day, local(10, 50, 30), 80);
    await day.runUntil(local(10, 50, 40), FINE);
    let status = await day.cart.status();
    expect(status.time.source).toBe('unknown');
    expect(new Date(status.time.time * 1000).toISOString()).toBe('1970-01-01T00:00:40.000Z');
    expect(status.state).toBe('blocked');
    expect(status.blocked).toEqual([TIME_UNKNOWN]);
    expect(status.relay).toBe(false);
    expect(relayOns(day)).toEqual([]);
    expect(await day.store.playsSince(0)).toEqual([]);
    // `loa unit status` gives the reason, in Vietnamese by default and in English on request (cart-run.ts serves the
    // status on the data folder's control socket like this).
    const control = new ControlServer(join(day.dataDir, 'control.sock'), { status: () => day!.cart.status() }, silentLogger);
    await control.start();
    try {
      const viText = await runLoa(['unit', 'status', '--data', day.dataDir]);
      expect(viText.stdout).toContain(`Lý do chặn     ${TIME_UNKNOWN.vi}\n`);
      const enText = await runLoa(['unit', 'status', '--data', day.dataDir, '--lang', 'en']);
      expect(enText.stdout).toContain(`Blocked by     ${TIME_UNKNOWN.en}\n`);
    } finally {
      await control.stop();
    }
    // Its records go on meanwhile, stamped with the time it had and its source (the cart acts, then records).
    const before = (await day.store.eventsSince(0)).map((e) => `${e.kind} ${e.code} ${e.at.source}`);
    expect(before).toEqual(['manifest activated unknown', 'block time-unknown unknown', 'button playPause unknown']);

    // The first fix (90 s after the start) gives the time: the next policy tick lifts the block.
    await day.runUntil(local(10, 51, 33), FINE);
    status = await day.cart.status();
    expect(status.time.source).toBe('gnss');
    expect(hms(status.time.time)).toBe('10:51:33');
    expect(status.state).toBe('idle');
    expect(status.blocked).toEqual([]);

    await pressAt(day, local(10, 52), 80);
    await day.runUntil(local(10, 52, 8), FINE); // the first clip (4 s) completed
    const [play] = await day.store.playsSince(0);
    expect(play).toMatchObject({ outcome: 'completed', trigger: 'button', start: { source: 'gnss' } });
    expect(hms(play!.start.time)).toBe('10:52:01');
    expect(relayOns(day).map((t) => hms(t / 1000))).toEqual(['10:52:00']);
    await pressAt(day, local(10, 52, 20), 1600); // long press: stop

    // After the fix, outside the hours: refused for the hours, not for the time.
    await pressAt(day, local(11, 5), 80);
    status = await day.cart.status();
    expect(status.time.source).toBe('gnss');
    expect(status.state).toBe('blocked');
    expect(status.blocked.map((b) => b.code)).toEqual(['outside-hours']);
    expect(relayOns(day)).toHaveLength(1);
    const blocks = (await day.store.eventsSince(0)).filter((e) => e.kind === 'block').map((e) => `${e.code} ${e.at.source}`);
    expect(blocks).toEqual(['time-unknown unknown', 'outside-hours gnss']);
    // Track points only from the fix on (a fix brings both the position and the time).
    expect((await day.store.trackBetween(0, 2 ** 31)).length).toBeGreaterThan(0);
  });

  it('says only that the time is unknown when the wall clock it cannot trust reads outside the hours', async () => {
    // fake-hwclock restored the time the cart was switched off, 17:40 the evening before; it is 08:00.
    useDayTimers(local(8, 0));
    day = await firstBoot({ wallClockOffsetMs: local(17, 40) - 86_400_000 - local(8, 0), gnssFirstFixAfterMs: 600_000 });
    await pressAt(day, local(8, 0, 10), 80);
    const status = await day.cart.status();
    expect(status.time.source).toBe('unknown');
    expect(status.blocked).toEqual([TIME_UNKNOWN]);
    expect(relayOns(day)).toEqual([]);
  });

  it('plays at once after a restart, on the estimated time from the last good time it persisted', async () => {
    useDayTimers(local(8, 0));
    day = await firstBoot({ wallClockOffsetMs: at1970(local(8, 0)), gnssFirstFixAfterMs: 30_000 });
    // The cart saves its last good time once a minute while it has one (at 08:01:00 and 08:02:00 here).
    await day.runUntil(local(8, 2, 5), 1000);
    const saved = await day.store.getSetting('lastGoodTime');
    expect(saved?.source).toBe('gnss');
    expect(hms(saved!.time)).toBe('08:02:00');
    const dataDir = day.dataDir;
    await day.cart.stop();
    day = null;

    // Switched off for half an hour; it boots again at 1970 and its receiver has no fix for the rest of the test.
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    day = await firstBoot({ dataDir, boot: 2, wallClockOffsetMs: at1970(local(8, 32, 5)), gnssFirstFixAfterMs: 3_600_000 });
    let status = await day.cart.status();
    // A lower bound: the time off is not counted.
    expect(status.time.source).toBe('estimated');
    expect(hms(status.time.time)).toBe('08:02:00');

    await pressAt(day, local(8, 32, 15), 80);
    await day.runUntil(local(8, 32, 23), FINE);
    const plays = await day.store.playsSince(0);
    expect(plays).toHaveLength(1);
    expect(plays[0]).toMatchObject({ outcome: 'completed', start: { source: 'estimated' } });
    expect(hms(plays[0]!.start.time)).toBe('08:02:11');
    status = await day.cart.status();
    expect(status.blocked).toEqual([]);
    expect(relayOns(day)).toHaveLength(1);
  });
});
