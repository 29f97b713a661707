import { describe, expect, it } from 'vitest';
import { SimulatedRelay } from '../../../hardware/relay/sim-relay.js';
import { relayContract } from './relay-contract.js';

relayContract('simulator', () => {
  const relay = new SimulatedRelay();
  return { relay, powered: () => relay.history.at(-1)?.on ?? false };
});

describe('SimulatedRelay', () => {
  it('records every write with its time, including the OFF of open and close', async () => {
    let t = 1000;
    const relay = new SimulatedRelay({ now: () => t++ });
    await relay.open();
    await relay.on();
    await relay.close();
    expect(relay.history).toEqual([
      { at: 1000, on: false },
      { at: 1001, on: true },
      { at: 1002, on: false },
    ]);
    expect(relay.isOpen).toBe(false);
  });
});
