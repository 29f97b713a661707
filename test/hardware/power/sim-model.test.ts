// The power simulator's battery and weather model: what a forecast is scored against must behave like a battery and
// a sky, not like the forecast's own equations.
import { describe, expect, it } from 'vitest';
import type { BatterySpec, PowerReading } from '../../../hardware/power/power.js';
import { SolarBatteryModel, type SolarBatteryOptions } from '../../../hardware/power/sim-model.js';
import { clearSkyIrradiance } from '../../../hardware/power/sim-weather.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 15 March 2026, 00:00 in Asia/Ho_Chi_Minh (UTC+7). */
const midnight = Date.UTC(2026, 2, 14, 17, 0, 0);
const leadAcid: BatterySpec = { chemistry: 'lead-acid', capacityAh: 40, internalResistanceMilliohm: 20 };
const lifepo4: BatterySpec = { chemistry: 'lifepo4', capacityAh: 40, internalResistanceMilliohm: 20 };

/** A scripted afternoon and evening of play: the same calls on every model it is given. */
function script(m: SolarBatteryModel, from: number): PowerReading[] {
  const readings: PowerReading[] = [];
  for (let k = 0; k < 48; k++) {
    const t = from + k * 7 * MINUTE + 13_000;
    m.advanceTo(t);
    if (k % 6 === 0) m.setLoad({ amplifierOn: k % 12 === 0, volumePercent: 40 + k });
    readings.push(m.reading());
  }
  return readings;
}

describe('SolarBatteryModel: repeatable and forkable', () => {
  it('repeats a seeded run exactly, and another seed gives another run', () => {
    const options: SolarBatteryOptions = { startMs: midnight + 12 * HOUR, seed: 5, weather: 'monsoon' };
    const a = script(new SolarBatteryModel(options), midnight + 12 * HOUR);
    const b = script(new SolarBatteryModel(options), midnight + 12 * HOUR);
    const c = script(new SolarBatteryModel({ ...options, seed: 6 }), midnight + 12 * HOUR);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('gives the same sky and content whether advanced a minute or a day at a time', () => {
    const options: SolarBatteryOptions = { startMs: midnight, seed: 9, weather: 'monsoon', initialSocPercent: 50 };
    const fine = new SolarBatteryModel(options);
    const coarse = new SolarBatteryModel(options);
    fine.setLoad({ amplifierOn: true, volumePercent: 60 });
    coarse.setLoad({ amplifierOn: true, volumePercent: 60 });
    for (let t = midnight; t <= midnight + 3 * DAY; t += MINUTE) fine.advanceTo(t);
    coarse.advanceTo(midnight + 3 * DAY);
    const [f, c] = [fine.truth, coarse.truth];
    expect(c.cloud).toBe(f.cloud);
    expect(c.dayKind).toBe(f.dayKind);
    expect(c.loadW).toBe(f.loadW);
    // Steps fall on the same minute grid either way: the same integration.
    expect(c.socPercent).toBe(f.socPercent);
  });

  it('forks with clone(): the same readings as the original after the same steps, and independent of it', () => {
    const original = new SolarBatteryModel({ startMs: midnight + 9 * HOUR, seed: 3 });
    original.setLoad({ amplifierOn: true, volumePercent: 70 });
    original.advanceTo(midnight + 11 * HOUR + 17_000);
    original.reading();
    const fork = original.clone();
    expect(script(fork, midnight + 11 * HOUR + 20_000)).toEqual(script(original, midnight + 11 * HOUR + 20_000));

    // Change the fork: the original must go on as a twin that was never forked.
    const twin = original.clone();
    const forkAgain = original.clone();
    forkAgain.setLoad({ amplifierOn: true, volumePercent: 100 });
    forkAgain.setSoc(10);
    forkAgain.advanceTo(midnight + 2 * DAY);
    forkAgain.reading();
    original.advanceTo(midnight + 1 * DAY + 20 * HOUR);
    twin.advanceTo(midnight + 1 * DAY + 20 * HOUR);
    expect(original.reading()).toEqual(twin.reading());
    expect(original.truth).toEqual(twin.truth);
    expect(forkAgain.truth.socPercent).not.toBe(original.truth.socPercent);
  });

  it('ignores a time before its own (no-op) and refuses bad options, naming them', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 10 * HOUR });
    m.advanceTo(midnight + 11 * HOUR);
    const before = m.truth;
    m.advanceTo(midnight + 10 * HOUR);
    expect(m.truth).toEqual(before);
    expect(() => new SolarBatteryModel({ startMs: midnight, agedCapacityFraction: 0 })).toThrow(/agedCapacityFraction.*0/);
    expect(() => new SolarBatteryModel({ startMs: midnight, initialSocPercent: 130 })).toThrow(/initialSocPercent.*130/);
    expect(() => new SolarBatteryModel({ startMs: midnight, weather: { cloudCover: 2 } })).toThrow(/cloudCover.*2/);
    expect(() => m.setLoad({ amplifierOn: true, volumePercent: -1 })).toThrow(/volumePercent.*-1/);
  });
});

