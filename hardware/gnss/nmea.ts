// NMEA 0183 sentence decoding: one line in, one typed value out. Pure: no I/O, no clock, no state.
// The stream parser that splits bytes into lines and combines sentences into fixes is in nmea-stream.ts.

/** How a fix was obtained, from the GGA quality field or the RMC/GLL mode indicator. */
export type FixQuality =
  | 'none'
  | 'gps'
  | 'dgps'
  | 'pps'
  | 'rtk'
  | 'float-rtk'
  | 'estimated'
  | 'manual'
  | 'simulation';

/** Geometry of the fix from GSA (`unknown` when the receiver sent no GSA). */
export type FixDimension = 'none' | '2d' | '3d' | 'unknown';

/** Time of day in UTC, in milliseconds since midnight. */
export type TimeOfDayMs = number;

/** A calendar date in UTC. */
export interface UtcDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

export interface RmcSentence {
  type: 'RMC';
  talker: string;
  timeOfDay: TimeOfDayMs | null;
  date: UtcDate | null;
  valid: boolean;
  latitude: number | null;
  longitude: number | null;
  speedMps: number | null;
  courseDeg: number | null;
  /** Mode indicator (NMEA 2.3+), mapped to a quality; null when absent. */
  quality: FixQuality | null;
}

export interface GgaSentence {
  type: 'GGA';
  talker: string;
  timeOfDay: TimeOfDayMs | null;
  latitude: number | null;
  longitude: number | null;
  quality: FixQuality;
  satellites: number | null;
  hdop: number | null;
  altitudeM: number | null;
}

export interface GsaSentence {
  type: 'GSA';
  talker: string;
  dimension: FixDimension;
  /** Satellites listed as used in this GSA (one GSA per constellation on multi-GNSS receivers). */
  satellitesUsed: number;
  pdop: number | null;
  hdop: number | null;
  vdop: number | null;
}

export interface VtgSentence {
  type: 'VTG';
  talker: string;
  courseDeg: number | null;
  speedMps: number | null;
}

export interface GllSentence {
  type: 'GLL';
  talker: string;
  timeOfDay: TimeOfDayMs | null;
  latitude: number | null;
  longitude: number | null;
  valid: boolean;
  quality: FixQuality | null;
}

export interface ZdaSentence {
  type: 'ZDA';
  talker: string;
  timeOfDay: TimeOfDayMs | null;
  date: UtcDate | null;
}

export type NmeaSentence = RmcSentence | GgaSentence | GsaSentence | VtgSentence | GllSentence | ZdaSentence;

/** What became of one line. Only `sentence` carries a value; the others are counted and dropped. */
export type LineResult =
  | { kind: 'sentence'; sentence: NmeaSentence }
  | { kind: 'bad-checksum'; line: string }
  | { kind: 'malformed'; line: string; reason: string }
  | { kind: 'proprietary'; line: string }
  | { kind: 'unsupported'; line: string; type: string };

const KNOTS_TO_MPS = 1852 / 3600;
/** `$`, printable ASCII without `$` or `*`, `*`, two hex digits. */
const SENTENCE = /^\$([\x20-\x23\x25-\x29\x2b-\x7e]+)\*([0-9A-Fa-f]{2})$/;

/** XOR of the bytes between `$` and `*`: the NMEA checksum, as two upper-case hex digits. */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Decodes one line (without its CR/LF). Never throws: anything that is not a well-formed sentence with a correct
 * checksum comes back as a dropped result with its kind.
 */
export function parseNmeaLine(line: string): LineResult {
  const match = SENTENCE.exec(line);
  if (!match) return { kind: 'malformed', line, reason: 'not a complete $...*hh sentence' };
  const body = match[1] ?? '';
  const given = (match[2] ?? '').toUpperCase();
  if (nmeaChecksum(body) !== given) return { kind: 'bad-checksum', line };
  const fields = body.split(',');
  const address = fields[0] ?? '';
  if (address.startsWith('P')) return { kind: 'proprietary', line };
  if (!/^[A-Z]{2}[A-Z]{3}$/.test(address)) return { kind: 'malformed', line, reason: `bad address "${address}"` };
  const talker = address.slice(0, 2);
  const type = address.slice(2);
  try {
    const sentence = decode(type, talker, fields);
    return sentence ? { kind: 'sentence', sentence } : { kind: 'unsupported', line, type };
  } catch (error) {
    if (error instanceof FieldError) return { kind: 'malformed', line, reason: error.message };
    throw error;
  }
}

class FieldError extends Error {}

