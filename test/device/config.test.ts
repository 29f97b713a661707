import { describe, expect, it } from 'vitest';
import { cartConfigSchema, DEFAULT_LINK, DEFAULT_STORAGE, validateCartConfig } from '../../device/config.js';
import { defaultHardwareConfig } from '../../hardware/board/config.js';
import { defaultPolicyConfig } from '../../device/logic/policy-config.js';
import { ConfigError } from '../../lib/config-error.js';

function problems(input: unknown, profile?: string): string[] {
  try {
    validateCartConfig(input, { simulate: false, ...(profile === undefined ? {} : { profile }) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('validateCartConfig', () => {
  it('fills every section with its defaults, the policy too', () => {
    const config = validateCartConfig({}, { simulate: false });
    expect(config.hardware).toEqual({ ...defaultHardwareConfig('pi-4'), simulate: false });
    expect(config.policy).toEqual(defaultPolicyConfig());
    expect(config.link).toEqual(DEFAULT_LINK);
    expect(config.storage).toEqual(DEFAULT_STORAGE);
    expect(config.player).toEqual({ warmupMs: 1500, tailMs: 1000, pauseTimeoutMs: 120_000, volumeStep: 5, initialVolume: 60 });
    expect(validateCartConfig(undefined, { simulate: true }).hardware.simulate).toBe(true);
  });

  it('checks the policy at load, with its key path, beside the other sections', () => {
    expect(problems({ policy: { quietZones: [{ name: 'Trường', lat: 19.9, lon: 105.5, radiusM: 0, action: 'block' }] }, link: { telemetryPeriodMs: 10 } })).toEqual([
      'policy.quietZones[0].radiusM: 0 must be a number above 0 up to 100000',
      'link.telemetryPeriodMs: 10 must be a number from 1000 to 3600000 ms',
    ]);
    expect(validateCartConfig({ policy: { lowBattery: { chemistry: 'lifepo4' } } }, { simulate: true }).policy.lowBattery).toEqual({ chemistry: 'lifepo4', blockBelowPercent: 15, resumeAbovePercent: 25 });
  });

  it('reports every problem of every section at once, unknown sections with a "did you mean"', () => {
    expect(problems({ hardwre: {}, hardware: { relay: { pin: 14 } }, link: { serial: { path: '/dev/ttyUSB1' } }, storage: 5, player: { initialVolume: 101 } })).toEqual([
      '(file).hardwre: is not a known setting; did you mean "hardware"? (known: hardware, player, policy, link, storage, cues)',
            'player.initialVolume: 101 must be a number from 0 to 100 %',
      'link.serial.baudRate: nothing must be a whole number from 300 to 4000000',
      'storage: 5 must be an object',
      'hardware.relay.pin: BCM 14 is reserved on pi-4 for GNSS UART TXD (/dev/serial0); choose another pin',
    ]);
  });

  it('says when the identity names a board this version does not know', () => {
    expect(problems({}, 'pi-5')).toEqual(['identity.profile: "pi-5" is not a board this version knows: set hardware.profile in the configuration']);
    expect(validateCartConfig({ hardware: { profile: 'pi-3' } }, { simulate: true, profile: 'pi-5' }).hardware.profile).toBe('pi-3');
  });

  it('does not change the document it checks', () => {
    const input = { hardware: { relay: { pin: 23 } }, policy: {} };
    validateCartConfig(input, { simulate: true });
    expect(input).toEqual({ hardware: { relay: { pin: 23 } }, policy: {} });
  });

  it('exports the schema, JSON Schema that names every section', () => {
    expect(Object.keys(cartConfigSchema.properties)).toEqual(['hardware', 'player', 'policy', 'link', 'storage', 'cues']);
    expect(JSON.parse(JSON.stringify(cartConfigSchema)).properties.link.properties.telemetryPeriodMs).toEqual({ minimum: 1000, maximum: 3_600_000, default: 30_000, 'x-unit': 'ms', type: 'number' });
  });
});
