/**
 * Message payloads to bytes and back (SPEC.md "Messages"). Each message travels as
 * `type (u8) | length (varint) | payload`; a decoder skips a type it does not know, and reads only the fields it
 * knows from a payload, ignoring the rest: that is how newer peers add fields without breaking older ones.
 */
import { ByteReader, ByteWriter, checkPercent, enumIndex, enumValue, MAX_VARINT, readPercent } from './bytes.js';
import { ProtocolError } from './errors.js';
import { NO_ORIGIN } from './origin.js';
import { readClipId, writeClipId } from './signed-bodies.js';
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
  type MessageType,
  type Stamp,
  ENERGY_MINUTES_CAP,
  type Telemetry,
  type TelemetryEnergy,
} from './messages.js';

/**
 * What a fix needs from outside its bytes (SPEC.md, 0x03 fix): positions travel as offsets from the district's
 * origin, fixed when the cart is registered and written in its provisioning bundle, and the fix time as its low 16
 * bits, placed by the receiver next to its own clock.
 */
export interface FixContext {
  /** The district origin, degrees. Carts registered without one use 0, 0 (their fixes are then longer). */
  origin: { lat: number; lon: number };
  /** The receiver's clock, Unix seconds: a fix time is read as the one nearest to it (within ±9 h). */
  now: number;
}

/** The context for reading and writing fixes, defaults filled: origin 0, 0 and the system clock. */
export function fixContext(c: Partial<FixContext> = {}): FixContext {
  return { origin: c.origin ?? NO_ORIGIN, now: c.now ?? Math.floor(Date.now() / 1000) };
}

/** How many seconds the 16-bit fix time covers. */
export const FIX_TIME_SPAN = 65_536;

/** The full Unix time whose low 16 bits are `low`, nearest to `now`. */
export function placeFixTime(low: number, now: number): number {
  const back = (((Math.floor(now) - low) % FIX_TIME_SPAN) + FIX_TIME_SPAN) % FIX_TIME_SPAN;
  return back <= FIX_TIME_SPAN / 2 ? Math.floor(now) - back : Math.floor(now) - back + FIX_TIME_SPAN;
}

export const MESSAGE_CODES: Record<Exclude<MessageType, 'unknown'>, number> = {
  hello: 0x01,
  telemetry: 0x02,
  fix: 0x03,
  play: 0x04,
  event: 0x05,
  track: 0x06,
  ack: 0x07,
  command: 0x08,
  'command-result': 0x09,
};

const TYPE_BY_CODE = new Map<number, Exclude<MessageType, 'unknown'>>(
  Object.entries(MESSAGE_CODES).map(([name, code]) => [code, name as Exclude<MessageType, 'unknown'>]),
);

/** The longest message payload accepted (a manifest does not travel as a message). */
export const MAX_PAYLOAD = 4096;

/** String limits of the messages, in UTF-8 bytes (SPEC.md section 4): both sides refuse a longer one. */
export const MAX_FIRMWARE = 64;
export const MAX_EVENT_CODE = 64;
export const MAX_DETAIL = 1024;

/** The largest course in whole degrees: 360 is written 0. */
const MAX_COURSE = 359;

// --- enums and bit sets ------------------------------------------------------------------------------------------

function bitsOf(table: readonly string[], names: readonly string[], what: string): number {
  const bits = new Set<number>();
  for (const name of names) {
    let bit = table.indexOf(name);
    if (bit < 0) {
      const m = /^bit(\d+)$/.exec(name);
      bit = m ? Number(m[1]) : -1;
    }
    if (bit < 0 || bit > 31) throw new ProtocolError('bad-value', `${what} "${name}" is not one of ${table.join(', ')}`);
    bits.add(bit);
  }
  let mask = 0;
  for (const bit of bits) mask += 2 ** bit;
  return mask;
}

function namesOf(table: readonly string[], mask: number): string[] {
  const names: string[] = [];
  for (let bit = 0; mask > 0; bit++, mask = Math.floor(mask / 2)) {
    if (mask % 2 === 1) names.push(table[bit] ?? `bit${bit}`);
  }
  return names;
}

// --- shared field groups ------------------------------------------------------------------------------------------

function writeStamp(w: ByteWriter, s: Stamp): void {
  w.u32(s.time).u8(enumIndex(TIME_SOURCES, s.source, 'time source'));
}

function readStamp(r: ByteReader): Stamp {
  return { time: r.u32('time'), source: enumValue(TIME_SOURCES, r.u8('time source'), 'time source') };
}

