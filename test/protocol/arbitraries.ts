// fast-check generators for every message, within the ranges the wire format carries exactly.
import fc from 'fast-check';
import {
  CAPABILITIES,
  COMMAND_STATUSES,
  EVENT_KINDS,
  FAULTS,
  FIX_QUALITIES,
  PLAY_OUTCOMES,
  PLAY_TRIGGERS,
  PLAYER_STATES,
  TIME_SOURCES,
  type Message,
} from '../../protocol/index.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const varint = fc.integer({ min: 0, max: 0xffff_ffff });
const pct = fc.integer({ min: 0, max: 100 });
const minutes = fc.integer({ min: 0, max: 1440 });
/** Degrees within ±`limit` in the 1e-7° steps the wire format carries exactly. */
export const e7 = (limit: number) => fc.integer({ min: -limit * 1e7, max: limit * 1e7 }).map((v) => v / 1e7);
const tenths = (max: number) => fc.integer({ min: 0, max }).map((v) => v / 10);
const stamp = fc.record({ time: u32, source: fc.constantFrom(...TIME_SOURCES) });
const text = (max: number) => fc.string({ maxLength: max, unit: 'grapheme' }).filter((s) => Buffer.byteLength(s) <= max);
// Bit sets come back in table order, so generate them in that order.
const names = (table: readonly string[]) =>
  fc.uniqueArray(fc.constantFrom(...table), { maxLength: table.length }).map((ns) => [...ns].sort((a, b) => table.indexOf(a) - table.indexOf(b)));

export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), record: varint, firmware: text(32), manifestVersion: varint, capabilities: names(CAPABILITIES), bootTime: stamp }),
  fc.record(
    {
      type: fc.constant('telemetry' as const),
      batteryMv: fc.integer({ min: 0, max: 0xffff }),
      batteryMa: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
      solarMv: fc.integer({ min: 0, max: 0xffff }),
      solarMa: varint,
      soc: pct,
      state: fc.record({ amplifierOn: fc.boolean(), relayOn: fc.boolean(), player: fc.constantFrom(...PLAYER_STATES) }),
      volume: pct,
      runtime: fc.record({ uptimeS: varint, amplifierS: varint, audioS: varint }),
      faults: names(FAULTS),
      outboxDepth: varint,
      sync: fc.record({ manifestVersion: varint, clipsMissing: varint, bytesToGo: varint }),
      energy: fc.record({
        minutesLeft: minutes,
        minutesLeftNoSun: minutes,
        reserveMinutes: minutes,
        minutesToFull: fc.option(minutes, { nil: null }),
        healthPercent: fc.option(fc.integer({ min: 0, max: 254 }), { nil: null }),
      }),
    },
    { requiredKeys: ['type'] },
  ),
  fc
    .record({
      type: fc.constant('fix' as const),
      time: u32,
      lat: e7(90),
      lon: e7(180),
      speed: tenths(100_000),
      course: fc.integer({ min: 0, max: 359 }),
      hdop: tenths(254),
      satellites: fc.integer({ min: 0, max: 255 }),
      quality: fc.constantFrom(...FIX_QUALITIES),
    }, { requiredKeys: ['type', 'time', 'lat', 'lon', 'speed', 'course', 'satellites', 'quality'] }),
  fc.record(
    {
      type: fc.constant('play' as const),
      record: varint,
      start: stamp,
      clip: fc.stringMatching(/^[A-Za-z0-9_-]{1,48}$/),
      manifestVersion: varint,
      seconds: tenths(1_000_000),
      outcome: fc.constantFrom(...PLAY_OUTCOMES),
      trigger: fc.constantFrom(...PLAY_TRIGGERS),
      volume: pct,
      where: fc.record({ lat: e7(90), lon: e7(180) }),
    },
    { requiredKeys: ['type', 'record', 'start', 'clip', 'manifestVersion', 'seconds', 'outcome', 'trigger', 'volume'] },
  ),
  fc.record({ type: fc.constant('event' as const), record: varint, at: stamp, kind: fc.constantFrom(...EVENT_KINDS), code: text(48), detail: text(300) }),
  fc.record({
    type: fc.constant('track' as const),
    record: varint,
    source: fc.constantFrom(...TIME_SOURCES),
    points: fc
      .array(fc.record({ dt: fc.integer({ min: 0, max: 86_400 }), lat: e7(90), lon: e7(180) }), { maxLength: 20 })
      .map((ps) => {
        let time = 1_700_000_000;
        return ps.map((p) => ({ time: (time += p.dt), lat: p.lat, lon: p.lon }));
      }),
  }),
  fc.record({
    type: fc.constant('ack' as const),
    ranges: fc.array(fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e6 })).map(([a, n]): [number, number] => [a, a + n]), { maxLength: 10 }),
  }),
  fc.record({ type: fc.constant('command' as const), signed: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) }),
  fc.record({ type: fc.constant('command-result' as const), record: varint, at: stamp, counter: varint, status: fc.constantFrom(...COMMAND_STATUSES), detail: text(200) }),
  fc.record({ type: fc.constant('unknown' as const), code: fc.integer({ min: 0x40, max: 0xff }), payload: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)) }),
);