describe('SolarBatteryModel: weather and harvest', () => {
  /** Mean energy the panel could give per day over 30 days (W·h), from the truth's irradiance. */
  function harvestWh(weather: 'dry' | 'monsoon', seed: number): number {
    const m = new SolarBatteryModel({ startMs: midnight, seed, weather });
    let wh = 0;
    for (let t = midnight; t < midnight + 30 * DAY; t += 10 * MINUTE) {
      m.advanceTo(t);
      wh += (m.truth.irradianceWm2 / 1000) * 80 * (10 / 60);
    }
    return wh / 30;
  }

  it('harvests well below the dry season in the monsoon, over 30 days', () => {
    for (const seed of [1, 2, 3, 4]) {
      const dry = harvestWh('dry', seed);
      const monsoon = harvestWh('monsoon', seed);
      expect(dry).toBeGreaterThan(300);
      expect(monsoon).toBeLessThan(dry * 0.8);
    }
  });

  it('cuts the sun to 10–25 % under rain, and gives full sun on a clear sky', () => {
    const m = new SolarBatteryModel({ startMs: midnight, seed: 2, weather: 'monsoon' });
    let rainyNoons = 0;
    for (let t = midnight + 8 * HOUR; t < midnight + 40 * DAY; t += 20 * MINUTE) {
      m.advanceTo(t);
      const truth = m.truth;
      const clear = clearSkyIrradiance(t);
      if (!truth.rain || clear < 300) continue;
      rainyNoons++;
      expect(truth.irradianceWm2 / clear).toBeGreaterThanOrEqual(0.1 - 1e-9);
      expect(truth.irradianceWm2 / clear).toBeLessThanOrEqual(0.25 + 1e-9);
    }
    expect(rainyNoons).toBeGreaterThan(20);
    const sunny = new SolarBatteryModel({ startMs: midnight + 12 * HOUR, weather: 'clear' });
    expect(sunny.truth.irradianceWm2).toBeCloseTo(clearSkyIrradiance(midnight + 12 * HOUR), 6);
    expect(sunny.truth.cloud).toBe(0);
  });
});

