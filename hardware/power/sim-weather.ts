/**
 * The sky over the simulated cart at Triệu Sơn, Thanh Hóa (19.9° N, 105.6° E, UTC+7): the sun's path and a seeded
 * weather. A forecast of the solar harvest must be tested against days that differ the way real ones do: a run of
 * clear dry-season days, a monsoon week of cloud and afternoon storms, so the weather is a chain of day kinds with
 * persistence, and inside each day a cloud cover that wanders around the day kind's mean.
 *
 * The weather lives on a fixed one-minute grid of absolute time and has its own random generator: it is a function of
 * the seed and the time only, never of how often the caller advances it or of the load, so two forks of a model that
 * play differently still see the same sky.
 */

const LATITUDE = 19.9;
const LONGITUDE = 105.6;
export const UTC_OFFSET_HOURS = 7;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const UTC_OFFSET_MS = UTC_OFFSET_HOURS * 3_600_000;

/** A small seeded generator (mulberry32) whose whole state is one number, so it can be copied for a fork. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  clone(): SeededRandom {
    const copy = new SeededRandom(0);
    copy.#state = this.#state;
    return copy;
  }
}

/** One seed → independent streams (weather, content, noise…): `salt` names the stream. */
export function subSeed(seed: number, salt: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b)) >>> 0;
}

/** Sunrise and sunset in local hours for the day of `ms`, and the noon sun height factor. */
export function sunTimes(ms: number, seasonal = true): { sunrise: number; sunset: number; noonFactor: number } {
  if (!seasonal) return { sunrise: 6, sunset: 17.5, noonFactor: 0.95 };
  const local = new Date(ms + UTC_OFFSET_MS);
  const start = Date.UTC(local.getUTCFullYear(), 0, 0);
  const dayOfYear = Math.floor((local.getTime() - start) / DAY_MS);
  const rad = Math.PI / 180;
  const declination = 23.44 * Math.sin(((2 * Math.PI) / 365) * (284 + dayOfYear));
  const cosHour = -Math.tan(LATITUDE * rad) * Math.tan(declination * rad);
  const halfDayHours = Math.acos(Math.max(-1, Math.min(1, cosHour))) / rad / 15;
  // The zone's meridian is 105° E: solar noon comes (105.6 − 105) × 4 min earlier than 12:00.
  const solarNoon = 12 - ((LONGITUDE - UTC_OFFSET_HOURS * 15) * 4) / 60;
  return {
    sunrise: solarNoon - halfDayHours,
    sunset: solarNoon + halfDayHours,
    noonFactor: Math.cos((LATITUDE - declination) * rad),
  };
}

/** Clear-sky irradiance for a local hour, given that day's sun: a bell peaking near 1000 × noonFactor W/m². */
export function irradianceAt(localHours: number, sunrise: number, sunset: number, noonFactor: number): number {
  if (localHours <= sunrise || localHours >= sunset) return 0;
  const x = (localHours - sunrise) / (sunset - sunrise);
  const s = Math.sin(Math.PI * x);
  return 1000 * noonFactor * s * Math.sqrt(s); // sin^1.5, without the cost of Math.pow in the step loop
}

/** Clear-sky irradiance on the panel at `ms`, W/m². */
export function clearSkyIrradiance(ms: number, seasonal = true): number {
  const { sunrise, sunset, noonFactor } = sunTimes(ms, seasonal);
  return irradianceAt(localHoursOf(ms), sunrise, sunset, noonFactor);
}

