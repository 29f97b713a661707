// The cases every Buttons implementation must pass, driven through raw contact levels with fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnknownButtonError, type ButtonsEvents, type Buttons } from '../../../hardware/buttons/buttons.js';

export interface ButtonsHarness {
  /** Built with debounceMs 20, longPressMs 1000, and the names playPause, next, volumeUp, volumeDown, siren. */
  buttons: Buttons;
  /** Sets the raw contact of a button (true = closed). */
  contact(name: string, closed: boolean): void;
}

type Event = { [K in keyof ButtonsEvents]: [K, ...ButtonsEvents[K]] }[keyof ButtonsEvents];

function record(buttons: Buttons): Event[] {
  const events: Event[] = [];
  buttons.on('press', (e) => events.push(['press', e]));
  buttons.on('longpress', (e) => events.push(['longpress', e]));
  buttons.on('release', (e) => events.push(['release', e]));
  return events;
}

export function buttonsContract(name: string, make: () => ButtonsHarness): void {
  describe(`Buttons contract: ${name}`, () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('names the standard buttons and the extra ones from configuration', async () => {
      const h = make();
      await h.buttons.open();
      expect([...h.buttons.names].sort()).toEqual(['next', 'playPause', 'siren', 'volumeDown', 'volumeUp']);
      expect(() => h.buttons.isPressed('eject')).toThrow(UnknownButtonError);
      await h.buttons.close();
    });

    it('reports a short press on release, with its duration', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      h.contact('next', true);
      vi.advanceTimersByTime(30);
      expect(h.buttons.isPressed('next')).toBe(true);
      vi.advanceTimersByTime(170);
      h.contact('next', false);
      expect(events).toEqual([]);
      vi.advanceTimersByTime(30);
      expect(events).toEqual([
        ['press', { name: 'next', durationMs: 200 }],
        ['release', { name: 'next', durationMs: 200, long: false }],
      ]);
      expect(h.buttons.isPressed('next')).toBe(false);
      await h.buttons.close();
    });

    it('fires longpress once, while still held, when the hold reaches the threshold', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      h.contact('playPause', true);
      vi.advanceTimersByTime(999);
      expect(events).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(events).toEqual([['longpress', { name: 'playPause', heldMs: 1000 }]]);
      vi.advanceTimersByTime(5000);
      h.contact('playPause', false);
      vi.advanceTimersByTime(30);
      expect(events).toEqual([
        ['longpress', { name: 'playPause', heldMs: 1000 }],
        ['release', { name: 'playPause', durationMs: 6000, long: true }],
      ]);
      await h.buttons.close();
    });

    it('debounces contact bounce into one press, timed from the edges that began each settled level', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      for (const closed of [true, false, true, false, true]) {
        h.contact('volumeUp', closed);
        vi.advanceTimersByTime(3);
      }
      vi.advanceTimersByTime(100);
      for (const closed of [false, true, false]) {
        h.contact('volumeUp', closed);
        vi.advanceTimersByTime(2);
      }
      vi.advanceTimersByTime(30);
      expect(events.map((e) => e[0])).toEqual(['press', 'release']);
      expect(events[0]).toEqual(['press', { name: 'volumeUp', durationMs: 119 - 12 }]);
    });

    it('ignores a blip shorter than the debounce time', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      h.contact('siren', true);
      vi.advanceTimersByTime(10);
      h.contact('siren', false);
      vi.advanceTimersByTime(2000);
      expect(events).toEqual([]);
    });

    it('keeps buttons apart', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      h.contact('volumeUp', true);
      vi.advanceTimersByTime(50);
      h.contact('volumeDown', true);
      vi.advanceTimersByTime(50);
      h.contact('volumeUp', false);
      vi.advanceTimersByTime(50);
      h.contact('volumeDown', false);
      vi.advanceTimersByTime(50);
      expect(events.filter((e) => e[0] === 'press')).toEqual([
        ['press', { name: 'volumeUp', durationMs: 100 }],
        ['press', { name: 'volumeDown', durationMs: 100 }],
      ]);
    });

    it('reports nothing after close, even for a hold under way', async () => {
      const h = make();
      const events = record(h.buttons);
      await h.buttons.open();
      h.contact('next', true);
      vi.advanceTimersByTime(50);
      await h.buttons.close();
      vi.advanceTimersByTime(5000);
      expect(events).toEqual([]);
    });
  });
}
