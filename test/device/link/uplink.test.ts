// The uplink session against an in-memory transport, with fake timers where time matters: packing, acks, resends
// with backoff, the in-flight cap, live latest-wins and pacing, and every refusal of what comes down.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, signObject, type Command, type Telemetry } from '../../../protocol/index.js';
import { TEST_UNIT_KEY } from '../../../tools/vector-cases.js';
import { districtKey, makeDistrict, makeUplink, ORIGIN, strangerKey, UNIT } from './harness.js';
import { MemoryTransport } from './memory-transport.js';
import { playRecord, T0 } from './memory-store.js';

const telemetry = (batteryMv: number): Telemetry => ({ type: 'telemetry', batteryMv, soc: 70 });
const command = (counter: number, more: Partial<Command> = {}): Command =>
  ({ unit: UNIT.number, counter, issued: T0 - 60, expires: T0 + 3600, action: 'set-volume', volume: 40, ...more }) as Command;

/** A transport wired to a fake district that receives every frame sent. */
function wired(acking = true) {
  const transport = new MemoryTransport();
  const district = makeDistrict((bytes) => Promise.resolve(transport.deliver(bytes)));
  district.acking = acking;
  transport.onSend = (bytes) => void district.receive(bytes);
  return { transport, district };
}

describe('Uplink: sending', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('packs records oldest first into frames no bigger than maxFrameBytes and drains on acks', async () => {
    const { transport, district } = wired();
    const h = makeUplink(transport, { maxFrameBytes: 256 });
    h.outbox.add(playRecord, 200);
    await h.uplink.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(await h.outbox.depth()).toBe(0);
    expect(district.firstSeen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(Math.max(...transport.sent.map((b) => b.length))).toBeLessThanOrEqual(256);
    const frames = transport.sent.map((b) => decodeFrame(b, TEST_UNIT_KEY));
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames.every((f) => f.kind === 'unit' && f.unit === UNIT.number && f.boot === 5)).toBe(true);
    expect(h.uplink.stats()).toMatchObject({ recordsAcked: 200, recordsResent: 0 });
    await h.uplink.stop();
  });

  it('resends unacknowledged records byte-identical after the ack timeout, backing off', async () => {
    const { transport, district } = wired(false);
    const h = makeUplink(transport, { ackTimeout: { initialMs: 1000, maxMs: 4000, factor: 2 } });
    const entries = h.outbox.add(playRecord, 3);
    await h.uplink.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(transport.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(4000); // capped at 4 s
    expect(transport.sent).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(4000);
    expect(transport.sent).toHaveLength(5);
    for (const e of entries) {
      const copies = district.copies.get(e.record)!;
      expect(copies).toHaveLength(5);
      for (const c of copies) expect(c.equals(e.bytes)).toBe(true);
    }
    // New frames each time: the resends are not replays of the same frame.
    expect(new Set(transport.sent.map((b) => b.toString('hex'))).size).toBe(5);
    district.acking = true;
    await vi.advanceTimersByTimeAsync(4000);
    expect(await h.outbox.depth()).toBe(0);
    expect(h.uplink.stats().recordsResent).toBe(15);
    await h.uplink.stop();
  });

  it('keeps at most maxBacklogInFlight backlog frames waiting for an ack', async () => {
    const { transport } = wired(false);
    const h = makeUplink(transport, { maxFrameBytes: 200, maxBacklogInFlight: 3 });
    h.outbox.add(playRecord, 100);
    await h.uplink.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(transport.sent).toHaveLength(3);
    await h.uplink.stop();
  });

  it('resends what was in flight as soon as the link comes back', async () => {
    const { transport, district } = wired(false);
    const h = makeUplink(transport);
    h.outbox.add(playRecord, 5);
    await h.uplink.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.sent).toHaveLength(1);
    transport.setUp(false);
    district.acking = true;
    transport.setUp(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.sent).toHaveLength(2);
    expect(await h.outbox.depth()).toBe(0);
    await h.uplink.stop();
  });

  it('keeps only the newest live set while the link is down', async () => {
    const transport = new MemoryTransport(false);
    const h = makeUplink(transport);
    await h.uplink.start();
    h.uplink.sendLive([telemetry(12_100)]);
    h.uplink.sendLive([telemetry(12_200)]);
    transport.setUp(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.sent.map((b) => decodeFrame(b, TEST_UNIT_KEY).messages)).toEqual([[telemetry(12_200)]]);
    await h.uplink.stop();
  });

  it('sends live at most every livePeriodMs, ahead of a backlog that is waiting on acks', async () => {
    const { transport } = wired(false);
    const h = makeUplink(transport, { livePeriodMs: 1000, maxBacklogInFlight: 1, maxFrameBytes: 200 });
    h.outbox.add(playRecord, 50);
    await h.uplink.start();
    h.uplink.sendLive([telemetry(12_000)]);
    await vi.advanceTimersByTimeAsync(0);
    const liveFrames = (): number => transport.sent.filter((b) => decodeFrame(b, TEST_UNIT_KEY).messages.some((m) => m.type === 'telemetry')).length;
    expect(liveFrames()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    h.uplink.sendLive([telemetry(12_100)]);
    h.uplink.sendLive([telemetry(12_200)]);
    await vi.advanceTimersByTimeAsync(800);
    expect(liveFrames()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(liveFrames()).toBe(2);
    // Latest wins, and it goes as what changed since the first frame (the state of charge did not).
    const last = decodeFrame(transport.sent.at(-1)!, TEST_UNIT_KEY);
    expect(last.messages[0]).toEqual({ type: 'telemetry', batteryMv: 12_200 });
    await h.uplink.stop();
  });

  it('sends telemetry as changes, every field every liveRefreshEvery frames and again after the link came back', async () => {
    const transport = new MemoryTransport();
    const h = makeUplink(transport, { livePeriodMs: 1000, liveRefreshEvery: 3 });
    await h.uplink.start();
    const sent = (): unknown[] => transport.sent.map((b) => decodeFrame(b, TEST_UNIT_KEY).messages[0]);
    for (const mv of [12_000, 12_005, 12_050, 12_060]) {
      h.uplink.sendLive([telemetry(mv)]);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(sent()).toEqual([telemetry(12_000), { type: 'telemetry' }, { type: 'telemetry', batteryMv: 12_050 }, telemetry(12_060)]);
    // Down, then up: what went while it was going down may be lost, so every field goes again.
    transport.setUp(false);
    transport.setUp(true);
    h.uplink.sendLive([telemetry(12_060)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent().at(-1)).toEqual(telemetry(12_060));
    await h.uplink.stop();
  });

  it('sends a live fix as offsets from the district origin it was given', async () => {
    const transport = new MemoryTransport();
    const h = makeUplink(transport);
    await h.uplink.start();
    const fix = { type: 'fix' as const, time: T0, lat: 19.839, lon: 105.618, speed: 1.2, course: 87, satellites: 9, quality: 'gps' as const };
    h.uplink.sendLive([fix]);
    await vi.advanceTimersByTimeAsync(0);
    // Read as the district reads it: with the origin it stored for this cart, next to its own clock.
    expect(decodeFrame(transport.sent[0]!, TEST_UNIT_KEY, { origin: ORIGIN, now: T0 + 5 }).messages).toEqual([fix]);
    await h.uplink.stop();
  });

  it('refuses a live set that does not fit in a frame, naming the limit', () => {
    const h = makeUplink(new MemoryTransport(), { maxFrameBytes: 100 });
    const fixes = Array.from({ length: 10 }, () => ({ type: 'fix' as const, time: T0, lat: 19.8, lon: 105.6, speed: 1, course: 2, satellites: 8, quality: 'gps' as const }));
    expect(() => h.uplink.sendLive(fixes)).toThrow(/more than one frame of 100 bytes/);
  });

  it('names the bad option', () => {
    const t = new MemoryTransport();
    expect(() => makeUplink(t, { unitKey: Buffer.alloc(16) })).toThrow(/unitKey must be a Buffer of 32 bytes, got 16 bytes/);
    expect(() => makeUplink(t, { maxFrameBytes: 10 })).toThrow(/maxFrameBytes must be an integer from .* got 10/);
    expect(() => makeUplink(t, { unit: { number: 0, name: 'x' } })).toThrow(/unit.number must be an integer from 1, got 0/);
    expect(() => makeUplink(t, { origin: { lat: 91, lon: 105.6 } })).toThrow(/origin: lat 91 must be a number of degrees from -90 to 90/);
  });
});

describe('Uplink: what comes down', () => {
  async function started() {
    const { transport, district } = wired();
    const h = makeUplink(transport);
    await h.uplink.start();
    return { transport, district, h };
  }

  it('obeys a signed command once, records the result and refuses its replays', async () => {
    const { transport, district, h } = await started();
    const frame = district.frame([{ type: 'command', signed: district.signedCommand(command(1)) }]);
    transport.deliver(frame);
    await h.uplink.flush();
    await vi.waitFor(() => expect(h.results).toHaveLength(1));
    expect(h.obeyed).toEqual([command(1)]);
    expect(h.results[0]).toMatchObject({ type: 'command-result', counter: 1, status: 'ok', detail: 'did set-volume' });
    expect(h.state.lastCommandCounter).toBe(1);
    // The same frame again: refused by the replay window before anything in it is read.
    transport.deliver(frame);
    // The same command in a new frame: refused by its counter, and answered.
    await district.sendCommand(command(1));
    await vi.waitFor(() => expect(h.results).toHaveLength(2));
    expect(h.obeyed).toHaveLength(1);
    expect(h.results[1]).toMatchObject({ counter: 1, status: 'replay' });
    expect(h.uplink.stats().refused).toMatchObject({ replay: 1, 'command-replay': 1 });
    expect(h.uplink.stats().commandsObeyed).toBe(1);
    await h.uplink.stop();
  });

  it('refuses an expired command, one signed by another key, one for another cart, and counts them', async () => {
    const { district, h } = await started();
    await district.sendCommand(command(2, { expires: T0 - 1 }));
    await district.sendCommand(command(3), strangerKey);
    await district.sendCommand(command(4, { unit: 8 }));
    await vi.waitFor(() => expect(h.results).toHaveLength(3));
    expect(h.obeyed).toEqual([]);
    expect(h.results.map((r) => [r.counter, r.status])).toEqual([[2, 'expired'], [3, 'bad-signature'], [4, 'refused']]);
    expect(h.uplink.stats().refused).toMatchObject({ 'command-expired': 1, 'command-bad-signature': 1, 'command-refused': 1 });
    expect(h.state.lastCommandCounter).toBe(0);
    await h.uplink.stop();
  });

  it('drops frames with a bad tag, for another unit or of the unit kind, and garbage, counting each', async () => {
    const { transport, district, h } = await started();
    const refused: string[] = [];
    h.uplink.on('refused', (reason) => refused.push(reason));
    transport.deliver(district.frame([{ type: 'command', signed: district.signedCommand(command(5)) }], Buffer.alloc(32, 9)));
    const forged = district.frame([{ type: 'ack', ranges: [[1, 1]] }]);
    forged[forged.length - 1]! ^= 1;
    transport.deliver(forged);
    transport.deliver(Buffer.from([0x11, 8, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8]));
    transport.deliver(Buffer.from([0x10, 7, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8]));
    transport.deliver(Buffer.from([0x55]));
    await vi.waitFor(() => expect(refused).toHaveLength(5));
    expect(refused).toEqual(['bad-tag', 'bad-tag', 'wrong-unit', 'wrong-kind', 'bad-header']);
    expect(h.obeyed).toEqual([]);
    expect(h.state.saves).toBe(0);
    await h.uplink.stop();
  });

  it('keeps the replay window and the command counter across a restart', async () => {
    const { transport, district, h } = await started();
    const frame = district.frame([{ type: 'command', signed: district.signedCommand(command(9)) }]);
    transport.deliver(frame);
    await vi.waitFor(() => expect(h.results).toHaveLength(1));
    await h.uplink.stop();
    const again = makeUplink(transport, { state: h.state });
    await again.uplink.start();
    transport.deliver(frame);
    await district.sendCommand(command(9));
    await vi.waitFor(() => expect(again.results).toHaveLength(1));
    expect(again.obeyed).toEqual([]);
    expect(again.uplink.stats().refused).toMatchObject({ replay: 1, 'command-replay': 1 });
    await again.uplink.stop();
  });

  it('hands over a signed announcement and refuses forged ones or another district’s', async () => {
    const { transport, h } = await started();
    const announcement = { district: 'thach-thanh', version: 13, sha256: 'ab'.repeat(32), size: 4096 };
    transport.announce(signObject({ type: 'announcement', announcement }, districtKey));
    transport.announce(signObject({ type: 'announcement', announcement }, strangerKey));
    transport.announce(signObject({ type: 'announcement', announcement: { ...announcement, district: 'nga-son' } }, districtKey));
    transport.announce(signObject({ type: 'command', command: command(1) }, districtKey));
    await h.uplink.flush();
    await vi.waitFor(() => expect(h.uplink.stats().refused.announcement).toBe(3));
    expect(h.announcements).toEqual([announcement]);
    await h.uplink.stop();
  });
});
