import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedRelay } from '../../hardware/relay/sim-relay.js';
import { StatusLed } from '../../device/status-led.js';

let out: SimulatedRelay;
let led: StatusLed;

beforeEach(async () => {
  vi.useFakeTimers({ now: 0 });
  out = new SimulatedRelay();
  led = new StatusLed(out);
  await led.open();
});
afterEach(() => vi.useRealTimers());

/** The LED's levels over `ms`, sampled every 250 ms. */
async function levels(ms: number): Promise<string> {
  let s = '';
  for (let t = 0; t < ms; t += 250) {
    s += (await out.isOn()) ? '1' : '0';
    await vi.advanceTimersByTimeAsync(250);
  }
  return s;
}

describe('StatusLed', () => {
  it('is steady while playing and off when idle', async () => {
    led.show('playing');
    expect(await levels(1000)).toBe('1111');
    led.show('idle');
    expect(await levels(1000)).toBe('0000');
  });

  it('flashes the reason of a refusal as a count: 3 for a quiet zone, 4 for low battery', async () => {
    led.show('blocked', ['quiet-zone']);
    expect(await levels(3000)).toBe('101010000000');
    led.show('blocked', ['low-battery', 'outside-hours']);
    expect((await levels(4000)).slice(0, 10)).toBe('1010101000');
  });
});
