// Scenarios run against more than one broker or link: the same assertions whatever carries the frames.
import { expect } from 'vitest';
import type { LinkTransport } from '../../../device/link/transport.js';
import type { UplinkOptions } from '../../../device/link/uplink.js';
import type { FakeDistrict } from './fake-district.js';
import { makeUplink, until, type Harness } from './harness.js';
import { playRecord } from './memory-store.js';
import type { OutboxEntry } from '../../../device/link/outbox-source.js';

/** Every copy the district received of every entry is the stored bytes, and every entry arrived. */
export function expectDelivered(district: FakeDistrict, entries: readonly OutboxEntry[]): void {
  for (const e of entries) {
    const copies = district.copies.get(e.record);
    expect(copies, `record ${e.record} never arrived`).toBeDefined();
    for (const c of copies!) expect(c.equals(e.bytes), `record ${e.record} changed between copies`).toBe(true);
  }
}

/** A backlog of `count` records drains oldest first, each acked once received. */
export async function backlogDrains(transport: LinkTransport, district: FakeDistrict, count: number, options: Partial<UplinkOptions> = {}): Promise<Harness> {
  const h = makeUplink(transport, { ackTimeout: { initialMs: 500, maxMs: 2000 }, ...options });
  const entries = h.outbox.add(playRecord, count);
  await h.uplink.start();
  try {
    await until(async () => (await h.outbox.depth()) === 0, `the backlog of ${count} to drain`, 15_000);
    expect(district.firstSeen).toEqual(entries.map((e) => e.record));
    expectDelivered(district, entries);
    expect(h.uplink.stats().recordsAcked).toBe(count);
  } finally {
    await h.uplink.stop();
  }
  return h;
}
