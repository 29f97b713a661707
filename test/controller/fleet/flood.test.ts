// Issue 12: one cart flooding live telemetry (MQTT QoS 0, as fast as the socket takes it) against a whole controller,
// while another cart sends durable events: the other cart is acknowledged promptly, memory stays bounded, and the
// flood's drops are counted for the flooding unit.
import { afterEach, describe, expect, it } from 'vitest';
import { unitTopic } from '../../../protocol/index.js';
import { listUnitAlerts } from '../../../controller/fleet/unit-alerts.js';
import { addCart, DISTRICT, startController, TestCart, type Rig } from '../app/harness.js';
import { counter, sleep, until } from './harness.js';
import { publishPacket } from '../../../tools/mqtt-packets.js';

const FLOOD_MS = 5000;
/** Growth of this process's resident memory allowed during the flood (the controller, the broker and both carts). */
const RSS_CEILING_MB = 100;
/** The other cart's events must be acknowledged within this. */
const ACK_WITHIN_MS = 2000;


let rig: Rig | undefined;
const carts: TestCart[] = [];

afterEach(async () => {
  for (const c of carts.splice(0)) await c.close();
  await rig?.close();
  rig = undefined;
});

describe('a cart flooding the controller', () => {
  it('is limited and counted; the other cart is still acknowledged within 2 s and memory stays bounded', { timeout: 30_000 }, async () => {
    rig = await startController();
    const flooder = await TestCart.connect(rig.controller.brokerUrl, await addCart(rig, 'dan-luc-01'));
    const other = await TestCart.connect(rig.controller.brokerUrl, await addCart(rig, 'dan-luc-02'));
    carts.push(flooder, other);
    const ingest = rig.controller.ingest;
    const db = rig.controller.db;
    /** The other cart sends an event and waits for its ack: the milliseconds it took. */
    const event = async (): Promise<number> => {
      const record = other.nextRecord();
      const started = Date.now();
      await other.send([{ type: 'event', record, at: { time: 1_795_914_000 + record, source: 'gnss' }, kind: 'button', code: 'next', detail: 'nút chuyển bài' }]);
      await until(() => other.acked.has(record), `the ack of the other cart's record ${record}`, 15_000);
      return Date.now() - started;
    };
    // Before the flood: both carts known to the ingest (a unit's first frame reads the registry), and a baseline.
    await flooder.send([{ type: 'telemetry', soc: 80 }]);
    const baseline = await event();

    // The flood: raw QoS 0 PUBLISH packets written on the cart's own connection whenever its socket has room.
    const topic = Buffer.from(unitTopic(DISTRICT, flooder.unit.id, 'up'));
    const socket = flooder.client.stream;
    let sent = 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const flood = (async () => {
      const end = Date.now() + FLOOD_MS;
      while (Date.now() < end) {
        if (socket.writableLength < 1024 * 1024) {
          const packets: Buffer[] = [];
          for (let i = 0; i < 500; i++) packets.push(publishPacket(topic, flooder.frame([{ type: 'telemetry', batteryMv: 12_000 + (sent++ % 500), soc: 80 }])));
          socket.write(Buffer.concat(packets));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    // The other cart: an event every 500 ms during the flood, each acknowledged within ACK_WITHIN_MS.
    const latencies: number[] = [];
    await sleep(500);
    for (let i = 0; i < 6; i++) {
      const ms = await event();
      latencies.push(ms);
      await sleep(Math.max(0, 500 - ms));
    }
    await flood;
    await ingest.flush();
    clearInterval(sampler);

    const stored = await counter(db, 'frames');
    const limited = await counter(db, 'dropped:rate-limited');
    const queueFull = await counter(db, 'dropped:queue-full');
    const alerts = await listUnitAlerts(db, flooder.unit.id);
    const summary = { sent, stored, limited, queueFull, baseline, latencies, rssGrowthMb: Math.round((rssPeak - rssBefore) / 2 ** 20) };
    expect(sent, JSON.stringify(summary)).toBeGreaterThan(10_000); // a flood worth the name
    expect(Math.max(...latencies), JSON.stringify(summary)).toBeLessThan(ACK_WITHIN_MS);
    expect(summary.rssGrowthMb, JSON.stringify(summary)).toBeLessThan(RSS_CEILING_MB);
    expect(limited, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(alerts.find((a) => a.code === 'rate-limited')?.count, JSON.stringify(summary)).toBeGreaterThanOrEqual(limited);
    expect(await listUnitAlerts(db, other.unit.id)).toEqual([]);
  });
});