/** Degrees to the 1e-7° integer on the wire. */
export function toE7(deg: number, limit: number, what: string): number {
  if (!Number.isFinite(deg) || Math.abs(deg) > limit) {
    throw new ProtocolError('bad-value', `${what} ${String(deg)} is not a number within ±${limit}°`);
  }
  return Math.round(deg * 1e7);
}

/** The 1e-7° integer back to degrees, refusing what is off the globe. */
function fromE7(v: number, limit: number, what: string): number {
  if (Math.abs(v) > limit * 1e7) throw new ProtocolError('bad-value', `${what} ${v / 1e7} is beyond ±${limit}°`);
  return v / 1e7;
}

function originE7(ctx: FixContext): { lat: number; lon: number } {
  return { lat: toE7(ctx.origin.lat, 90, 'origin latitude'), lon: toE7(ctx.origin.lon, 180, 'origin longitude') };
}

const readLat = (r: ByteReader): number => fromE7(r.i32('latitude'), 90, 'latitude');
const readLon = (r: ByteReader): number => fromE7(r.i32('longitude'), 180, 'longitude');

function scaled(v: number, scale: number, what: string): number {
  if (!Number.isFinite(v) || v < 0) throw new ProtocolError('bad-value', `${what} ${String(v)} is not a number ≥ 0`);
  return Math.round(v * scale);
}

// --- telemetry presence bits --------------------------------------------------------------------------------------

const T_BATTERY_MV = 1 << 0;
const T_BATTERY_MA = 1 << 1;
const T_SOLAR_MV = 1 << 2;
const T_SOLAR_MA = 1 << 3;
const T_SOC = 1 << 4;
const T_STATE = 1 << 5;
const T_VOLUME = 1 << 6;
const T_RUNTIME = 1 << 7;
const T_FAULTS = 1 << 8;
const T_OUTBOX = 1 << 9;
const T_SYNC = 1 << 10;
const T_ENERGY = 1 << 11;

function writeTelemetry(w: ByteWriter, t: Telemetry): void {
  let present = 0;
  if (t.batteryMv !== undefined) present |= T_BATTERY_MV;
  if (t.batteryMa !== undefined) present |= T_BATTERY_MA;
  if (t.solarMv !== undefined) present |= T_SOLAR_MV;
  if (t.solarMa !== undefined) present |= T_SOLAR_MA;
  if (t.soc !== undefined) present |= T_SOC;
  if (t.state !== undefined) present |= T_STATE;
  if (t.volume !== undefined) present |= T_VOLUME;
  if (t.runtime !== undefined) present |= T_RUNTIME;
  if (t.faults !== undefined) present |= T_FAULTS;
  if (t.outboxDepth !== undefined) present |= T_OUTBOX;
  if (t.sync !== undefined) present |= T_SYNC;
  if (t.energy !== undefined) present |= T_ENERGY;
  w.varint(present);
  if (t.batteryMv !== undefined) w.u16(t.batteryMv);
  if (t.batteryMa !== undefined) w.svarint(t.batteryMa);
  if (t.solarMv !== undefined) w.u16(t.solarMv);
  if (t.solarMa !== undefined) w.varint(t.solarMa);
  if (t.soc !== undefined) w.u8(checkPercent(t.soc, 'soc'));
  if (t.state !== undefined) {
    const s = t.state;
    w.u8((s.amplifierOn ? 1 : 0) | (s.relayOn ? 2 : 0) | (enumIndex(PLAYER_STATES, s.player, 'player state') << 2));
  }
  if (t.volume !== undefined) w.u8(checkPercent(t.volume, 'volume'));
  if (t.runtime !== undefined) w.varint(t.runtime.uptimeS).varint(t.runtime.amplifierS).varint(t.runtime.audioS);
  if (t.faults !== undefined) w.varint(bitsOf(FAULTS, t.faults, 'fault'));
  if (t.outboxDepth !== undefined) w.varint(t.outboxDepth);
  if (t.sync !== undefined) w.varint(t.sync.manifestVersion).varint(t.sync.clipsMissing).varint(t.sync.bytesToGo);
  if (t.energy !== undefined) writeEnergy(w, t.energy);
}

