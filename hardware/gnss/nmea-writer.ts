// Writes RMC and GGA sentences the way a receiver does, with correct checksums and CRLF endings. Used by the
// simulator (its text goes through the real parser) and by tests that need NMEA of their own.
import { nmeaChecksum, type FixQuality } from './nmea.js';

const MPS_TO_KNOTS = 3600 / 1852;

export interface NmeaEpochInput {
  /** UTC time of the epoch. */
  time: Date;
  /** Degrees, north positive; null when the receiver has no position. */
  latitude: number | null;
  /** Degrees, east positive; null when the receiver has no position. */
  longitude: number | null;
  speedMps?: number | null;
  courseDeg?: number | null;
  /** `none` writes RMC status V and GGA quality 0. */
  quality?: FixQuality;
  satellites?: number;
  hdop?: number;
  altitudeM?: number;
  /** Talker ID, default `GP`. */
  talker?: string;
}

/** `$` + body + `*hh` + CRLF. */
export function formatSentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}\r\n`;
}

/** One RMC sentence (NMEA 2.3 with mode indicator). */
export function formatRmc(input: NmeaEpochInput): string {
  const valid = (input.quality ?? 'gps') !== 'none' && input.latitude !== null && input.longitude !== null;
  const speed = input.speedMps ?? null;
  const course = input.courseDeg ?? null;
  const fields = [
    `${talker(input)}RMC`,
    hhmmss(input.time),
    valid ? 'A' : 'V',
    ...latitude(input.latitude),
    ...longitude(input.longitude),
    speed === null ? '' : (speed * MPS_TO_KNOTS).toFixed(3),
    course === null ? '' : course.toFixed(2),
    ddmmyy(input.time),
    '',
    '',
    valid ? modeIndicator(input.quality ?? 'gps') : 'N',
  ];
  return formatSentence(fields.join(','));
}

/** One GGA sentence. */
export function formatGga(input: NmeaEpochInput): string {
  const quality = input.latitude === null || input.longitude === null ? 'none' : (input.quality ?? 'gps');
  const fields = [
    `${talker(input)}GGA`,
    hhmmss(input.time),
    ...latitude(input.latitude),
    ...longitude(input.longitude),
    String(GGA_QUALITY[quality]),
    String(input.satellites ?? (quality === 'none' ? 0 : 8)).padStart(2, '0'),
    quality === 'none' ? '' : (input.hdop ?? 1).toFixed(2),
    quality === 'none' ? '' : (input.altitudeM ?? 0).toFixed(1),
    'M',
    '',
    'M',
    '',
    '',
  ];
  return formatSentence(fields.join(','));
}

/** The RMC and GGA of one epoch, as a receiver sends them. */
export function formatEpoch(input: NmeaEpochInput): string {
  return formatRmc(input) + formatGga(input);
}

const GGA_QUALITY: Record<FixQuality, number> = {
  none: 0,
  gps: 1,
  dgps: 2,
  pps: 3,
  rtk: 4,
  'float-rtk': 5,
  estimated: 6,
  manual: 7,
  simulation: 8,
};

function modeIndicator(quality: FixQuality): string {
  switch (quality) {
    case 'none':
      return 'N';
    case 'gps':
      return 'A';
    case 'dgps':
      return 'D';
    case 'pps':
      return 'P';
    case 'rtk':
      return 'R';
    case 'float-rtk':
      return 'F';
    case 'estimated':
      return 'E';
    case 'manual':
      return 'M';
    case 'simulation':
      return 'S';
  }
}

function talker(input: NmeaEpochInput): string {
  const t = input.talker ?? 'GP';
  if (!/^[A-Z]{2}$/.test(t)) throw new RangeError(`talker must be two capital letters, got "${t}"`);
  return t;
}

function hhmmss(time: Date): string {
  if (Number.isNaN(time.getTime())) throw new RangeError(`time must be a valid Date, got ${String(time)}`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const ms = String(time.getUTCMilliseconds()).padStart(3, '0');
  return `${two(time.getUTCHours())}${two(time.getUTCMinutes())}${two(time.getUTCSeconds())}.${ms}`;
}

function ddmmyy(time: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(time.getUTCDate())}${two(time.getUTCMonth() + 1)}${two(time.getUTCFullYear() % 100)}`;
}

/** Six decimals of minutes: 1.7e-8 degrees, finer than the 1e-7 the parser promises. */
function angle(value: number, degreeDigits: number): string {
  let degrees = Math.floor(value);
  let minutes = Number(((value - degrees) * 60).toFixed(6));
  if (minutes >= 60) {
    degrees += 1;
    minutes = 0;
  }
  return `${String(degrees).padStart(degreeDigits, '0')}${minutes.toFixed(6).padStart(9, '0')}`;
}

function latitude(value: number | null): [string, string] {
  if (value === null) return ['', ''];
  if (!Number.isFinite(value) || Math.abs(value) > 90) throw new RangeError(`latitude must be -90..90, got ${value}`);
  return [angle(Math.abs(value), 2), value < 0 ? 'S' : 'N'];
}

function longitude(value: number | null): [string, string] {
  if (value === null) return ['', ''];
  if (!Number.isFinite(value) || Math.abs(value) > 180) {
    throw new RangeError(`longitude must be -180..180, got ${value}`);
  }
  return [angle(Math.abs(value), 3), value < 0 ? 'W' : 'E'];
}
