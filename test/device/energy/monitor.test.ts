import { describe, expect, it } from 'vitest';
import { EnergyMonitor, reserveReason, RESUME_ABOVE_FLOOR, type EnergyOptions } from '../../../device/energy/monitor.js';
import { feed, fullCharge, HOUR, leadAcid, lifepo4, MIN, reading, T0, terminalMv } from './feed.js';
import type { BatterySpec } from '../../../hardware/power/power.js';

const options = (battery: BatterySpec, cutoffPercent = 30): EnergyOptions => ({ battery, cutoffPercent, reserve: { minutes: 15, volumePercent: 70 } });

/** A monitor that starts from a full anchor (the estimate then knows where it is: ±1 point). */
function fromFull(battery: BatterySpec): { m: EnergyMonitor; t: number } {
  const m = new EnergyMonitor(options(battery));
  return { m, t: fullCharge(m, battery, T0) };
}

describe('EnergyMonitor: state of charge', () => {
  it('knows nothing before the first reading', () => {
    const m = new EnergyMonitor(options(leadAcid));
    expect(m.socPercent).toBeNull();
    const s = m.snapshot(T0, [70]);
    expect(s.forecasts).toEqual([{ volumePercent: 70, minutesLeft: null, minutesLeftNoSun: null }]);
    expect(s.health).toBeNull();
  });

  it('counts the coulombs: 4 A out for an hour is 10 points of 40 Ah; 4 A in stores 85 % of it (lead-acid)', () => {
    const { m, t } = fromFull(leadAcid);
    expect(m.socPercent).toBe(100);
    const t1 = feed(m, leadAcid, t, t + HOUR + 5_000, () => ({ mv: terminalMv(leadAcid, 95, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
    expect(m.socPercent).toBeCloseTo(90, 1);
    feed(m, leadAcid, t1, t1 + HOUR, () => ({ mv: terminalMv(leadAcid, 92, 4000), ma: 4000, solarMa: 4200 }));
    expect(m.socPercent).toBeCloseTo(90 + 8.5, 0);
  });

  it('does not integrate a 2-day gap (the cart was off), and re-anchors on the next rest at full weight', () => {
    const { m, t } = fromFull(leadAcid);
    const t1 = feed(m, leadAcid, t, t + 10 * MIN, () => ({ mv: terminalMv(leadAcid, 99, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
    const before = m.socPercent!;
    const later = t1 + 2 * 24 * HOUR;
    m.observe(reading(leadAcid, later, terminalMv(leadAcid, 99, -4000), -4000), { amplifierOn: true, volumePercent: 100 });
    expect(m.socPercent).toBeCloseTo(before, 1); // 48 h × 4 A would have emptied it many times over
    // Then at rest the voltage says 60 %: the estimate takes it almost entirely (its counting broke at the gap).
    feed(m, leadAcid, later + 5_000, later + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 60, -150), ma: -150 }));
    expect(m.socPercent).toBeGreaterThan(58);
    expect(m.socPercent).toBeLessThan(62);
  });

  it('moves toward the rest voltage by its weight: most of the way for lead-acid, almost none in the flat LiFePO4 middle', () => {
    const moved = (battery: BatterySpec): number => {
      const { m, t } = fromFull(battery);
      // Counting says 50 % after 20 Ah out; the rest voltage then says 60 %.
      const t1 = feed(m, battery, t, t + 5 * HOUR, () => ({ mv: terminalMv(battery, 70, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
      const counted = m.socPercent!;
      expect(counted).toBeCloseTo(50, 0);
      feed(m, battery, t1, t1 + 2.5 * HOUR, () => ({ mv: terminalMv(battery, 60, 0), ma: 0 }));
      return (m.socPercent! - counted) / (60 - counted);
    };
    expect(moved(leadAcid)).toBeGreaterThan(0.5);
    expect(moved(lifepo4)).toBeLessThan(0.15);
    expect(moved(lifepo4)).toBeGreaterThan(0);
  });

  it('does not take the voltage as a rest voltage before the chemistry has rested (lead-acid: 2 h)', () => {
    const { m, t } = fromFull(leadAcid);
    const t1 = feed(m, leadAcid, t, t + 5 * HOUR, () => ({ mv: terminalMv(leadAcid, 70, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
    const counted = m.socPercent!;
    feed(m, leadAcid, t1, t1 + 100 * MIN, () => ({ mv: terminalMv(leadAcid, 60, 0), ma: 0 }));
    expect(m.socPercent).toBeCloseTo(counted, 1);
  });

  it('under load, a LiFePO4 voltage at the knee pulls an over-counting estimate down (never a loaded voltage up)', () => {
    const { m, t } = fromFull(lifepo4);
    // The count says ≈ 90 %, but the loaded voltage (I·R corrected) is that of 12 %: an aged battery near empty.
    const t1 = feed(m, lifepo4, t, t + HOUR, () => ({ mv: terminalMv(lifepo4, 12, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
    expect(m.socPercent!).toBeLessThan(16);
    // A loaded voltage above the count (charging polarisation, a wrong R) does not lift it.
    const before = m.socPercent!;
    feed(m, lifepo4, t1, t1 + 10 * MIN, () => ({ mv: terminalMv(lifepo4, 60, -300), ma: -300, amplifierOn: true, volumePercent: 10 }));
    expect(m.socPercent!).toBeLessThanOrEqual(before);
  });

  it('anchors at 100 % when the charge current tapers at the top of the table', () => {
    const m = new EnergyMonitor(options(leadAcid));
    // First a rest voltage of 80 %: the estimate starts there.
    const t1 = feed(m, leadAcid, T0, T0 + MIN, () => ({ mv: terminalMv(leadAcid, 80, 0), ma: 0 }));
    expect(m.socPercent).toBeCloseTo(80, 0);
    // Tapered (400 mA < 3 % of C) but for only 5 minutes: not yet.
    const t2 = feed(m, leadAcid, t1, t1 + 5 * MIN, () => ({ mv: terminalMv(leadAcid, 100, 400), ma: 400, solarMa: 700 }));
    expect(m.socPercent!).toBeLessThan(90);
    feed(m, leadAcid, t2, t2 + 6 * MIN, () => ({ mv: terminalMv(leadAcid, 100, 400), ma: 400, solarMa: 700 }));
    expect(m.socPercent).toBe(100);
  });

  it('does not take a weak evening sun (small current, voltage in the middle) for full', () => {
    const m = new EnergyMonitor(options(leadAcid));
    feed(m, leadAcid, T0, T0 + HOUR, () => ({ mv: terminalMv(leadAcid, 60, 400), ma: 400, solarMa: 600 }));
    expect(m.socPercent!).toBeLessThan(70);
  });
});

describe('EnergyMonitor: battery health', () => {
  it('learns an aged battery (28 Ah of a nominal 40) from full and rest anchors 50 points apart', () => {
    const m = new EnergyMonitor(options(leadAcid));
    let t = fullCharge(m, leadAcid, T0);
    expect(m.snapshot(t, []).health).toBeNull();
    for (let cycle = 0; cycle < 4; cycle++) {
      // 14 Ah out (50 true points of 28 Ah), then a night's rest that reads 50 %.
      t = feed(m, leadAcid, t, t + 3.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 75, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
      t = feed(m, leadAcid, t, t + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 50, 0), ma: 0 }));
      // 14 Ah stored (16.5 Ah in at 85 %), then the taper at the top.
      t = feed(m, leadAcid, t, t + (14 / 0.85 / 5) * HOUR, () => ({ mv: terminalMv(leadAcid, 75, 5000), ma: 5000, solarMa: 5200 }));
      t = fullCharge(m, leadAcid, t);
    }
    const health = m.snapshot(t, []).health!;
    expect(health.samples).toBeGreaterThanOrEqual(6);
    expect(health.capacityAh).toBeGreaterThan(27);
    expect(health.capacityAh).toBeLessThan(31);
    expect(health.percent).toBeLessThan(78);
  });

  it('lead-acid: "full" ends no capacity equation (its polarisation says full early), the rest after it does', () => {
    const m = new EnergyMonitor(options(leadAcid));
    let t = feed(m, leadAcid, T0, T0 + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 50, 0), ma: 0 })); // rest: 50 %
    // 20 Ah stored (23.5 Ah in at 85 %): a 40 Ah battery from 50 % to full.
    t = feed(m, leadAcid, t, t + (20 / 0.85 / 5) * HOUR, () => ({ mv: terminalMv(leadAcid, 75, 5000), ma: 5000, solarMa: 5200 }));
    // (600 mA: tapered under 3 % of C, but not the quiet current of a rest.)
    t = feed(m, leadAcid, t, t + 15 * MIN, () => ({ mv: terminalMv(leadAcid, 100, 600), ma: 600, solarMa: 900 }));
    expect(m.socPercent).toBe(100);
    expect(m.snapshot(t, []).health).toBeNull();
    // The evening's rest at the top of the table: 50 points from the morning's rest, one equation.
    t = feed(m, leadAcid, t, t + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 100, 0), ma: 0 }));
    const health = m.snapshot(t, []).health!;
    expect(health.samples).toBe(1);
    expect(health.capacityAh).toBeGreaterThan(37);
    expect(health.capacityAh).toBeLessThan(43);
  });

  it('reports no health from anchor pairs that moved the charge by only a few points (not a wrong number)', () => {
    const { m, t } = fromFull(leadAcid);
    let at = t;
    for (let i = 0; i < 3; i++) {
      // 2.4 Ah out then a rest that reads 6 points lower: a 40 Ah battery, but too small a step to say so.
      at = feed(m, leadAcid, at, at + 0.6 * HOUR, () => ({ mv: terminalMv(leadAcid, 97, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
      at = feed(m, leadAcid, at, at + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 94 - 6 * i, 0), ma: 0 }));
    }
    expect(m.snapshot(at, []).health).toBeNull();
  });

  it('a healthy battery stays at its nominal capacity, and a rest with nothing flowing is no sample', () => {
    const { m, t } = fromFull(leadAcid);
    // A night's rest right after the full anchor: two anchors, nothing between them.
    const t1 = feed(m, leadAcid, t, t + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 100, 0), ma: 0 }));
    expect(m.snapshot(t1, []).health).toBeNull();
    // 16 Ah out, and the rest voltage then says 60 %: what a 40 Ah battery does.
    const t2 = feed(m, leadAcid, t1, t1 + 4 * HOUR, () => ({ mv: terminalMv(leadAcid, 80, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 }));
    const t3 = feed(m, leadAcid, t2, t2 + 2.5 * HOUR, () => ({ mv: terminalMv(leadAcid, 60, 0), ma: 0 }));
    const health = m.snapshot(t3, []).health!;
    expect(health.samples).toBe(1);
    expect(health.percent).toBeGreaterThanOrEqual(97);
    expect(health.percent).toBeLessThanOrEqual(103);
  });
});

describe('EnergyMonitor: reserve', () => {
  it('stops ordinary and priority clips at the reserve floor, resumes a few points above it, lets emergencies down to the cut-off', () => {
    const m = new EnergyMonitor(options(leadAcid));
    let t = feed(m, leadAcid, T0, T0 + MIN, () => ({ mv: terminalMv(leadAcid, 50, 0), ma: 0 }));
    // The floor follows the learned draw at the reserve volume (here the amplifier measures more than the prior).
    // (At the last reading: the floor moves with the hour, and `t` may already be in the next one.)
    const floor = (): number => m.snapshot(t - 5_000, []).reserveFloorPercent!;
    // The cut-off, 15 minutes at volume 70 (0.8 point), 12 h of base load (no sun learned yet: 4.8 points) and the
    // estimate's uncertainty (at most 5 points).
    expect(floor()).toBeGreaterThan(30 + 0.8 + 4.8);
    expect(floor()).toBeLessThan(30 + 0.8 + 4.8 + 5.1);
    const discharge = (): { mv: number; ma: number; amplifierOn: boolean; volumePercent: number } => ({ mv: terminalMv(leadAcid, 31, -4000), ma: -4000, amplifierOn: true, volumePercent: 100 });
    // Down to the floor: until then ordinary plays.
    while (m.socPercent! > floor() + 0.01) {
      expect(m.allows('ordinary')).toBe(true);
      t = feed(m, leadAcid, t, t + 5_000, discharge);
    }
    t = feed(m, leadAcid, t, t + 10_000, discharge);
    expect(m.allows('ordinary')).toBe(false);
    expect(m.allows('priority')).toBe(false);
    expect(m.allows('emergency')).toBe(true);
    expect(m.snapshot(t, [70]).reserveKept).toBe(false);
    expect(m.snapshot(t, [70]).forecasts[0]!.minutesLeft).toBe(0);
    // An emergency uses the reserve down to the cut-off.
    while (m.socPercent! > 30) t = feed(m, leadAcid, t, t + 5_000, discharge);
    expect(m.allows('emergency')).toBe(false);
    // Back above the floor, but not by the resume margin: still only emergencies.
    const charge = (): { mv: number; ma: number; solarMa: number } => ({ mv: terminalMv(leadAcid, 33, 4000), ma: 4000, solarMa: 4200 });
    while (m.socPercent! < floor() + RESUME_ABOVE_FLOOR - 0.5) t = feed(m, leadAcid, t, t + 5_000, charge);
    expect(m.allows('ordinary')).toBe(false);
    while (m.socPercent! < floor() + RESUME_ABOVE_FLOOR + 0.1) t = feed(m, leadAcid, t, t + 5_000, charge);
    expect(m.allows('ordinary')).toBe(true);
  });

  /** Five days of sun (3 A from 08:00 to 16:00 local) with the board's 200 mA and the amplifier off; at 60 %. */
  function sunnyDays(battery: BatterySpec, days: number): { m: EnergyMonitor; t: number } {
    const m = new EnergyMonitor(options(battery));
    const step = (at: number): { mv: number; ma: number; solarMa: number } => {
      const hour = Math.floor(((at - T0) % (24 * HOUR)) / HOUR);
      const solarMa = hour >= 8 && hour < 16 ? 3000 : 0;
      return { mv: terminalMv(battery, 60, solarMa - 200), ma: solarMa - 200, solarMa };
    };
    return { m, t: feed(m, battery, T0, T0 + days * 24 * HOUR, step, 60_000) };
  }

  it('keeps the night in the floor while the last sun of the day still carries the board (before: not until dusk)', () => {
    const { m, t } = sunnyDays(leadAcid, 5);
    const at = t + 15.5 * HOUR; // 15:30 local: the sun still carries the 200 mA, but not for long
    const s = m.snapshot(at, []);
    expect(s.harvestDays).toBe(5);
    // From 16:00 to 08:00, 16 h × 0.2 A = 3.2 Ah, less what the last half hour of sun stores (1.4 × 0.85 Ah).
    const nightAh = 3.2 - 1.4 * 0.85;
    const pointsOnLow = s.reserveFloorPercent! - 30;
    // (Before, the floor at 15:30 was the cut-off, the estimate's margin, at most 5, and the reserve's 0.8 only.)
    expect(pointsOnLow).toBeGreaterThan(5 + 0.8 + 1);
    expect(pointsOnLow).toBeGreaterThan((nightAh / 40) * 100 + 1);
    // And the same night is more points of a capacity not yet learned (judged on its lower bound).
    expect(pointsOnLow).toBeGreaterThan((nightAh / 32) * 100);
  });

  it('counts the night before the emergency minutes: at the floor they are the reserve, below it fewer', () => {
    const { m, t } = sunnyDays(leadAcid, 5);
    const at = t + 20 * HOUR; // 20:00 local, 12 h of the board's load before the sun
    m.told(50, at); // (a told charge is ±2 points: the floor keeps 4 for it)
    const floor = m.snapshot(at, []).reserveFloorPercent!;
    m.told(floor, at);
    const atFloor = m.snapshot(at, []);
    expect(atFloor.reserveKept).toBe(false);
    expect(atFloor.reserveMinutes).toBeGreaterThanOrEqual(14);
    expect(atFloor.reserveMinutes).toBeLessThanOrEqual(16);
    // Two points lower (the night went worse than counted): the board has eaten into the emergency's share.
    m.told(floor - 2, at);
    expect(m.snapshot(at, []).reserveMinutes).toBeLessThan(10);
  });

  it('says why in Vietnamese first, with the minutes of the reserve', () => {
    const m = new EnergyMonitor(options(leadAcid));
    feed(m, leadAcid, T0, T0 + MIN, () => ({ mv: terminalMv(leadAcid, 31, 0), ma: 0 }));
    const reason = reserveReason(m.snapshot(T0 + MIN, [70]));
    expect(reason.code).toBe('energy-reserve');
    expect(reason.vi).toMatch(/^Pin chỉ còn phần dự phòng cho bản tin khẩn cấp \(khoảng \d+ phút\): hãy để xe sạc dưới nắng$/);
    expect(reason.en).toMatch(/emergency reserve/);
  });
});

describe('EnergyMonitor: memory', () => {
  it('round-trips through JSON: the restored monitor answers and learns exactly as the original', () => {
    const { m, t } = fromFull(leadAcid);
    const t1 = feed(m, leadAcid, t, t + 3 * HOUR, (at) => ({ mv: terminalMv(leadAcid, 90, -3000), ma: -3000, solarMa: at % 60_000 === 0 ? 500 : 400, amplifierOn: true, volumePercent: 70 }));
    const { monitor: copy, dropped } = EnergyMonitor.restore(options(leadAcid), JSON.parse(JSON.stringify(m.memory())));
    expect(dropped).toBeNull();
    expect(copy.snapshot(t1, [40, 70, 100])).toEqual(m.snapshot(t1, [40, 70, 100]));
    const step = (): { mv: number; ma: number; amplifierOn: boolean; volumePercent: number } => ({ mv: terminalMv(leadAcid, 80, -2000), ma: -2000, amplifierOn: true, volumePercent: 40 });
    feed(m, leadAcid, t1, t1 + HOUR, step);
    feed(copy, leadAcid, t1, t1 + HOUR, step);
    expect(copy.memory()).toEqual(m.memory());
  });

  it('drops a memory learned on another battery, with a reason to log', () => {
    const { m } = fromFull(leadAcid);
    const memory = m.memory();
    const chemistry = EnergyMonitor.restore(options(lifepo4, 15), memory);
    expect(chemistry.dropped).toMatch(/battery changed.*lead-acid 40 Ah.*lifepo4 40 Ah/);
    expect(chemistry.monitor.socPercent).toBeNull();
    const capacity = EnergyMonitor.restore(options({ ...leadAcid, capacityAh: 100 }), memory);
    expect(capacity.dropped).toMatch(/100 Ah/);
    expect(EnergyMonitor.restore(options(leadAcid), { version: 99 }).dropped).toMatch(/version 99/);
    expect(EnergyMonitor.restore(options(leadAcid), null).dropped).toBeNull();
  });
});
