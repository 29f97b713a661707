import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../hardware/board/config-error.js';
import { defaultPolicyConfig, validatePolicyConfig } from '../../../device/logic/policy-config.js';

function problems(value: unknown): string[] {
  try {
    validatePolicyConfig(value);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('validatePolicyConfig', () => {
  it('fills everything left out with the defaults', () => {
    expect(validatePolicyConfig(undefined)).toEqual(defaultPolicyConfig());
    expect(validatePolicyConfig({})).toEqual(defaultPolicyConfig());
    expect(defaultPolicyConfig()).toEqual({
      allowedHours: [
        { from: '06:30', to: '11:00' },
        { from: '13:30', to: '21:30' },
      ],
      maxSessionMinutes: 45,
      maxDailyMinutes: 240,
      quietZones: [],
      reserve: { minutes: 15, volumePercent: 70 },
      lowBattery: { chemistry: 'lead-acid', blockBelowPercent: 30, resumeAbovePercent: 40 },
    });
  });

  it('keeps what is given and valid', () => {
    const zones = [
      { name: 'Trường', lat: 19.9, lon: 105.5, radiusM: 150, action: 'block' },
      { name: 'Chợ', polygon: [[19.9, 105.5], [19.91, 105.5], [19.91, 105.51]], action: { capVolume: 30 } },
    ];
    const c = validatePolicyConfig({ allowedHours: [{ from: '07:00', to: '24:00' }], maxSessionMinutes: 30, quietZones: zones, lowBattery: { chemistry: 'lifepo4', resumeAbovePercent: 30 } });
    expect(c.allowedHours).toEqual([{ from: '07:00', to: '24:00' }]);
    expect(c.maxSessionMinutes).toBe(30);
    expect(c.quietZones).toEqual(zones);
    expect(c.lowBattery).toEqual({ chemistry: 'lifepo4', blockBelowPercent: 15, resumeAbovePercent: 30 });
  });

  it('names every bad key by its path and repeats its value', () => {
    expect(
      problems({
        allowedHours: [{ from: '6:30', to: '11:00' }, { from: '22:00', to: '02:00' }],
        maxSessionMinutes: 0,
        maxDailyMinutes: '240',
        quietZones: [
          { name: 'Trường', lat: 91, lon: 105, radiusM: -5, action: 'mute' },
          { name: '', polygon: [[19.9, 105.5], [19.91, 'x'], [19.91, 105.51]], action: { capVolume: 130 } },
        ],
        lowBattery: { chemistry: 'nimh', blockBelowPercent: 50 },
      }),
    ).toEqual([
      'policy.allowedHours[0].from: "6:30" must be a time HH:MM from 00:00 to 23:59',
      'policy.maxSessionMinutes: 0 must be a number above 0 up to 1440',
      'policy.maxDailyMinutes: "240" must be a number above 0 up to 1440',
      'policy.quietZones[0].lat: 91 must be a number from -90 to 90',
      'policy.quietZones[0].radiusM: -5 must be a number above 0 up to 100000',
      'policy.quietZones[0].action: "mute" must be "block" or { "capVolume": 0..100 }',
      'policy.quietZones[1].name: "" must be a name people recognise',
      'policy.quietZones[1].polygon[1][1]: "x" must be a number from -180 to 180',
      'policy.quietZones[1].action.capVolume: 130 must be a number from 0 to 100',
      'policy.lowBattery.chemistry: "nimh" must be one of lead-acid, lifepo4',
      'policy.allowedHours[1].to: "02:00" must be after "from" ("22:00"); a window across midnight is written as two',
      'policy.lowBattery.resumeAbovePercent: 40 must be at least blockBelowPercent (50)',
    ]);
  });

  it('suggests the setting meant by a misspelt key, and refuses what is not an object', () => {
    expect(problems({ maxSesionMinutes: 30 })).toEqual([
      'policy.maxSesionMinutes: is not a known setting; did you mean "maxSessionMinutes"? (known: allowedHours, maxSessionMinutes, maxDailyMinutes, quietZones, lowBattery, reserve)',
    ]);
    expect(problems({ allowedHours: [] })).toEqual(['policy.allowedHours: an empty list must be a list of at least one { "from": "HH:MM", "to": "HH:MM" }']);
    expect(problems({ quietZones: [{ name: 'A', polygon: [[1, 2]], action: 'block' }] })[0]).toBe(
      'policy.quietZones[0].polygon: a list of 1 must be a list of at least three [lat, lon] corners',
    );
    expect(() => validatePolicyConfig(42)).toThrow('Invalid configuration: policy: 42 must be an object');
    expect(() => validatePolicyConfig({ maxDailyMinutes: -1 })).toThrow(expect.objectContaining({ name: 'ConfigError', code: 'LOA_CONFIG' }));
  });
});
