import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PressDetector } from '../../../hardware/buttons/press-detector.js';

describe('PressDetector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function detector() {
    const log: string[] = [];
    const d = new PressDetector(
      { debounceMs: 30, longPressMs: 500 },
      {
        press: (ms) => log.push(`press ${ms}`),
        longpress: (ms) => log.push(`long ${ms}`),
        release: (ms, long) => log.push(`release ${ms} ${long}`),
      },
    );
    return { d, log };
  }

  it('uses the defaults (30 ms, 1500 ms) when none are given', () => {
    const log: string[] = [];
    const d = new PressDetector({}, { press: () => log.push('p'), longpress: () => log.push('l'), release: () => log.push('r') });
    d.input(true);
    vi.advanceTimersByTime(1499);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['l']);
  });

  it('a hold exactly at the threshold is long; one just under is short', () => {
    const { d, log } = detector();
    d.input(true);
    vi.advanceTimersByTime(499);
    d.input(false);
    vi.advanceTimersByTime(30);
    d.input(true);
    vi.advanceTimersByTime(500);
    d.input(false);
    vi.advanceTimersByTime(30);
    expect(log).toEqual(['press 499', 'release 499 false', 'long 500', 'release 500 true']);
  });

  it('a release that bounces back to pressed within the debounce time does not end the press', () => {
    const { d, log } = detector();
    d.input(true);
    vi.advanceTimersByTime(100);
    d.input(false);
    vi.advanceTimersByTime(10);
    d.input(true);
    vi.advanceTimersByTime(100);
    d.input(false);
    vi.advanceTimersByTime(30);
    expect(log).toEqual(['press 210', 'release 210 false']);
  });

  it('a release bounce that straddles the long threshold still gives the long press, late', () => {
    const { d, log } = detector();
    d.input(true);
    vi.advanceTimersByTime(495);
    d.input(false);
    vi.advanceTimersByTime(10); // threshold passes while the release settles
    expect(log).toEqual([]);
    d.input(true); // it was a bounce
    expect(log).toEqual(['long 505']);
    vi.advanceTimersByTime(100);
    d.input(false);
    vi.advanceTimersByTime(30);
    expect(log).toEqual(['long 505', 'release 605 true']);
  });

  it('repeated levels are ignored and dispose clears pending timers', () => {
    const { d, log } = detector();
    d.input(false);
    d.input(true);
    d.input(true);
    vi.advanceTimersByTime(40);
    d.dispose();
    vi.advanceTimersByTime(1000);
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
