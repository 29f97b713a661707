// The simulator's seeded weather: day kinds with persistence, monsoon storms, and a sky that depends only on the
// seed and the time.
import { describe, expect, it } from 'vitest';
import { localHoursOf, Weather, type DayKind, type WeatherOption } from '../../../hardware/power/sim-weather.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 1 June 2026, 00:00 in Asia/Ho_Chi_Minh (UTC+7). */
const midnight = Date.UTC(2026, 4, 31, 17, 0, 0);

/** The day kind of each of `days` local days, read at noon. */
function dayKinds(option: WeatherOption, seed: number, days: number): string[] {
  const w = new Weather(option, seed, midnight);
  const kinds: string[] = [];
  for (let d = 0; d < days; d++) {
    w.advanceTo(midnight + d * DAY + 12 * HOUR);
    kinds.push(w.dayKind);
  }
  return kinds;
}

function share(kinds: readonly string[], wanted: readonly DayKind[]): number {
  return kinds.filter((k) => (wanted as readonly string[]).includes(k)).length / kinds.length;
}

describe('Weather', () => {
  it('is mostly clear or hazy in the dry season, and mostly cloud and rain in the monsoon', () => {
    const dry = dayKinds('dry', 1, 1000);
    const monsoon = dayKinds('monsoon', 1, 1000);
    expect(share(dry, ['clear', 'hazy'])).toBeGreaterThan(0.75);
    expect(share(dry, ['rain'])).toBeLessThan(0.06);
    expect(share(monsoon, ['cloudy', 'rain'])).toBeGreaterThan(0.5);
    expect(share(monsoon, ['rain'])).toBeGreaterThan(0.25);
  });

  it('keeps rain going: a rainy day is more often followed by rain than any other day', () => {
    const kinds = dayKinds('monsoon', 2, 2000);
    let afterRain = 0;
    let rainAfterRain = 0;
    let afterOther = 0;
    let rainAfterOther = 0;
    for (let d = 1; d < kinds.length; d++) {
      const rain = kinds[d] === 'rain';
      if (kinds[d - 1] === 'rain') {
        afterRain++;
        if (rain) rainAfterRain++;
      } else {
        afterOther++;
        if (rain) rainAfterOther++;
      }
    }
    expect(rainAfterRain / afterRain).toBeGreaterThan(rainAfterOther / afterOther + 0.15);
  });

  it('brings monsoon storms in the afternoon on days that are not rain days', () => {
    const w = new Weather('monsoon', 3, midnight);
    const stormHours: number[] = [];
    for (let t = midnight; t < midnight + 200 * DAY; t += 10 * 60_000) {
      w.advanceTo(t);
      if (w.rain && w.dayKind !== 'rain') stormHours.push(localHoursOf(t));
    }
    expect(stormHours.length).toBeGreaterThan(50);
    for (const h of stormHours) {
      expect(h).toBeGreaterThanOrEqual(13);
      expect(h).toBeLessThan(19);
    }
  });

  it('keeps the cloud inside 0–1 and lets it wander within the day', () => {
    const w = new Weather('dry', 4, midnight);
    const clouds = new Set<number>();
    for (let t = midnight; t < midnight + 3 * DAY; t += 15 * 60_000) {
      w.advanceTo(t);
      expect(w.cloud).toBeGreaterThanOrEqual(0);
      expect(w.cloud).toBeLessThanOrEqual(1);
      clouds.add(w.cloud);
    }
    expect(clouds.size).toBeGreaterThan(100);
  });

  it('has no cloud when clear, a fixed cover when asked, and a test override over the seeded sky that goes on beneath', () => {
    const clear = new Weather('clear', 1, midnight);
    clear.advanceTo(midnight + 5 * DAY);
    expect([clear.cloud, clear.rain, clear.sunShare(), clear.dayKind]).toEqual([0, false, 1, 'clear']);
    const fixed = new Weather({ cloudCover: 0.4 }, 1, midnight);
    fixed.advanceTo(midnight + 5 * DAY);
    expect([fixed.cloud, fixed.rain, fixed.dayKind]).toEqual([0.4, false, 'fixed']);
    expect(fixed.sunShare()).toBeCloseTo(0.7, 9);

    const a = new Weather('monsoon', 6, midnight);
    const b = new Weather('monsoon', 6, midnight);
    a.override(1);
    a.advanceTo(midnight + 2 * DAY);
    b.advanceTo(midnight + 2 * DAY);
    expect([a.cloud, a.rain, a.dayKind]).toEqual([1, false, 'fixed']);
    a.override(null);
    expect([a.cloud, a.rain, a.dayKind]).toEqual([b.cloud, b.rain, b.dayKind]);
    expect(() => a.override(1.5)).toThrow(/cloud.*1\.5/);
  });

  it('depends only on the seed and the time: the same sky however it is advanced, and a clone goes on alike', () => {
    const stepwise = new Weather('monsoon', 7, midnight);
    for (let t = midnight; t < midnight + 4 * DAY; t += 37_000) stepwise.advanceTo(t);
    stepwise.advanceTo(midnight + 4 * DAY);
    const once = new Weather('monsoon', 7, midnight);
    once.advanceTo(midnight + 4 * DAY);
    expect([once.cloud, once.rain, once.dayKind]).toEqual([stepwise.cloud, stepwise.rain, stepwise.dayKind]);

    const fork = once.clone();
    once.advanceTo(midnight + 9 * DAY);
    fork.advanceTo(midnight + 9 * DAY);
    expect([fork.cloud, fork.rain, fork.dayKind, fork.sunShare()]).toEqual([once.cloud, once.rain, once.dayKind, once.sunShare()]);
    expect(dayKinds('monsoon', 7, 60)).not.toEqual(dayKinds('monsoon', 8, 60));
  });
});
