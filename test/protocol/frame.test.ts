// frameMessageParts: the bytes of each message of a frame, the reverse of encodeFrameFromParts.
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  encodeFrameFromParts,
  encodeMessage,
  frameMessageParts,
  isProtocolError,
  signObject,
  privateKeyFromSeed,
  TAG_LENGTH,
} from '../../protocol/index.js';
import { frameCases, TEST_DISTRICT_SEED, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from '../../tools/vector-cases.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isProtocolError(err) ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
}

describe('frameMessageParts', () => {
  it.each(Object.keys(frameCases))('gives back each message as encodeMessage wrote it (%s)', (name) => {
    const frame = frameCases[name]!;
    const bytes = encodeFrame(frame, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
    expect(frameMessageParts(bytes)).toEqual(frame.messages.map((m) => encodeMessage(m, TEST_FIX_CONTEXT)));
  });

  it('undoes encodeFrameFromParts, header varints of any length included', () => {
    const parts = frameCases['play']!.messages.map((m) => encodeMessage(m, TEST_FIX_CONTEXT));
    const bytes = encodeFrameFromParts({ kind: 'unit', unit: 300, boot: 70_000, seq: 2 ** 32 - 1 }, parts, TEST_UNIT_KEY);
    expect(frameMessageParts(bytes)).toEqual(parts);
  });

  it('returns views into the frame, also when the frame sits inside a larger buffer', () => {
    const frame = encodeFrame(frameCases['telemetry-and-fix']!, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
    const outer = Buffer.concat([Buffer.from('xyz'), frame, Buffer.from('!')]);
    const inner = outer.subarray(3, 3 + frame.length);
    const parts = frameMessageParts(inner);
    expect(parts).toEqual(frameMessageParts(frame));
    expect(parts.every((p) => p.buffer === outer.buffer)).toBe(true);
  });

  it('has no parts for a frame without messages', () => {
    expect(frameMessageParts(encodeFrame({ kind: 'district', unit: 7, boot: 1, seq: 0, messages: [] }, TEST_UNIT_KEY))).toEqual([]);
  });

  it('refuses a message cut short, a signed object and an empty buffer', () => {
    const frame = encodeFrame(frameCases['event']!, TEST_UNIT_KEY);
    const cut = Buffer.concat([frame.subarray(0, frame.length - TAG_LENGTH - 1), frame.subarray(frame.length - TAG_LENGTH)]);
    expect(code(() => frameMessageParts(cut))).toBe('truncated');
    const signed = signObject({ type: 'command', command: { unit: 7, counter: 1, issued: 0, expires: 60, action: 'set-volume', volume: 50 } }, privateKeyFromSeed(TEST_DISTRICT_SEED));
    expect(code(() => frameMessageParts(signed))).toBe('bad-kind');
    expect(code(() => frameMessageParts(Buffer.alloc(0)))).toBe('truncated');
  });
});

describe('frame kinds (SPEC §2)', () => {
  const unitFrame = encodeFrame(frameCases['telemetry-and-fix']!, TEST_UNIT_KEY, TEST_FIX_CONTEXT);

  it('refuses a signed object and the kinds 3–15 as frames', () => {
    const signed = signObject({ type: 'announcement', announcement: { district: 'd', version: 1, sha256: '0'.repeat(64), size: 1 } }, privateKeyFromSeed(TEST_DISTRICT_SEED));
    expect(code(() => decodeFrame(signed, TEST_UNIT_KEY))).toBe('bad-kind');
    for (let kind = 3; kind < 16; kind++) {
      const f = Buffer.from(unitFrame);
      f[0] = 0x10 | kind;
      expect(code(() => decodeFrame(f, TEST_UNIT_KEY)), `kind ${kind}`).toBe('bad-kind');
    }
  });

  it('refuses the kind that does not travel the receiver\'s way', () => {
    expect(code(() => decodeFrame(unitFrame, TEST_UNIT_KEY, TEST_FIX_CONTEXT, 'district'))).toBe('bad-kind');
    expect(decodeFrame(unitFrame, TEST_UNIT_KEY, TEST_FIX_CONTEXT, 'unit').kind).toBe('unit');
  });
});
