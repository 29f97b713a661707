import { describe, it, expect } from 'vitest';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { runNmeaTool, type NmeaToolLine } from '../../../hardware/gnss/nmea-tool.js';
import { captureDir } from './capture-files.js';

describe('runNmeaTool', () => {
  it('prints one JSON line per fix of a capture file (comments skipped) and returns the counts', async () => {
    const lines: string[] = [];
    const counts = await runNmeaTool(createReadStream(`${captureDir}/bu353s4.log`, { highWaterMark: 100 }), (l) => lines.push(l));
    expect(lines).toHaveLength(25);
    const first = JSON.parse(lines[0] ?? '') as NmeaToolLine;
    expect(first).toEqual({
      time: '2014-12-31T03:07:19.000Z',
      lat: -37.78478833,
      lon: 175.31489667,
      speed: 0.355,
      course: 181.39,
      quality: 'gps',
      dimension: '3d',
      satellites: 8,
      hdop: 1.1,
    });
    expect(counts).toEqual({
      good: 75,
      badChecksum: 0,
      malformed: 0,
      overlong: 0,
      proprietary: 0,
      unsupported: 15,
      fixes: 25,
      noFixes: 0,
    });
  });

  it('counts the cut-off end of ublox-8 and garbage without failing', async () => {
    const lines: string[] = [];
    const counts = await runNmeaTool(createReadStream(`${captureDir}/ublox-8.log`), (l) => lines.push(l));
    expect(lines).toHaveLength(72);
    expect(counts).toMatchObject({ malformed: 1, overlong: 1, fixes: 72 });
  });

  it('prints nothing for input without a fix, and reports why in the counts', async () => {
    const lines: string[] = [];
    const counts = await runNmeaTool(Readable.from(['hello\n', '$GPGGA,053229.438,,,,,0,00,,,M,0.0,M,,0000*56\r\n']), (l) =>
      lines.push(l),
    );
    expect(lines).toEqual([]);
    expect(counts).toMatchObject({ malformed: 1, good: 1, noFixes: 1, fixes: 0 });
  });
});
