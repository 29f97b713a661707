// Property-based round trips: any message that fits the wire format comes back equal, alone or batched, over
// MQTT-sized frames and over serial framing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deframer, decodeFrame, encodeFrame, ProtocolError, toSerial, type Frame } from '../../protocol/index.js';
import { messageArb } from './arbitraries.js';

const key = Buffer.alloc(32, 7);
const header = fc.record({
  kind: fc.constantFrom('unit' as const, 'district' as const),
  unit: fc.integer({ min: 1, max: 100_000 }),
  boot: fc.integer({ min: 0, max: 0xffff_ffff }),
  seq: fc.integer({ min: 0, max: 0xffff_ffff }),
});
const frameArb: fc.Arbitrary<Frame> = fc.tuple(header, fc.array(messageArb, { maxLength: 6 })).map(([h, messages]) => ({ ...h, messages }));

describe('codec round trip', () => {
  it('decode(encode(frame)) equals the frame', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        expect(decodeFrame(encodeFrame(frame, key), key)).toEqual(frame);
      }),
      { numRuns: 2000 },
    );
  });

  it('frames survive serial framing when cut into arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 64 }), (frames, chunk) => {
        const wire = Buffer.concat(frames.map((f) => toSerial(encodeFrame(f, key))));
        const d = new Deframer();
        const out: Buffer[] = [];
        for (let i = 0; i < wire.length; i += chunk) out.push(...d.push(wire.subarray(i, i + chunk)));
        expect(out.map((b) => decodeFrame(b, key))).toEqual(frames);
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
