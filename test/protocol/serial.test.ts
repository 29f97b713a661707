import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, crc16, Deframer, fromSerial, MAX_SERIAL_FRAME, ProtocolError, toSerial } from '../../protocol/index.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('matches the catalogue check value for "123456789"', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x29b1);
  });
});

describe('COBS', () => {
  it('encodes the published examples', () => {
    const cases: [string, string][] = [
      ['00', '0101'],
      ['0000', '010101'],
      ['11220033', '03112202 33'.replace(' ', '')],
      ['11223344', '0511223344'],
      ['11000000', '02110101 01'.replace(' ', '')],
    ];
    for (const [raw, enc] of cases) expect(cobsEncode(Buffer.from(raw, 'hex')).toString('hex')).toBe(enc);
    const run254 = Buffer.alloc(254, 1);
    expect(cobsEncode(run254)[0]).toBe(0xff);
    expect(cobsDecode(cobsEncode(run254))).toEqual(run254);
  });

  it('round-trips anything and never emits a zero', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (raw) => {
        const enc = cobsEncode(raw);
        expect(enc.includes(0)).toBe(false);
        expect(cobsDecode(enc)).toEqual(Buffer.from(raw));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Deframer', () => {
  const frame = Buffer.from('10072ae807020c7f', 'hex');

  it('resynchronises after garbage and counts what it drops', () => {
    const d = new Deframer();
    const garbage = Buffer.from('deadbeef', 'hex');
    const out = d.push(Buffer.concat([garbage, Buffer.from([0]), toSerial(frame), garbage, toSerial(frame)]));
    // The garbage before the first delimiter is a broken frame; the garbage glued to the second frame spoils it.
    expect(out).toEqual([frame]);
    expect(d.stats.frames).toBe(1);
    expect(d.stats.badCrc + d.stats.badCobs).toBe(2);
  });

  it('drops a frame with a bad CRC and keeps the next one', () => {
    const bad = toSerial(frame);
    bad[3] ^= 0x01;
    const d = new Deframer();
    expect(d.push(Buffer.concat([bad, toSerial(frame)]))).toEqual([frame]);
    expect(d.stats.badCrc).toBe(1);
  });

  it('drops an over-long frame without holding more than one maximum frame', () => {
    const d = new Deframer();
    const endless = Buffer.alloc(10 * MAX_SERIAL_FRAME, 0x55);
    for (let i = 0; i < endless.length; i += 100) {
      d.push(endless.subarray(i, i + 100));
      expect(d.pending).toBeLessThanOrEqual(MAX_SERIAL_FRAME + 16);
    }
    expect(d.push(Buffer.concat([Buffer.from([0]), toSerial(frame)]))).toEqual([frame]);
    expect(d.stats.tooLong).toBe(1);
  });

  it('refuses to frame something over the serial maximum', () => {
    expect(() => toSerial(Buffer.alloc(MAX_SERIAL_FRAME + 1, 1))).toThrow(ProtocolError);
  });

  it('reports a bad CRC as a typed error', () => {
    const s = toSerial(frame);
    s[2] ^= 0xff;
    expect(() => fromSerial(s.subarray(0, -1))).toThrow(expect.objectContaining({ code: expect.stringMatching(/bad-crc|bad-cobs/) }));
  });
});

describe('serial limits and COBS edges (SPEC §6)', () => {
  /** Non-zero bytes whose CRC-16 has no zero byte either, so COBS adds exactly one code byte per 254. */
  function frameOfLength(n: number): Buffer {
    for (let fill = 1; ; fill++) {
      const f = Buffer.alloc(n, fill);
      const crc = crc16(f);
      if ((crc & 0xff) !== 0 && crc >> 8 !== 0) return f;
    }
  }

  it('carries a frame of exactly 2,048 bytes: 2,059 bytes of COBS and a delimiter', () => {
    const f = frameOfLength(MAX_SERIAL_FRAME);
    const wire = toSerial(f);
    expect(wire.length).toBe(2059 + 1);
    expect(new Deframer().push(wire)).toEqual([f]);
  });

  it('drops a chunk of 2,060 bytes or more without decoding it', () => {
    const d = new Deframer();
    const chunk = Buffer.concat([cobsEncode(Buffer.alloc(2051, 7)), Buffer.from([0])]);
    expect(chunk.length - 1).toBe(2060);
    expect(d.push(chunk)).toEqual([]);
    expect(d.stats.tooLong).toBe(1);
  });

  it('refuses a chunk that decodes to more than a maximum frame and its CRC', () => {
    const f = Buffer.alloc(MAX_SERIAL_FRAME + 1); // zeros: COBS adds one byte in all
    const withCrc = Buffer.alloc(f.length + 2);
    f.copy(withCrc);
    withCrc.writeUInt16BE(crc16(f), f.length);
    // 2,052 bytes of COBS: short enough to be held, too long to be a frame.
    const enc = cobsEncode(withCrc);
    expect(enc.length).toBeLessThanOrEqual(2059);
    expect(() => fromSerial(enc)).toThrow(expect.objectContaining({ code: 'too-long' }));
    const d = new Deframer();
    expect(d.push(Buffer.concat([enc, Buffer.from([0])]))).toEqual([]);
    expect(d.stats.tooLong).toBe(1);
  });

  it('ends a last block of 254 bytes with the code 0x01, and reads it without that byte too', () => {
    const run = Buffer.alloc(254, 9);
    const enc = cobsEncode(run);
    expect(enc.length).toBe(256);
    expect(enc[0]).toBe(0xff);
    expect(enc[255]).toBe(0x01);
    expect(cobsDecode(enc)).toEqual(run);
    expect(cobsDecode(enc.subarray(0, 255))).toEqual(run);
  });

  it('refuses a block that runs past the chunk as bad COBS', () => {
    expect(() => cobsDecode(Buffer.from('051122', 'hex'))).toThrow(expect.objectContaining({ code: 'bad-cobs' }));
  });
});
