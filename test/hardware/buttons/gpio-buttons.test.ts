import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpioButtons } from '../../../hardware/buttons/gpio-buttons.js';
import type { BinaryValue } from '../../../hardware/gpio/gpio.js';
import { FakeBoard, fakeOnoff, fakeSysfs } from '../gpio/fake-onoff.js';
import { buttonsContract } from './buttons-contract.js';

const PINS = { playPause: 17, next: 27, volumeUp: 22, volumeDown: 23, siren: 5 };
const BASE = 512;

function setup(activeLow: boolean) {
  const board = new FakeBoard();
  board.idle = activeLow ? 1 : 0;
  const buttons = new GpioButtons({
    pins: PINS,
    activeLow,
    debounceMs: 20,
    longPressMs: 1000,
    gpio: fakeOnoff(board),
    sysfsRoot: fakeSysfs([{ base: BASE, label: 'pinctrl-bcm2835' }]),
  });
  const contact = (name: string, closed: boolean) => {
    const level = closed === activeLow ? 0 : 1;
    board.drive(BASE + PINS[name as keyof typeof PINS], level);
  };
  return { board, buttons, contact };
}

buttonsContract('GPIO over fake onoff, active-low (pull-ups)', () => setup(true));
buttonsContract('GPIO over fake onoff, active-high', () => setup(false));

describe('GpioButtons', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('watches every pin as an input on both edges at base + BCM, and releases them on close', async () => {
    const { board, buttons } = setup(true);
    await buttons.open();
    expect([...board.lines.keys()].sort()).toEqual([517, 529, 534, 535, 539]);
    for (const line of board.lines.values()) {
      expect(line).toMatchObject({ direction: 'in', edge: 'both', exported: true });
      expect(line.watchers).toHaveLength(1);
    }
    await buttons.close();
    for (const line of board.lines.values()) expect(line).toMatchObject({ exported: false, watchers: [] });
  });

  it('unexports every pin it exported when reading one fails during open', async () => {
    const board = new FakeBoard();
    const FakeGpio = fakeOnoff(board);
    const failing = BASE + PINS.volumeUp;
    const buttons = new GpioButtons({
      pins: PINS,
      debounceMs: 20,
      longPressMs: 1000,
      gpio: class extends FakeGpio {
        readonly #gpio: number;
        constructor(...args: ConstructorParameters<typeof FakeGpio>) {
          super(...args);
          this.#gpio = args[0];
        }
        override readSync(): BinaryValue {
          if (this.#gpio === failing) throw new Error('EIO: i/o error, read');
          return super.readSync();
        }
      },
      sysfsRoot: fakeSysfs([{ base: BASE, label: 'pinctrl-bcm2835' }]),
    });
    await expect(buttons.open()).rejects.toThrow(/EIO/);
    expect(board.lines.has(failing)).toBe(true);
    for (const [gpio, line] of board.lines) expect({ gpio, ...line }).toMatchObject({ gpio, exported: false, watchers: [] });
  });

  it('does not report a button already held at start-up as a press', async () => {
    vi.useFakeTimers();
    const { board, buttons } = setup(true);
    board.idle = 0; // every contact closed when the pins are opened
    const events: string[] = [];
    buttons.on('press', (e) => events.push(e.name));
    buttons.on('longpress', (e) => events.push(`long ${e.name}`));
    await buttons.open();
    expect(buttons.isPressed('next')).toBe(true);
    vi.advanceTimersByTime(3000);
    board.drive(BASE + PINS.next, 1);
    vi.advanceTimersByTime(50);
    expect(events).toEqual([]);
    expect(buttons.isPressed('next')).toBe(false);
    await buttons.close();
  });

  it('rejects a bad or shared pin naming the option', () => {
    expect(() => new GpioButtons({ pins: { next: 60 } })).toThrow(/options\.pins\.next .* got 60/);
    expect(() => new GpioButtons({ pins: { next: 5, siren: 5 } })).toThrow(/options\.pins\.siren uses BCM 5, already used by "next"/);
  });
});