export function localHoursOf(ms: number): number {
  return (((ms + UTC_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 3_600_000;
}

export function localDayOf(ms: number): number {
  return Math.floor((ms + UTC_OFFSET_MS) / DAY_MS);
}

export type DayKind = 'clear' | 'hazy' | 'cloudy' | 'rain';
/** `'clear'`: no cloud ever; `{ cloudCover }`: a fixed cover, no rain (the old `cloudCover` option). */
export type WeatherOption = 'dry' | 'monsoon' | 'clear' | { cloudCover: number };

const DAY_KINDS: readonly DayKind[] = ['clear', 'hazy', 'cloudy', 'rain'];
/** Mean cloud cover of each day kind, in DAY_KINDS order. */
const MEAN_CLOUD = [0.05, 0.3, 0.65, 0.85];

interface Season {
  /** Row = today's kind, column = tomorrow's, in DAY_KINDS order. The diagonal carries the persistence. */
  next: readonly (readonly number[])[];
  /** Chance of an afternoon storm on a day that is not a rain day, by kind. */
  storm: readonly number[];
}

const SEASONS: Readonly<Record<'dry' | 'monsoon', Season>> = {
  // Dry season (roughly November–April in Thanh Hóa): mostly clear or hazy, rain rare and short-lived.
  dry: {
    next: [
      [0.7, 0.22, 0.07, 0.01],
      [0.4, 0.4, 0.17, 0.03],
      [0.25, 0.35, 0.3, 0.1],
      [0.2, 0.3, 0.3, 0.2],
    ],
    storm: [0, 0.01, 0.03, 0],
  },
  // Monsoon: many cloudy and rainy days that come in runs, and afternoon thunderstorms even on brighter days.
  monsoon: {
    next: [
      [0.3, 0.3, 0.25, 0.15],
      [0.15, 0.3, 0.3, 0.25],
      [0.08, 0.17, 0.4, 0.35],
      [0.05, 0.1, 0.3, 0.55],
    ],
    storm: [0.2, 0.35, 0.5, 0],
  },
};

/** Under rain the panel gets only this share of the clear-sky sun (drawn per day). */
const RAIN_SHARE = [0.1, 0.25] as const;
/** The cloud walk, per minute: pulled back toward the day's mean over about an hour, ±0.03 of random step. */
const CLOUD_PULL = 1 / 60;
const CLOUD_STEP = 0.06;

/**
 * The weather at one minute. Advance it to a time with {@link advanceTo}, then read `cloud`, `rain`, `dayKind` and
 * {@link sunShare}.
 */
export class Weather {
  readonly #option: WeatherOption;
  readonly #season: Season | null;
  readonly #fixed: number | null;
  #random: SeededRandom;
  #minute: number;
  #kind = 2; // index in DAY_KINDS
  #cloud: number;
  #override: number | null = null;
  #rainShare = 0.2;
  /** Rain spells of the current local day, in minutes of the day; -1 when none. */
  #rainFrom = -1;
  #rainTo = -1;
  #stormFrom = -1;
  #stormTo = -1;
  #raining = false;

  constructor(option: WeatherOption, seed: number, startMs: number) {
    this.#option = option;
    this.#season = typeof option === 'string' && option !== 'clear' ? SEASONS[option] : null;
    this.#fixed = option === 'clear' ? 0 : typeof option === 'object' ? fraction('cloudCover', option.cloudCover) : null;
    this.#random = new SeededRandom(subSeed(seed, 1));
    this.#minute = Math.floor(startMs / MINUTE_MS);
    // The first day is drawn as if it followed a hazy day: neither the best nor the worst start.
    if (this.#season) this.#startDay(this.#draw(this.#season.next[1]!));
    this.#cloud = this.#fixed ?? MEAN_CLOUD[this.#kind]!;
    this.#raining = this.#rainAt(this.#minuteOfDay());
  }

  /** Cloud cover 0 (clear) – 1 (overcast). */
  get cloud(): number {
    return this.#override ?? this.#cloud;
  }

  get rain(): boolean {
    return this.#override === null && this.#raining;
  }

  /** The kind of the current local day; `'fixed'` for a fixed cover. */
  get dayKind(): DayKind | 'fixed' {
    if (this.#override !== null || typeof this.#option === 'object') return 'fixed';
    return this.#season ? DAY_KINDS[this.#kind]! : 'clear';
  }

  /** The share of the clear-sky irradiance that reaches the panel now. */
  sunShare(): number {
    if (this.rain) return this.#rainShare;
    return 1 - 0.75 * this.cloud;
  }

  /** Fixes the cover (a test control) or, with `null`, returns to the seeded weather, which went on underneath. */
  override(cloud: number | null): void {
    this.#override = cloud === null ? null : fraction('cloud', cloud);
  }

  /** Moves to the minute that holds `ms`; earlier times are a no-op. Cost: a few operations per minute. */
  advanceTo(ms: number): void {
    const target = Math.floor(ms / MINUTE_MS);
    if (this.#season === null) {
      this.#minute = Math.max(this.#minute, target);
      return;
    }
    while (this.#minute < target) {
      this.#minute++;
      const minuteOfDay = this.#minuteOfDay();
      if (minuteOfDay === 0) {
        this.#startDay(this.#draw(this.#season.next[this.#kind]!));
      }
      this.#raining = this.#rainAt(minuteOfDay);
      const mean = this.#raining ? 0.95 : MEAN_CLOUD[this.#kind]!;
      const step = CLOUD_PULL * (mean - this.#cloud) + (this.#random.next() - 0.5) * CLOUD_STEP;
      this.#cloud = Math.min(1, Math.max(0, this.#cloud + step));
    }
  }

  clone(): Weather {
    const copy = new Weather(this.#option, 0, this.#minute * MINUTE_MS);
    copy.#copyFrom(this);
    return copy;
  }

  #copyFrom(o: Weather): void {
    this.#random = o.#random.clone();
    this.#minute = o.#minute;
    this.#kind = o.#kind;
    this.#cloud = o.#cloud;
    this.#override = o.#override;
    this.#rainShare = o.#rainShare;
    this.#rainFrom = o.#rainFrom;
    this.#rainTo = o.#rainTo;
    this.#stormFrom = o.#stormFrom;
    this.#stormTo = o.#stormTo;
    this.#raining = o.#raining;
  }

  /** Draws the new day's rain: a long spell on a rain day, an afternoon storm on some others. */
  #startDay(kind: number): void {
    const season = this.#season!;
    this.#kind = kind;
    this.#rainShare = this.#random.between(RAIN_SHARE[0], RAIN_SHARE[1]);
    this.#rainFrom = this.#rainTo = this.#stormFrom = this.#stormTo = -1;
    if (DAY_KINDS[kind] === 'rain') {
      // From some time between dawn and early afternoon, for two to nine hours.
      this.#rainFrom = Math.floor(this.#random.between(5 * 60, 14 * 60));
      this.#rainTo = this.#rainFrom + Math.floor(this.#random.between(2 * 60, 9 * 60));
    } else if (this.#random.next() < season.storm[kind]!) {
      // A thunderstorm building in the afternoon heat, half an hour to two hours.
      this.#stormFrom = Math.floor(this.#random.between(13 * 60, 17 * 60));
      this.#stormTo = this.#stormFrom + Math.floor(this.#random.between(30, 120));
    }
  }

  #draw(row: readonly number[]): number {
    let r = this.#random.next();
    for (let i = 0; i < row.length; i++) {
      r -= row[i]!;
      if (r < 0) return i;
    }
    return row.length - 1;
  }

  #rainAt(minuteOfDay: number): boolean {
    return (minuteOfDay >= this.#rainFrom && minuteOfDay < this.#rainTo) || (minuteOfDay >= this.#stormFrom && minuteOfDay < this.#stormTo);
  }

  /** Local minute of the day, 0–1439, in whole numbers (the offset is a whole number of minutes). */
  #minuteOfDay(): number {
    const m = (this.#minute + UTC_OFFSET_HOURS * 60) % 1440;
    return m < 0 ? m + 1440 : m;
  }
}

function fraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`Weather: ${name} must be 0–1, got ${value}`);
  return value;
}
