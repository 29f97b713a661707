// The NMEA stream parser: bytes in (any chunking, CRLF or LF), fixes out. Pure: no I/O, no timers, no clock.
// Sentences that share a time of day form one epoch; an epoch is emitted as one fix when a sentence of another
// time arrives, or when the caller calls `flush()` (end of file, or a quiet gap on the serial line).
import {
  parseNmeaLine,
  type FixDimension,
  type FixQuality,
  type NmeaSentence,
  type TimeOfDayMs,
  type UtcDate,
} from './nmea.js';

/** One receiver epoch, combined from its RMC, GGA, GSA, VTG, GLL and ZDA sentences. */
export interface NmeaFix {
  /** True when the receiver reports a usable position (then `latitude` and `longitude` are numbers). */
  hasFix: boolean;
  /** UTC time of the epoch; null while no RMC or ZDA has given the date yet. */
  time: Date | null;
  /** Degrees, north positive. */
  latitude: number | null;
  /** Degrees, east positive. */
  longitude: number | null;
  /** Metres above mean sea level (GGA). */
  altitudeM: number | null;
  /** Speed over ground, metres per second. */
  speedMps: number | null;
  /** Course over ground, degrees from true north. */
  courseDeg: number | null;
  hdop: number | null;
  /** Satellites used in the solution (GGA, else the sum over the epoch's GSA sentences). */
  satellites: number | null;
  quality: FixQuality;
  dimension: FixDimension;
  /** Talker of the first sentence of the epoch (GP, GN, GL, GA, GB, BD...). */
  talker: string;
}

/** What the parser saw, line by line. Every line read ends in exactly one of the first six counters. */
export interface NmeaCounts {
  /** Decoded sentences of a type the parser uses (RMC, GGA, GSA, VTG, GLL, ZDA). */
  good: number;
  /** Complete sentences whose checksum did not match (line noise). */
  badChecksum: number;
  /** Partial lines, garbage, sentences without a checksum, fields that do not parse. */
  malformed: number;
  /** Lines longer than the cap, discarded without being kept in memory (wrong baud rate, binary data). */
  overlong: number;
  /** Proprietary sentences (`$P...`), skipped. */
  proprietary: number;
  /** Valid sentences of a type the parser does not use (GSV, TXT, GNS...), skipped. */
  unsupported: number;
  /** Epochs emitted with a position. */
  fixes: number;
  /** Epochs emitted without a position (receiver searching, antenna covered). */
  noFixes: number;
}

export interface NmeaStreamOptions {
  /** Longest line kept, in bytes, CR/LF excluded (NMEA allows 82; some receivers send a little more). */
  maxLineLength?: number;
  /** Skip lines starting with `#` without counting them (comments in gpsd capture files). */
  skipHashComments?: boolean;
}

function emptyNmeaCounts(): NmeaCounts {
  return { good: 0, badChecksum: 0, malformed: 0, overlong: 0, proprietary: 0, unsupported: 0, fixes: 0, noFixes: 0 };
}

interface Epoch {
  talker: string;
  timeOfDay: TimeOfDayMs | null;
  date: UtcDate | null;
  rmcValid: boolean | null;
  rmcQuality: FixQuality | null;
  gllValid: boolean | null;
  gllQuality: FixQuality | null;
  ggaQuality: FixQuality | null;
  latitude: number | null;
  longitude: number | null;
  altitudeM: number | null;
  rmcSpeed: number | null;
  vtgSpeed: number | null;
  rmcCourse: number | null;
  vtgCourse: number | null;
  hdop: number | null;
  ggaSatellites: number | null;
  gsaSatellites: number | null;
  dimension: FixDimension;
}

const DAY_MS = 86_400_000;

export class NmeaStreamParser {
  readonly #maxLineLength: number;
  readonly #skipHashComments: boolean;
  readonly #counts = emptyNmeaCounts();
  #pending = '';
  #discarding = false;
  #epoch: Epoch | null = null;
  /** Last date seen and the time of day it was seen with, to date GGA/GLL-only epochs and cross midnight. */
  #lastDate: { date: UtcDate; timeOfDay: TimeOfDayMs } | null = null;