/** Bit 11: three minute counts, minutes to full + 1 (0 = not charging), health (255 = not learned yet). */
function writeEnergy(w: ByteWriter, e: TelemetryEnergy): void {
  w.varint(minutes(e.minutesLeft, 'minutes left')).varint(minutes(e.minutesLeftNoSun, 'minutes left without sun'));
  w.varint(minutes(e.reserveMinutes, 'reserve minutes'));
  w.varint(e.minutesToFull === null ? 0 : minutes(e.minutesToFull, 'minutes to full') + 1);
  w.u8(e.healthPercent === null ? 255 : health(e.healthPercent));
}

function readEnergy(r: ByteReader): TelemetryEnergy {
  const minutesLeft = readMinutes(r.varint('minutes left'), 'minutes left');
  const minutesLeftNoSun = readMinutes(r.varint('minutes left without sun'), 'minutes left without sun');
  const reserveMinutes = readMinutes(r.varint('reserve minutes'), 'reserve minutes');
  const toFull = r.varint('minutes to full');
  const minutesToFull = toFull === 0 ? null : readMinutes(toFull - 1, 'minutes to full');
  const h = r.u8('health');
  return { minutesLeft, minutesLeftNoSun, reserveMinutes, minutesToFull, healthPercent: h === 255 ? null : h };
}

function minutes(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > ENERGY_MINUTES_CAP) {
    throw new ProtocolError('bad-value', `${what} ${String(v)} is not a whole number of minutes 0..${ENERGY_MINUTES_CAP}: cap it at ${ENERGY_MINUTES_CAP}`);
  }
  return v;
}

/** A peer that writes minutes past the cap breaks the contract: refuse rather than show a made-up figure. */
function readMinutes(v: number, what: string): number {
  if (v > ENERGY_MINUTES_CAP) throw new ProtocolError('bad-value', `${what} ${v} is over the ${ENERGY_MINUTES_CAP} cap`);
  return v;
}

function health(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 254) throw new ProtocolError('bad-value', `health ${String(v)} is not an integer 0..254 (null when not learned)`);
  return v;
}

function readTelemetry(r: ByteReader): Telemetry {
  const present = r.varint('telemetry fields');
  const t: Telemetry = { type: 'telemetry' };
  if (present & T_BATTERY_MV) t.batteryMv = r.u16('battery mV');
  if (present & T_BATTERY_MA) t.batteryMa = r.svarint('battery mA');
  if (present & T_SOLAR_MV) t.solarMv = r.u16('solar mV');
  if (present & T_SOLAR_MA) t.solarMa = r.varint('solar mA');
  if (present & T_SOC) t.soc = readPercent(r, 'soc');
  if (present & T_STATE) {
    const b = r.u8('state');
    t.state = { amplifierOn: (b & 1) !== 0, relayOn: (b & 2) !== 0, player: enumValue(PLAYER_STATES, (b >> 2) & 7, 'player state') };
  }
  if (present & T_VOLUME) t.volume = readPercent(r, 'volume');
  if (present & T_RUNTIME) t.runtime = { uptimeS: r.varint('uptime'), amplifierS: r.varint('amplifier s'), audioS: r.varint('audio s') };
  if (present & T_FAULTS) t.faults = namesOf(FAULTS, r.varint('faults'));
  if (present & T_OUTBOX) t.outboxDepth = r.varint('outbox depth');
  if (present & T_SYNC) {
    t.sync = { manifestVersion: r.varint('manifest version'), clipsMissing: r.varint('clips missing'), bytesToGo: r.varint('bytes to go') };
  }
  if (present & T_ENERGY) t.energy = readEnergy(r);
  return t;
}


// --- one message --------------------------------------------------------------------------------------------------

