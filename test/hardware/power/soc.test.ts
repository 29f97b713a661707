import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batteryChemistries } from '../../../hardware/power/power.js';
import {
  estimateSoc,
  interpolateOcv,
  leadAcidOcvTable,
  lifepo4OcvTable,
  ocvForPercent,
  ocvTables,
  restingMv,
} from '../../../hardware/power/soc.js';

describe('state of charge tables', () => {
  it.each([
    ['lead-acid', 12_730, 100],
    ['lead-acid', 12_370, 53.1],
    ['lead-acid', 12_100, 21.9],
    ['lead-acid', 11_900, 0],
    ['lifepo4', 13_600, 100],
    ['lifepo4', 13_200, 70],
    ['lifepo4', 12_800, 17],
    ['lifepo4', 10_000, 0],
  ] as const)('%s at rest, %i mV is %d %%', (chemistry, batteryMv, percent) => {
    expect(estimateSoc({ chemistry, batteryMv })).toBe(percent);
  });

  it('interpolates between points and clamps outside the table', () => {
    expect(estimateSoc({ chemistry: 'lead-acid', batteryMv: (12_240 + 12_370) / 2 })).toBeCloseTo((37.5 + 53.1) / 2, 1);
    expect(estimateSoc({ chemistry: 'lead-acid', batteryMv: 14_400 })).toBe(100);
    expect(estimateSoc({ chemistry: 'lead-acid', batteryMv: 10_500 })).toBe(0);
    expect(estimateSoc({ chemistry: 'lifepo4', batteryMv: 9_000 })).toBe(0);
  });

  it('tables rise strictly in voltage and never fall in percent', () => {
    for (const table of [leadAcidOcvTable, lifepo4OcvTable]) {
      for (let i = 1; i < table.length; i++) {
        expect(table[i]!.mv).toBeGreaterThan(table[i - 1]!.mv);
        expect(table[i]!.percent).toBeGreaterThanOrEqual(table[i - 1]!.percent);
      }
    }
  });

  it('corrects for the load current through the internal resistance', () => {
    // 10 A discharge through 20 mΩ sags the terminal by 200 mV: 12.17 V under load is 12.37 V at rest.
    expect(restingMv(12_170, -10_000, 20)).toBe(12_370);
    expect(estimateSoc({ chemistry: 'lead-acid', batteryMv: 12_170, batteryMa: -10_000, internalResistanceMilliohm: 20 })).toBe(53.1);
    // Charging at 5 A raises the terminal by 100 mV.
    expect(estimateSoc({ chemistry: 'lead-acid', batteryMv: 12_470, batteryMa: 5_000, internalResistanceMilliohm: 20 })).toBe(53.1);
  });

  it('rejects values that are not numbers, naming the argument', () => {
    expect(() => estimateSoc({ chemistry: 'lead-acid', batteryMv: Number.NaN })).toThrow(/batteryMv.*NaN/);
    expect(() => estimateSoc({ chemistry: 'lead-acid', batteryMv: 12_000, internalResistanceMilliohm: -1 })).toThrow(/internalResistanceMilliohm.*-1/);
  });

  it('never falls as the voltage rises, and stays within 0–100 (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...batteryChemistries),
        fc.integer({ min: 8_000, max: 16_000 }),
        fc.integer({ min: 8_000, max: 16_000 }),
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.integer({ min: 0, max: 100 }),
        (chemistry, a, b, batteryMa, r) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const sLo = estimateSoc({ chemistry, batteryMv: lo, batteryMa, internalResistanceMilliohm: r });
          const sHi = estimateSoc({ chemistry, batteryMv: hi, batteryMa, internalResistanceMilliohm: r });
          return sLo <= sHi && sLo >= 0 && sHi <= 100;
        },
      ),
    );
  });

  it('never rises as the charging current rises at the same terminal voltage (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...batteryChemistries), fc.integer({ min: 10_000, max: 15_000 }), fc.integer({ min: -20_000, max: 20_000 }), fc.integer({ min: 0, max: 20_000 }), (chemistry, mv, ma, more) => {
        const a = estimateSoc({ chemistry, batteryMv: mv, batteryMa: ma, internalResistanceMilliohm: 25 });
        const b = estimateSoc({ chemistry, batteryMv: mv, batteryMa: ma + more, internalResistanceMilliohm: 25 });
        return b <= a;
      }),
    );
  });

  it('ocvForPercent inverts interpolateOcv (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...batteryChemistries), fc.double({ min: 0, max: 100, noNaN: true }), (chemistry, percent) => {
        const table = ocvTables[chemistry];
        return Math.abs(interpolateOcv(table, ocvForPercent(table, percent)) - percent) < 1e-6;
      }),
    );
  });
});