  constructor(options: NmeaStreamOptions = {}) {
    const max = options.maxLineLength ?? 120;
    if (!Number.isInteger(max) || max < 16) {
      throw new RangeError(`maxLineLength must be an integer of at least 16, got ${String(max)}`);
    }
    this.#maxLineLength = max;
    this.#skipHashComments = options.skipHashComments ?? false;
  }

  /** A copy of the counters. */
  counts(): NmeaCounts {
    return { ...this.#counts };
  }

  /** Feeds received bytes; returns the epochs completed by them (usually none or one). */
  push(chunk: Buffer | string): NmeaFix[] {
    // latin1 maps each byte to one char: binary garbage cannot break a multi-byte sequence across chunks.
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: NmeaFix[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        this.#append(text, start, i);
        this.#endLine(out);
        start = i + 1;
      } else if (c === 0x24 && this.#discarding) {
        // A `$` after an overlong run starts a new sentence: resynchronise on it.
        this.#discarding = false;
        start = i;
      }
    }
    this.#append(text, start, text.length);
    return out;
  }

  /**
   * Ends the current epoch without touching a line still being received (a quiet gap on the serial line means
   * the receiver has sent the whole epoch). Returns the epoch, if any.
   */
  endEpoch(): NmeaFix[] {
    const out: NmeaFix[] = [];
    this.#emitEpoch(out);
    return out;
  }

  /** End of input: drops an unterminated line (counted as malformed) and ends the epoch. */
  flush(): NmeaFix[] {
    const out: NmeaFix[] = [];
    if (this.#pending.length > 0) {
      this.#counts.malformed++;
      this.#pending = '';
    }
    this.#discarding = false;
    this.#emitEpoch(out);
    return out;
  }

  #append(text: string, from: number, to: number): void {
    if (this.#discarding || from >= to) return;
    if (this.#pending.length + (to - from) > this.#maxLineLength + 1) {
      // Keep the tail if a `$` in it could start a sentence that still fits; else drop everything.
      const joined = this.#pending + text.slice(from, to);
      const dollar = joined.lastIndexOf('$');
      if (!(this.#skipHashComments && joined.startsWith('#'))) this.#counts.overlong++;
      if (dollar > 0 && joined.length - dollar <= this.#maxLineLength + 1) {
        this.#pending = joined.slice(dollar);
      } else {
        this.#pending = '';
        this.#discarding = true;
      }
      return;
    }
    this.#pending += text.slice(from, to);
  }

  #endLine(out: NmeaFix[]): void {
    let line = this.#pending;
    this.#pending = '';
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) return;
    if (this.#skipHashComments && line.startsWith('#')) return;
    const dollar = line.indexOf('$');
    if (dollar > 0) {
      // Garbage before the sentence (binary protocol, noise): count it and try the sentence itself.
      this.#counts.malformed++;
      line = line.slice(line.lastIndexOf('$'));
    }
    const result = parseNmeaLine(line);
    switch (result.kind) {
      case 'sentence':
        this.#counts.good++;
        this.#add(result.sentence, out);
        return;
      case 'bad-checksum':
        this.#counts.badChecksum++;
        return;
      case 'malformed':
        this.#counts.malformed++;
        return;
      case 'proprietary':
        this.#counts.proprietary++;
        return;
      case 'unsupported':
        this.#counts.unsupported++;
        return;
    }
  }

  #add(s: NmeaSentence, out: NmeaFix[]): void {
    const timeOfDay = s.type === 'GSA' || s.type === 'VTG' ? null : s.timeOfDay;
    if (this.#epoch && timeOfDay !== null && this.#epoch.timeOfDay !== null && timeOfDay !== this.#epoch.timeOfDay) {
      this.#emitEpoch(out);
    }
    const e = (this.#epoch ??= newEpoch(s.talker));
    if (timeOfDay !== null) e.timeOfDay = timeOfDay;
    switch (s.type) {
      case 'RMC':
        e.rmcValid = s.valid;
        e.rmcQuality = s.quality;
        e.date = s.date ?? e.date;
        e.rmcSpeed = s.speedMps;
        e.rmcCourse = s.courseDeg;
        setPosition(e, s.latitude, s.longitude);
        return;
      case 'GGA':
        e.ggaQuality = s.quality;
        e.ggaSatellites = s.satellites;
        e.hdop = s.hdop ?? e.hdop;
        e.altitudeM = s.altitudeM;
        setPosition(e, s.latitude, s.longitude);
        return;
      case 'GSA':
        e.dimension = betterDimension(e.dimension, s.dimension);
        e.gsaSatellites = (e.gsaSatellites ?? 0) + s.satellitesUsed;
        e.hdop ??= s.hdop;
        return;
      case 'VTG':
        e.vtgSpeed = s.speedMps;
        e.vtgCourse = s.courseDeg;
        return;
      case 'GLL':
        e.gllValid = s.valid;
        e.gllQuality = s.quality;
        setPosition(e, s.latitude, s.longitude);
        return;
      case 'ZDA':
        e.date = s.date ?? e.date;
        return;
    }
  }

  #emitEpoch(out: NmeaFix[]): void {
    const e = this.#epoch;
    this.#epoch = null;
    if (!e) return;
    const fix = this.#toFix(e);
    if (fix.hasFix) this.#counts.fixes++;
    else this.#counts.noFixes++;
    out.push(fix);
  }

