import { describe, expect, it } from 'vitest';
import { SimulatedVolume } from '../../../hardware/volume/sim-volume.js';
import { volumeContract } from './volume-contract.js';

volumeContract('simulator', (max) => new SimulatedVolume({ max }));

describe('SimulatedVolume', () => {
  it('starts at 50 clamped to the maximum, and keeps a history', async () => {
    const v = new SimulatedVolume({ max: 30 });
    expect(await v.get()).toBe(30);
    await v.set(10);
    await v.set(90);
    expect(v.history.map((r) => r.applied)).toEqual([10, 30]);
  });
});
