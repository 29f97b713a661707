/**
 * The inputs of the `reject-*` vectors (SPEC.md §8): bytes a receiver MUST refuse, each with one fault only, so
 * that the code it is refused with does not depend on the order of a receiver's checks. Most are a valid vector
 * with one byte changed (`made` says which) or a payload written field by field with one value out of range, then
 * tagged or signed with the real encoder so that nothing but the fault is wrong. The code each is refused with is
 * not written here: the generator runs the real decoder (tools/vector-receiver.ts) and records what it answers.
 */
import { sign } from 'node:crypto';
import {
  ByteWriter,
  computeTag,
  cobsEncode,
  crc16,
  encodeFrame,
  encodeFrameFromParts,
  encodeMessage,
  MESSAGE_CODES,
  MAX_PAYLOAD,
  MAX_SERIAL_FRAME,
  privateKeyFromSeed,
  signObject,
  SIGNATURE_LENGTH,
  TAG_LENGTH,
  toSerial,
  type FrameHeader,
  type SignedBody,
} from '../protocol/index.js';
import { frameCases, signedCases, TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED, TEST_FIX_CONTEXT, TEST_OTHER_SEED, TEST_UNIT_KEY } from './vector-cases.js';
import { frameWithoutZeros } from './vector-edges.js';
import { formatOrigin, type VectorFields } from './vector-format.js';

