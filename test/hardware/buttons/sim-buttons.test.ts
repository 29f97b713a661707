import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedButtons } from '../../../hardware/buttons/sim-buttons.js';
import { STANDARD_BUTTONS } from '../../../hardware/buttons/buttons.js';
import { buttonsContract } from './buttons-contract.js';

const NAMES = [...STANDARD_BUTTONS, 'siren'];

buttonsContract('simulator', () => {
  const buttons = new SimulatedButtons({ names: NAMES, debounceMs: 20, longPressMs: 1000 });
  return { buttons, contact: (name, closed) => (closed ? buttons.hold(name) : buttons.letGo(name)) };
});

describe('SimulatedButtons.press', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('presses for the given time, with bounce, and resolves after the debounced release', async () => {
    vi.useFakeTimers();
    const buttons = new SimulatedButtons({ debounceMs: 20, longPressMs: 1000 });
    await buttons.open();
    const seen: string[] = [];
    buttons.on('press', (e) => seen.push(`press ${e.name} ${e.durationMs}`));
    buttons.on('longpress', (e) => seen.push(`long ${e.name}`));
    buttons.on('release', (e) => seen.push(`release ${e.name} ${e.long}`));
    const short = buttons.press('volumeDown', 300, { bounces: 3 });
    await vi.runAllTimersAsync();
    await short;
    const long = buttons.press('playPause', 1500);
    await vi.runAllTimersAsync();
    await long;
    expect(seen).toEqual([
      'press volumeDown 306',
      'release volumeDown false',
      'long playPause',
      'release playPause true',
    ]);
  });

  it('defaults to the four standard buttons and checks its arguments', async () => {
    const buttons = new SimulatedButtons();
    expect(buttons.names).toEqual(['playPause', 'next', 'volumeUp', 'volumeDown']);
    await expect(buttons.press('next', -1)).rejects.toThrow(/ms must be a duration >= 0, got -1/);
    expect(() => buttons.hold('eject')).toThrow(/No button named "eject".*playPause, next/);
    expect(() => new SimulatedButtons({ debounceMs: 50, longPressMs: 40 })).toThrow(/longPressMs .* got 40/);
  });
});
