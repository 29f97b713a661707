// The telemetry energy group (SPEC.md 0x02 bit 11): exact bytes, range checks on both sides, what it costs a frame,
// and that a decoder from before it still reads the rest of the telemetry.
import { describe, expect, it } from 'vitest';
import {
  ByteReader,
  decodeFrame,
  encodeFrame,
  encodePayload,
  ENERGY_MINUTES_CAP,
  MESSAGE_CODES,
  ProtocolError,
  readMessages,
  toSerial,
  ByteWriter,
  type Telemetry,
  type TelemetryEnergy,
} from '../../protocol/index.js';
import { frameCases, liveFix, liveTelemetry, TEST_FIX_CONTEXT as ctx, TEST_UNIT_KEY } from '../../tools/vector-cases.js';

const energy: TelemetryEnergy = { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: 130, healthPercent: 86 };

function roundTrip(t: Telemetry): Telemetry {
  const [m] = readMessages(new ByteReader(Buffer.concat([Buffer.from([MESSAGE_CODES.telemetry, encodePayload(t).length]), encodePayload(t)])));
  return m as Telemetry;
}

describe('telemetry energy group', () => {
  it('writes presence bit 11 then the five fields in the order of the contract', () => {
    // 0x80 0x10 = varint 1 << 11; 80; 55; 15; 131 = 0x83 0x01; 86
    expect(encodePayload({ type: 'telemetry', energy }).toString('hex')).toBe('8010' + '50' + '37' + '0f' + '8301' + '56');
    // Not charging and health not learned: 0 and 255.
    const none = { ...energy, minutesToFull: null, healthPercent: null };
    expect(encodePayload({ type: 'telemetry', energy: none }).toString('hex')).toBe('8010' + '50' + '37' + '0f' + '00' + 'ff');
  });

  it('comes back equal at the edges: 0, the 1440 cap, null, health 0 and 254', () => {
    for (const e of [
      { minutesLeft: 0, minutesLeftNoSun: 0, reserveMinutes: 0, minutesToFull: 0, healthPercent: 0 },
      { minutesLeft: ENERGY_MINUTES_CAP, minutesLeftNoSun: ENERGY_MINUTES_CAP, reserveMinutes: ENERGY_MINUTES_CAP, minutesToFull: ENERGY_MINUTES_CAP, healthPercent: 254 },
      { ...energy, minutesToFull: null, healthPercent: null },
    ]) {
      expect(roundTrip({ ...liveTelemetry, energy: e })).toEqual({ ...liveTelemetry, energy: e });
    }
  });

  it('refuses values outside the contract, naming the field', () => {
    const bad: [Partial<TelemetryEnergy>, RegExp][] = [
      [{ minutesLeft: 1441 }, /minutes left 1441/],
      [{ minutesLeftNoSun: -1 }, /without sun -1/],
      [{ reserveMinutes: 2.5 }, /reserve minutes 2.5/],
      [{ minutesToFull: 1441 }, /minutes to full 1441/],
      [{ healthPercent: 255 }, /health 255/],
      [{ minutesLeft: Number.NaN }, /minutes left NaN/],
    ];
    for (const [change, message] of bad) {
      expect(() => encodePayload({ type: 'telemetry', energy: { ...energy, ...change } })).toThrow(message);
      expect(() => encodePayload({ type: 'telemetry', energy: { ...energy, ...change } })).toThrow(ProtocolError);
    }
  });

  it('refuses minutes past the cap from a peer that breaks the contract', () => {
    const over = new ByteWriter().varint(1 << 11).varint(2000).varint(0).varint(0).varint(0).u8(255).finish();
    const w = new ByteWriter().u8(MESSAGE_CODES.telemetry).blob(over).finish();
    expect(() => readMessages(new ByteReader(w))).toThrow(/minutes left 2000 is over the 1440 cap/);
  });

  it('goes after every older field, so a decoder that stops at bit 10 reads the rest unchanged', () => {
    // An older decoder reads the fields it knows and skips the bytes after them (compat.test.ts checks the skipping).
    const payload = encodePayload({ ...liveTelemetry, energy });
    const withoutEnergy = encodePayload(liveTelemetry);
    expect(payload.subarray(2, withoutEnergy.length + 1)).toEqual(withoutEnergy.subarray(1));
    expect(payload.length - withoutEnergy.length).toBe(1 + 6); // one more presence byte, six of energy (130 min takes two)
  });

  it('keeps a live frame with energy inside the serial and uplink budgets', () => {
    const live = frameCases['telemetry-and-fix']!;
    const before = toSerial(encodeFrame(live, TEST_UNIT_KEY, ctx)).length;
    const withEnergy = { ...live, messages: [{ ...liveTelemetry, energy }, liveFix] };
    const bytes = encodeFrame(withEnergy, TEST_UNIT_KEY, ctx);
    const after = toSerial(bytes).length;
    expect(before).toBe(46); // SPEC 9: every power, state and volume field with the fix
    expect(after - before).toBe(7);
    // The worst case: every minute count over 127 takes two bytes, so the group costs at most 1 + 4 × 2 + 1.
    const worst = { ...live, messages: [{ ...liveTelemetry, energy: { ...energy, minutesLeft: 1440, minutesLeftNoSun: 1440, reserveMinutes: 1440, minutesToFull: 1440 } }, liveFix] };
    expect(toSerial(encodeFrame(worst, TEST_UNIT_KEY, ctx)).length - before).toBe(10);
    expect(decodeFrame(bytes, TEST_UNIT_KEY, ctx).messages).toEqual(withEnergy.messages);
    // The full refresh (every field, runtime, faults, outbox, sync) with energy still far under the 256-byte uplink cap.
    const full = frameCases['telemetry-full']!;
    const fullAfter = toSerial(encodeFrame({ ...full, messages: [{ ...full.messages[0]!, energy } as Telemetry, liveFix] }, TEST_UNIT_KEY, ctx)).length;
    expect(fullAfter).toBeLessThanOrEqual(70);
  });
});
