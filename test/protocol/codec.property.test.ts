// Property-based round trips: any message that fits the wire format comes back equal, alone or batched, over
// MQTT-sized frames and over serial framing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deframer, decodeFrame, encodeFrame, encodeMessage, FIX_TIME_SPAN, placeFixTime, ProtocolError, toSerial, type FixContext, type Frame } from '../../protocol/index.js';
import { liveFix as fix, TEST_FIX_CONTEXT } from '../../tools/vector-cases.js';
import { e7, messageArb } from './arbitraries.js';

const key = Buffer.alloc(32, 7);
const header = fc.record({
  kind: fc.constantFrom('unit' as const, 'district' as const),
  unit: fc.integer({ min: 1, max: 100_000 }),
  boot: fc.integer({ min: 0, max: 0xffff_ffff }),
  seq: fc.integer({ min: 0, max: 0xffff_ffff }),
});
/** A receiver clock and district origin; fixes are read with them (SPEC 0x03). */
const contextArb: fc.Arbitrary<FixContext> = fc.record({
  origin: fc.record({ lat: e7(90), lon: e7(180) }),
  now: fc.integer({ min: FIX_TIME_SPAN, max: 0xffff_ffff - FIX_TIME_SPAN }),
});
/** A frame and the context it is read with; its fixes are within the ±9 h a 16-bit fix time covers. */
const framedArb: fc.Arbitrary<{ frame: Frame; ctx: FixContext }> = fc
  .tuple(header, fc.array(messageArb, { maxLength: 6 }), contextArb)
  .map(([h, messages, ctx]) => ({
    ctx,
    frame: { ...h, messages: messages.map((m) => (m.type === 'fix' ? { ...m, time: ctx.now - FIX_TIME_SPAN / 2 + (m.time % FIX_TIME_SPAN) } : m)) },
  }));

describe('codec round trip', () => {
  it('decode(encode(frame)) equals the frame', () => {
    fc.assert(
      fc.property(framedArb, ({ frame, ctx }) => {
        expect(decodeFrame(encodeFrame(frame, key, ctx), key, ctx)).toEqual(frame);
      }),
      { numRuns: 2000 },
    );
  });

  it('frames survive serial framing when cut into arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(framedArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 64 }), (framed, chunk) => {
        const wire = Buffer.concat(framed.map(({ frame, ctx }) => toSerial(encodeFrame(frame, key, ctx))));
        const d = new Deframer();
        const out: Buffer[] = [];
        for (let i = 0; i < wire.length; i += chunk) out.push(...d.push(wire.subarray(i, i + chunk)));
        expect(out.map((b, i) => decodeFrame(b, key, framed[i]!.ctx))).toEqual(framed.map((f) => f.frame));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a value that does not fit its field with a ProtocolError naming it', () => {
    const bad: Frame = { kind: 'unit', unit: 1, boot: 1, seq: 1, messages: [{ type: 'telemetry', soc: 140 }] };
    expect(() => encodeFrame(bad, key)).toThrow(ProtocolError);
    expect(() => encodeFrame(bad, key)).toThrow(/soc 140/);
    const lat: Frame = { kind: 'unit', unit: 1, boot: 1, seq: 1, messages: [{ type: 'fix', time: 0, lat: 91, lon: 0, speed: 0, course: 0, satellites: 0, quality: 'gps' }] };
    expect(() => encodeFrame(lat, key)).toThrow(/latitude 91/);
  });
});

describe('fix context (SPEC 0x03)', () => {
  it('places a 16-bit fix time back at its full time anywhere within ±9 h of the receiver clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIX_TIME_SPAN, max: 0xffff_ffff - FIX_TIME_SPAN }), fc.integer({ min: -FIX_TIME_SPAN / 2, max: FIX_TIME_SPAN / 2 - 1 }), (now, ahead) => {
        expect(placeFixTime((now + ahead) % FIX_TIME_SPAN, now)).toBe(now + ahead);
      }),
      { numRuns: 2000 },
    );
    // Beyond the window the time is a whole 65,536 s off: that is why a cart sends no fix older than an hour.
    expect(placeFixTime((1_795_914_000 - 40_000) % FIX_TIME_SPAN, 1_795_914_000)).toBe(1_795_914_000 - 40_000 + FIX_TIME_SPAN);
  });

  const { origin } = TEST_FIX_CONTEXT;
  const now = fix.time + 3;

  it('carries a position near the district origin in 3 + 3 bytes, and a far one still exactly', () => {
    const near = encodeMessage(fix, { origin, now });
    const none = encodeMessage(fix, { origin: { lat: 0, lon: 0 }, now });
    expect(near.length).toBe(2 + 2 + 3 + 3 + 5);
    expect(none.length).toBe(near.length + 4); // whole positions as offsets from 0, 0: 5 bytes each
    const antimeridian = { origin: { lat: -16.5, lon: 179.99 }, now };
    const across = { ...fix, lat: -16.4, lon: -179.99 };
    const frame: Frame = { kind: 'unit', unit: 3, boot: 1, seq: 2, messages: [across] };
    expect(decodeFrame(encodeFrame(frame, key, antimeridian), key, antimeridian).messages).toEqual([across]);
  });

  it('reads a fix 65,536 s from its time off by exactly that span, and another origin elsewhere: the context is part of the wire format', () => {
    const frame: Frame = { kind: 'unit', unit: 3, boot: 1, seq: 2, messages: [fix] };
    const bytes = encodeFrame(frame, key, { origin });
    const late = decodeFrame(bytes, key, { origin, now: fix.time + FIX_TIME_SPAN });
    expect(late.messages[0]).toMatchObject({ time: fix.time + FIX_TIME_SPAN, lat: fix.lat });
    const moved = decodeFrame(bytes, key, { origin: { lat: 19.92, lon: 105.6 }, now });
    expect(moved.messages[0]).toMatchObject({ lat: 19.9795123, lon: fix.lon });
  });
});