function decode(type: string, talker: string, f: string[]): NmeaSentence | null {
  switch (type) {
    case 'RMC':
      // $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a,m,s*hh
      return {
        type,
        talker,
        timeOfDay: time(f[1]),
        valid: f[2] === 'A',
        latitude: coordinate(f[3], f[4], LATITUDE),
        longitude: coordinate(f[5], f[6], LONGITUDE),
        speedMps: scaled(f[7], KNOTS_TO_MPS),
        courseDeg: num(f[8]),
        date: ddmmyy(f[9]),
        quality: modeIndicator(f[12]),
      };
    case 'GGA':
      // $--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,h.h,alt,M,sep,M,age,station*hh
      return {
        type,
        talker,
        timeOfDay: time(f[1]),
        latitude: coordinate(f[2], f[3], LATITUDE),
        longitude: coordinate(f[4], f[5], LONGITUDE),
        quality: ggaQuality(f[6]),
        satellites: int(f[7]),
        hdop: num(f[8]),
        altitudeM: num(f[9]),
      };
    case 'GSA': {
      // $--GSA,a,x,s1..s12,pdop,hdop,vdop[,systemId]*hh
      const dimensionField = f[2] ?? '';
      const dimension: FixDimension =
        dimensionField === '3' ? '3d' : dimensionField === '2' ? '2d' : dimensionField === '1' ? 'none' : 'unknown';
      const satellitesUsed = f.slice(3, 15).filter((s) => s !== '').length;
      return { type, talker, dimension, satellitesUsed, pdop: num(f[15]), hdop: num(f[16]), vdop: num(f[17]) };
    }
    case 'VTG': {
      // $--VTG,course,T,course,M,knots,N,kmh,K,mode*hh (old receivers omit the unit letters)
      const knots = scaled(f[5], KNOTS_TO_MPS);
      return { type, talker, courseDeg: num(f[1]), speedMps: knots ?? scaled(f[7], 1 / 3.6) };
    }
    case 'GLL':
      // $--GLL,llll.ll,a,yyyyy.yy,a,hhmmss.ss,A,m*hh
      return {
        type,
        talker,
        latitude: coordinate(f[1], f[2], LATITUDE),
        longitude: coordinate(f[3], f[4], LONGITUDE),
        timeOfDay: time(f[5]),
        valid: f[6] === 'A',
        quality: modeIndicator(f[7]),
      };
    case 'ZDA': {
      // $--ZDA,hhmmss.ss,dd,mm,yyyy,zh,zm*hh
      const day = int(f[2]);
      const month = int(f[3]);
      const year = int(f[4]);
      const date = day !== null && month !== null && year !== null ? checkedDate(year, month, day) : null;
      return { type, talker, timeOfDay: time(f[1]), date };
    }
    default:
      return null;
  }
}

function num(field: string | undefined): number | null {
  if (field === undefined || field === '') return null;
  if (!/^[-+]?\d*\.?\d+$|^[-+]?\d+\.$/.test(field)) throw new FieldError(`"${field}" is not a number`);
  return Number(field);
}

function int(field: string | undefined): number | null {
  if (field === undefined || field === '') return null;
  if (!/^\d+$/.test(field)) throw new FieldError(`"${field}" is not a whole number`);
  return Number(field);
}

function scaled(field: string | undefined, factor: number): number | null {
  const value = num(field);
  return value === null ? null : value * factor;
}

/** `hhmmss` or `hhmmss.sss` to milliseconds since midnight. */
function time(field: string | undefined): TimeOfDayMs | null {
  if (field === undefined || field === '') return null;
  const m = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(field);
  if (!m) throw new FieldError(`"${field}" is not a time hhmmss.ss`);
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (hours > 23 || minutes > 59 || seconds >= 61) throw new FieldError(`"${field}" is not a valid time`);
  return Math.round((hours * 3600 + minutes * 60 + seconds) * 1000);
}

function ddmmyy(field: string | undefined): UtcDate | null {
  if (field === undefined || field === '') return null;
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(field);
  if (!m) throw new FieldError(`"${field}" is not a date ddmmyy`);
  const yy = Number(m[3]);
  // Two-digit years: 80..99 are 1980..1999 (the GPS epoch is 1980), the rest 2000..2079.
  return checkedDate(yy >= 80 ? 1900 + yy : 2000 + yy, Number(m[2]), Number(m[1]));
}

function checkedDate(year: number, month: number, day: number): UtcDate | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new FieldError(`${day}/${month}/${year} is not a date`);
  // Receivers without a fix often send day/month/year 0: treat as no date rather than garbage.
  return year < 1980 ? null : { year, month, day };
}

interface Axis {
  /** Degrees (2 digits for latitude, 3 for longitude), then minutes. */
  pattern: RegExp;
  positive: string;
  negative: string;
  max: number;
}

// Compiled once: coordinate() runs on two fields of every position sentence.
const LATITUDE: Axis = { pattern: /^(\d{2})(\d{2}(?:\.\d+)?)$/, positive: 'N', negative: 'S', max: 90 };
const LONGITUDE: Axis = { pattern: /^(\d{3})(\d{2}(?:\.\d+)?)$/, positive: 'E', negative: 'W', max: 180 };

/**
 * `ddmm.mmmm` / `dddmm.mmmm` and a hemisphere letter to signed degrees. The degrees and minutes are split on the
 * text, not by arithmetic, so no precision is lost (1e-7° needs 6e-6 minutes).
 */
function coordinate(field: string | undefined, hemisphere: string | undefined, axis: Axis): number | null {
  const { pattern, positive, negative, max } = axis;
  if (field === undefined || field === '') return null;
  const m = pattern.exec(field);
  if (!m) throw new FieldError(`"${field}" is not a coordinate`);
  const degrees = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes >= 60) throw new FieldError(`"${field}" has ${minutes} minutes`);
  const value = degrees + minutes / 60;
  if (value > max) throw new FieldError(`"${field}" is out of range`);
  if (hemisphere === positive) return value;
  if (hemisphere === negative) return -value;
  throw new FieldError(`"${hemisphere ?? ''}" is not ${positive} or ${negative}`);
}

function ggaQuality(field: string | undefined): FixQuality {
  switch (field) {
    case '1':
      return 'gps';
    case '2':
      return 'dgps';
    case '3':
      return 'pps';
    case '4':
      return 'rtk';
    case '5':
      return 'float-rtk';
    case '6':
      return 'estimated';
    case '7':
      return 'manual';
    case '8':
      return 'simulation';
    default:
      return 'none';
  }
}

function modeIndicator(field: string | undefined): FixQuality | null {
  switch (field) {
    case 'A':
      return 'gps';
    case 'D':
      return 'dgps';
    case 'P':
      return 'pps';
    case 'R':
      return 'rtk';
    case 'F':
      return 'float-rtk';
    case 'E':
      return 'estimated';
    case 'M':
      return 'manual';
    case 'S':
      return 'simulation';
    case 'N':
      return 'none';
    default:
      return null;
  }
}
