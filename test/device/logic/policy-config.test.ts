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
      'policy.allowedHours[0].from: must be a time HH:MM from 00:00 to 23:59, got "6:30"',
      'policy.allowedHours[1].to: must be after "from" ("22:00"), got "02:00"; a window across midnight is written as two',
      'policy.maxSessionMinutes: must be a number above 0 up to 1440, got 0',
      'policy.maxDailyMinutes: must be a number above 0 up to 1440, got "240"',
      'policy.quietZones[0].action: must be "block" or { "capVolume": 0..100 }, got "mute"',
      'policy.quietZones[0].lat: must be a number from -90 to 90, got 91',
      'policy.quietZones[0].radiusM: must be a number above 0 up to 100000, got -5',
      'policy.quietZones[1].name: must be a name people recognise, got ""',
      'policy.quietZones[1].action.capVolume: must be a number from 0 to 100, got 130',
      'policy.quietZones[1].polygon[1]: must be [lat, lon] in degrees (−90..90, −180..180), got [19.91,"x"]',
      'policy.lowBattery.chemistry: must be one of lead-acid, lifepo4, got "nimh"',
      'policy.lowBattery.resumeAbovePercent: must be at least blockBelowPercent (50), got 40',
    ]);
  });

  it('suggests the setting meant by a misspelt key, and refuses what is not an object', () => {
    expect(problems({ maxSesionMinutes: 30 })).toEqual([
      'policy.maxSesionMinutes: is not a setting (did you mean "maxSessionMinutes"?); known: allowedHours, maxSessionMinutes, maxDailyMinutes, quietZones, lowBattery',
    ]);
    expect(problems({ allowedHours: [] })).toEqual(['policy.allowedHours: must be a list of at least one { "from": "HH:MM", "to": "HH:MM" }, got a list']);
    expect(problems({ quietZones: [{ name: 'A', polygon: [[1, 2]], action: 'block' }] })[0]).toBe(
      'policy.quietZones[0].polygon: must be a list of at least three [lat, lon] corners, got a list',
    );
    expect(() => validatePolicyConfig(42)).toThrow('Invalid configuration: policy: must be an object of settings, got 42');
    expect(() => validatePolicyConfig({ maxDailyMinutes: -1 })).toThrow(expect.objectContaining({ name: 'ConfigError', code: 'LOA_CONFIG' }));
  });
});
