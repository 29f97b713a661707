// `loa unit relay off`'s logic over a fake onoff board: the relay line ends at the OFF raw level (HIGH for an
// active-low board), whatever a crashed cart left on it, is never driven ON on the way, and is released; a line
// that cannot be taken is one error naming the pin; a simulated configuration touches no GPIO.
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig, type HardwareConfig } from '../../hardware/board/config.js';
import type { GpioConstructor } from '../../hardware/gpio/gpio.js';
import { ExitGuard } from '../../hardware/relay/exit-guard.js';
import { RelayOffError, switchRelayOff } from '../../device/relay-off.js';
import { FakeBoard, fakeOnoff, fakeSysfs } from '../hardware/gpio/fake-onoff.js';
import { FakeProcess } from '../hardware/relay/fake-process.js';

const BASE = 512;

function real(activeLow: boolean, pin = 17): HardwareConfig {
  const hw = defaultHardwareConfig('pi-4');
  return { ...hw, simulate: false, relay: { pin, activeLow } };
}

function rig() {
  const board = new FakeBoard();
  const proc = new FakeProcess();
  const options = { gpio: fakeOnoff(board), sysfsRoot: fakeSysfs([{ base: BASE, label: 'pinctrl-bcm2711' }]), exitGuard: new ExitGuard(proc) };
  return { board, proc, options };
}

describe('switchRelayOff', () => {
  for (const activeLow of [false, true]) {
    const off = activeLow ? 1 : 0;
    it(`leaves an ${activeLow ? 'active-low' : 'active-high'} relay at raw level ${off}, never ON on the way, and releases the line`, async () => {
      const { board, proc, options } = rig();
      // What a killed cart left behind: the line exported as an output, amplifier ON.
      board.lines.set(BASE + 17, { direction: 'out', edge: 'none', value: activeLow ? 0 : 1, exported: true, watchers: [] });
      const result = await switchRelayOff(real(activeLow), options);
      expect(result).toEqual({ simulated: false, pin: 17, activeLow });
      expect(board.level(BASE + 17)).toBe(off);
      expect(board.line(BASE + 17).exported).toBe(false);
      expect(board.writes.length).toBeGreaterThan(0);
      expect(board.writes.every((w) => w.gpio === BASE + 17 && w.value === off)).toBe(true);
      expect(proc.listenerCount('exit')).toBe(0); // nothing left hooked on the process
    });
  }

  it('touches no GPIO for a simulated configuration', async () => {
    const { board, options } = rig();
    expect(await switchRelayOff({ ...real(true), simulate: true }, options)).toEqual({ simulated: true });
    expect(board.lines.size).toBe(0);
  });

  it('reports a line it cannot take as one error naming the pin and the gpio group', async () => {
    const { options } = rig();
    const Refused = class {
      static readonly accessible = true;
      constructor() {
        throw Object.assign(new Error("EACCES: permission denied, open '/sys/class/gpio/export'"), { code: 'EACCES' });
      }
    } as unknown as GpioConstructor;
    const failure = switchRelayOff(real(true, 27), { ...options, gpio: Refused });
    await expect(failure).rejects.toBeInstanceOf(RelayOffError);
    await expect(failure).rejects.toMatchObject({ pin: 27, message: expect.stringMatching(/BCM 27.*EACCES.*"gpio" group/) });
  });
});
