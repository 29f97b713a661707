/**
 * Frame vectors built from bytes rather than values: frames a receiver must accept though our encoder would never
 * write them (unknown fields, reserved bits set, trailing bytes), and frames whose serial form is the point (the
 * longest chunk, a last COBS block of 254 bytes, resynchronisation after garbage). Each is tagged with the real
 * encoder; the generator decodes it with the real decoder to write what a receiver reads, and what encoding that
 * again gives (`reencoded`, when it differs).
 */
import {
  ByteReader,
  ByteWriter,
  crc16,
  encodeFrame,
  encodeFrameFromParts,
  encodeMessage,
  encodePayload,
  MAX_SERIAL_FRAME,
  MESSAGE_CODES,
  toSerial,
  type FrameHeader,
} from '../protocol/index.js';
import { frameCases, liveFix, liveTelemetry, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from './vector-cases.js';

const head: FrameHeader = { kind: 'unit', unit: 7, boot: 42, seq: 1000 };

/** `type | length | payload`, the payload as given. */
function part(code: number, payload: Uint8Array): Buffer {
  return new ByteWriter().u8(code).blob(payload).finish();
}

/** liveTelemetry with presence bits added and bytes appended after its known fields. */
function telemetryWith(extraBits: number, tail: Buffer): Buffer {
  const known = encodePayload(liveTelemetry);
  const r = new ByteReader(known);
  const present = r.varint();
  return new ByteWriter().varint(present + extraBits).bytes(known.subarray(r.offset)).bytes(tail).finish();
}

/**
 * A frame of `length` bytes (one unknown message of 0x55 bytes) in which neither the frame nor its CRC holds a zero
 * byte, so COBS adds its most: the first seq from 1000 that gives one (tags and CRCs are fixed by the bytes).
 */
export function frameWithoutZeros(length: number): Buffer {
  for (let seq = 1000; ; seq++) {
    const frame = encodeFrameFromParts({ ...head, seq }, [encodeMessage({ type: 'unknown', code: 0x7e, payload: Buffer.alloc(length - 16, 0x55) })], TEST_UNIT_KEY);
    if (frame.length !== length) throw new Error(`a frame of ${length} bytes needs a 2-byte message length`);
    const crc = crc16(frame);
    if (!frame.includes(0) && crc >> 8 !== 0 && (crc & 0xff) !== 0) return frame;
  }
}

/** liveTelemetry written field by field, its state byte (amplifier, relay, playing: 0x0b) with reserved bits 5–7 set. */
const reservedTelemetry = new ByteWriter().varint(0x7f).u16(12_650).svarint(-850).u16(18_200).varint(420).u8(78).u8(0xe0 | 0x0b).u8(60).finish();
/** frame-play's first play, its flags 0xff: bit 0 (a position follows) and the reserved bits 1–7. */
const reservedPlay = new ByteWriter().varint(501).u32(1_795_914_060).u8(2).str('c-0042').varint(12).varint(934).u8(0).u8(0).u8(60).u8(0xff).i32(198_795_123).i32(1_056_012_345).finish();

export interface EdgeFrame {
  what: string;
  /** How the bytes differ from what our encoder writes, or how the stream was made. */
  made: string;
  bytes: Buffer;
  /** A serial byte stream in which a receiver finds this frame (SPEC §6), for what a frame vector's `serial` cannot show. */
  stream?: Buffer;
}

const telemetryAndFix = encodeFrame(frameCases['telemetry-and-fix']!, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
const playOnSerial = toSerial(encodeFrame(frameCases.play!, TEST_UNIT_KEY, TEST_FIX_CONTEXT));

// 506 bytes and a CRC: 508 bytes without a zero, two COBS blocks of exactly 254, then the final code 0x01 (SPEC §6).
const blocks = frameWithoutZeros(506);
const blocksOnSerial = toSerial(blocks);
const withoutFinalCode = Buffer.concat([blocksOnSerial.subarray(0, -2), Buffer.from([0])]);

export const edgeFrames: Record<string, EdgeFrame> = {
  'telemetry-unknown-fields': {
    what: 'tagged frame: telemetry with presence bits 12 and 20 this decoder does not know, their fields after the known ones',
    made: 'liveTelemetry\'s presence varint 0x7f → 0xff 0xa0 0x40 (bits 12, 20 added), bytes 0a0b0c appended to the payload',
    bytes: encodeFrameFromParts(head, [part(MESSAGE_CODES.telemetry, telemetryWith(2 ** 12 + 2 ** 20, Buffer.from('0a0b0c', 'hex')))], TEST_UNIT_KEY),
  },
  'payload-trailing-fields': {
    what: 'tagged frame: a fix and a telemetry, each payload with bytes after its last known field (a newer sender\'s)',
    made: 'bytes c0ffee appended to the fix payload, 01 to the telemetry payload',
    bytes: encodeFrameFromParts(
      head,
      [
        part(MESSAGE_CODES.fix, Buffer.concat([encodePayload(liveFix, TEST_FIX_CONTEXT), Buffer.from('c0ffee', 'hex')])),
        part(MESSAGE_CODES.telemetry, Buffer.concat([encodePayload(liveTelemetry), Buffer.from('01', 'hex')])),
      ],
      TEST_UNIT_KEY,
    ),
  },
  'reserved-bits': {
    what: 'tagged frame: the reserved bits 5–7 of the telemetry state byte and 1–7 of the play flags set; a receiver ignores them',
    made: 'telemetry state byte 0x0b → 0xeb, play flags 0x01 → 0xff, written field by field',
    bytes: encodeFrameFromParts(head, [part(MESSAGE_CODES.telemetry, reservedTelemetry), part(MESSAGE_CODES.play, reservedPlay)], TEST_UNIT_KEY),
  },
  'serial-resync': {
    what: 'tagged frame, found on serial after the tail of a frame whose start was lost and a 0x00 sent to resynchronise',
    // The last 12 bytes of frame-play on serial are 11 bytes and their delimiter: a chunk that fails COBS or CRC.
    made: 'frame-telemetry-and-fix; stream: the last 12 bytes of frame-play\'s serial, 0x00, then this frame\'s serial',
    bytes: telemetryAndFix,
    stream: Buffer.concat([playOnSerial.subarray(playOnSerial.length - 12), Buffer.from([0]), toSerial(telemetryAndFix)]),
  },
  'cobs-final-block': {
    what: 'tagged frame whose bytes and CRC (508 bytes, none zero) end a COBS block of exactly 254 bytes',
    made: 'one unknown message of 490 bytes 0x55, seq chosen so that no byte is zero; stream: its serial (final code 0x01), then the same without the final 0x01',
    bytes: blocks,
    stream: Buffer.concat([blocksOnSerial, withoutFinalCode]),
  },
  'serial-2048': {
    what: 'tagged frame of 2048 bytes, the serial maximum: on serial the longest chunk a receiver keeps (2059 bytes)',
    made: 'one unknown message (type 0x7e) of 2032 bytes 0x55; seq chosen so that no byte of the frame or its CRC is zero',
    bytes: frameWithoutZeros(MAX_SERIAL_FRAME),
  },
};