  #toFix(e: Epoch): NmeaFix {
    const quality = epochQuality(e);
    const hasFix = quality !== 'none' && e.latitude !== null && e.longitude !== null && e.dimension !== 'none';
    return {
      hasFix,
      time: this.#epochTime(e),
      latitude: e.latitude,
      longitude: e.longitude,
      altitudeM: e.altitudeM,
      speedMps: e.rmcSpeed ?? e.vtgSpeed,
      courseDeg: e.rmcCourse ?? e.vtgCourse,
      hdop: e.hdop,
      satellites: e.ggaSatellites ?? e.gsaSatellites,
      quality: hasFix ? quality : 'none',
      dimension: e.dimension,
      talker: e.talker,
    };
  }

  #epochTime(e: Epoch): Date | null {
    if (e.timeOfDay === null) return null;
    if (e.date) {
      this.#lastDate = { date: e.date, timeOfDay: e.timeOfDay };
      return new Date(Date.UTC(e.date.year, e.date.month - 1, e.date.day) + e.timeOfDay);
    }
    if (!this.#lastDate) return null;
    const { date, timeOfDay } = this.#lastDate;
    // An epoch without a date, after one with: same day, or the next if the time of day went back past midnight.
    const dayStart = Date.UTC(date.year, date.month - 1, date.day);
    const nextDay = e.timeOfDay + DAY_MS / 2 < timeOfDay;
    return new Date(dayStart + (nextDay ? DAY_MS : 0) + e.timeOfDay);
  }
}

function newEpoch(talker: string): Epoch {
  return {
    talker,
    timeOfDay: null,
    date: null,
    rmcValid: null,
    rmcQuality: null,
    gllValid: null,
    gllQuality: null,
    ggaQuality: null,
    latitude: null,
    longitude: null,
    altitudeM: null,
    rmcSpeed: null,
    vtgSpeed: null,
    rmcCourse: null,
    vtgCourse: null,
    hdop: null,
    ggaSatellites: null,
    gsaSatellites: null,
    dimension: 'unknown',
  };
}

function setPosition(e: Epoch, latitude: number | null, longitude: number | null): void {
  if (latitude !== null && longitude !== null) {
    e.latitude = latitude;
    e.longitude = longitude;
  }
}

/** GGA's quality field is the most precise; else the RMC or GLL mode indicator, else their A/V status. */
function epochQuality(e: Epoch): FixQuality {
  if (e.ggaQuality !== null) return e.ggaQuality;
  for (const [valid, quality] of [
    [e.rmcValid, e.rmcQuality],
    [e.gllValid, e.gllQuality],
  ] as const) {
    if (valid === null) continue;
    if (!valid) return 'none';
    return quality ?? 'gps';
  }
  return 'none';
}

/** Multi-GNSS receivers send one GSA per constellation: the epoch is as good as the best of them. */
function betterDimension(a: FixDimension, b: FixDimension): FixDimension {
  const rank: Record<FixDimension, number> = { unknown: 0, none: 1, '2d': 2, '3d': 3 };
  return rank[b] > rank[a] ? b : a;
}
