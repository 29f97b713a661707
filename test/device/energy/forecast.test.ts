import { describe, expect, it } from 'vitest';
import { minutesUntilFloor, needAt, nightNeed, type ForecastInput } from '../../../device/energy/forecast.js';
import { HarvestProfile } from '../../../device/energy/harvest.js';
import { LoadModel } from '../../../device/energy/load.js';
import { EnergyMonitor } from '../../../device/energy/monitor.js';
import { feed, HOUR, leadAcid, MIN, T0, terminalMv } from './feed.js';

const hourly = (ah: number, hours = 48): Float64Array => new Float64Array(hours).fill(ah);

describe('forecast arithmetic', () => {
  const base: ForecastInput = { chargeAh: 20, capacityAh: 40, floorAh: 10, drawMa: 2000, rates: null, msIntoSlot: 0, efficiency: 0.85 };

  it('without sun: 10 Ah above the floor at 2 A is 300 minutes', () => {
    expect(minutesUntilFloor(base)).toBeCloseTo(300, 6);
  });

  it('a steady 1 A of sun halves the net draw: 600 minutes', () => {
    expect(minutesUntilFloor({ ...base, rates: hourly(1) })).toBeCloseTo(600, 6);
  });

  it('an hour of 3 A sun first stores 85 % of the 1 A surplus, then 10.85 Ah at 2 A: 385.5 minutes', () => {
    const rates = hourly(0);
    rates[0] = 3;
    expect(minutesUntilFloor({ ...base, rates })).toBeCloseTo(60 + (10.85 / 2) * 60, 6);
  });

  it('the sun of the current hour only for what is left of it', () => {
    const rates = hourly(0);
    rates[0] = 3;
    // 30 minutes into the hour: half the surplus.
    expect(minutesUntilFloor({ ...base, rates, msIntoSlot: 30 * MIN })).toBeCloseTo(30 + (10.425 / 2) * 60, 6);
  });

  it('the first hour starts from the panel current of now and fades into the profile (45 min)', () => {
    // 2 A of sun now, none in the profile, 2 A of draw: ≈ 1.5 Ah of sun in all, so 5 h 45 min instead of 5 h.
    expect(minutesUntilFloor({ ...base, rates: hourly(0), harvestNowA: 2 })).toBeGreaterThan(340);
    expect(minutesUntilFloor({ ...base, rates: hourly(0), harvestNowA: 2 })).toBeLessThan(350);
    // Without a learned profile, no sun at all (the current of now alone is not a forecast).
    expect(minutesUntilFloor({ ...base, rates: null, harvestNowA: 2 })).toBeCloseTo(300, 6);
  });

  it('never stores past the capacity, caps at 1440 and says 0 at or below the floor', () => {
    const rates = hourly(0);
    rates[0] = 100; // an hour that would overfill the battery many times
    expect(minutesUntilFloor({ ...base, rates })).toBeCloseTo(60 + (30 / 2) * 60, 6);
    expect(minutesUntilFloor({ ...base, drawMa: 100 })).toBe(1440);
    expect(minutesUntilFloor({ ...base, chargeAh: 10 })).toBe(0);
  });
});

describe('the floor keeps what the base load takes before the sun gives it back', () => {
  const base: ForecastInput = { chargeAh: 20, capacityAh: 40, floorAh: 10, drawMa: 2000, rates: null, msIntoSlot: 0, efficiency: 0.85 };

  it('is the deepest deficit ahead: a night of 0.2 A until 10:00, then a sun that pays it back', () => {
    const low = hourly(0);
    low.fill(3, 10, 20); // sun from slot 10 to 19, none after
    const need = nightNeed(low, 0.2, 0.85);
    expect(need.atSlot[0]).toBeCloseTo(2, 9); // 10 h × 0.2 A before the first sunny slot
    expect(need.atSlot[10]).toBe(0); // the sun carries the load and more
    // From slot 20 on: no sun in the 28 hours left of the 48 known, all of them paid from the battery.
    expect(need.atSlot[20]).toBeCloseTo(28 * 0.2, 9);
    expect(needAt(need, 9.5)).toBeCloseTo(0.1, 9);
  });

  it('a weak sun that does not carry the base load still pays part of it; a sunny hour pays back at the efficiency', () => {
    const low = hourly(0, 4);
    low[1] = 0.1; // half of the 0.2 A base
    low[2] = 0.2 + 1 / 0.85; // stores 1 Ah more than the base takes
    const need = nightNeed(low, 0.2, 0.85);
    // Slot 3 (no sun, the last known) needs 0.2; slot 2 pays 1 Ah back: 0; slots 1 and 0 take 0.1 + 0.2.
    expect(Array.from(need.atSlot).map((x) => Math.round(x * 1000) / 1000)).toEqual([0.3, 0.1, 0, 0.2, 0]);
  });

  it('the floor falls as the sun nears: 20 Ah at 2 A against 12 Ah falling by 0.2 Ah/h meet after 4 h 27 min', () => {
    const low = hourly(0);
    const night = { need: nightNeed(low.fill(3, 10, 48), 0.2, 0.85), baseA: 0.2, unknownHours: 12, scale: 1 };
    // Without the sun's harvest in the count (rates null), only the floor's night share is tested.
    expect(minutesUntilFloor({ ...base, nightAh: night })).toBeCloseTo((8 / 1.8) * 60, 6);
    // No sun learned: 12 hours of base load on top of the floor, all the time.
    expect(minutesUntilFloor({ ...base, nightAh: { ...night, need: null } })).toBeCloseTo(((20 - 12.4) / 2) * 60, 6);
    // The night's Ah weigh `scale` times more when the capacity may be smaller than estimated.
    expect(minutesUntilFloor({ ...base, nightAh: { ...night, need: null, scale: 1.5 } })).toBeCloseTo(((20 - 13.6) / 2) * 60, 6);
  });
});

