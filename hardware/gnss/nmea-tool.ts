// The technician's NMEA tool (`loa hw nmea [FILE]`): reads NMEA from a file or a port dump and prints one JSON line
// per fix, so a technician can see at a glance whether a receiver gives positions and how good they are.
import { isGnssFix } from './gnss.js';
import { NmeaStreamParser, type NmeaCounts, type NmeaFix } from './nmea-stream.js';

/** One printed line. */
export interface NmeaToolLine {
  time: string | null;
  lat: number;
  lon: number;
  speed: number | null;
  course: number | null;
  quality: string;
  dimension: string;
  satellites: number | null;
  hdop: number | null;
}

/**
 * Reads `input` to its end (lines starting with `#` are skipped: comments of gpsd capture files), calls `out` with
 * one JSON line per epoch with a fix, and resolves with the parser's counters. Rejects only if the stream fails.
 */
export async function runNmeaTool(input: NodeJS.ReadableStream, out: (line: string) => void): Promise<NmeaCounts> {
  const parser = new NmeaStreamParser({ skipHashComments: true });
  const print = (epochs: NmeaFix[]): void => {
    for (const e of epochs) {
      if (!isGnssFix(e)) continue;
      const line: NmeaToolLine = {
        time: e.time ? e.time.toISOString() : null,
        lat: round(e.latitude, 8),
        lon: round(e.longitude, 8),
        speed: e.speedMps === null ? null : round(e.speedMps, 3),
        course: e.courseDeg,
        quality: e.quality,
        dimension: e.dimension,
        satellites: e.satellites,
        hdop: e.hdop,
      };
      out(JSON.stringify(line));
    }
  };
  for await (const chunk of input) {
    print(parser.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk)));
  }
  print(parser.flush());
  return parser.counts();
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
