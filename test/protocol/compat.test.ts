// Forward compatibility: a newer peer may add message types and trailing fields; this decoder skips them.
import { describe, expect, it } from 'vitest';
import {
  ByteReader,
  ByteWriter,
  computeTag,
  decodeFrame,
  encodeFrame,
  encodeFrameFromParts,
  encodeMessage,
  encodePayload,
  frameOverhead,
  MESSAGE_CODES,
  ProtocolError,
  readMessages,
  versionByte,
} from '../../protocol/index.js';
import { liveFix, liveTelemetry, TEST_FIX_CONTEXT as ctx } from '../../tools/vector-cases.js';

const key = Buffer.alloc(32, 3);

function frameOf(...messages: [number, Buffer][]): Buffer {
  const w = new ByteWriter().u8(versionByte('unit')).varint(5).varint(1).varint(9);
  for (const [code, payload] of messages) w.u8(code).blob(payload);
  const body = w.finish();
  return Buffer.concat([body, computeTag(key, body)]);
}

describe('forward compatibility', () => {
  it('reads the known fields of a payload and skips trailing fields it does not know', () => {
    const fix = Buffer.concat([encodePayload(liveFix, ctx), Buffer.from('c0ffee', 'hex')]);
    // A telemetry presence bit this decoder does not know (bit 20) with its field after every known one.
    const known = encodePayload(liveTelemetry);
    const r = new ByteReader(known);
    const present = r.varint();
    const tele = new ByteWriter().varint(present | (1 << 20)).bytes(known.subarray(r.offset)).bytes(Buffer.from('0102', 'hex')).finish();
    const frame = decodeFrame(frameOf([MESSAGE_CODES.fix, fix], [MESSAGE_CODES.telemetry, tele]), key, ctx);
    expect(frame.messages).toEqual([liveFix, liveTelemetry]);
  });

  it('skips a message type it does not know and keeps the ones after it', () => {
    const frame = decodeFrame(frameOf([0x55, Buffer.from('0102', 'hex')], [MESSAGE_CODES.fix, encodePayload(liveFix, ctx)]), key, ctx);
    expect(frame.messages[0]).toEqual({ type: 'unknown', code: 0x55, payload: Buffer.from('0102', 'hex') });
    expect(frame.messages[1]).toEqual(liveFix);
  });

  it('refuses a message whose length runs past the frame', () => {
    const w = new ByteWriter().u8(MESSAGE_CODES.fix).varint(40).bytes(Buffer.alloc(10));
    expect(() => readMessages(new ByteReader(w.finish()))).toThrow(ProtocolError);
  });

  it('refuses another protocol version with a message that says which', () => {
    const f = frameOf([MESSAGE_CODES.fix, encodePayload(liveFix, ctx)]);
    f[0] = 0x20;
    expect(() => decodeFrame(f, key)).toThrow(/protocol version 2/);
  });
});

describe('frames from pre-encoded messages', () => {
  it('give the same bytes as encoding the messages in place, so a resent record is byte-identical', () => {
    const header = { kind: 'unit' as const, unit: 300, boot: 2, seq: 70_000 };
    const whole = encodeFrame({ ...header, messages: [liveTelemetry, liveFix] }, key);
    const parts = [encodeMessage(liveTelemetry), encodeMessage(liveFix)];
    expect(encodeFrameFromParts(header, parts, key)).toEqual(whole);
    expect(frameOverhead(header) + parts[0]!.length + parts[1]!.length).toBe(whole.length);
  });
});