export interface RejectCase {
  /** The one fault, for people. */
  what: string;
  /** The valid vector it was made from and what was changed, or how its bytes were written. */
  made: string;
  /** The receiver's context and the input (`hex` or `serial`), in the order the file gives them. */
  fields: VectorFields;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
const otherKey = privateKeyFromSeed(TEST_OTHER_SEED);
const head: FrameHeader = { kind: 'unit', unit: 7, boot: 42, seq: 1000 };

// --- frames -------------------------------------------------------------------------------------------------------

const validFrame = (name: string): Buffer => encodeFrame(frameCases[name]!, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
const untagged = (frame: Buffer): Buffer => frame.subarray(0, frame.length - TAG_LENGTH);
const retag = (body: Buffer): Buffer => Buffer.concat([body, computeTag(TEST_UNIT_KEY, body)]);

/** A copy of `bytes` with byte `at` set to `value`, and the words that say so. */
function setByte(bytes: Buffer, at: number, value: number, field: string): { bytes: Buffer; change: string } {
  const out = Buffer.from(bytes);
  const was = out[at]!;
  out[at] = value;
  return { bytes: out, change: `byte ${at} (${field}) 0x${was.toString(16).padStart(2, '0')} → 0x${value.toString(16).padStart(2, '0')}` };
}

/** One message written field by field, in a frame tagged with the test unit key. */
function taggedMessage(code: number, payload: Buffer): Buffer {
  return encodeFrameFromParts(head, [new ByteWriter().u8(code).blob(payload).finish()], TEST_UNIT_KEY);
}

const frameFields = (bytes: Buffer, extra: VectorFields = {}): VectorFields => ({ 'unit-key': hex(TEST_UNIT_KEY), ...extra, hex: hex(bytes) });

/** frame-play's first play written field by field, with one field changed. */
function playPayload(p: { outcome?: number; flags?: number; lat?: number; clip?: string }): Buffer {
  const { outcome = 0, flags = 0, lat = 198_795_123, clip = 'c-0042' } = p;
  const w = new ByteWriter().varint(501).u32(1_795_914_060).u8(2).blob(Buffer.from(clip)).varint(12).varint(934);
  w.u8(outcome).u8(0).u8(60).u8(flags);
  if (flags & 1) w.i32(lat).i32(1_056_012_345);
  return w.finish();
}

/** An event (button, at T + 300 by GNSS) written field by field: the record's bytes, the code, the detail's bytes. */
function eventPayload(record: Buffer, code: string, detail = Buffer.alloc(0)): Buffer {
  return new ByteWriter().bytes(record).u32(1_795_914_300).u8(2).u8(1).blob(Buffer.from(code)).blob(detail).finish();
}

/** liveFix at TEST_FIX_CONTEXT, written field by field with course 360. */
const fix360 = new ByteWriter().u16(1_795_914_000 % 65_536).svarint(198_795_123 - 198_200_000).svarint(1_056_012_345 - 1_056_000_000).varint(12).varint(360).u8(9).u8(11).u8(1).finish();

function frameRejects(): Record<string, RejectCase> {
  const full = validFrame('telemetry-full');
  const tagByte = setByte(full, full.length - 1, full[full.length - 1]! ^ 0x01, 'the last byte of the tag');
  const altered = setByte(full, 10, full[10]! ^ 0x01, 'battery voltage, low byte');
  const cut = setByte(untagged(full), 6, full[6]! + 1, 'the telemetry message length');
  const version = setByte(untagged(full), 0, 0x20, 'version 2, kind 0');
  const kind = setByte(untagged(full), 0, 0x13, 'version 1, kind 3');
  const signedKind = setByte(untagged(full), 0, 0x12, 'version 1, kind 2: a signed object');
  const overLong = Buffer.alloc(MAX_PAYLOAD + 1, 0x55);
  // 22 characters of 3 bytes each: a code of 66 bytes, over the 64-byte limit though only 22 characters long.
  const longCode = 'ồ'.repeat(22);
  const energy = new ByteWriter().varint(2 ** 11).varint(1441).varint(55).varint(15).varint(0).u8(255).finish();
  return {
    'frame-bad-tag': { what: 'a tag that does not match the unit key', made: `frame-telemetry-full, ${tagByte.change}`, fields: frameFields(tagByte.bytes) },
    'frame-altered': { what: 'a byte of a message changed after tagging', made: `frame-telemetry-full, ${altered.change}`, fields: frameFields(altered.bytes) },
    'frame-trailing-bytes': {
      what: 'two bytes after the tag (the tag is always the last 8 bytes, so it is read at the wrong place)',
      made: 'frame-telemetry-full with 0x00 0x00 appended',
      fields: frameFields(Buffer.concat([full, Buffer.from([0, 0])])),
    },
    'frame-partial-message': {
      what: 'one byte after the last message: a message type without its length',
      made: 'frame-telemetry-full\'s bytes before the tag with 0x02 appended, tagged again',
      fields: frameFields(retag(Buffer.concat([untagged(full), Buffer.from([MESSAGE_CODES.telemetry])]))),
    },
    'frame-payload-cut': { what: 'a message length one past the bytes that follow', made: `frame-telemetry-full, ${cut.change}, tagged again`, fields: frameFields(retag(cut.bytes)) },
    'frame-too-short': { what: 'eleven bytes: too short to hold a header and a tag', made: 'the first 11 bytes of frame-telemetry-full', fields: frameFields(full.subarray(0, 11)) },
    'frame-bad-version': { what: 'protocol version 2', made: `frame-telemetry-full, ${version.change}, tagged again`, fields: frameFields(retag(version.bytes)) },
    'frame-unknown-kind': { what: 'frame kind 3', made: `frame-telemetry-full, ${kind.change}, tagged again`, fields: frameFields(retag(kind.bytes)) },
    'frame-signed-kind': {
      what: 'kind 2 (a signed object) where a frame is expected',
      made: `frame-telemetry-full, ${signedKind.change}, tagged again`,
      fields: frameFields(retag(signedKind.bytes)),
    },
    'frame-enum-past-table': {
      what: 'a play outcome past the end of its table (7)',
      made: 'a play written field by field (frame-play\'s first, without position), outcome 7',
      fields: frameFields(taggedMessage(MESSAGE_CODES.play, playPayload({ outcome: 7 }))),
    },
    'frame-latitude-beyond-90': {
      what: 'a play position at latitude 90.0000001°',
      made: 'a play written field by field (frame-play\'s first), latitude e7 900000001',
      fields: frameFields(taggedMessage(MESSAGE_CODES.play, playPayload({ flags: 1, lat: 900_000_001 }))),
    },
    'frame-varint-6-bytes': {
      what: 'a varint of 6 bytes (the record number of an event)',
      made: 'an event written field by field, record 80 80 80 80 80 00',
      fields: frameFields(taggedMessage(MESSAGE_CODES.event, eventPayload(Buffer.from('808080808000', 'hex'), 'press'))),
    },
    'frame-varint-over-32-bits': {
      what: 'a varint of 2^32 (the record number of an event)',
      made: 'an event written field by field, record 80 80 80 80 10',
      fields: frameFields(taggedMessage(MESSAGE_CODES.event, eventPayload(Buffer.from('8080808010', 'hex'), 'press'))),
    },
    'frame-varint-not-shortest': {
      what: 'a varint longer than its shortest form (record 501 as f5 83 00)',
      made: 'an event written field by field, record f5 83 00 (the shortest form is f5 03)',
      fields: frameFields(taggedMessage(MESSAGE_CODES.event, eventPayload(Buffer.from('f58300', 'hex'), 'press'))),
    },
    'frame-percent-over-100': {
      what: 'a state of charge of 101 %',
      made: 'a telemetry written field by field: presence bit 4 only, soc 101',
      fields: frameFields(taggedMessage(MESSAGE_CODES.telemetry, new ByteWriter().varint(2 ** 4).u8(101).finish())),
    },
    'frame-player-state-past-table': {
      what: 'a player state past its table (6)',
      made: 'a telemetry written field by field: presence bit 5 only, state byte 0x18 (player state 6)',
      fields: frameFields(taggedMessage(MESSAGE_CODES.telemetry, new ByteWriter().varint(2 ** 5).u8(6 << 2).finish())),
    },
    'frame-course-360': {
      what: 'a fix course of 360 (whole degrees are 0–359)',
      made: 'liveFix (the fix of frame-telemetry-and-fix) written field by field, course 360',
      fields: frameFields(taggedMessage(MESSAGE_CODES.fix, fix360), { origin: formatOrigin(TEST_FIX_CONTEXT.origin), now: String(TEST_FIX_CONTEXT.now) }),
    },
    'frame-clip-id-outside-alphabet': {
      what: 'a play whose clip id "c/0042" has a byte outside A–Z a–z 0–9 - _',
      made: 'frame-play\'s first play written field by field, clip id "c/0042"',
      fields: frameFields(taggedMessage(MESSAGE_CODES.play, playPayload({ clip: 'c/0042' }))),
    },
    'frame-clip-id-49-bytes': {
      what: 'a play whose clip id has 49 bytes: clip ids are 1–48 (bad-value, like any id outside the rule)',
      made: 'frame-play\'s first play written field by field, clip id "c" + 48 × "0"',
      fields: frameFields(taggedMessage(MESSAGE_CODES.play, playPayload({ clip: `c${'0'.repeat(48)}` }))),
    },
    'frame-bad-utf8': {
      what: 'an event detail that is not UTF-8 (c3 28)',
      made: 'an event written field by field, detail bytes c3 28',
      fields: frameFields(taggedMessage(MESSAGE_CODES.event, eventPayload(Buffer.from('f503', 'hex'), 'press', Buffer.from('c328', 'hex')))),
    },
    'frame-payload-over-4096': {
      what: 'a message payload of 4,097 bytes (an unknown type 0x7e)',
      made: 'type 0x7e, length 4097, 4097 bytes 0x55',
      fields: frameFields(taggedMessage(0x7e, overLong)),
    },
    'frame-string-over-64-bytes': {
      what: 'an event code of 66 bytes (22 characters): string limits count UTF-8 bytes',
      made: `an event written field by field, code "${longCode}"`,
      fields: frameFields(taggedMessage(MESSAGE_CODES.event, eventPayload(Buffer.from('f503', 'hex'), longCode))),
    },
    'frame-energy-over-cap': {
      what: 'an energy forecast of 1,441 minutes, over the 1,440 cap',
      made: 'a telemetry written field by field: presence bit 11 only, minutes left 1441',
      fields: frameFields(taggedMessage(MESSAGE_CODES.telemetry, energy)),
    },
    'frame-replayed': {
      what: 'a frame whose (boot, seq) the receiver has already accepted',
      made: 'frame-telemetry-full (boot 42, seq 1000) against a receiver that accepted it',
      fields: frameFields(full, { 'replay-state': JSON.stringify({ boot: 42, top: 1000, seen: '1' }) }),
    },
    'frame-old-boot': {
      what: 'a frame from a boot below the highest the receiver has seen',
      made: 'frame-telemetry-full (boot 42) against a receiver at boot 43',
      fields: frameFields(full, { 'replay-state': JSON.stringify({ boot: 43, top: 0, seen: '1' }) }),
    },
    'frame-too-old': {
      what: 'a seq 64 below the highest accepted in the same boot: outside the window',
      made: 'frame-telemetry-full (boot 42, seq 1000) against a receiver whose highest seq is 1064',
      fields: frameFields(full, { 'replay-state': JSON.stringify({ boot: 42, top: 1064, seen: '1' }) }),
    },
  };
}

// --- serial -------------------------------------------------------------------------------------------------------

function serialRejects(): Record<string, RejectCase> {
  const frame = validFrame('telemetry-full');
  const crc = crc16(frame);
  const badCrc = Buffer.concat([cobsEncode(Buffer.concat([frame, Buffer.from([crc >> 8, (crc & 0xff) ^ 0x01])])), Buffer.from([0])]);
  const good = toSerial(frame);
  // The first COBS code byte says the block runs one byte past the chunk's end.
  const badCobs = setByte(good, 0, good.length, 'the first COBS code byte');
  // One byte over the serial maximum, without a zero: COBS makes a chunk of 2,060 bytes, one more than a receiver keeps.
  const overLongFrame = frameWithoutZeros(MAX_SERIAL_FRAME + 1);
  const overLong = toSerial2049(overLongFrame);
  // One byte over, mostly zeros: a short chunk (every zero is a code byte) that decodes to more than 2,048 + 2 bytes.
  const zeros = encodeFrameFromParts(head, [encodeMessage({ type: 'unknown', code: 0x7e, payload: Buffer.alloc(MAX_SERIAL_FRAME + 1 - 16) })], TEST_UNIT_KEY);
  const overDecoded = toSerial2049(zeros);
  return {
    'serial-bad-crc': {
      what: 'a CRC-16 that does not match the frame',
      made: 'frame-telemetry-full on serial with the low CRC byte XOR 0x01, COBS-encoded again',
      fields: { hex: hex(frame), serial: hex(badCrc) },
    },
    'serial-bad-cobs': { what: 'a COBS block that runs past the delimiter', made: `frame-telemetry-full on serial, ${badCobs.change}`, fields: { hex: hex(frame), serial: hex(badCobs.bytes) } },
    'serial-no-crc': { what: 'a chunk of one byte: no room for a CRC', made: 'the chunk 0x02 0x7f (COBS of the single byte 0x7f)', fields: { hex: '7f', serial: '027f00' } },
    'serial-over-long': {
      what: `a chunk of ${overLong.length - 1} bytes, one more than COBS of a ${MAX_SERIAL_FRAME}-byte frame and its CRC`,
      made: `frame-serial-2048's message one byte longer (a frame of ${MAX_SERIAL_FRAME + 1} bytes, no zero byte), with its CRC, COBS-encoded`,
      fields: { hex: hex(overLongFrame), serial: hex(overLong) },
    },
    'serial-frame-over-2048': {
      what: `a chunk of ${overDecoded.length - 1} bytes that decodes to a frame of ${MAX_SERIAL_FRAME + 1} bytes and its CRC`,
      made: `one unknown message (type 0x7e) of ${MAX_SERIAL_FRAME + 1 - 16} zero bytes in a frame of ${zeros.length} bytes, with its CRC, COBS-encoded`,
      fields: { hex: hex(zeros), serial: hex(overDecoded) },
    },
  };
}

/** Serial framing as toSerial writes it, for a frame over the maximum toSerial refuses to write. */
function toSerial2049(frame: Buffer): Buffer {
  const crc = Buffer.alloc(2);
  crc.writeUInt16BE(crc16(frame));
  return Buffer.concat([cobsEncode(Buffer.concat([frame, crc])), Buffer.from([0])]);
}

// --- signed objects -----------------------------------------------------------------------------------------------

const signedFields = (bytes: Buffer, extra: VectorFields = {}): VectorFields => ({ 'district-public-key': TEST_DISTRICT_PUBLIC, ...extra, hex: hex(bytes) });
const validSigned = (name: string): Buffer => signObject(signedCases[name]!, districtKey);
const unsigned = (bytes: Buffer): Buffer => bytes.subarray(0, bytes.length - SIGNATURE_LENGTH);
/** Signs bytes as they are (key id included), with any key: how a forger or a mix-up makes an object. */
const signRaw = (body: Buffer, key = districtKey): Buffer => Buffer.concat([body, sign(null, body, key)]);

function commandOf(name: string): Extract<SignedBody, { type: 'command' }>['command'] {
  const body = signedCases[name]!;
  if (body.type !== 'command') throw new Error(`signed case ${name} is not a command`);
  return body.command;
}

function signedRejects(): Record<string, RejectCase> {
  const volume = validSigned('command-set-volume');
  const command = commandOf('command-set-volume');
  const cart = { unit: 7, now: command.issued + 10, lastCounter: 16 };
  const manifest = validSigned('manifest');
  const shelf = { district: 'trieu-son', now: 1_795_914_010, activeVersion: 11 };
  const altered = setByte(volume, 17, 100, 'the volume');
  const type4 = setByte(unsigned(volume), 5, 4, 'the object type');
  const action7 = setByte(unsigned(volume), 16, 7, 'the command action');
  const clipAt = unsigned(validSigned('command-play-clip')).length - 5;
  const playClip = setByte(unsigned(validSigned('command-play-clip')), clipAt, '/'.charCodeAt(0), 'the "-" of the clip id');
  return {
    'signed-unknown-key': {
      what: 'signed by a key the receiver has not pinned (RFC 8032 TEST 2)',
      made: 'signed-command-set-volume\'s body signed by the TEST 2 key, under its own key id',
      fields: signedFields(signObject(signedCases['command-set-volume']!, otherKey)),
    },
    'signed-wrong-key': {
      what: 'the district key\'s id, but the signature of another key (RFC 8032 TEST 2)',
      made: 'signed-command-set-volume\'s bytes before the signature, signed by the TEST 2 key',
      fields: signedFields(signRaw(unsigned(volume), otherKey)),
    },
    'signed-altered': { what: 'a body byte changed after signing', made: `signed-command-set-volume, ${altered.change}`, fields: signedFields(altered.bytes) },
    'signed-unknown-type': { what: 'signed object type 4', made: `signed-command-set-volume, ${type4.change}, signed again`, fields: signedFields(signRaw(type4.bytes)) },
    'signed-unknown-action': { what: 'a command action past the table (7)', made: `signed-command-set-volume, ${action7.change}, signed again`, fields: signedFields(signRaw(action7.bytes)) },
    'signed-clip-id-outside-alphabet': {
      what: 'a play-clip command whose clip id "c/0042" has a byte outside A–Z a–z 0–9 - _',
      made: 'signed-command-play-clip with its clip id written "c/0042", signed again',
      fields: signedFields(signRaw(playClip.bytes)),
    },
    'signed-truncated': { what: 'a signed object shorter than its key id, type and signature', made: 'the first 69 bytes of signed-command-set-volume', fields: signedFields(volume.subarray(0, 69)) },
    'command-expired': {
      what: 'a command read after its expiry time',
      made: 'signed-command-set-volume, at a cart whose clock is one second past `expires`',
      fields: signedFields(volume, { receiver: JSON.stringify({ ...cart, now: command.expires + 1 }) }),
    },
    'command-replayed': {
      what: 'a command counter not above the last one the cart obeyed',
      made: 'signed-command-set-volume (counter 17), at a cart that obeyed counter 17',
      fields: signedFields(volume, { receiver: JSON.stringify({ ...cart, lastCounter: 17 }) }),
    },
    'command-other-unit': {
      what: 'a command for another cart',
      made: 'signed-command-set-volume (unit 7), at cart 8',
      fields: signedFields(volume, { receiver: JSON.stringify({ ...cart, unit: 8 }) }),
    },
    'manifest-rollback': {
      what: 'a manifest older than the cart\'s active one',
      made: 'signed-manifest (version 12), at a cart whose active manifest is version 13',
      fields: signedFields(manifest, { receiver: JSON.stringify({ ...shelf, activeVersion: 13 }) }),
    },
    'manifest-expired': {
      what: 'a manifest read after its expiry time',
      made: 'signed-manifest, at a cart whose clock is one second past `expires`',
      fields: signedFields(manifest, { receiver: JSON.stringify({ ...shelf, now: 1_798_506_001 }) }),
    },
    'manifest-other-district': {
      what: 'a manifest for another district',
      made: 'signed-manifest (trieu-son), at a cart of nong-cong',
      fields: signedFields(manifest, { receiver: JSON.stringify({ ...shelf, district: 'nong-cong' }) }),
    },
    'manifest-bad-clip-id': {
      what: 'a clip id outside A–Z a–z 0–9 - _ (it would name a path outside the cache)',
      made: 'signed-manifest with its first clip id written as "../c-0042", signed again',
      fields: signedFields(signRaw(unsigned(badClipManifest(manifest)))),
    },
  };
}

/** signed-manifest with the first clip's id "c-0042" replaced by "../c-0042" (its clip and string lengths fixed). */
function badClipManifest(valid: Buffer): Buffer {
  const id = Buffer.from('\x06c-0042');
  const at = valid.indexOf(id);
  const clipLength = valid[at - 1]!;
  return Buffer.concat([valid.subarray(0, at - 1), Buffer.from([clipLength + 3]), Buffer.from('\x09../c-0042'), valid.subarray(at + id.length)]);
}

export function rejectCases(): Record<string, RejectCase> {
  return { ...frameRejects(), ...serialRejects(), ...signedRejects() };
}
