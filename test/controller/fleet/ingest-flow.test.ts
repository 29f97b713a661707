// The ingest's bounds per unit (issue 12): the fair queue, the token buckets, and what the ingest does with a frame
// over its unit's limit — a live one is dropped and counted, a durable one is not acknowledged and comes again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, type Message } from '../../../protocol/index.js';
import { FairQueue, UnitRateLimiter, type RateLimits } from '../../../controller/fleet/ingest-flow.js';
import { FleetIngest, type FrameOrigin } from '../../../controller/fleet/ingest.js';
import type { Unit } from '../../../controller/fleet/registry.js';
import { listUnitAlerts } from '../../../controller/fleet/unit-alerts.js';
import { count, counter, makeFleet, play, T, type Fleet } from './harness.js';

const LIMITS: RateLimits = {
  live: { frames: { rate: 1, burst: 2 }, bytes: { rate: 1e6, burst: 1e6 } },
  durable: { frames: { rate: 1, burst: 2 }, bytes: { rate: 1e6, burst: 1e6 } },
};

describe('FairQueue', () => {
  it('takes the units in turn, and refuses what passes a unit’s bound or the total', () => {
    const q = new FairQueue<string>({ frames: 6, bytes: 1000, unitFrames: 4, unitBytes: 100 });
    for (let i = 1; i <= 5; i++) q.push('flood', `f${i}`, 10);
    expect(q.size).toBe(4); // the fifth passed the unit's 4 frames
    expect(q.push('other', 'o1', 10)).toBe(true);
    expect(q.push('other', 'o2', 200)).toBe(false); // over the unit's bytes
    expect(q.push('other', 'o2', 10)).toBe(true);
    expect(q.push('third', 't1', 10)).toBe(false); // 6 frames in all
    const order: string[] = [];
    for (let item = q.shift(() => 10); item !== undefined; item = q.shift(() => 10)) order.push(item);
    expect(order).toEqual(['f1', 'o1', 'f2', 'o2', 'f3', 'f4']);
    expect([q.size, q.bytes]).toEqual([0, 0]);
  });
});

describe('UnitRateLimiter', () => {
  it('lets a burst through, then the rate, per unit and per kind', () => {
    let now = 0;
    const limiter = new UnitRateLimiter(LIMITS, () => now);
    expect([1, 2, 3].map(() => limiter.take('a', 'live', 50))).toEqual([true, true, false]);
    expect(limiter.take('a', 'durable', 50)).toBe(true); // a durable frame has its own bucket
    expect(limiter.take('b', 'live', 50)).toBe(true); // and another unit its own
    now += 999;
    expect(limiter.take('a', 'live', 50)).toBe(false);
    now += 1;
    expect(limiter.take('a', 'live', 50)).toBe(true);
    expect(new UnitRateLimiter({ ...LIMITS, live: { ...LIMITS.live, bytes: { rate: 10, burst: 100 } } }, () => now).take('a', 'live', 101)).toBe(false);
  });
});

describe('FleetIngest over a unit’s limit', () => {
  let fleet: Fleet;
  let ingest: FleetIngest;
  let mono: number;
  let seq: number;
  const replies: Buffer[] = [];
  const origin: FrameOrigin = {
    link: 'test',
    reply: async (_unit: Unit, frame: Buffer) => void replies.push(frame),
  };

  beforeEach(async () => {
    fleet = await makeFleet();
    mono = 0;
    seq = 0;
    replies.length = 0;
    ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: 'yen-dinh', framer: fleet.framer, clock: () => T * 1000, rateLimits: LIMITS, monotonic: () => mono });
    await ingest.start();
  });

  afterEach(async () => {
    await ingest.stop();
    await fleet.close();
  });

  const send = (unit: Unit, messages: Message[]): Promise<void> => ingest.ingestFrame(encodeFrame({ kind: 'unit', unit: unit.number, boot: 1, seq: seq++, messages }, unit.key), origin);
  const acked = (unit: Unit): number[] =>
    replies.flatMap((f) => decodeFrame(f, unit.key).messages.flatMap((m) => (m.type === 'ack' ? m.ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)) : [])));

  it('does not acknowledge the records of a frame over the limit; they are stored and acknowledged when they come again', async () => {
    const a = fleet.carts.a.unit;
    const dropped: string[] = [];
    ingest.on('dropped', (d) => dropped.push(d.reason));
    await send(a, [play(1)]);
    await send(a, [play(2)]);
    await send(a, [play(3)]);
    await ingest.flush();
    expect(acked(a)).toEqual([1, 2]);
    expect(dropped).toEqual(['rate-limited']);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM plays')).toBe(2);
    mono += 1000;
    await send(a, [play(3)]); // the cart's outbox sends it again
    await ingest.flush();
    expect(acked(a)).toEqual([1, 2, 3]);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM plays')).toBe(3);
  });

  it('drops live frames over the limit, counts them for the unit, and lets another unit through', async () => {
    const { a, b } = fleet.carts;
    for (let i = 0; i < 5; i++) await send(a.unit, [{ type: 'telemetry', soc: 50 + i }]);
    await send(b.unit, [{ type: 'telemetry', soc: 70 }]);
    await ingest.flush();
    expect(await counter(fleet.db, 'dropped:rate-limited')).toBe(3);
    expect(await counter(fleet.db, 'frames')).toBe(3);
    const alerts = await listUnitAlerts(fleet.db);
    expect(alerts.map((x) => [x.unitId, x.code, x.count])).toEqual([[a.unit.id, 'rate-limited', 3]]);
    expect(alerts[0]!.detail).toContain('link.telemetryPeriodMs');
  });
});
