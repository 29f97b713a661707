/**
 * Sysfs GPIO numbering. On older Raspberry Pi kernels the SoC's GPIO chip starts at 0, so sysfs number = BCM
 * number. Newer kernels (6.6 on) number it from a base such as 512 (`/sys/class/gpio/gpiochip512`), so BCM 17 is
 * sysfs 529. The base is read from the chip whose label is the SoC's pin controller.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpioUnavailableError } from './gpio.js';
import { silentLogger, type Logger } from '../logger.js';

export const DEFAULT_SYSFS_GPIO = '/sys/class/gpio';

/** Labels of the chips that carry the 40-pin header: BCM2835/6/7 (Pi Zero to 3), BCM2711 (Pi 4), RP1 (Pi 5). */
const SOC_LABEL = /^pinctrl-(bcm\d+|rp1)$/;

export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** Lists the `gpiochip*` entries under the sysfs root with their label, base and line count. */
export async function listChips(sysfsRoot = DEFAULT_SYSFS_GPIO): Promise<GpioChip[]> {
  let names: string[];
  try {
    names = (await readdir(sysfsRoot)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new GpioUnavailableError(
      `Cannot read ${sysfsRoot}: this machine has no sysfs GPIO. Choose the simulated hardware, or check the kernel.`,
      { cause: err },
    );
  }
  const read = async (name: string, file: string) => (await readFile(join(sysfsRoot, name, file), 'utf8')).trim();
  return Promise.all(
    names.map(async (name) => ({
      name,
      label: await read(name, 'label'),
      base: Number(await read(name, 'base')),
      ngpio: Number(await read(name, 'ngpio').catch(() => '0')),
    })),
  );
}

/**
 * The sysfs base of the SoC's GPIO chip. Chooses the chip labelled `pinctrl-bcm…` / `pinctrl-rp1`; failing that,
 * the chip with the lowest base (with a warning); with no chip at all, a `GpioUnavailableError`.
 */
export async function gpioBase(sysfsRoot = DEFAULT_SYSFS_GPIO, logger: Logger = silentLogger): Promise<number> {
  const chips = (await listChips(sysfsRoot)).filter((c) => Number.isInteger(c.base));
  if (chips.length === 0) {
    throw new GpioUnavailableError(`No GPIO chip under ${sysfsRoot}. Choose the simulated hardware, or check the kernel.`);
  }
  const soc = chips.filter((c) => SOC_LABEL.test(c.label)).sort((a, b) => a.base - b.base)[0];
  if (soc) {
    logger.debug(() => `GPIO base ${soc.base} from ${soc.name} (${soc.label})`);
    return soc.base;
  }
  const lowest = [...chips].sort((a, b) => a.base - b.base)[0]!;
  logger.warn(
    () => `No SoC GPIO chip (pinctrl-bcm…) under ${sysfsRoot}; using ${lowest.name} (${lowest.label}) base ${lowest.base}`,
  );
  return lowest.base;
}