/** The error code `fn` throws, or undefined when it throws nothing. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
}

const read = (code: number, payload: Buffer) => decodeFrame(frameOf([code, payload]), key, ctx).messages[0];
const stamp = (w: ByteWriter): ByteWriter => w.u32(1_760_000_000).u8(2);

describe('ranges and limits a receiver refuses (SPEC §1, §4)', () => {
  it('refuses a varint that is not in its shortest form, and accepts 5-byte ones', () => {
    expect(codeOf(() => new ByteReader(Buffer.from('8000', 'hex')).varint())).toBe('bad-value');
    expect(codeOf(() => new ByteReader(Buffer.from('ff8000', 'hex')).varint())).toBe('bad-value');
    expect(new ByteReader(Buffer.from('00', 'hex')).varint()).toBe(0);
    expect(new ByteReader(Buffer.from('ffffffff0f', 'hex')).varint()).toBe(2 ** 32 - 1);
    expect(new ByteReader(Buffer.from('8080808001', 'hex')).varint()).toBe(2 ** 28);
  });

  it('refuses a percentage over 100 in telemetry and in a play', () => {
    expect(codeOf(() => read(MESSAGE_CODES.telemetry, new ByteWriter().varint(1 << 4).u8(101).finish()))).toBe('bad-value');
    expect(codeOf(() => read(MESSAGE_CODES.telemetry, new ByteWriter().varint(1 << 6).u8(255).finish()))).toBe('bad-value');
    expect(read(MESSAGE_CODES.telemetry, new ByteWriter().varint(1 << 6).u8(100).finish())).toEqual({ type: 'telemetry', volume: 100 });
    const play = (volume: number) => stamp(new ByteWriter().varint(1)).str('c-1').varint(1).varint(10).u8(0).u8(0).u8(volume).u8(0).finish();
    expect(codeOf(() => read(MESSAGE_CODES.play, play(101)))).toBe('bad-value');
    expect(codeOf(() => read(MESSAGE_CODES.play, play(100)))).toBeUndefined();
  });

  it('refuses a course of 360 or more', () => {
    const payload = encodePayload(liveFix, ctx);
    const courseAt = payload.length - 4; // … course (1 byte here) | hdop | satellites | quality
    expect(payload[courseAt]).toBe(liveFix.course);
    const bad = Buffer.concat([payload.subarray(0, courseAt), Buffer.from('e802', 'hex'), payload.subarray(courseAt + 1)]);
    expect(codeOf(() => read(MESSAGE_CODES.fix, bad))).toBe('bad-value');
  });

  it('ignores the reserved bits of the state byte and of the play flags', () => {
    expect(read(MESSAGE_CODES.telemetry, new ByteWriter().varint(1 << 5).u8(0xe0 | (2 << 2) | 1).finish())).toEqual({
      type: 'telemetry',
      state: { amplifierOn: true, relayOn: false, player: 'playing' },
    });
    const play = stamp(new ByteWriter().varint(1)).str('c-1').varint(1).varint(10).u8(0).u8(0).u8(50).u8(0xfe).finish();
    expect(read(MESSAGE_CODES.play, play)).not.toHaveProperty('where');
  });

  it('holds one clip id rule everywhere: 1–48 of A–Z a–z 0–9 - _', () => {
    const play = (clip: string) => stamp(new ByteWriter().varint(1)).str(clip).varint(1).varint(10).u8(0).u8(0).u8(50).u8(0).finish();
    for (const bad of ['', '../etc', 'a b', 'x'.repeat(49), 'bài-1']) {
      expect(codeOf(() => read(MESSAGE_CODES.play, play(bad))), bad).toBe('bad-value');
      expect(codeOf(() => encodePayload({ ...playRecord, clip: bad })), bad).toBe('bad-value');
    }
    expect(read(MESSAGE_CODES.play, play('x'.repeat(48)))).toMatchObject({ clip: 'x'.repeat(48) });
  });

  it('counts string limits in UTF-8 bytes, and a sender refuses what a receiver would refuse', () => {
    const event = (code: string, detail: string) => ({ type: 'event' as const, record: 1, at: { time: 1, source: 'system' as const }, kind: 'info' as const, code, detail });
    const vietnamese = 'ầ'.repeat(342); // 342 characters, 1,026 bytes
    expect(Buffer.byteLength(vietnamese)).toBe(1026);
    expect(codeOf(() => encodePayload(event('x', vietnamese)))).toBe('too-long');
    expect(codeOf(() => encodePayload(event('x'.repeat(65), '')))).toBe('too-long');
    expect(codeOf(() => encodePayload(event('x', vietnamese.slice(0, 341))))).toBeUndefined();
    const hello = { type: 'hello' as const, record: 1, firmware: 'f'.repeat(65), manifestVersion: 0, capabilities: [], bootTime: { time: 1, source: 'system' as const } };
    expect(codeOf(() => encodePayload(hello))).toBe('too-long');
    const result = { type: 'command-result' as const, record: 1, at: { time: 1, source: 'system' as const }, counter: 1, status: 'ok' as const, detail: vietnamese };
    expect(codeOf(() => encodePayload(result))).toBe('too-long');
  });

  it('refuses a track time or an ack range that runs past 2^32 − 1', () => {
    const track = new ByteWriter().varint(1).u8(2).varint(2).u32(0xffff_fff0).i32(0).i32(0).varint(16).svarint(0).svarint(0).finish();
    expect(codeOf(() => read(MESSAGE_CODES.track, track))).toBe('bad-value');
    const ack = new ByteWriter().varint(1).varint(0xffff_fff0).varint(16).finish();
    expect(codeOf(() => read(MESSAGE_CODES.ack, ack))).toBe('bad-value');
    expect(read(MESSAGE_CODES.ack, new ByteWriter().varint(1).varint(0xffff_fff0).varint(15).finish())).toEqual({ type: 'ack', ranges: [[0xffff_fff0, 0xffff_ffff]] });
  });

  it('refuses a string that is not UTF-8 instead of replacing what it cannot read', () => {
    const detail = Buffer.from('c3', 'hex'); // a lead byte with no continuation
    const payload = stamp(new ByteWriter().varint(1)).u8(0).str('x').blob(detail).finish();
    expect(codeOf(() => read(MESSAGE_CODES.event, payload))).toBe('bad-value');
  });

  it('skips a known message type that travels in the wrong direction, keeping the rest of the frame', () => {
    const ack = new ByteWriter().varint(1).varint(5).varint(0).finish();
    const frame = decodeFrame(frameOf([MESSAGE_CODES.ack, ack], [MESSAGE_CODES.fix, encodePayload(liveFix, ctx)]), key, ctx);
    expect(frame.kind).toBe('unit');
    expect(frame.messages).toEqual([{ type: 'ack', ranges: [[5, 5]] }, liveFix]);
  });
});

const playRecord = {
  type: 'play' as const,
  record: 1,
  start: { time: 1, source: 'gnss' as const },
  clip: 'c-1',
  manifestVersion: 1,
  seconds: 1,
  outcome: 'completed' as const,
  trigger: 'button' as const,
  volume: 50,
};
