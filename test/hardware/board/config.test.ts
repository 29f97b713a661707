import { describe, expect, it } from 'vitest';
import { ConfigError, didYouMean } from '../../../hardware/board/config-error.js';
import { defaultHardwareConfig, validateHardwareConfig } from '../../../hardware/board/config.js';
import { boardProfileNames } from '../../../hardware/board/profiles.js';

function problems(input: unknown, profile?: Parameters<typeof validateHardwareConfig>[1]): string[] {
  try {
    validateHardwareConfig(input, profile);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('LOA_CONFIG');
    return (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('validateHardwareConfig', () => {
  it.each(boardProfileNames)('accepts the defaults of %s as they are', (name) => {
    expect(validateHardwareConfig({ profile: name })).toEqual(defaultHardwareConfig(name));
    expect(validateHardwareConfig(undefined, name)).toEqual(defaultHardwareConfig(name));
  });

  it('merges what is given over the profile defaults', () => {
    const config = validateHardwareConfig({
      profile: 'pi-3',
      simulate: false,
      relay: { pin: 23 },
      buttons: { extra: null, longPressMs: 2000 },
      powerBoard: { battery: { chemistry: 'lifepo4', capacityAh: 7.2 } },
    });
    expect(config.simulate).toBe(false);
    expect(config.relay).toEqual({ pin: 23, activeLow: true });
    expect(config.buttons.extra).toBeNull();
    expect(config.buttons.longPressMs).toBe(2000);
    expect(config.buttons.play).toBe(5);
    expect(config.volume.control).toBe('PCM');
    expect(config.powerBoard.battery).toEqual({ chemistry: 'lifepo4', capacityAh: 7.2, internalResistanceMilliohm: 20 });
    expect(config.powerBoard.calibration.batteryVoltage.pin).toBe('A0');
  });

  it('names the key path and repeats the value of a pin that is not a GPIO', () => {
    expect(problems({ profile: 'pi-4', relay: { pin: 41 } })).toEqual(['hardware.relay.pin: 41 is not a GPIO of pi-4 (BCM 2–27)']);
    const error = (() => {
      try {
        validateHardwareConfig({ relay: { pin: 41 } }, 'pi-4');
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(error?.message).toBe('Invalid configuration: hardware.relay.pin: 41 is not a GPIO of pi-4 (BCM 2–27)');
  });

  it('lists every problem, not only the first', () => {
    const found = problems({
      relay: { pin: 'seventeen', activeLow: 'yes' },
      buttons: { play: 5, next: 5, debounceMs: -1 },
      volume: { maxPercent: 150 },
      gnss: { baudRate: 9601, path: 'serial0' },
      powerBoard: { battery: { chemistry: 'nimh' }, calibration: { solarCurrent: { pin: 'A9' } } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'hardware.relay.pin: "seventeen" must be a BCM GPIO number',
        'hardware.relay.activeLow: "yes" must be true or false',
        'hardware.buttons.next: BCM 5 is already used by hardware.buttons.play',
        'hardware.buttons.debounceMs: -1 must be a whole number from 0 to 1000 ms',
        'hardware.volume.maxPercent: 150 must be a whole number from 1 to 100 %',
        expect.stringMatching(/^hardware\.gnss\.baudRate: 9601 must be a serial speed \(.*9600/),
        'hardware.gnss.path: "serial0" must be an absolute path (starting with /)',
        'hardware.powerBoard.battery.chemistry: "nimh" must be one of lead-acid, lifepo4',
        'hardware.powerBoard.calibration.solarCurrent.pin: "A9" must be an Arduino analog pin (A0–A7)',
      ]),
    );
    expect(found).toHaveLength(9);
  });

  it('gives every problem in Vietnamese too, saying what is missing or wrong', () => {
    try {
      validateHardwareConfig({ relay: { pin: 'x' }, buttons: { debounceMs: -1 }, relais: 1 });
    } catch (error) {
      const vi = (error as ConfigError).problems.map((p) => `${p.path}: ${p.vi}`);
      expect(vi).toEqual([
        'hardware.relais: không phải một mục cấu hình; có phải là "relay"? (các mục có: profile, simulate, relay, buttons, statusLed, audio, volume, gnss, powerBoard)',
        'hardware.relay.pin: "x" không hợp lệ, cần một số GPIO (BCM)',
        'hardware.buttons.debounceMs: -1 không hợp lệ, cần một số nguyên từ 0 đến 1000 ms',
      ]);
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('rejects pins used twice across the relay, the buttons and the LED', () => {
    expect(problems({ statusLed: { pin: 17 } })).toEqual(['hardware.statusLed.pin: BCM 17 is already used by hardware.relay.pin']);
    expect(problems({ powerBoard: { calibration: { solarVoltage: { pin: 'A0' } } } })).toEqual([
      'hardware.powerBoard.calibration.solarVoltage.pin: "A0" is already used by hardware.powerBoard.calibration.batteryVoltage.pin',
    ]);
  });

  it('rejects the GNSS UART pins for other uses', () => {
    expect(problems({ buttons: { extra: 14 } })).toEqual([
      'hardware.buttons.extra: BCM 14 is reserved on pi-4 for GNSS UART TXD (/dev/serial0); choose another pin',
    ]);
  });

  it('rejects unknown keys, with a "did you mean" when one is close', () => {
    const found = problems({ relais: { pin: 17 }, buttons: { volumUp: 12, flux: 3 } });
    expect(found[0]).toMatch(/^hardware\.relais: is not a known setting; did you mean "relay"\? \(known: profile, simulate, relay,/);
    expect(found[1]).toMatch(/^hardware\.buttons\.volumUp: is not a known setting; did you mean "volumeUp"\?/);
    expect(found[2]).toMatch(/^hardware\.buttons\.flux: is not a known setting \(known: play, next,/);
    expect(found).toHaveLength(3);
  });

  it('rejects unknown profile names, listing the known ones', () => {
    expect(problems({ profile: 'pi4' })).toEqual([
      'hardware.profile: "pi4" is not a known board profile (known: pi-zero-2w, pi-3, pi-4); did you mean "pi-4"?',
    ]);
    expect(problems({ profile: 'pi-5' })[0]).toContain('(known: pi-zero-2w, pi-3, pi-4)');
    expect(problems({}, 'beaglebone' as never)).toEqual(['profile: "beaglebone" is not a known board profile (known: pi-zero-2w, pi-3, pi-4)']);
  });

  it('rejects a section that is not an object, and sub-sections that are not objects', () => {
    expect(problems(42)).toEqual(['hardware: 42 must be an object']);
    expect(problems({ relay: 17 })).toEqual(['hardware.relay: 17 must be an object']);
  });

  it('checks that a long press is longer than the debounce', () => {
    expect(problems({ buttons: { debounceMs: 500, longPressMs: 400 } })).toEqual([
      'hardware.buttons.longPressMs: 400 must be longer than buttons.debounceMs (500)',
    ]);
  });

  it('does not let the input change the defaults of later calls', () => {
    validateHardwareConfig({ powerBoard: { calibration: { batteryVoltage: { scale: 9 } } } });
    expect(validateHardwareConfig({}).powerBoard.calibration.batteryVoltage.scale).toBe(4);
  });
});

describe('didYouMean', () => {
  it('finds close words and ignores far ones', () => {
    expect(didYouMean('debounce', ['debounceMs', 'longPressMs'])).toBe('debounceMs');
    expect(didYouMean('press', ['debounceMs', 'longPressMs'])).toBeUndefined();
    expect(didYouMean('debounceMS', ['debounceMs', 'longPressMs'])).toBe('debounceMs');
    expect(didYouMean('simulat', ['simulate', 'relay'])).toBe('simulate');
    expect(didYouMean('xyz', ['simulate', 'relay'])).toBeUndefined();
  });
});
