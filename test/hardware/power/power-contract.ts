// The contract every PowerBoard keeps, run against each implementation by power-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { PowerBoardError, type PowerBoard, type PowerReading } from '../../../hardware/power/power.js';

export interface PowerBoardSetup {
  board: PowerBoard;
  /** Lets time pass for the implementation (real or simulated). */
  tick: () => Promise<void>;
}

export function powerBoardContract(name: string, make: () => PowerBoardSetup): void {
  describe(`PowerBoard contract: ${name}`, () => {
    it('refuses to read before open, with LOA_POWER_NOT_OPEN', async () => {
      const { board } = make();
      const error = await board.read().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PowerBoardError);
      expect((error as PowerBoardError).code).toBe('LOA_POWER_NOT_OPEN');
    });

    it('reads plausible values and emits each reading', async () => {
      const { board, tick } = make();
      await board.open();
      try {
        await tick();
        const seen: PowerReading[] = [];
        board.on('reading', (r) => seen.push(r));
        const reading = await board.read();
        expect(seen).toEqual([reading]);
        for (const key of ['batteryMv', 'batteryMa', 'solarMv', 'solarMa', 'socPercent', 'at'] as const) {
          expect(Number.isFinite(reading[key]), key).toBe(true);
        }
        expect(reading.batteryMv).toBeGreaterThan(9_000);
        expect(reading.batteryMv).toBeLessThan(16_000);
        expect(reading.solarMv).toBeGreaterThanOrEqual(0);
        expect(reading.solarMa).toBeGreaterThanOrEqual(0);
        expect(reading.socPercent).toBeGreaterThanOrEqual(0);
        expect(reading.socPercent).toBeLessThanOrEqual(100);
        expect(['lead-acid', 'lifepo4']).toContain(reading.chemistry);
      } finally {
        await board.close();
      }
    });

    it('closes twice without complaint, refuses to read after close, and opens again', async () => {
      const { board, tick } = make();
      await board.open();
      await board.close();
      await board.close();
      await expect(board.read()).rejects.toMatchObject({ code: 'LOA_POWER_NOT_OPEN' });
      await board.open();
      try {
        await tick();
        expect((await board.read()).batteryMv).toBeGreaterThan(9_000);
      } finally {
        await board.close();
      }
    });
  });
}
