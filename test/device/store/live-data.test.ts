// Batched live rows (track points, power samples), the queries the cart needs, runtime counters and retention.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CartStore } from '../../../device/store/index.js';
import { RowBatcher } from '../../../device/store/live-batch.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { event, play, T0, tempDir } from './fixtures.js';

const DAY = 86_400;

/** Rows on disk, read through a second connection: what a power cut would leave. */
async function rowsOnDisk(path: string, table: string): Promise<number> {
  const db = await SqliteDb.open(path);
  try {
    return (await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;
  } finally {
    await db.close();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('live rows', () => {
  it('are written every N rows, every T ms after the first, on flush() and on close()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const path = join(await tempDir(), 'cart.db');
    const store = await CartStore.open({ path, batch: { rows: 5, delayMs: 10_000 } });
    for (let i = 0; i < 4; i++) store.addTrackPoint({ time: T0 + i, lat: 21 + i / 1e4, lon: 105.8 });
    await store.depth(); // let any write in flight finish
    expect(await rowsOnDisk(path, 'track_points')).toBe(0);
    store.addPowerSample({ time: T0, batteryMv: 12_600, batteryMa: -1500, solarMv: 18_000, solarMa: 0, socPercent: 81.5 });
    await vi.waitFor(async () => expect(await rowsOnDisk(path, 'track_points')).toBe(4)); // 5th row: one transaction
    expect(await rowsOnDisk(path, 'power_samples')).toBe(1);

    store.addTrackPoint({ time: T0 + 10, lat: 21, lon: 105.8 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(await rowsOnDisk(path, 'track_points')).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(async () => expect(await rowsOnDisk(path, 'track_points')).toBe(5));

    store.addTrackPoint({ time: T0 + 11, lat: 21, lon: 105.8 });
    await store.flush();
    expect(await rowsOnDisk(path, 'track_points')).toBe(6);
    store.addTrackPoint({ time: T0 + 12, lat: 21, lon: 105.8, speed: 1.2, hdop: 0.9, source: 'estimated' });
    await store.close();
    expect(await rowsOnDisk(path, 'track_points')).toBe(7);
  });

  it('refuses impossible points and samples, naming the field', async () => {
    const store = await CartStore.open({ path: join(await tempDir(), 'cart.db') });
    expect(() => store.addTrackPoint({ time: T0, lat: 91, lon: 0 })).toThrow(/lat must be within ±90°, got 91/);
    expect(() => store.addTrackPoint({ time: T0 + 0.5, lat: 0, lon: 0 })).toThrow(/time must be Unix seconds, got 1750000000.5/);
    expect(() => store.addPowerSample({ time: T0, batteryMv: NaN, batteryMa: 0, solarMv: 0, solarMa: 0, socPercent: 0 })).toThrow(/batteryMv/);
    await store.close();
  });

  it('keep failed rows for a later try, up to maxQueued, and report what was dropped', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const written: number[][] = [];
    const errors: [string, number][] = [];
    let failing = true;
    const batcher = new RowBatcher<number>({
      maxRows: 3,
      maxDelayMs: 1000,
      maxQueued: 5,
      write: (rows) => (failing ? Promise.reject(new Error('disk I/O error')) : (written.push([...rows]), Promise.resolve())),
      onError: (err, dropped) => errors.push([String(err), dropped]),
    });
    for (const n of [1, 2, 3]) batcher.add(n); // write starts and fails
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([['Error: disk I/O error', 0]]);
    for (const n of [4, 5, 6]) batcher.add(n); // no tight retry loop: the queue grows past maxQueued
    expect(batcher.queued).toBe(5);
    expect(batcher.dropped).toBe(1);
    failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([[2, 3, 4, 5, 6]]);
    expect(errors.at(-1)?.[1]).toBe(1);
    expect(() => new RowBatcher({ maxRows: 0, maxDelayMs: 1, maxQueued: 1, write: () => Promise.resolve(), onError: () => {} })).toThrow(
      /maxRows must be a positive whole number, got 0/,
    );
  });
});

describe('queries', () => {
  it('plays and events since a time, the track between two times, play seconds of a day', async () => {
    const store = await CartStore.open({ path: join(await tempDir(), 'cart.db') });
    const day = Math.floor(T0 / DAY) * DAY;
    await store.appendDurable([play(day - 10, 40), play(day + 5, 30.5), play(day + 3600, 60), play(day + DAY, 99), event(day + 7)]);
    expect((await store.playsSince(day)).map((p) => p.seconds)).toEqual([30.5, 60, 99]);
    expect((await store.playsSince(day))[0]).toEqual({ ...play(day + 5, 30.5), record: 2 });
    expect(await store.playSecondsToday(day)).toBeCloseTo(90.5);
    expect(await store.playSecondsToday(day + 2 * DAY)).toBe(0);
    expect((await store.eventsSince(day))[0]).toMatchObject({ record: 5, code: 'quiet-zone', detail: 'Khu vực yên tĩnh' });
    for (let i = 0; i < 10; i++) store.addTrackPoint({ time: T0 + i * 10, lat: 21 + i / 1e5, lon: 105.85, speed: i });
    const track = await store.trackBetween(T0 + 20, T0 + 50); // queued points are written first
    expect(track.map((p) => p.time)).toEqual([T0 + 20, T0 + 30, T0 + 40, T0 + 50]);
    expect(track[0]).toEqual({ time: T0 + 20, lat: 21.00002, lon: 105.85, speed: 2, source: 'gnss' });
    store.addPowerSample({ time: T0, batteryMv: 12_600, batteryMa: -1500, solarMv: 18_000, solarMa: 0, socPercent: 81.5 });
    expect(await store.powerSince(T0)).toEqual([{ time: T0, batteryMv: 12_600, batteryMa: -1500, solarMv: 18_000, solarMa: 0, socPercent: 81.5 }]);
    await store.close();
  });

  it('adds runtime counters and keeps them across a restart', async () => {
    const path = join(await tempDir(), 'cart.db');
    const store = await CartStore.open({ path });
    expect(await store.runtimeCounters()).toEqual({ uptimeS: 0, amplifierS: 0, audioS: 0, relaySwitches: 0, buttonPresses: 0 });
    await store.addRuntime({ uptimeS: 60, audioS: 12.5 });
    await store.addRuntime({ uptimeS: 60, relaySwitches: 1 });
    await expect(store.addRuntime({ uptimeS: -1 })).rejects.toThrow(/deltas.uptimeS must be a number ≥ 0, got -1/);
    await expect(store.addRuntime({ bogus: 1 } as never)).rejects.toThrow(/bogus is not a runtime counter/);
    await store.close();
    const again = await CartStore.open({ path });
    expect(await again.runtimeCounters()).toMatchObject({ uptimeS: 120, audioS: 12.5, relaySwitches: 1 });
    await again.close();
  });
});

describe('retention', () => {
  it('deletes rows older than their retention; acknowledged payloads go, typed rows stay', async () => {
    let now = T0 * 1000;
    const store = await CartStore.open({ path: join(await tempDir(), 'cart.db'), now: () => now });
    for (let d = 0; d < 10; d++) {
      store.addTrackPoint({ time: T0 - d * DAY, lat: 21, lon: 105.8 });
      store.addPowerSample({ time: T0 - d * DAY, batteryMv: 12_000, batteryMa: 0, solarMv: 0, solarMa: 0, socPercent: 50 });
    }
    await store.appendDurable([play(T0 - 20 * DAY), play(T0 - DAY), event(T0 - 20 * DAY)]);
    await store.acknowledge([[1, 2]]);
    now += 3 * DAY * 1000; // acknowledged 3 days ago
    await store.flush();
    const result = await store.prune({ trackDays: 7.5, samplesDays: 6.5, ackedDays: 2 });
    expect(result).toEqual({ trackPoints: 5, powerSamples: 6, ackedRecords: 2, plays: 0, events: 0 });
    expect(await store.trackBetween(0, T0 + DAY)).toHaveLength(5);
    expect((await store.pending(65_536)).map((e) => e.record)).toEqual([3]);
    expect(await store.playsSince(0)).toHaveLength(2);
    expect(await store.prune({ playsDays: 10, eventsDays: 30 })).toMatchObject({ plays: 1, events: 0 });
    await expect(store.prune({ trackDays: -1 })).rejects.toThrow(/retention.trackDays must be a number of days ≥ 0, got -1/);
    await store.close();
  });
});
