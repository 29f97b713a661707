import { afterEach, describe, expect, it, vi } from 'vitest';
import { CartClock, type CartClockOptions } from '../../../device/logic/clock.js';

const GOOD = Date.UTC(2026, 10, 29, 2, 0, 0);

/** A cart's clocks under the test's control: a wall clock that may be wrong, a monotonic clock, the NTP flag. */
function fakeClocks(wall = Date.UTC(2024, 0, 1)) {
  const c = { wall, mono: 1_000, synced: false };
  const options: CartClockOptions = { wallNow: () => c.wall, monotonicNow: () => c.mono, systemSynchronised: () => c.synced };
  const advance = (ms: number): void => {
    c.wall += ms;
    c.mono += ms;
  };
  return { c, options, advance };
}

describe('CartClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('uses the system clock while it is synchronised', () => {
    const { c, options } = fakeClocks(GOOD);
    c.synced = true;
    const clock = new CartClock({ ...options, lastKnownGood: GOOD - 86_400_000 });
    clock.observeGnss(GOOD + 5);
    expect(clock.now()).toEqual({ time: GOOD, source: 'system' });
    expect(clock.stamp()).toEqual({ time: GOOD / 1000, source: 'system' });
  });

  it('without network time, uses GNSS time plus the monotonic time since the fix', () => {
    const { options, advance } = fakeClocks();
    const clock = new CartClock(options);
    expect(clock.observeGnss(GOOD)).toBe(true);
    advance(2_500);
    expect(clock.now()).toEqual({ time: GOOD + 2_500, source: 'gnss' });
    expect(clock.stamp()).toEqual({ time: GOOD / 1000 + 2, source: 'gnss' });
  });

  it('falls back to an estimate when GNSS disappears, then to GNSS again when it returns', () => {
    const { options, advance } = fakeClocks();
    const clock = new CartClock({ ...options, gnssValidForMs: 60_000 });
    clock.observeGnss(GOOD);
    advance(60_000);
    expect(clock.now()).toEqual({ time: GOOD + 60_000, source: 'gnss' });
    advance(1); // under a roof: no fix for more than a minute
    expect(clock.now()).toEqual({ time: GOOD + 60_001, source: 'estimated' });
    advance(3_600_000);
    expect(clock.now()).toEqual({ time: GOOD + 3_660_001, source: 'estimated' });
    clock.observeGnss(GOOD + 3_660_500);
    expect(clock.now()).toEqual({ time: GOOD + 3_660_500, source: 'gnss' });
  });

  it('after a restart without network or GNSS, estimates from the last known good time', () => {
    const { options, advance } = fakeClocks();
    const clock = new CartClock({ ...options, lastKnownGood: GOOD });
    advance(90_000);
    expect(clock.now()).toEqual({ time: GOOD + 90_000, source: 'estimated' });
    expect(clock.lastKnownGood()).toBe(GOOD + 90_000);
  });

  it('with nothing better, gives the wall clock as unknown', () => {
    const { c, options } = fakeClocks();
    const clock = new CartClock(options);
    expect(clock.now()).toEqual({ time: c.wall, source: 'unknown' });
    expect(clock.lastKnownGood()).toBeNull();
    expect(clock.stamp().source).toBe('unknown');
  });

  it('keeps counting from the last system time when the network time is lost', () => {
    const { c, options, advance } = fakeClocks(GOOD);
    const clock = new CartClock(options);
    c.synced = true;
    expect(clock.now().source).toBe('system');
    c.synced = false;
    c.wall = Date.UTC(2020, 0, 1); // someone set the clock wrong
    advance(10_000);
    expect(clock.now()).toEqual({ time: GOOD + 10_000, source: 'estimated' });
  });

  it('refuses GNSS times from before 2025 (week-number rollover) and non-numbers', () => {
    const { options } = fakeClocks();
    const clock = new CartClock({ ...options, lastKnownGood: GOOD });
    expect(clock.observeGnss(GOOD - 619_315_200_000)).toBe(false); // 1024 weeks back
    expect(clock.observeGnss(Number.NaN)).toBe(false);
    expect(clock.now()).toEqual({ time: GOOD, source: 'estimated' });
    expect(() => new CartClock({ ...options, lastKnownGood: Number.NaN })).toThrow('lastKnownGood must be ms since the epoch, got NaN');
  });

  it('works on Date.now and performance.now (fake timers)', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.UTC(2023, 0, 1) });
    let synced = false;
    const clock = new CartClock({ wallNow: Date.now, monotonicNow: () => performance.now(), systemSynchronised: () => synced, lastKnownGood: GOOD });
    vi.advanceTimersByTime(5_000);
    expect(clock.now()).toEqual({ time: GOOD + 5_000, source: 'estimated' });
    clock.observeGnss(GOOD + 7_000);
    vi.advanceTimersByTime(1_000);
    expect(clock.now()).toEqual({ time: GOOD + 8_000, source: 'gnss' });
    vi.setSystemTime(GOOD + 8_010); // NTP steps the clock
    synced = true;
    expect(clock.now()).toEqual({ time: GOOD + 8_010, source: 'system' });
  });
});
