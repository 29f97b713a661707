import { describe, expect, it } from 'vitest';
import { ExitGuard } from '../../../hardware/relay/exit-guard.js';
import { GpioRelay } from '../../../hardware/relay/gpio-relay.js';
import { FakeBoard, fakeOnoff, fakeSysfs } from '../gpio/fake-onoff.js';
import { FakeProcess } from './fake-process.js';
import { relayContract } from './relay-contract.js';

const BCM = 17;

function setup(activeLow: boolean, base = 512) {
  const board = new FakeBoard();
  const proc = new FakeProcess();
  const guard = new ExitGuard(proc);
  const relay = new GpioRelay({
    pin: BCM,
    activeLow,
    gpio: fakeOnoff(board),
    sysfsRoot: fakeSysfs([{ base, label: 'pinctrl-bcm2711' }]),
    exitGuard: guard,
  });
  const gpio = base + BCM;
  return { board, proc, guard, relay, gpio, powered: () => board.level(gpio) === (activeLow ? 0 : 1) };
}

relayContract('GPIO over fake onoff, active-high', () => setup(false));
relayContract('GPIO over fake onoff, active-low', () => setup(true));

describe('GpioRelay', () => {
  it('drives sysfs number base + BCM, at the OFF raw level from the first instant (active-low: HIGH)', async () => {
    const s = setup(true);
    await s.relay.open();
    expect([...s.board.lines.keys()]).toEqual([529]);
    expect(s.board.level(529)).toBe(1);
    await s.relay.on();
    expect(s.board.level(529)).toBe(0);
    await s.relay.close();
    expect(s.board.level(529)).toBe(1);
    expect(s.board.line(529).exported).toBe(false);
  });

  it('switches off even when a previous run left the line on', async () => {
    const s = setup(false, 0);
    s.board.lines.set(BCM, { direction: 'out', edge: 'none', value: 1, exported: true, watchers: [] });
    await s.relay.open();
    expect(s.board.level(BCM)).toBe(0);
  });

  it('isOn reads the pin back, not a remembered flag', async () => {
    const s = setup(false);
    await s.relay.open();
    s.board.line(s.gpio).value = 1; // someone else drove the line
    expect(await s.relay.isOn()).toBe(true);
  });

  it('holds a synchronous switch-off in the exit guard while open, and releases it on close', async () => {
    const s = setup(true);
    await s.relay.open();
    await s.relay.on();
    expect(s.guard.size).toBe(1);
    expect(s.proc.listenerCount('exit')).toBe(1);
    s.proc.emit('exit', 0);
    expect(s.board.level(s.gpio)).toBe(1); // off (active-low)
    expect(s.board.writes.at(-1)).toEqual({ gpio: s.gpio, value: 1, sync: true });
    await s.relay.close();
    expect(s.guard.size).toBe(0);
    expect(s.proc.listenerCount('exit')).toBe(0);
    expect(s.proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('unexports the pin and holds nothing when the first write fails', async () => {
    const board = new FakeBoard();
    const proc = new FakeProcess();
    const guard = new ExitGuard(proc);
    const FakeGpio = fakeOnoff(board);
    const relay = new GpioRelay({
      pin: BCM,
      gpio: class extends FakeGpio {
        override writeSync(): void {
          throw new Error('EIO: i/o error, write');
        }
      },
      sysfsRoot: fakeSysfs([{ base: 512, label: 'pinctrl-bcm2711' }]),
      exitGuard: guard,
    });
    await expect(relay.open()).rejects.toThrow(/EIO/);
    expect(board.line(512 + BCM).exported).toBe(false);
    expect(guard.size).toBe(0);
  });

  it('rejects a bad pin naming the option and the value', () => {
    expect(() => new GpioRelay({ pin: 77 })).toThrow(/options\.pin .* got 77/);
  });
});