describe('SolarBatteryModel: the battery', () => {
  /** Amp-hours delivered at volume 70 from full until the low-voltage disconnect, with no sun to speak of. */
  function deliveredAh(battery: BatterySpec, aged: boolean): number {
    const m = new SolarBatteryModel({
      startMs: midnight,
      battery,
      panelWatts: 1e-6,
      initialSocPercent: 100,
      measurementNoise: false,
      ...(aged ? { agedCapacityFraction: 0.7, agedResistanceFactor: 2 } : {}),
    });
    m.setLoad({ amplifierOn: true, volumePercent: 70 });
    let ah = 0;
    for (let t = midnight; m.truth.loadW > 0 && t < midnight + 5 * DAY; ) {
      ah -= m.truth.batteryMa / 1000 / 60;
      t += MINUTE;
      m.advanceTo(t);
    }
    expect(m.truth.socPercent).toBe(0);
    return ah;
  }

  it('delivers about 70 % of the new battery\'s amp-hours when aged, and about the nominal when new', () => {
    for (const battery of [leadAcid, lifepo4]) {
      const fresh = deliveredAh(battery, false);
      const aged = deliveredAh(battery, true);
      expect(fresh).toBeGreaterThan(38);
      expect(fresh).toBeLessThan(41);
      expect(aged / fresh).toBeGreaterThan(0.66);
      expect(aged / fresh).toBeLessThan(0.72);
    }
  });

  it('gives less from lead-acid at a high current (Peukert), not from LiFePO4', () => {
    const at = (battery: BatterySpec, amplifierMaxW: number): number => {
      const m = new SolarBatteryModel({ startMs: midnight, battery, panelWatts: 1e-6, initialSocPercent: 50, amplifierMaxW, measurementNoise: false });
      m.setLoad({ amplifierOn: true, volumePercent: 100 });
      m.advanceTo(midnight + MINUTE);
      const amps = -m.truth.batteryMa / 1000;
      m.advanceTo(midnight + HOUR + MINUTE);
      return (50 - m.truth.socPercent) / 100 * battery.capacityAh / amps; // hours of charge used per hour at that current
    };
    // 65 W ≈ 5.5 A ≈ 2.7 × C/20 on 40 Ah: (2.7)^0.15 ≈ 1.16 times the charge per amp-hour drawn.
    expect(at(leadAcid, 60)).toBeGreaterThan(1.1);
    expect(at(leadAcid, 60)).toBeLessThan(1.25);
    expect(at(lifepo4, 60)).toBeCloseTo(1, 1);
  });

  it('stores less than the charge that goes in: lead-acid about 85 %, LiFePO4 about 97 %', () => {
    for (const [battery, efficiency] of [[leadAcid, 0.85], [lifepo4, 0.97]] as const) {
      const m = new SolarBatteryModel({ startMs: midnight + 7 * HOUR, battery, weather: 'clear', initialSocPercent: 20, measurementNoise: false });
      let inAh = 0;
      for (let t = midnight + 7 * HOUR; t < midnight + 13 * HOUR; ) {
        const before = m.truth.batteryMa;
        t += MINUTE;
        m.advanceTo(t);
        inAh += (before + m.truth.batteryMa) / 2 / 1000 / 60;
      }
      const storedAh = ((m.truth.socPercent - 20) / 100) * battery.capacityAh;
      expect(m.truth.socPercent).toBeLessThan(90); // never in the absorption taper
      expect(storedAh).toBeGreaterThan(10);
      expect(storedAh / inAh).toBeGreaterThan(efficiency - 0.02);
      expect(storedAh / inAh).toBeLessThan(Math.min(1, efficiency + 0.02));
    }
  });

  it('relaxes toward the rest voltage after the load stops, with the chemistry\'s time constant', () => {
    for (const [battery, tauMinutes] of [[leadAcid, 40], [lifepo4, 10]] as const) {
      const m = new SolarBatteryModel({ startMs: midnight + 19 * HOUR, battery, initialSocPercent: 60, measurementNoise: false });
      m.setLoad({ amplifierOn: true, volumePercent: 100 });
      m.advanceTo(midnight + 22 * HOUR);
      m.setLoad({ amplifierOn: false, volumePercent: 100 });
      const gap = (minutes: number): number => {
        m.advanceTo(midnight + 22 * HOUR + minutes * MINUTE);
        const t = m.truth;
        return t.restMv - t.terminalMv;
      };
      const justAfter = gap(0);
      // The board sees it: the load is gone, yet the voltage it measures is still well below the rest voltage.
      const measured = m.reading();
      expect(m.truth.restMv - measured.batteryMv).toBeGreaterThan(battery.chemistry === 'lead-acid' ? 50 : 12);
      const atTau = gap(tauMinutes);
      const settled = gap(8 * tauMinutes); // what the 2 W base load alone keeps
      expect(settled).toBeLessThan(10);
      expect(justAfter - settled).toBeGreaterThan(battery.chemistry === 'lead-acid' ? 50 : 12);
      // One time constant: e⁻¹ ≈ 0.37 of the polarisation left.
      expect((atTau - settled) / (justAfter - settled)).toBeGreaterThan(0.3);
      expect((atTau - settled) / (justAfter - settled)).toBeLessThan(0.44);
    }
  });

  it('drops every load at 0 % (low-voltage disconnect) and gives it back once the sun has put some charge in', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 20 * HOUR, initialSocPercent: 1, weather: 'clear' });
    m.setLoad({ amplifierOn: true, volumePercent: 100 });
    m.advanceTo(midnight + 23 * HOUR);
    expect(m.truth.socPercent).toBe(0);
    expect(m.truth.loadW).toBe(0);
    m.advanceTo(midnight + DAY + 7 * HOUR);
    expect(m.truth.loadW).toBe(0);
    m.advanceTo(midnight + DAY + 13 * HOUR);
    expect(m.truth.socPercent).toBeGreaterThan(2);
    expect(m.truth.loadW).toBeGreaterThan(20);
  });

  it('varies the amplifier\'s draw with the content by up to ±15 %, every few minutes', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 20 * HOUR, seed: 4 });
    m.setLoad({ amplifierOn: true, volumePercent: 100 });
    const loads = new Set<number>();
    for (let k = 0; k < 60; k++) {
      m.advanceTo(midnight + 20 * HOUR + k * MINUTE);
      const w = m.truth.loadW;
      expect(w).toBeGreaterThanOrEqual(2 + 3 + 22 * 0.85);
      expect(w).toBeLessThanOrEqual(2 + 3 + 22 * 1.15);
      loads.add(w);
    }
    expect(loads.size).toBeGreaterThan(8); // a level every 2–6 minutes: 10–30 levels an hour
    expect(loads.size).toBeLessThan(31);
  });
});