/** Writes a message's payload (without type and length). */
export function writePayload(w: ByteWriter, m: Message, ctx: FixContext = fixContext()): void {
  switch (m.type) {
    case 'hello':
      w.varint(m.record).str(m.firmware, MAX_FIRMWARE, 'firmware').varint(m.manifestVersion).varint(bitsOf(CAPABILITIES, m.capabilities, 'capability'));
      writeStamp(w, m.bootTime);
      return;
    case 'telemetry':
      writeTelemetry(w, m);
      return;
    case 'fix': {
      if (!Number.isInteger(m.time) || m.time < 0 || m.time > 0xffff_ffff) throw new ProtocolError('bad-value', `fix time ${String(m.time)} is not Unix seconds`);
      const o = originE7(ctx);
      // Offsets wrap modulo 2^32 like track steps, so a longitude across ±180° from the origin still fits.
      w.u16(m.time % FIX_TIME_SPAN).svarint((toE7(m.lat, 90, 'latitude') - o.lat) | 0).svarint((toE7(m.lon, 180, 'longitude') - o.lon) | 0);
      w.varint(scaled(m.speed, 10, 'speed'));
      w.varint(Math.round(((m.course % 360) + 360) % 360) % 360);
      w.u8(m.hdop === undefined ? 255 : Math.min(254, scaled(m.hdop, 10, 'hdop')));
      w.u8(m.satellites).u8(enumIndex(FIX_QUALITIES, m.quality, 'fix quality'));
      return;
    }
    case 'play':
      w.varint(m.record);
      writeStamp(w, m.start);
      writeClipId(w, m.clip);
      w.varint(m.manifestVersion).varint(scaled(m.seconds, 10, 'seconds played'));
      w.u8(enumIndex(PLAY_OUTCOMES, m.outcome, 'outcome')).u8(enumIndex(PLAY_TRIGGERS, m.trigger, 'trigger'));
      w.u8(checkPercent(m.volume, 'volume')).u8(m.where ? 1 : 0);
      if (m.where) w.i32(toE7(m.where.lat, 90, 'latitude')).i32(toE7(m.where.lon, 180, 'longitude'));
      return;
    case 'event':
      w.varint(m.record);
      writeStamp(w, m.at);
      w.u8(enumIndex(EVENT_KINDS, m.kind, 'event kind')).str(m.code, MAX_EVENT_CODE, 'event code').str(m.detail, MAX_DETAIL, 'event detail');
      return;
    case 'track': {
      w.varint(m.record).u8(enumIndex(TIME_SOURCES, m.source, 'time source')).varint(m.points.length);
      let prev = { time: 0, lat: 0, lon: 0 };
      m.points.forEach((p, i) => {
        const cur = { time: p.time, lat: toE7(p.lat, 90, 'latitude'), lon: toE7(p.lon, 180, 'longitude') };
        if (i === 0) w.u32(cur.time).i32(cur.lat).i32(cur.lon);
        else {
          if (cur.time < prev.time) throw new ProtocolError('bad-value', `track point ${i} goes back in time`);
          // Steps wrap modulo 2^32 like the i32 fields they change, so a step across ±180° still fits.
          w.varint(cur.time - prev.time).svarint((cur.lat - prev.lat) | 0).svarint((cur.lon - prev.lon) | 0);
        }
        prev = cur;
      });
      return;
    }
    case 'ack':
      w.varint(m.ranges.length);
      for (const [from, to] of m.ranges) {
        if (to < from) throw new ProtocolError('bad-value', `ack range ${from}..${to} is backwards`);
        w.varint(from).varint(to - from);
      }
      return;
    case 'command':
      w.bytes(m.signed);
      return;
    case 'command-result':
      w.varint(m.record);
      writeStamp(w, m.at);
      w.varint(m.counter).u8(enumIndex(COMMAND_STATUSES, m.status, 'command status')).str(m.detail, MAX_DETAIL, 'detail');
      return;
    case 'unknown':
      w.bytes(m.payload);
      return;
  }
}

