// The ingest fed directly (as the serial gateway feeds it), on a real SQLite file: checks, replay, storage, acks
// after the commit, live state, status and counters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ackMessages, decodeFrame, encodeFrame, encodeMessage, MAX_SERIAL_FRAME, recordRanges, type Message } from '../../../protocol/index.js';
import { FleetIngest, type FrameOrigin } from '../../../controller/fleet/ingest.js';
import type { Unit } from '../../../controller/fleet/registry.js';
import { listUnitStates } from '../../../controller/fleet/unit-state.js';
import { TEST_UNIT_KEY } from '../../../tools/vector-cases.js';
import { count, counter, makeFleet, play, T, type Fleet } from './harness.js';

let fleet: Fleet;
let now: number;
let ingest: FleetIngest;
let replies: { unit: string; frame: Buffer; storedThen: number }[];
let origin: FrameOrigin;
let seq: number;

beforeEach(async () => {
  fleet = await makeFleet();
  now = T * 1000;
  seq = 0;
  replies = [];
  ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: 'yen-dinh', framer: fleet.framer, clock: () => now });
  origin = {
    link: 'test',
    reply: async (unit: Unit, frame: Buffer) => {
      const storedThen = await count(fleet.db, 'SELECT count(*) AS n FROM records WHERE unit_id = ?', [unit.id]);
      replies.push({ unit: unit.id, frame, storedThen });
    },
  };
  await ingest.start();
});

afterEach(async () => {
  await ingest.stop();
  await fleet.close();
});

function frameOf(unit: Unit, messages: Message[], boot = 1, key: Buffer = unit.key): Buffer {
  return encodeFrame({ kind: 'unit', unit: unit.number, boot, seq: seq++, messages }, key);
}

function acked(unit: Unit): [number, number][][] {
  return replies.filter((r) => r.unit === unit.id).map((r) => decodeFrame(r.frame, unit.key)).flatMap((f) => f.messages.map((m) => (m.type === 'ack' ? m.ranges : [])));
}

