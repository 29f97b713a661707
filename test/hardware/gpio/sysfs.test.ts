import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpioUnavailableError, checkBcmPin, loadOnoff } from '../../../hardware/gpio/gpio.js';
import { gpioBase, listChips } from '../../../hardware/gpio/sysfs.js';
import { fakeSysfs } from './fake-onoff.js';

describe('gpioBase', () => {
  it('is 0 on older kernels (gpiochip0 pinctrl-bcm2835)', async () => {
    expect(await gpioBase(fakeSysfs([{ base: 0, label: 'pinctrl-bcm2835' }]))).toBe(0);
  });

  it('is the SoC chip base on newer kernels, not the expander chip', async () => {
    const root = fakeSysfs([
      { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
      { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]);
    expect(await gpioBase(root)).toBe(512);
    expect((await listChips(root)).map((c) => c.label).sort()).toEqual(['pinctrl-bcm2711', 'raspberrypi-exp-gpio']);
  });

  it('prefers the SoC label even when another chip has a lower base', async () => {
    expect(await gpioBase(fakeSysfs([{ base: 100, label: 'gpio-mockup' }, { base: 512, label: 'pinctrl-rp1' }]))).toBe(512);
  });

  it('falls back to the lowest base when no chip has a SoC label, with a warning', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string | (() => string)) => warnings.push(typeof m === 'string' ? m : m()) };
    expect(await gpioBase(fakeSysfs([{ base: 600, label: 'x' }, { base: 300, label: 'y' }]), logger)).toBe(300);
    expect(warnings.join()).toMatch(/No SoC GPIO chip/);
  });

  it('gives a GpioUnavailableError without sysfs GPIO or without chips', async () => {
    await expect(gpioBase('/nonexistent/gpio')).rejects.toMatchObject({ code: 'GPIO_UNAVAILABLE' });
    await expect(gpioBase(mkdtempSync(join(tmpdir(), 'loa-empty-')))).rejects.toBeInstanceOf(GpioUnavailableError);
  });
});

describe('loadOnoff', () => {
  it('loads onoff where GPIO is accessible, and says what to do where it is not', async () => {
    const { Gpio } = await import('onoff');
    if (Gpio.accessible) {
      expect(await loadOnoff()).toBe(Gpio);
    } else {
      // This machine (CI, a laptop) has no /sys/class/gpio: the error is a domain error a technician can act on.
      const err: unknown = await loadOnoff().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GpioUnavailableError);
      expect((err as GpioUnavailableError).code).toBe('GPIO_UNAVAILABLE');
      expect((err as Error).message).toMatch(/simulated hardware/);
    }
  });
});

describe('checkBcmPin', () => {
  it('names the setting and repeats the value', () => {
    expect(checkBcmPin('pin', 17)).toBe(17);
    expect(() => checkBcmPin('options.pin', 99)).toThrow(/options\.pin .* got 99/);
    expect(() => checkBcmPin('options.pin', '17')).toThrow(/got "17"/);
  });
});