describe('harvest profile', () => {
  const dayMs = 24 * HOUR;
  /** One day of readings every 5 min: `ma` of sun from 10:00 to 11:00 local, none otherwise. */
  function day(p: HarvestProfile, start: number, ma: number, tapered: boolean): void {
    for (let at = start; at < start + dayMs; at += 5 * MIN) {
      const hour = Math.floor((at - start) / HOUR);
      p.observe(at, hour === 10 ? ma : 0, 5 * MIN, hour === 10 && tapered);
    }
  }

  it('assumes no sun before a day is learned, then learns Ah per local hour', () => {
    const p = new HarvestProfile();
    expect(p.days).toBe(0);
    expect(p.expected(10)).toBe(0);
    day(p, T0, 3000, false);
    day(p, T0 + dayMs, 3000, false);
    expect(p.expected(10)).toBeCloseTo(3, 6);
    expect(p.expected(9)).toBe(0);
  });

  it('leaves out a slot measured while the charger tapered instead of learning a low value', () => {
    const p = new HarvestProfile();
    day(p, T0, 3000, false);
    day(p, T0 + dayMs, 500, true);
    day(p, T0 + 2 * dayMs, 600, true);
    expect(p.expected(10)).toBeCloseTo(3, 6);
  });

  it('weighs recent days more (the season moves)', () => {
    const p = new HarvestProfile();
    day(p, T0, 1000, false);
    day(p, T0 + dayMs, 3000, false);
    expect(p.expected(10)).toBeGreaterThan(2);
    expect(p.expected(10)).toBeLessThan(3);
  });

  it('a dull yesterday lowers the expectation of today before today says anything (day kinds persist)', () => {
    const p = new HarvestProfile();
    for (let d = 0; d < 5; d++) day(p, T0 + d * dayMs, 3000, false);
    const out = new Float64Array(48);
    expect(p.rates(T0 + 5 * dayMs + 2 * HOUR, out)[8]).toBeCloseTo(3, 6); // 10:00 of day 6, seen at 02:00
    day(p, T0 + 5 * dayMs, 600, false); // day 6 was dull
    const dull = p.rates(T0 + 6 * dayMs + 2 * HOUR, out)[8]!; // 10:00 of day 7, seen at 02:00
    // Below the profile's own mean for 10:00 (which already holds the dull day at its weight).
    expect(dull).toBeLessThan(0.9 * p.expected(10));
  });

  it('judges the reserve on a dull day: the lower quantile of the days, and a heavy rain not yet seen counts', () => {
    const p = new HarvestProfile();
    const out = new Float64Array(48);
    for (let d = 0; d < 3; d++) day(p, T0 + d * dayMs, 3000, false);
    // Three sunny days only: an unseen rainy day (a fifth of the profile) is what the reserve is judged on.
    expect(p.lowRates(T0 + 3 * dayMs + 2 * HOUR, out)[8]).toBeCloseTo(0.6, 6);
    for (let d = 3; d < 9; d++) day(p, T0 + d * dayMs, d % 3 === 0 ? 1500 : 3000, false); // every third day half
    const low = p.lowRates(T0 + 9 * dayMs + 2 * HOUR, out)[8]!;
    expect(low).toBeLessThan(0.8 * p.expected(10));
    expect(low).toBeGreaterThan(0.4 * p.expected(10));
    expect(p.rates(T0 + 9 * dayMs + 2 * HOUR, out)[8]).toBeGreaterThan(low);
  });

  it('keeps only the last 14 days', () => {
    const p = new HarvestProfile();
    for (let d = 0; d < 20; d++) day(p, T0 + d * dayMs, 1000, false);
    expect(p.days).toBe(14);
  });

  it('through the monitor: no day learned means the forecast with sun is the one without', () => {
    const m = new EnergyMonitor({ battery: leadAcid, cutoffPercent: 30, reserve: { minutes: 15, volumePercent: 70 } });
    feed(m, leadAcid, T0 + 10 * HOUR, T0 + 10 * HOUR + 50 * MIN, () => ({ mv: terminalMv(leadAcid, 60, 2000), ma: 2000, solarMa: 2200 }));
    const s = m.snapshot(T0 + 10 * HOUR + 50 * MIN, [70]);
    expect(s.harvestDays).toBe(0);
    expect(s.forecasts[0]!.minutesLeft).toBe(s.forecasts[0]!.minutesLeftNoSun);
    expect(s.minutesToFull).toBeGreaterThan(0);
  });
});

describe('load model', () => {
  it('uses the prior until measured, then the measured draw, and scales the volumes never played', () => {
    const load = new LoadModel('lead-acid', { idleW: 3, maxW: 22 });
    const prior70 = load.drawMa(70);
    expect(prior70).toBeCloseTo(((2 + 3 + 22 * 0.49) / 12_400) * 1e6, 0);
    for (let i = 0; i < 100; i++) load.observe(0, -200, false, 0); // base 200 mA
    for (let i = 0; i < 100; i++) load.observe(500, -2500, true, 70); // 3 A at volume 70
    expect(load.drawMa(70)).toBeCloseTo(3000, 6);
    // Volume 100 never played: the prior's shape, scaled by how volume 70 compared with its prior.
    const scale = (3000 - 200) / (((3 + 22 * 0.49) / 12_400) * 1e6);
    expect(load.drawMa(100)).toBeCloseTo(200 + scale * ((25 / 12_400) * 1e6), 3);
  });
});
