/**
 * The authenticated frame (SPEC.md "Frames"): what carts and the district send each other, over MQTT as the whole
 * message payload and over serial inside the COBS/CRC framing.
 *
 *   version|kind (u8) | unit (varint) | boot (varint) | seq (varint) | messages… | tag (8 bytes)
 *
 * The tag is HMAC-SHA256 under the unit's secret key over every byte before it, truncated to 64 bits. The kind is
 * inside the tagged bytes, so a cart's frame can never be reflected back to it as a district frame.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ByteReader, ByteWriter, varintLength } from './bytes.js';
import { fixContext, readMessages, writeMessage, type FixContext } from './codec.js';
import { ProtocolError } from './errors.js';
import type { Message } from './messages.js';

export const PROTOCOL_VERSION = 1;
export const TAG_LENGTH = 8;
export const UNIT_KEY_LENGTH = 32;
/** The longest frame accepted on any link. */
export const MAX_FRAME = 65_536;

/** `unit`: a cart speaking (HMAC). `district`: the district speaking to one cart (HMAC). `signed`: Ed25519 object. */
export const FRAME_KINDS = ['unit', 'district', 'signed'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export interface FrameHeader {
  kind: 'unit' | 'district';
  /** The cart's number in the district's registry (1…). */
  unit: number;
  /** The sender's boot counter, kept on disk and raised at every start. */
  boot: number;
  /** Frame counter within the boot, from 0. */
  seq: number;
}

export interface Frame extends FrameHeader {
  messages: Message[];
}

export function versionByte(kind: FrameKind): number {
  return (PROTOCOL_VERSION << 4) | FRAME_KINDS.indexOf(kind);
}

/** Reads the version byte: which kind of frame these bytes are. */
export function frameKind(bytes: Uint8Array): FrameKind {
  if (bytes.length === 0) throw new ProtocolError('truncated', 'empty frame');
  const b = bytes[0]!;
  if (b >> 4 !== PROTOCOL_VERSION) {
    throw new ProtocolError('bad-version', `protocol version ${b >> 4} (byte 0x${b.toString(16).padStart(2, '0')}); this program speaks version ${PROTOCOL_VERSION}`);
  }
  const kind = FRAME_KINDS[b & 0x0f];
  if (kind === undefined) throw new ProtocolError('bad-kind', `frame kind ${b & 0x0f} is not known`);
  return kind;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== UNIT_KEY_LENGTH) {
    throw new ProtocolError('bad-value', `a unit key is ${UNIT_KEY_LENGTH} bytes, this one is ${key.length}`);
  }
}

export function computeTag(key: Uint8Array, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(bytes).digest().subarray(0, TAG_LENGTH);
}

/**
 * Encodes and tags a frame. Throws `ProtocolError('bad-value')` for a value that does not fit its field. `context`
 * (the district origin) matters only to fixes.
 */
export function encodeFrame(frame: Frame, key: Uint8Array, context?: Partial<FixContext>): Buffer {
  checkKey(key);
  const w = writeHeader(frame);
  const ctx = fixContext(context);
  for (const m of frame.messages) writeMessage(w, m, ctx);
  return tag(w.finish(), key);
}

/**
 * Tags a frame made of messages already encoded with `encodeMessage` — how a resent durable record stays
 * byte-identical inside a new frame.
 */
export function encodeFrameFromParts(header: FrameHeader, parts: readonly Uint8Array[], key: Uint8Array): Buffer {
  checkKey(key);
  const w = writeHeader(header);
  for (const p of parts) w.bytes(p);
  return tag(w.finish(), key);
}

/** Header + messages overhead of a frame, tag included: for packing messages into a size limit. */
export function frameOverhead(header: FrameHeader): number {
  return 1 + varintLength(header.unit) + varintLength(header.boot) + varintLength(header.seq) + TAG_LENGTH;
}

function writeHeader(h: FrameHeader): ByteWriter {
  return new ByteWriter(128).u8(versionByte(h.kind)).varint(h.unit).varint(h.boot).varint(h.seq);
}

function tag(body: Buffer, key: Uint8Array): Buffer {
  if (body.length + TAG_LENGTH > MAX_FRAME) throw new ProtocolError('too-long', `frame of ${body.length + TAG_LENGTH} bytes is over ${MAX_FRAME}`);
  return Buffer.concat([body, computeTag(key, body)]);
}

/** The header alone, untrusted: enough to find the unit's key. */
export function peekHeader(bytes: Uint8Array): FrameHeader {
  const kind = frameKind(bytes);
  if (kind === 'signed') throw new ProtocolError('bad-kind', 'a signed object is not a tagged frame');
  if (bytes.length > MAX_FRAME) throw new ProtocolError('too-long', `frame of ${bytes.length} bytes is over ${MAX_FRAME}`);
  const r = new ByteReader(bytes, 1, Math.max(1, bytes.length - TAG_LENGTH));
  return { kind, unit: r.varint('unit'), boot: r.varint('boot'), seq: r.varint('seq') };
}

/**
 * Verifies the tag and decodes the frame. The tag is checked before any message is parsed, so a forged frame costs
 * one HMAC and nothing more. `context` (the unit's district origin, the receiver's clock) matters only to fixes.
 * `want` is the kind that travels the receiver's way (SPEC.md section 2): the other one is `bad-kind`.
 */
export function decodeFrame(bytes: Uint8Array, key: Uint8Array, context?: Partial<FixContext>, want?: FrameHeader['kind']): Frame {
  checkKey(key);
  const header = peekHeader(bytes);
  if (want !== undefined && header.kind !== want) {
    throw new ProtocolError('bad-kind', `a ${header.kind} frame came where only ${want} frames travel`);
  }
  if (bytes.length < 1 + 3 + TAG_LENGTH) throw new ProtocolError('truncated', `frame of ${bytes.length} bytes is too short to carry a tag`);
  const bodyEnd = bytes.length - TAG_LENGTH;
  const expected = computeTag(key, bytes.subarray(0, bodyEnd));
  if (!timingSafeEqual(expected, bytes.subarray(bodyEnd))) {
    throw new ProtocolError('bad-tag', `tag does not match unit ${header.unit}'s key (wrong key, or the frame was altered)`);
  }
  return { ...header, messages: readMessages(messagesReader(bytes), fixContext(context)) };
}

/**
 * The bytes of each message of a frame (`type | length | payload`), exactly as they travelled: the reverse of
 * {@link encodeFrameFromParts}. The parts are views into `bytes`; copy the ones you keep beyond it. The tag is not
 * checked here: call this on a frame {@link decodeFrame} accepted.
 */
export function frameMessageParts(bytes: Uint8Array): Buffer[] {
  peekHeader(bytes); // refuses what decodeFrame refuses before the tag: a signed object, a frame over MAX_FRAME
  const r = messagesReader(bytes);
  const parts: Buffer[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    r.u8('message type');
    r.sub(r.varint('message length'), 'message payload');
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, r.offset - start));
  }
  return parts;
}

/** A reader over a frame's messages: past the header, short of the tag. */
function messagesReader(bytes: Uint8Array): ByteReader {
  const r = new ByteReader(bytes, 1, bytes.length - TAG_LENGTH);
  r.varint('unit');
  r.varint('boot');
  r.varint('seq');
  return r;
}