describe('SolarBatteryModel: what the power board measures', () => {
  it('reads quantised, noisy voltages and currents with a gain error, while the truth is neither', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 12 * HOUR, seed: 8, weather: 'clear', initialSocPercent: 50 });
    const readings: PowerReading[] = [];
    const truths: number[] = [];
    let trueMa = 0;
    for (let k = 0; k < 200; k++) {
      m.advanceTo(midnight + 12 * HOUR + k * 1000);
      readings.push(m.reading());
      truths.push(m.truth.terminalMv);
      trueMa += m.truth.batteryMa / 200;
    }
    const step = (5000 / 1023) * 4;
    for (const r of readings) {
      // Every voltage is a whole ADC step of about 19.5 mV (to the mV it is rounded to).
      expect(Math.abs(r.batteryMv / step - Math.round(r.batteryMv / step)) * step).toBeLessThanOrEqual(0.5);
      expect(r.solarMa).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(readings.map((r) => r.batteryMv)).size).toBeGreaterThan(1);
    expect(new Set(readings.map((r) => r.batteryMv)).size).toBeLessThan(5);
    // The truth moves smoothly: not on the ADC's steps.
    expect(truths.some((t) => Math.abs(t / step - Math.round(t / step)) * step > 2)).toBe(true);
    const ma = readings.map((r) => r.batteryMa);
    const spread = Math.max(...ma) - Math.min(...ma);
    expect(spread).toBeGreaterThan(40);
    expect(spread).toBeLessThan(80 + 0.04 * Math.abs(trueMa) + 20);
    const meanMa = ma.reduce((a, b) => a + b, 0) / ma.length;
    expect(Math.abs(meanMa - trueMa)).toBeLessThan(0.02 * Math.abs(trueMa) + 15);
  });

  it('never reads a negative solar current, even at night where only noise is left', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 1 * HOUR, seed: 11 });
    for (let k = 0; k < 300; k++) {
      m.advanceTo(midnight + 1 * HOUR + k * 10_000);
      const r = m.reading();
      expect(r.solarMa).toBeGreaterThanOrEqual(0);
      expect(r.solarMa).toBeLessThan(41);
      expect(r.solarMv).toBe(0);
    }
  });

  it('without measurement noise, reads the truth rounded to the mV and mA', () => {
    const m = new SolarBatteryModel({ startMs: midnight + 10 * HOUR, seed: 8, measurementNoise: false });
    m.advanceTo(midnight + 10 * HOUR + 5 * MINUTE);
    const r = m.reading();
    const t = m.truth;
    expect(r.batteryMv).toBe(Math.round(t.terminalMv));
    expect(r.batteryMa).toBe(Math.round(t.batteryMa));
    expect(r.at).toBe(t.at);
    expect(r.chemistry).toBe('lead-acid');
  });
});

describe('SolarBatteryModel: speed', () => {
  it('integrates a simulated day in well under 5 ms (the bench runs thousands of days and forks)', () => {
    const m = new SolarBatteryModel({ startMs: midnight, weather: 'monsoon' });
    m.setLoad({ amplifierOn: true, volumePercent: 70 });
    m.advanceTo(midnight + 10 * DAY); // let the engine compile the step loop first
    // The best of five runs of 20 days: what the code costs, not what other processes on the machine took.
    let perDay = Infinity;
    for (let run = 0; run < 5; run++) {
      const from = midnight + (10 + run * 20) * DAY;
      const started = performance.now();
      m.advanceTo(from + 20 * DAY);
      perDay = Math.min(perDay, (performance.now() - started) / 20);
    }
    console.log(`SolarBatteryModel: ${perDay.toFixed(3)} ms per simulated day`);
    expect(perDay).toBeLessThan(5);
  });
});
