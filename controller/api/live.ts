/**
 * The live fleet (docs/console.md, "Live fleet"): `GET /api/live`, a text/event-stream that sends the event `units`
 * with every unit (the items of `GET /api/units`), then the event `unit` with one item each time a cart's state,
 * position, battery or link changes, and a `: keep-alive` comment every 15 s.
 *
 * The ingest says when it committed a batch or a unit's link changed, not what changed: on either, the views are read
 * again (at most every 250 ms, so a flood of commits costs four reads a second) and compared with those last read;
 * each unit whose view differs, `lastSeen` aside, goes to every stream. The views are also read every 30 s, because a
 * unit that goes silent turns offline with time alone. Nothing is read while no stream is open.
 *
 * Streams are capped per session (4) and in all (200), answered 503 beyond. Each keep-alive checks the session again:
 * a stream ends with its session (logout, expiry, disabled user).
 */
import type { ServerResponse } from 'node:http';
import { HttpError, type HttpServer } from '../http/server.js';
import { silentLogger, type Logger } from '../logger.js';
import { both } from '../content/errors.js';
import type { StatusChange } from '../fleet/ingest-batch.js';
import { listUnitViews, type UnitView, type UnitViewSource } from './fleet-routes.js';
import { apiRoute, UNIT_READERS, type SessionLookup } from './guard.js';

/** The ingest's events the live stream follows (FleetIngest fits). */
export interface LiveIngest {
  on(event: 'committed', listener: () => void): unknown;
  on(event: 'status', listener: (change: StatusChange) => void): unknown;
  off(event: 'committed', listener: () => void): unknown;
  off(event: 'status', listener: (change: StatusChange) => void): unknown;
}

export interface LiveFleetOptions {
  units: UnitViewSource;
  ingest: LiveIngest;
  sessions: SessionLookup;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
  /** Between two reads of the views after commits, ms (default 250). */
  coalesceMs?: number;
  /** Between two reads without commits (units going stale), ms (default 30 s). */
  rereadMs?: number;
  /** Between two keep-alive comments, ms (default 15 s). */
  keepAliveMs?: number;
  /** Streams open at once per session (default 4). */
  maxPerSession?: number;
  /** Streams open at once in all (default 200). */
  maxStreams?: number;
  logger?: Logger;
}

interface Stream {
  res: ServerResponse;
  token: string;
  keepAlive: NodeJS.Timeout;
}

/** A view as compared: without `lastSeen`, which changes with every frame. */
const fingerprint = (v: UnitView): string => JSON.stringify({ ...v, lastSeen: 0 });

export class LiveFleet {
  readonly #o: LiveFleetOptions;
  readonly #log: Logger;
  readonly #streams = new Set<Stream>();
  /** The fingerprints of the last read, by unit id; undefined while no stream is open. */
  #last: Map<string, string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reread: NodeJS.Timeout | undefined;
  #lastRead = -Infinity;
  /** Reads run one after another, so that two never compare against the same previous read. */
  #reading: Promise<void> = Promise.resolve();
  #running = false;
  readonly #onChange = (): void => this.#schedule();

  constructor(options: LiveFleetOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** Streams open now. */
  get streams(): number {
    return this.#streams.size;
  }

  start(): Promise<void> {
    if (!this.#running) {
      this.#running = true;
      this.#o.ingest.on('committed', this.#onChange);
      this.#o.ingest.on('status', this.#onChange);
    }
    return Promise.resolve();
  }

  /** Stops following the ingest and ends every stream. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#o.ingest.off('committed', this.#onChange);
    this.#o.ingest.off('status', this.#onChange);
    for (const s of [...this.#streams]) s.res.end();
    this.#clearTimers();
    await this.#reading;
  }

  /** Opens a stream on `res` for the session `token` (503 over a cap). */
  async open(res: ServerResponse, token: string): Promise<void> {
    const perSession = [...this.#streams].filter((s) => s.token === token).length;
    if (!this.#running || perSession >= (this.#o.maxPerSession ?? 4) || this.#streams.size >= (this.#o.maxStreams ?? 200)) {
      const why = !this.#running ? 'not running' : perSession >= (this.#o.maxPerSession ?? 4) ? 'this session' : 'the controller';
      throw new HttpError(
        503,
        'too-many-streams',
        both(`Quá nhiều luồng trực tiếp đang mở (${why}): đóng bớt thẻ trình duyệt rồi thử lại`, `too many live streams open (${why}): close some browser tabs and try again`),
        { 'Retry-After': '10' },
      );
    }
    const stream: Stream = { res, token, keepAlive: setInterval(() => void this.#keepAlive(stream), this.#o.keepAliveMs ?? 15_000) };
    this.#streams.add(stream);
    res.on('close', () => this.#close(stream));
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    // The snapshot is read in turn with the updates, so that an update read before it is never sent after it.
    await this.#queue(async () => {
      try {
        const views = await this.#views();
        this.#last ??= new Map(views.map((v) => [v.id, fingerprint(v)]));
        send(res, 'units', { units: views });
      } catch (err) {
        res.end(); // a stream without its snapshot would show an empty map: the browser reconnects instead
        throw err;
      }
    });
    this.#armReread();
  }

  #close(stream: Stream): void {
    clearInterval(stream.keepAlive);
    this.#streams.delete(stream);
    if (this.#streams.size > 0) return;
    this.#last = undefined;
    this.#clearTimers();
  }

  async #keepAlive(stream: Stream): Promise<void> {
    try {
      await this.#o.sessions.sessionUser(stream.token);
      stream.res.write(': keep-alive\n\n');
    } catch {
      stream.res.end();
    }
  }

  #views(): Promise<UnitView[]> {
    return listUnitViews(this.#o.units, Math.floor((this.#o.clock ?? Date.now)() / 1000));
  }

  #queue(step: () => Promise<void>): Promise<void> {
    const run = this.#reading.then(step).catch((err: unknown) => this.#log.error(`live fleet: reading the units failed: ${String(err)}`));
    this.#reading = run;
    return run;
  }

  /** A read soon: at once when none ran in the last `coalesceMs`, else when that time is up. */
  #schedule(): void {
    if (this.#streams.size === 0 || this.#timer) return;
    const wait = Math.max(0, this.#lastRead + (this.#o.coalesceMs ?? 250) - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastRead = performance.now();
      void this.#queue(() => this.#update());
    }, wait);
  }

  #armReread(): void {
    if (this.#reread) return;
    this.#reread = setInterval(() => this.#schedule(), this.#o.rereadMs ?? 30_000);
  }

  #clearTimers(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#reread);
    this.#timer = undefined;
    this.#reread = undefined;
  }

  /** Reads the views and sends each unit whose view changed since the last read. */
  async #update(): Promise<void> {
    if (this.#streams.size === 0) return;
    const views = await this.#views();
    const last = this.#last ?? new Map<string, string>();
    const next = new Map<string, string>();
    for (const v of views) {
      const print = fingerprint(v);
      next.set(v.id, print);
      if (last.get(v.id) === print) continue;
      for (const s of this.#streams) send(s.res, 'unit', v);
    }
    if (this.#streams.size > 0) this.#last = next;
  }
}

/** One server-sent event. JSON has no raw line breaks, so the data is one line. */
function send(res: ServerResponse, event: string, data: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Adds `GET /api/live` for the readers of units. */
export function registerLiveRoute(server: HttpServer, sessions: SessionLookup, live: LiveFleet): void {
  apiRoute(server, sessions, 'GET', '/api/live', UNIT_READERS, async ({ res, token }) => {
    await live.open(res, token!);
  });
}
