// How fast the store writes on this machine, printed for the record (a Pi's SD card is far slower at fsync than a
// laptop SSD). Only correctness is asserted: timings are figures, not pass/fail (the machines are shared and noisy).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartStore } from '../../../device/store/index.js';
import { event, play, T0, tempDir } from './fixtures.js';

async function rate(rows: number, work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return Math.round((rows / (performance.now() - start)) * 1000);
}

describe('throughput', () => {
  it('appendDurable in batches of 1 and 100, addTrackPoint batched', async () => {
    const store = await CartStore.open({ path: join(await tempDir(), 'cart.db'), batch: { rows: 500, delayMs: 60_000, maxQueued: 50_000 } });
    const dropped: number[] = [];
    store.on('live-write-error', (_err, n) => dropped.push(n));
    const single = await rate(200, async () => {
      for (let i = 0; i < 200; i++) await store.appendDurable([i % 2 ? play(T0 + i) : event(T0 + i)]);
    });
    const batched = await rate(5000, async () => {
      for (let b = 0; b < 50; b++) await store.appendDurable(Array.from({ length: 100 }, (_, i) => (i % 2 ? play(T0 + i) : event(T0 + i))));
    });
    const track = await rate(20_000, async () => {
      for (let i = 0; i < 20_000; i++) store.addTrackPoint({ time: T0 + i, lat: 21 + i / 1e6, lon: 105.85, speed: 1.5, hdop: 0.8 });
      await store.flush();
    });
    console.info(`store throughput: appendDurable ×1 ${single} rows/s, ×100 ${batched} rows/s; addTrackPoint (500 per transaction) ${track} rows/s`);
    expect(await store.depth()).toBe(5200);
    expect(await store.trackBetween(T0, T0 + 20_000)).toHaveLength(20_000);
    expect(dropped).toEqual([]);
    await store.close();
  }, 60_000);
});
