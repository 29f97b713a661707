import { describe, expect, it } from 'vitest';
import { boardProfileNames, boardProfiles, header40, physicalPin } from '../../../hardware/board/profiles.js';

describe('board profiles', () => {
  it('maps BCM to the physical header the way the Pi pinout does', () => {
    expect(physicalPin(17)).toBe(11);
    expect(physicalPin(14)).toBe(8);
    expect(physicalPin(15)).toBe(10);
    expect(physicalPin(26)).toBe(37);
    expect(physicalPin(21)).toBe(40);
    expect(physicalPin(40)).toBeUndefined();
    // Every BCM 0–27 is on the header once, and never on a power or ground pin.
    const physical = Object.values(header40);
    expect(new Set(physical).size).toBe(28);
    for (const pin of [1, 2, 4, 6, 9, 14, 17, 20, 25, 30, 34, 39]) expect(physical).not.toContain(pin);
  });

  it.each(boardProfileNames)('%s: default pins are distinct GPIOs, clear of UART, I2C, SPI0 and I2S', (name) => {
    const p = boardProfiles[name];
    const pins = [p.pins.relay, p.pins.statusLed, ...Object.values(p.pins.buttons)];
    expect(new Set(pins).size).toBe(pins.length);
    for (const pin of pins) {
      expect(pin).toBeGreaterThanOrEqual(p.gpio.min);
      expect(pin).toBeLessThanOrEqual(p.gpio.max);
      expect([2, 3, 7, 8, 9, 10, 11, 14, 15, 18, 19, 20, 21]).not.toContain(pin);
      expect(physicalPin(pin)).toBeDefined();
    }
    expect(p.gnss).toEqual({ path: '/dev/serial0', baudRate: 9600 });
    expect(p.powerBoard.baudRate).toBe(57_600);
    expect(p.powerBoard.path).toMatch(/^\/dev\/tty(USB|ACM)0$/);
  });

  it('gives the Pi Zero 2 W a USB sound card and the Pi 3/4 the analogue jack', () => {
    expect(boardProfiles['pi-zero-2w'].audio.note).toMatch(/no analogue audio/);
    expect(boardProfiles['pi-zero-2w'].audio.mixerCard).toBe('Device');
    for (const name of ['pi-3', 'pi-4'] as const) {
      expect(boardProfiles[name].audio.mixerCard).toBe('Headphones');
      expect(boardProfiles[name].audio.mixerControl).toBe('PCM');
    }
  });
});
