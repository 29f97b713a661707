import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { nmeaChecksum, parseNmeaLine, type NmeaSentence } from '../../../hardware/gnss/nmea.js';
import { NmeaStreamParser } from '../../../hardware/gnss/nmea-stream.js';
import { formatEpoch, formatGga, formatRmc, formatSentence } from '../../../hardware/gnss/nmea-writer.js';

function sentence(line: string): NmeaSentence {
  const result = parseNmeaLine(line);
  if (result.kind !== 'sentence') throw new Error(`expected a sentence, got ${JSON.stringify(result)}`);
  return result.sentence;
}

describe('parseNmeaLine', () => {
  it('computes the checksum of the body', () => {
    expect(nmeaChecksum('GNVTG,,T,,M,0.117,N,0.216,K,A')).toBe('3F');
  });

  it('decodes RMC (bu353s4: southern and eastern hemisphere)', () => {
    expect(sentence('$GPRMC,030719.000,A,3747.0873,S,17518.8938,E,0.69,181.39,311214,,,A*7D')).toEqual({
      type: 'RMC',
      talker: 'GP',
      timeOfDay: ((3 * 60 + 7) * 60 + 19) * 1000,
      date: { year: 2014, month: 12, day: 31 },
      valid: true,
      latitude: -(37 + 47.0873 / 60),
      longitude: 175 + 18.8938 / 60,
      speedMps: (0.69 * 1852) / 3600,
      courseDeg: 181.39,
      quality: 'gps',
    });
  });

  it('decodes GGA with DGPS quality, GSA, VTG, GLL and ZDA', () => {
    expect(sentence('$GPGGA,202640.000,4404.1306,N,12118.8515,W,2,10,0.98,1127.7,M,-19.6,M,0000,0000*6C')).toMatchObject({
      type: 'GGA',
      quality: 'dgps',
      satellites: 10,
      hdop: 0.98,
      altitudeM: 1127.7,
      longitude: -(121 + 18.8515 / 60),
    });
    expect(sentence('$GNGSA,A,3,01,11,31,14,22,32,04,25,03,,,,1.56,0.91,1.27*15')).toMatchObject({
      type: 'GSA',
      dimension: '3d',
      satellitesUsed: 9,
      hdop: 0.91,
    });
    expect(sentence('$GNVTG,286.35,T,,M,0.00,N,0.00,K,A*29')).toMatchObject({ type: 'VTG', courseDeg: 286.35, speedMps: 0 });
    expect(sentence('$GNGLL,4404.14066,N,12118.85481,W,171925.00,A,A*66')).toMatchObject({
      type: 'GLL',
      valid: true,
      latitude: 44 + 4.14066 / 60,
    });
    expect(sentence('$GNZDA,055234.000,05,08,2026,00,00*46')).toMatchObject({
      type: 'ZDA',
      date: { year: 2026, month: 8, day: 5 },
    });
  });

  it('accepts every talker: GP, GN, GL, GA, GB, BD', () => {
    for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD']) {
      const line = formatSentence(`${talker}GGA,120000.00,1046.12345,N,10640.54321,E,1,07,1.2,5.0,M,,M,,`).trimEnd();
      expect(sentence(line)).toMatchObject({ talker, type: 'GGA', latitude: 10 + 46.12345 / 60 });
    }
  });

  it('sorts what it drops: bad checksum, malformed, proprietary, unsupported', () => {
    expect(parseNmeaLine('$GPRMC,030719.000,A,3747.0873,S,17518.8938,E,0.69,181.39,311214,,,A*7E').kind).toBe('bad-checksum');
    expect(parseNmeaLine('$GNRMC,001053.00,A,4404.14083,N,12118.85886,W,0.').kind).toBe('malformed');
    expect(parseNmeaLine('garbage').kind).toBe('malformed');
    expect(parseNmeaLine(formatSentence('GPGGA,1200,4404.1,N,12118.8,W,1,07,1.2,5.0,M,,M,,').trimEnd())).toMatchObject({
      kind: 'malformed',
    });
    expect(parseNmeaLine('$PSRFEPE,053229.438,V,,,,,*23').kind).toBe('proprietary');
    expect(parseNmeaLine('$GPTXT,01,01,01,ANTENNA OK*35')).toMatchObject({ kind: 'unsupported', type: 'TXT' });
  });

  it('keeps 1e-7 degree precision in coordinates', () => {
    const s = sentence(formatSentence('GNGLL,4739.7189012,N,12219.5836234,W,055234.200,A,A').trimEnd());
    expect(s.type === 'GLL' && s.latitude).toBeCloseTo(47 + 39.7189012 / 60, 10);
  });
});