describe('FleetIngest', () => {
  it('stores each record with its bytes and both times, and acks only after the commit', async () => {
    const a = fleet.carts.a.unit;
    const messages: Message[] = [
      { type: 'hello', record: 1, firmware: '0.2.0', manifestVersion: 3, capabilities: ['relay', 'gnss'], bootTime: { time: T - 30, source: 'gnss' } },
      play(2),
      { type: 'event', record: 3, at: { time: T + 5, source: 'estimated' }, kind: 'block', code: 'quiet-zone', detail: 'Trường học: giới hạn âm lượng' },
    ];
    await ingest.ingestFrame(frameOf(a, messages), origin);
    await ingest.flush();
    await ingest.stop();
    expect(replies).toHaveLength(1);
    expect(replies[0]!.storedThen).toBe(3);
    const frame = decodeFrame(replies[0]!.frame, a.key);
    expect(frame).toMatchObject({ kind: 'district', unit: a.number, boot: 5, seq: 0, messages: [{ type: 'ack', ranges: [[1, 3]] }] });
    const rows = await fleet.db.exclusive(() => fleet.db.all<{ record: number; type: string; device_time: number; time_source: string; server_time: number; bytes: Buffer }>('SELECT * FROM records ORDER BY record'));
    expect(rows.map((r) => [r.record, r.type, r.device_time, r.time_source, r.server_time])).toEqual([
      [1, 'hello', T - 30, 'gnss', T],
      [2, 'play', T + 120, 'gnss', T],
      [3, 'event', T + 5, 'estimated', T],
    ]);
    rows.forEach((r, i) => expect(Buffer.from(r.bytes).equals(encodeMessage(messages[i]!))).toBe(true));
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM hellos')).toBe(1);
    expect(await count(fleet.db, "SELECT count(*) AS n FROM events WHERE code = 'quiet-zone'")).toBe(1);
    expect(await counter(fleet.db, 'frames')).toBe(1);
  });

  it('gives the state the firmware of the latest hello, by record number, not of the last one to arrive', async () => {
    const a = fleet.carts.a.unit;
    const hello = (record: number, firmware: string): Message => ({ type: 'hello', record, firmware, manifestVersion: 3, capabilities: ['relay'], bootTime: { time: T + record, source: 'gnss' } });
    const firmware = async () => (await listUnitStates(fleet.db, { now: T, unitId: a.id }))[0]!.firmware;
    expect(await firmware()).toBeNull();
    await ingest.ingestFrame(frameOf(a, [hello(1, '0.2.0'), play(2)]), origin);
    await ingest.flush();
    expect(await firmware()).toBe('0.2.0');
    await ingest.ingestFrame(frameOf(a, [hello(7, '0.3.0')]), origin);
    await ingest.ingestFrame(frameOf(a, [hello(5, '0.2.1')]), origin); // an older hello from the cart's backlog
    await ingest.flush();
    expect(await firmware()).toBe('0.3.0');
  });

  it('drops replayed frames, forged tags, unknown and retired units, and frames on the wrong topic, counting each', async () => {
    const { a, b } = fleet.carts;
    const dropped: string[] = [];
    ingest.on('dropped', (d) => dropped.push(d.reason));
    const first = frameOf(a.unit, [play(1)], 2);
    await ingest.ingestFrame(first, origin);
    await ingest.ingestFrame(first, origin); // the broker delivered it twice
    await ingest.ingestFrame(frameOf(a.unit, [play(2)], 1), origin); // an older boot
    await ingest.ingestFrame(frameOf(a.unit, [play(3)], 2, TEST_UNIT_KEY), origin);
    await ingest.ingestFrame(encodeFrame({ kind: 'unit', unit: 99, boot: 1, seq: 0, messages: [play(4)] }, TEST_UNIT_KEY), origin);
    await ingest.ingestFrame(frameOf(a.unit, [play(5)], 2), { ...origin, unitName: b.unit.id });
    await ingest.ingestFrame(Buffer.from([0x11, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), origin); // a district frame sent up
    await ingest.ingestFrame(Buffer.from([0x10]), origin);
    await fleet.registry.retireUnit(b.unit.id);
    await ingest.ingestFrame(frameOf(b.unit, [play(6)]), origin);
    await ingest.flush();
    expect(dropped).toEqual(['replay-duplicate', 'replay-old-boot', 'bad-tag', 'unknown-unit', 'wrong-topic', 'wrong-kind', 'malformed', 'retired-unit']);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM records')).toBe(1);
    expect(await counter(fleet.db, 'dropped:bad-tag')).toBe(1);
    expect(await counter(fleet.db, 'dropped:replay-duplicate')).toBe(1);
    const day = await fleet.db.exclusive(() => fleet.db.get<{ day: string }>('SELECT day FROM ingest_counters LIMIT 1'));
    expect(day?.day).toBe('2026-11-29'); // Asia/Ho_Chi_Minh day
  });

  it('keeps the replay state across a restart of the ingest', async () => {
    const a = fleet.carts.a.unit;
    const old = frameOf(a, [play(1)], 3);
    await ingest.ingestFrame(old, origin);
    await ingest.stop();
    ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: 'yen-dinh', framer: fleet.framer, clock: () => now });
    await ingest.start();
    const dropped: string[] = [];
    ingest.on('dropped', (d) => dropped.push(d.reason));
    await ingest.ingestFrame(old, origin);
    await ingest.flush();
    expect(dropped).toEqual(['replay-duplicate']);
  });

  it('gathers frames arriving together into few transactions, and acks every record', async () => {
    const a = fleet.carts.a.unit;
    const commits: number[] = [];
    ingest.on('committed', (c) => commits.push(c.frames));
    const sends = [];
    for (let i = 0; i < 200; i++) sends.push(ingest.ingestFrame(frameOf(a, [play(2 * i + 1), play(2 * i + 2)]), origin));
    await Promise.all(sends);
    await ingest.flush();
    expect(commits.reduce((x, y) => x + y, 0)).toBe(200);
    expect(commits.length).toBeLessThan(20);
    expect(recordRanges(acked(a).flat().flatMap(([f, l]) => Array.from({ length: l - f + 1 }, (_, k) => f + k)))).toEqual([[1, 400]]);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM plays')).toBe(400);
  });

  it('merges partial telemetry, keeps one sample per minute, and moves fixes only forward', async () => {
    const a = fleet.carts.a.unit;
    await ingest.ingestFrame(frameOf(a, [{ type: 'telemetry', batteryMv: 12_600, soc: 80, state: { amplifierOn: true, relayOn: true, player: 'playing' }, volume: 60, faults: ['gnss'] }]), origin);
    now += 10_000;
    await ingest.ingestFrame(frameOf(a, [{ type: 'telemetry', batteryMv: 12_500, runtime: { uptimeS: 100, amplifierS: 50, audioS: 40 } }]), origin);
    await ingest.ingestFrame(frameOf(a, [{ type: 'fix', time: T + 500, lat: 19.9, lon: 105.6, speed: 1, course: 10, satellites: 8, quality: 'gps' }]), origin);
    await ingest.ingestFrame(frameOf(a, [{ type: 'fix', time: T + 100, lat: 10, lon: 100, speed: 1, course: 10, satellites: 8, quality: 'gps' }]), origin);
    now += 5_000;
    // A second full refresh in the same minute (a sped-up clock, or a refresh at stop): the counters only rise, so
    // the later ones are the minute's.
    await ingest.ingestFrame(frameOf(a, [{ type: 'telemetry', runtime: { uptimeS: 105, amplifierS: 55, audioS: 44 } }]), origin);
    now += 55_000;
    await ingest.ingestFrame(frameOf(a, [{ type: 'telemetry', soc: 79 }]), origin);
    await ingest.flush();
    const state = await fleet.db.exclusive(() => fleet.db.get<Record<string, unknown>>('SELECT * FROM unit_state WHERE unit_id = ?', [a.id]));
    expect(state).toMatchObject({ battery_mv: 12_500, soc: 79, amplifier_on: 1, player_state: 'playing', volume: 60, faults: '["gnss"]', telemetry_time: T + 70, fix_time: T + 500, lat: 19.9, last_seen: T + 70, boot: 1 });
    const samples = await fleet.db.exclusive(() =>
      fleet.db.all<{ minute: number; battery_mv: number; soc: number; amplifier_s: number | null }>('SELECT minute, battery_mv, soc, amplifier_s FROM telemetry_samples ORDER BY minute'),
    );
    // The minute's runtime counters came with its later messages (a cart's full refreshes): the last fills its sample.
    expect(samples).toEqual([
      { minute: Math.floor(T / 60), battery_mv: 12_600, soc: 80, amplifier_s: 55 },
      { minute: Math.floor((T + 70) / 60), battery_mv: 12_500, soc: 79, amplifier_s: null },
    ]);
    expect(replies).toEqual([]); // live messages are never acknowledged
  });

  it('records online and offline changes once each', async () => {
    const a = fleet.carts.a.unit;
    const changes: boolean[] = [];
    ingest.on('status', (s) => changes.push(s.online));
    await ingest.ingestStatus(a.id, 'online');
    await ingest.ingestStatus(a.id, 'online'); // the retained status again, after a resubscription
    now += 5000;
    await ingest.ingestStatus(a.id, 'offline');
    await ingest.ingestStatus('nobody', 'online');
    await ingest.flush();
    expect(changes).toEqual([true, false]);
    const rows = await fleet.db.exclusive(() => fleet.db.all<{ time: number; online: number }>('SELECT time, online FROM status_changes ORDER BY rowid'));
    expect(rows).toEqual([
      { time: T, online: 1 },
      { time: T + 5, online: 0 },
    ]);
    expect(await counter(fleet.db, 'status-unknown-unit')).toBe(1);
  });

  it('tells online from the status and the last frame heard', async () => {
    const { a, b, c } = fleet.carts;
    await ingest.ingestStatus(a.unit.id, 'online');
    await ingest.ingestFrame(frameOf(a.unit, [{ type: 'telemetry', soc: 50 }]), origin);
    await ingest.ingestFrame(frameOf(c.unit, [{ type: 'telemetry', soc: 60 }]), origin); // a serial cart: no MQTT status
    await ingest.ingestStatus(b.unit.id, 'online');
    await ingest.ingestStatus(b.unit.id, 'offline'); // its last will
    await ingest.flush();
    const online = async (at: number) => (await listUnitStates(fleet.db, { now: at, staleAfterSeconds: 600 })).map((s) => [s.unitId, s.online]);
    expect(await online(T + 60)).toEqual([
      ['dan-luc-01', true],
      ['dan-luc-02', false],
      ['dinh-tan-01', true],
    ]);
    expect(await online(T + 601)).toEqual([
      ['dan-luc-01', false],
      ['dan-luc-02', false],
      ['dinh-tan-01', false],
    ]);
  });
});

describe('ack packing', () => {
  it('folds records into ranges and keeps every ack frame within the serial maximum', () => {
    expect(recordRanges([5, 3, 4, 4, 9, 1])).toEqual([[1, 1], [3, 5], [9, 9]]);
    const scattered = Array.from({ length: 1000 }, (_, i) => 4_000_000_000 - i * 2);
    const acks = ackMessages(scattered);
    expect(acks.length).toBe(7);
    for (const ack of acks) {
      const frame = encodeFrame({ kind: 'district', unit: 1_000_000, boot: 4_000_000_000, seq: 4_000_000_000, messages: [ack] }, TEST_UNIT_KEY);
      expect(frame.length).toBeLessThanOrEqual(MAX_SERIAL_FRAME);
    }
  });
});
