import { describe, expect, it } from 'vitest';
import { applyCalibration, currentSensorChannel, dividerChannel } from '../../../hardware/power/power.js';

describe('channel calibration', () => {
  it('a 30k/10k divider reads four times the pin voltage', () => {
    const channel = dividerChannel('A0', 30_000, 10_000);
    expect(channel).toEqual({ pin: 'A0', scale: 4, offset: 0 });
    expect(applyCalibration(3100, channel)).toBe(12_400);
  });

  it('an ACS712-5A (185 mV/A around 2500 mV) reads mA, signed', () => {
    const channel = currentSensorChannel('A1', 185, 2500);
    expect(applyCalibration(2500, channel)).toBeCloseTo(0, 6);
    expect(applyCalibration(2500 + 185, channel)).toBeCloseTo(1000, 6);
    expect(applyCalibration(2500 - 370, channel)).toBeCloseTo(-2000, 6);
  });

  it('rejects impossible parts, repeating the values', () => {
    expect(() => dividerChannel('A0', 10_000, 0)).toThrow(/rBottom=0/);
    expect(() => currentSensorChannel('A1', 0, 2500)).toThrow(/mvPerAmp.*got 0/);
  });
});
