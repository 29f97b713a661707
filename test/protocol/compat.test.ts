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