describe('NmeaStreamParser', () => {
  const epoch1 =
    '$GNRMC,171926.00,A,4404.14063,N,12118.85478,W,0.117,,180315,,,A*76\r\n' +
    '$GNGGA,171926.00,4404.14063,N,12118.85478,W,1,12,0.91,1147.2,M,-21.3,M,,*44\r\n' +
    '$GNGSA,A,3,01,11,31,14,22,32,04,25,03,,,,1.56,0.91,1.27*15\r\n';
  const epoch2 = '$GNRMC,171927.00,A,4404.14058,N,12118.85475,W,0.084,,180315,,,A*79\n';

  it('combines one epoch into one fix when the next epoch starts', () => {
    const parser = new NmeaStreamParser();
    expect(parser.push(epoch1)).toEqual([]);
    const [fix] = parser.push(epoch2);
    expect(fix).toMatchObject({
      hasFix: true,
      time: new Date('2015-03-18T17:19:26.000Z'),
      quality: 'gps',
      dimension: '3d',
      satellites: 12,
      hdop: 0.91,
      altitudeM: 1147.2,
      courseDeg: null,
    });
    expect(fix?.latitude).toBeCloseTo(44.0690105, 9);
    expect(parser.flush()).toHaveLength(1);
    expect(parser.counts()).toMatchObject({ good: 4, fixes: 2, noFixes: 0 });
  });

  it('gives the same fixes whatever the chunking, CRLF or LF', () => {
    const text = epoch1 + epoch2;
    const whole = new NmeaStreamParser();
    const expected = [...whole.push(text), ...whole.flush()];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 20 }), fc.boolean(), (cuts, lf) => {
        const input = lf ? text.replaceAll('\r\n', '\n') : text;
        const parser = new NmeaStreamParser();
        const points = [...new Set(cuts.map((c) => Math.min(c, input.length)))].sort((a, b) => a - b);
        const got = [];
        let from = 0;
        for (const p of [...points, input.length]) {
          got.push(...parser.push(Buffer.from(input.slice(from, p), 'latin1')));
          from = p;
        }
        got.push(...parser.flush());
        expect(got).toEqual(expected);
      }),
    );
  });

  it('reports a no-fix epoch with its time', () => {
    const parser = new NmeaStreamParser();
    parser.push('$GPGGA,053229.438,,,,,0,00,,,M,0.0,M,,0000*56\r\n$GNRMC,053229.438,V,,,,,,,020315,,,N*56\r\n');
    expect(parser.flush()).toEqual([
      expect.objectContaining({ hasFix: false, quality: 'none', time: new Date('2015-03-02T05:32:29.438Z') }),
    ]);
    expect(parser.counts()).toMatchObject({ noFixes: 1, fixes: 0 });
  });

  it('dates a GGA-only epoch from the last date, crossing midnight', () => {
    const parser = new NmeaStreamParser();
    const day = new Date('2026-03-31T23:59:59.000Z');
    parser.push(formatRmc({ time: day, latitude: 10, longitude: 106 }));
    const next = formatGga({ time: new Date('2026-04-01T00:00:00.000Z'), latitude: 10, longitude: 106 });
    const [first, second] = [...parser.push(next), ...parser.flush()];
    expect(first?.time).toEqual(day);
    expect(second?.time).toEqual(new Date('2026-04-01T00:00:00.000Z'));
  });

  it('caps a line: an endless run without newline is dropped, counted, and the next sentence parses', () => {
    const parser = new NmeaStreamParser({ maxLineLength: 120 });
    for (let i = 0; i < 1000; i++) parser.push(Buffer.alloc(1000, 0x55)); // 1 MB of wrong-baud noise
    parser.push(epoch1 + epoch2);
    const fixes = parser.flush();
    expect(parser.counts()).toMatchObject({ overlong: 1, good: 4 });
    expect(fixes).toHaveLength(1);
  });

  it('resynchronises on $ after binary garbage on the same line (ublox-8 starts like this)', () => {
    const parser = new NmeaStreamParser();
    const garbage = Buffer.from([0xb5, 0x62, 0x01, 0x07, 0x5c, 0x00, 0xff, 0x0d]);
    parser.push(Buffer.concat([garbage, Buffer.from(epoch1)]));
    expect(parser.flush()).toEqual([expect.objectContaining({ hasFix: true })]);
    expect(parser.counts()).toMatchObject({ malformed: 1, good: 3 });
  });

  it('counts an unterminated last line as malformed at flush, without throwing', () => {
    const parser = new NmeaStreamParser();
    parser.push(epoch1 + '$GNRMC,171927.00,A,4404.1');
    expect(parser.flush()).toHaveLength(1);
    expect(parser.counts()).toMatchObject({ malformed: 1, good: 3 });
  });

  it('rejects a silly line cap, naming the option and the value', () => {
    expect(() => new NmeaStreamParser({ maxLineLength: 3 })).toThrow(/maxLineLength.*3/);
  });
});

describe('nmea-writer round trip through the parser', () => {
  it('gives back position within 1e-7 degrees, time, speed and course', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -89.9, max: 89.9, noNaN: true }),
        fc.double({ min: -179.9, max: 179.9, noNaN: true }),
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2079, 11, 31) }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 359.99, noNaN: true }),
        (latitude, longitude, ms, speedMps, courseDeg) => {
          const time = new Date(ms);
          const parser = new NmeaStreamParser();
          parser.push(formatEpoch({ time, latitude, longitude, speedMps, courseDeg, talker: 'GB' }));
          const [fix] = parser.flush();
          expect(fix?.hasFix).toBe(true);
          expect(Math.abs((fix?.latitude ?? NaN) - latitude)).toBeLessThan(1e-7);
          expect(Math.abs((fix?.longitude ?? NaN) - longitude)).toBeLessThan(1e-7);
          expect(fix?.time).toEqual(time);
          expect(Math.abs((fix?.speedMps ?? NaN) - speedMps)).toBeLessThan(0.001);
          expect(Math.abs((fix?.courseDeg ?? NaN) - courseDeg)).toBeLessThan(0.006);
          expect(parser.counts()).toMatchObject({ good: 2, badChecksum: 0, malformed: 0 });
        },
      ),
    );
  });

  it('writes sentences of at most 82 characters', () => {
    const text = formatEpoch({ time: new Date(), latitude: -89.1234567, longitude: -179.1234567, speedMps: 40, courseDeg: 359.99 });
    for (const line of text.split('\r\n').filter(Boolean)) expect(line.length).toBeLessThanOrEqual(80);
  });
});
