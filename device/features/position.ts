/**
 * The cart's position: the GNSS fixes (the last one for the quiet zones, the status and the telemetry; their time for
 * the clock), thinned into the track kept in the store and sent to the district in track records.
 */
import type { GnssFix } from '../../hardware/gnss/gnss.js';
import { TrackThinner, type TrackPoint } from '../logic/track.js';
import type { CartContext, CartFeature } from './feature.js';

/** Thinned track points go to the district in records of this many points (or every TRACK_FLUSH_MS). */
const TRACK_BATCH = 20;
const TRACK_FLUSH_MS = 10 * 60_000;

export class PositionTrack implements CartFeature {
  readonly name = 'position';
  readonly #ctx: CartContext;
  readonly #thinner = new TrackThinner();
  #buffer: TrackPoint[] = [];
  #since = 0;

  constructor(ctx: CartContext) {
    this.#ctx = ctx;
  }

  /** The last fix as latitude and longitude, or none. */
  get here(): { lat: number; lon: number } | null {
    const fix = this.#ctx.live.fix;
    return fix ? { lat: fix.latitude, lon: fix.longitude } : null;
  }

  async start(): Promise<void> {
    const { live } = this.#ctx;
    const g = this.#ctx.options.hardware.gnss;
    g.on('fix', (f) => this.#onFix(f));
    g.on('disconnected', () => live.faults.add('gnss'));
    g.on('connected', () => live.faults.delete('gnss'));
    await g.open().catch((err: unknown) => this.#ctx.fault('gnss', err));
  }

  async stop(): Promise<void> {
    // The last fix of a moving cart was not kept yet (the thinner waits for the next one): keep it now.
    this.#keep(this.#thinner.flush(), this.#ctx.live.fix?.speedMps ?? null);
    await this.#flush(true);
    await this.#ctx.options.hardware.gnss.close().catch(() => undefined);
  }

  #onFix(raw: GnssFix): void {
    const ctx = this.#ctx;
    // A receiver without a date yet, or one that rolled its GPS week over (ours read 2015 from a neo-m8n), gives a
    // time the clock refuses: the fix then carries the cart's own best time, not a date years off (and a fix time
    // years off would be placed wrongly but plausibly within ±9 h by the district: SPEC.md 0x03).
    const trusted = raw.time !== null && ctx.options.clock.observeGnss(raw.time.getTime());
    const f: GnssFix = trusted ? raw : { ...raw, time: new Date(ctx.stamp().time * 1000) };
    ctx.live.fix = f;
    ctx.live.fixAt = performance.now();
    const update = this.#thinner.push({ time: f.time?.getTime() ?? Date.now(), lat: f.latitude, lon: f.longitude, speedMps: f.speedMps });
    this.#keep(update.points, f.speedMps);
    for (const e of update.events) void ctx.event('info', e.kind, e.kind === 'stop-end' ? `stop of ${Math.round(e.durationS)} s` : 'stopped');
    void this.#flush(false);
  }

  /** Thinned points go to the store's track now and to the district in the next track record. */
  #keep(points: readonly TrackPoint[], speedMps: number | null): void {
    for (const p of points) {
      this.#ctx.options.store.addTrackPoint({ time: Math.floor(p.time / 1000), lat: p.lat, lon: p.lon, ...(speedMps !== null ? { speed: speedMps } : {}) });
      this.#buffer.push(p);
    }
  }

  async #flush(force: boolean): Promise<void> {
    const buf = this.#buffer;
    if (buf.length === 0) return;
    if (!force && buf.length < TRACK_BATCH && Date.now() - this.#since < TRACK_FLUSH_MS) return;
    this.#buffer = [];
    this.#since = Date.now();
    const points = buf.map((p) => ({ time: Math.floor(p.time / 1000), lat: p.lat, lon: p.lon }));
    await this.#ctx.record([{ type: 'track', source: this.#ctx.stamp().source, points }]);
  }
}