/** Reads a message's payload of the given type code. */
export function readPayload(code: number, r: ByteReader, ctx: FixContext = fixContext()): Message {
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) return { type: 'unknown', code, payload: r.bytes(r.remaining, 'payload') };
  switch (type) {
    case 'hello':
      return {
        type,
        record: r.varint('record'),
        firmware: r.str('firmware', MAX_FIRMWARE),
        manifestVersion: r.varint('manifest version'),
        capabilities: namesOf(CAPABILITIES, r.varint('capabilities')),
        bootTime: readStamp(r),
      };
    case 'telemetry':
      return readTelemetry(r);
    case 'fix': {
      const time = placeFixTime(r.u16('time'), ctx.now);
      const o = originE7(ctx);
      const lat = fromE7((o.lat + r.svarint('latitude offset')) | 0, 90, 'latitude');
      const lon = fromE7((o.lon + r.svarint('longitude offset')) | 0, 180, 'longitude');
      const speed = r.varint('speed') / 10;
      const course = r.varint('course');
      if (course > MAX_COURSE) throw new ProtocolError('bad-value', `course ${course} is not whole degrees 0..${MAX_COURSE}`);
      const hdop = r.u8('hdop');
      const fix: Message = { type, time, lat, lon, speed, course, satellites: r.u8('satellites'), quality: enumValue(FIX_QUALITIES, r.u8('quality'), 'fix quality') };
      if (hdop !== 255) fix.hdop = hdop / 10;
      return fix;
    }
    case 'play': {
      const m: Message = {
        type,
        record: r.varint('record'),
        start: readStamp(r),
        clip: readClipId(r),
        manifestVersion: r.varint('manifest version'),
        seconds: r.varint('seconds played') / 10,
        outcome: enumValue(PLAY_OUTCOMES, r.u8('outcome'), 'outcome'),
        trigger: enumValue(PLAY_TRIGGERS, r.u8('trigger'), 'trigger'),
        volume: readPercent(r, 'volume'),
      };
      if ((r.u8('play flags') & 1) !== 0) m.where = { lat: readLat(r), lon: readLon(r) };
      return m;
    }
    case 'event':
      return {
        type,
        record: r.varint('record'),
        at: readStamp(r),
        kind: enumValue(EVENT_KINDS, r.u8('event kind'), 'event kind'),
        code: r.str('event code', MAX_EVENT_CODE),
        detail: r.str('event detail', MAX_DETAIL),
      };
    case 'track': {
      const record = r.varint('record');
      const source = enumValue(TIME_SOURCES, r.u8('time source'), 'time source');
      const count = r.varint('point count');
      if (count > r.remaining) throw new ProtocolError('truncated', `track says ${count} points in ${r.remaining} bytes`);
      const points: { time: number; lat: number; lon: number }[] = [];
      let time = 0;
      let lat = 0;
      let lon = 0;
      for (let i = 0; i < count; i++) {
        if (i === 0) {
          time = r.u32('time');
          lat = r.i32('latitude');
          lon = r.i32('longitude');
        } else {
          time += r.varint('time step');
          if (time > 0xffff_ffff) throw new ProtocolError('bad-value', `track point ${i} is past the u32 time range`);
          lat = (lat + r.svarint('latitude step')) | 0;
          lon = (lon + r.svarint('longitude step')) | 0;
        }
        points.push({ time, lat: fromE7(lat, 90, 'latitude'), lon: fromE7(lon, 180, 'longitude') });
      }
      return { type, record, source, points };
    }
    case 'ack': {
      const count = r.varint('range count');
      if (count > r.remaining) throw new ProtocolError('truncated', `ack says ${count} ranges in ${r.remaining} bytes`);
      const ranges: [number, number][] = [];
      for (let i = 0; i < count; i++) {
        const from = r.varint('range start');
        const to = from + r.varint('range length');
        if (to > MAX_VARINT) throw new ProtocolError('bad-value', `ack range ${from}..${to} ends past the largest record number`);
        ranges.push([from, to]);
      }
      return { type, ranges };
    }
    case 'command':
      return { type, signed: r.bytes(r.remaining, 'signed command') };
    case 'command-result':
      return {
        type,
        record: r.varint('record'),
        at: readStamp(r),
        counter: r.varint('command counter'),
        status: enumValue(COMMAND_STATUSES, r.u8('command status'), 'command status'),
        detail: r.str('detail', MAX_DETAIL),
      };
  }
}


/** `type | length | payload`. */
export function writeMessage(w: ByteWriter, m: Message, ctx?: FixContext): void {
  const code = m.type === 'unknown' ? m.code : MESSAGE_CODES[m.type];
  const payload = encodePayload(m, ctx);
  if (payload.length > MAX_PAYLOAD) throw new ProtocolError('too-long', `${m.type} payload is ${payload.length} bytes, over ${MAX_PAYLOAD}`);
  w.u8(code).blob(payload);
}

/** One message as it travels inside a frame (`type | length | payload`): what a cart's outbox keeps and resends. */
export function encodeMessage(m: Message, ctx?: FixContext): Buffer {
  const w = new ByteWriter(64);
  writeMessage(w, m, ctx);
  return w.finish();
}

export function encodePayload(m: Message, ctx?: FixContext): Buffer {
  const w = new ByteWriter(64);
  writePayload(w, m, ctx);
  return w.finish();
}

/** Reads messages until the reader is exhausted. */
export function readMessages(r: ByteReader, ctx: FixContext = fixContext()): Message[] {
  const out: Message[] = [];
  while (r.remaining > 0) {
    const code = r.u8('message type');
    const len = r.varint('message length');
    if (len > MAX_PAYLOAD) throw new ProtocolError('too-long', `message of ${len} bytes is over ${MAX_PAYLOAD}`);
    out.push(readPayload(code, r.sub(len, 'message payload'), ctx));
  }
  return out;
}
