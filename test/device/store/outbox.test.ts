// The outbox on a real SQLite file: record numbers, order, byte limits, acknowledgements, overflow, reopening.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartStore, type OverflowInfo } from '../../../device/store/index.js';
import { ByteReader, encodeMessage, readMessages, type DurableRecord } from '../../../protocol/index.js';
import { event, play, T0, tempDir } from './fixtures.js';

async function openStore(options: Partial<Parameters<typeof CartStore.open>[0]> = {}): Promise<{ store: CartStore; path: string }> {
  const path = options.path ?? join(await tempDir(), 'cart.db');
  return { store: await CartStore.open({ ...options, path }), path };
}

describe('CartStore outbox', () => {
  it('numbers records from 1 and keeps the bytes encodeMessage gives', async () => {
    const { store } = await openStore();
    const kept = await store.appendDurable([play(T0), event(T0 + 1)]);
    expect(kept.map((r) => r.record)).toEqual([1, 2]);
    const pending = await store.pending(65_536);
    expect(pending.map((e) => e.record)).toEqual([1, 2]);
    expect(pending[0]!.bytes).toEqual(encodeMessage(kept[0]!));
    expect(readMessages(new ByteReader(pending[1]!.bytes))).toEqual([kept[1]]);
    expect(await store.depth()).toBe(2);
    await store.close();
  });

  it('hands out records oldest first, at most maxBytes but always at least one', async () => {
    const { store } = await openStore();
    const kept = await store.appendDurable(Array.from({ length: 600 }, (_, i) => event(T0 + i, `c${i}`, 'x'.repeat(i % 50))));
    const sizes = kept.map((r) => encodeMessage(r).length);
    const all = await store.pending(10_000_000);
    expect(all.map((e) => e.record)).toEqual(kept.map((r) => r.record)); // past the 256-row read chunk
    const limit = 1000;
    const some = await store.pending(limit);
    // The longest prefix of records that fits: the outbox never skips one to fill the space.
    let fits = 0;
    let sum = 0;
    while (fits < sizes.length && sum + sizes[fits]! <= limit) sum += sizes[fits++]!;
    expect(fits).toBeGreaterThan(5);
    expect(some.map((e) => e.record)).toEqual(kept.slice(0, fits).map((r) => r.record));
    expect(some.reduce((s, e) => s + e.bytes.length, 0)).toBeLessThanOrEqual(limit);
    expect(await store.pending(1)).toHaveLength(1); // one record bigger than the limit still goes
    await expect(store.pending(0)).rejects.toThrow(/maxBytes must be a positive whole number, got 0/);
    await store.close();
  });

  it('acknowledges inclusive ranges once, and only what is pending moves on', async () => {
    const { store } = await openStore();
    await store.appendDurable(Array.from({ length: 10 }, (_, i) => play(T0 + i)));
    expect(await store.acknowledge([[2, 4], [7, 7]])).toBe(4);
    expect(await store.acknowledge([[1, 3], [100, 200]])).toBe(1); // 2 and 3 were already acknowledged
    expect((await store.pending(65_536)).map((e) => e.record)).toEqual([5, 6, 8, 9, 10]);
    expect(await store.depth()).toBe(5);
    expect(await store.acknowledge([])).toBe(0);
    await expect(store.acknowledge([[5, 4]])).rejects.toThrow(/first ≤ last, got \[5,4\]/);
    await expect(store.acknowledge([[-1, 4]])).rejects.toThrow(RangeError);
    await store.close();
  });

  it('never reuses a record number after a restart, and keeps depth and acknowledgements', async () => {
    const { store, path } = await openStore();
    await store.appendDurable([play(T0), play(T0 + 1), play(T0 + 2)]);
    await store.acknowledge([[1, 3]]);
    await store.close();
    const again = await CartStore.open({ path });
    expect(await again.depth()).toBe(0);
    const [next] = await again.appendDurable([event(T0 + 3)]);
    expect(next!.record).toBe(4);
    await again.prune({ ackedDays: 0 }); // acknowledged payloads gone: numbers still not reused
    await again.acknowledge([[4, 4]]);
    await again.prune({ ackedDays: 0 });
    await again.close();
    const third = await CartStore.open({ path });
    expect((await third.appendDurable([event(T0 + 4)]))[0]!.record).toBe(5);
    expect(await third.depth()).toBe(1);
    await third.close();
  });

  it('rolls back a batch with a value the protocol cannot carry: no number is used up', async () => {
    const { store } = await openStore();
    await expect(store.appendDurable([play(T0), { ...play(T0), volume: 300 }])).rejects.toMatchObject({ name: 'ProtocolError' });
    expect(await store.depth()).toBe(0);
    expect((await store.appendDurable([play(T0)]))[0]!.record).toBe(1);
    expect(await store.playsSince(0)).toHaveLength(1);
    await store.close();
  });

  it('drops the oldest unacknowledged records when full, counts them and says so in a storage event', async () => {
    const overflows: OverflowInfo[] = [];
    const { store, path } = await openStore({ maxUnacked: 10 });
    store.on('overflow', (info) => overflows.push(info));
    await store.appendDurable(Array.from({ length: 9 }, (_, i) => play(T0 + i)));
    await store.acknowledge([[1, 1]]); // an acknowledged record is never "lost"
    await store.appendDurable([play(T0 + 9), play(T0 + 10)]);
    expect(await store.depth()).toBe(10);
    expect(await store.lostRecords()).toBe(0);
    await store.appendDurable([play(T0 + 11)]);
    expect(overflows).toEqual([{ dropped: 2, first: 2, last: 3, event: 13, lostTotal: 2 }]);
    expect(await store.depth()).toBe(10); // 11 unacknowledged, 2 dropped, 1 overflow event
    expect(await store.lostRecords()).toBe(2);
    const pending = await store.pending(65_536);
    expect(pending.map((e) => e.record)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const [overflowEvent] = readMessages(new ByteReader(pending[pending.length - 1]!.bytes)) as DurableRecord[];
    expect(overflowEvent).toMatchObject({ type: 'event', record: 13, kind: 'storage', code: 'outbox-overflow' });
    expect((overflowEvent as { detail: string }).detail).toMatch(/dropped the 2 oldest, records 2–3; 2 lost in total/);
    expect((await store.eventsSince(0)).map((e) => e.code)).toEqual(['outbox-overflow']);
    expect(await store.playsSince(0)).toHaveLength(12); // the plays themselves stay in their table
    await store.close();
    const again = await CartStore.open({ path, maxUnacked: 10 });
    expect(await again.lostRecords()).toBe(2);
    await again.close();
  });

  it('refuses a batch that cannot fit at all, and bad options', async () => {
    const { store } = await openStore({ maxUnacked: 5 });
    await expect(store.appendDurable(Array.from({ length: 5 }, () => play(T0)))).rejects.toThrow(/5 in one call do not fit maxUnacked \(5\)/);
    await expect(store.appendDurable([{ type: 'telemetry' } as never])).rejects.toThrow(/records\[0\].type must be a durable record type .* got "telemetry"/);
    await store.close();
    await expect(store.depth()).rejects.toMatchObject({ code: 'closed' });
    await expect(CartStore.open({ path: join(await tempDir(), 'x.db'), maxUnacked: 1 })).rejects.toThrow(/maxUnacked must be a whole number ≥ 2, got 1/);
  });

  it('commits settings in the same transaction as the records', async () => {
    const { store, path } = await openStore();
    await store.appendDurable(
      [{ type: 'command-result', at: { time: T0, source: 'gnss' }, counter: 41, status: 'ok', detail: '' }],
      { settings: { lastCommandCounter: 41 } },
    );
    await store.setSettings({ volume: 65, districtReplay: { boot: 3, top: 17, seen: '12345678901234567890' } });
    await store.setSetting('volume', 70);
    await store.close();
    const again = await CartStore.open({ path });
    expect(await again.getSetting('lastCommandCounter')).toBe(41);
    expect(await again.getSetting('volume')).toBe(70);
    expect(await again.getSetting('districtReplay')).toEqual({ boot: 3, top: 17, seen: '12345678901234567890' });
    expect(await again.getSetting('activeManifestVersion')).toBeUndefined();
    await again.close();
  });
});
