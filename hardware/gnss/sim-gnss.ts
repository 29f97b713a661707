// The simulated GNSS receiver: replays a route as real NMEA text (RMC + GGA with checksums) through the real
// parser, so the cart software sees exactly what a receiver would give it. Test controls: emitFix(), loseFix(),
// regainFix(), setRoute(), sendNmea(), unplug(), plug().
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import { isGnssFix, publishEpochs, type GnssEventMap, type GnssFix, type GnssReceiver, type GnssStats } from './gnss.js';
import type { FixQuality } from './nmea.js';
import { NmeaStreamParser, type NmeaFix } from './nmea-stream.js';
import { formatEpoch, type NmeaEpochInput } from './nmea-writer.js';
import { positionAt, validateRoute, type SimRoute } from './sim-route.js';

export interface SimGnssOptions {
  /** The route replayed once `open()` is called; without one, epochs come only from emitFix() / loseFix(). */
  route?: SimRoute;
  /** Clock in ms (default Date.now). Simulated time runs from its value at `open()` / `setRoute()`. */
  now?: () => number;
  /** Simulated time runs this many times faster than the clock (default 1). */
  speedFactor?: number;
  /** Simulated time between two epochs, ms (default 1000: a 1 Hz receiver). */
  periodMs?: number;
  /** NMEA talker (default `GN`, a multi-GNSS receiver). */
  talker?: string;
  satellites?: number;
  hdop?: number;
  logger?: Logger;
}

/** What emitFix() may set; anything left out comes from the route (or 0,0 without one) and the options. */
export interface SimFixInput {
  latitude?: number;
  longitude?: number;
  speedMps?: number | null;
  courseDeg?: number | null;
  time?: Date;
  quality?: FixQuality;
  satellites?: number;
  hdop?: number;
  altitudeM?: number;
}

export class SimGnss extends EventEmitter<GnssEventMap> implements GnssReceiver {
  /** The NMEA text of the last epoch written: a test control. */
  lastNmea = '';
  readonly #parser = new NmeaStreamParser();
  readonly #now: () => number;
  readonly #speedFactor: number;
  readonly #periodMs: number;
  readonly #options: SimGnssOptions;
  readonly #log: Logger;
  #route: SimRoute | null = null;
  #routeStart = 0;
  #clockStart = 0;
  #timer: NodeJS.Timeout | null = null;
  #open = false;
  #plugged = true;
  #lost = false;
  #lastFix: GnssFix | null = null;
  #connects = 0;
  #disconnects = 0;

  constructor(options: SimGnssOptions = {}) {
    super();
    const speedFactor = options.speedFactor ?? 1;
    if (!(speedFactor > 0)) throw new RangeError(`speedFactor must be positive, got ${String(speedFactor)}`);
    const periodMs = options.periodMs ?? 1000;
    if (!(periodMs >= 10)) throw new RangeError(`periodMs must be at least 10, got ${String(periodMs)}`);
    if (options.route) validateRoute(options.route);
    this.#now = options.now ?? Date.now;
    this.#speedFactor = speedFactor;
    this.#periodMs = periodMs;
    this.#options = options;
    this.#route = options.route ?? null;
    this.#log = options.logger ?? silentLogger;
  }

  get lastFix(): GnssFix | null {
    return this.#lastFix;
  }

  stats(): GnssStats {
    return { ...this.#parser.counts(), connects: this.#connects, disconnects: this.#disconnects };
  }

  open(): Promise<void> {
    if (this.#open) return Promise.resolve();
    this.#open = true;
    this.#clockStart = this.#now();
    this.#routeStart = this.#clockStart;
    if (this.#plugged) this.#connected();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#open = false;
    this.#stopTicking();
    return Promise.resolve();
  }

  /** Replaces the route; it starts now. */
  setRoute(route: SimRoute): void {
    validateRoute(route);
    this.#route = route;
    this.#routeStart = this.#now();
    if (this.#open && this.#plugged) this.#startTicking();
  }

  /** Sends one epoch with a fix now (ending a loseFix()); returns the fix as parsed back from its NMEA. */
  emitFix(input: SimFixInput = {}): GnssFix {
    if (!this.#open || !this.#plugged) {
      throw new Error('emitFix() needs the simulated receiver open and plugged in: call open() (and plug()) first');
    }
    this.#lost = false;
    const here = this.#route ? positionAt(this.#route, this.#routeElapsed()) : null;
    const epoch: NmeaEpochInput = {
      time: input.time ?? this.#simTime(),
      latitude: input.latitude ?? here?.latitude ?? 0,
      longitude: input.longitude ?? here?.longitude ?? 0,
      speedMps: input.speedMps !== undefined ? input.speedMps : (here?.speedMps ?? 0),
      courseDeg: input.courseDeg !== undefined ? input.courseDeg : (here?.courseDeg ?? null),
      quality: input.quality ?? 'gps',
      satellites: input.satellites ?? this.#options.satellites ?? 9,
      hdop: input.hdop ?? this.#options.hdop ?? 0.9,
      altitudeM: input.altitudeM ?? 10,
      talker: this.#options.talker ?? 'GN',
    };
    const fix = this.#send(formatEpoch(epoch)).find(isGnssFix);
    if (!fix) throw new Error(`the simulated epoch did not parse back as a fix: ${JSON.stringify(this.lastNmea)}`);
    return fix;
  }

  /** Sends a no-fix epoch now, and only no-fix epochs from the route until emitFix() or regainFix(). */
  loseFix(): void {
    this.#lost = true;
    this.#send(formatEpoch({ time: this.#simTime(), latitude: null, longitude: null, quality: 'none', talker: this.#options.talker ?? 'GN' }));
  }

  /** Ends loseFix(): the route's epochs have a fix again (from the next one). */
  regainFix(): void {
    this.#lost = false;
  }

  /** Feeds raw NMEA text through the parser as if the receiver had sent it (garbage, other sentences...). */
  sendNmea(text: string): NmeaFix[] {
    return this.#send(text);
  }

  /** The receiver is pulled out: `disconnected`, no more epochs until plug(). */
  unplug(): void {
    if (!this.#plugged) return;
    this.#plugged = false;
    this.#stopTicking();
    this.#parser.flush();
    if (this.#open) {
      this.#disconnects++;
      this.emit('disconnected');
    }
  }

  /** The receiver is back: `connected`, and the route goes on. */
  plug(): void {
    if (this.#plugged) return;
    this.#plugged = true;
    if (this.#open) this.#connected();
  }

  #connected(): void {
    this.#connects++;
    this.emit('connected');
    if (this.#route) this.#startTicking();
  }

  #startTicking(): void {
    this.#stopTicking();
    this.#timer = setInterval(() => this.#tick(), this.#periodMs / this.#speedFactor);
  }

  #stopTicking(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    if (this.#lost) this.loseFix();
    else this.emitFix();
  }

  #simTime(): Date {
    return new Date(Math.round(this.#clockStart + (this.#now() - this.#clockStart) * this.#speedFactor));
  }

  #routeElapsed(): number {
    return (this.#now() - this.#routeStart) * this.#speedFactor;
  }

  #send(text: string): NmeaFix[] {
    if (!this.#open || !this.#plugged) {
      this.#log.debug('simulated receiver is closed or unplugged: epoch not sent');
      return [];
    }
    this.lastNmea = text;
    const epochs = [...this.#parser.push(text), ...this.#parser.endEpoch()];
    publishEpochs(this, epochs, (fix) => (this.#lastFix = fix));
    return epochs;
  }
}
