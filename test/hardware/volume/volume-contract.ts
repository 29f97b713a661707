// The cases every Volume must pass.
import { describe, expect, it } from 'vitest';
import type { Volume } from '../../../hardware/volume/volume.js';

/** `make(max)` builds a volume with that hard maximum. */
export function volumeContract(name: string, make: (max: number) => Volume): void {
  describe(`Volume contract: ${name}`, () => {
    it('sets and reads back a volume within the maximum', async () => {
      const v = make(80);
      expect(await v.set(40)).toEqual({ requested: 40, applied: 40, clamped: false });
      expect(await v.get()).toBe(40);
      expect(await v.set(80)).toEqual({ requested: 80, applied: 80, clamped: false });
      expect(await v.get()).toBe(80);
    });

    it('clamps to the hard maximum and says so', async () => {
      const v = make(70);
      expect(v.max).toBe(70);
      expect(await v.set(100)).toEqual({ requested: 100, applied: 70, clamped: true });
      expect(await v.get()).toBe(70);
      expect(await v.set(-5)).toEqual({ requested: -5, applied: 0, clamped: true });
      expect(await v.get()).toBe(0);
    });

    it('rounds to whole percent', async () => {
      const v = make(100);
      expect((await v.set(33.6)).applied).toBe(34);
      expect(await v.get()).toBe(34);
    });

    it('rejects what is not a number, naming it', async () => {
      const v = make(100);
      await expect(v.set(Number.NaN)).rejects.toThrow(/percent must be a number, got null/);
      await expect(v.set('50' as unknown as number)).rejects.toThrow(/percent must be a number, got "50"/);
    });

    it('refuses a maximum outside 0–100', () => {
      expect(() => make(120)).toThrow(/options\.max must be a percentage from 0 to 100, got 120/);
    });
  });
}
