/**
 * The fleet as it changes: `GET /api/units` once, then the `units` / `unit` events of `GET /api/live`
 * (docs/console.md). If the live stream cannot be had (an older controller, a proxy that buffers), the list is
 * polled instead, so the overview is never stuck on stale positions without saying so.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import type { Unit } from './lib/types.js';
import { upsertUnits } from './lib/units.js';

export type LiveStatus = 'connecting' | 'live' | 'polling';

export interface LiveUnits {
  units: Unit[] | undefined;
  status: LiveStatus;
  error: unknown;
  /** The `seq` of the last `unit` event (LIVE_UNIT_MARK) that `units` includes; 0 before the first. */
  through: number;
}

/** The fleet and how far into the stream of `unit` events it is. */
interface Fleet {
  units: Unit[] | undefined;
  through: number;
}

const POLL_MS = 10_000;

/**
 * The User Timing mark set on every `unit` event received, `detail: { id, position, seq }`; `seq` counts the events
 * of this page's stream from 1.
 */
export const LIVE_UNIT_MARK = 'loa:live-unit';
/**
 * The User Timing mark the overview sets once the fleet it shows (map and list) is drawn, `detail: { units, through }`:
 * `through` is the `seq` of the last `unit` event drawn. Events are drawn in batches, so a fix is on screen at the
 * first FLEET_DRAWN mark whose `through` reaches its `seq` (not merely the first one after it).
 */
export const FLEET_DRAWN_MARK = 'loa:fleet-drawn';
const RETRY_MS = 5_000;
/**
 * How long `unit` events are gathered before the fleet is drawn again. 200 carts with a fix every 5 s are 40 events
 * a second; drawing the list and the map for each one fell tens of seconds behind. A quarter of a second is well
 * within what an officer notices and turns 40 redraws a second into at most 4.
 */
export const LIVE_BATCH_MS = 250;

/** `onUnit` is called with every single-cart update (the unit page keeps them to draw the day's battery curve). */
export function useLiveUnits(api: Api, onUnit?: (u: Unit) => void): LiveUnits {
  const [fleet, setFleet] = useState<Fleet>({ units: undefined, through: 0 });
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The latest view of each cart that changed since the last draw: a cart that moved twice is drawn once.
    const pending = new Map<string, Unit>();
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let received = 0;
    const flush = (): void => {
      flushTimer = undefined;
      if (stopped || pending.size === 0) return;
      const batch = new Map(pending);
      const through = received;
      pending.clear();
      setFleet((f) => ({ units: upsertUnits(f.units ?? [], batch), through }));
    };

    const load = async (): Promise<void> => {
      try {
        const r = await api.get<{ units: Unit[] }>('/api/units');
        if (!stopped) (setFleet((f) => ({ units: r.units, through: f.through })), setError(null));
      } catch (e) {
        if (!stopped) setError(e);
      }
    };

    const poll = (): void => {
      if (stopped) return;
      setStatus('polling');
      void load().finally(() => {
        if (!stopped) timer = setTimeout(connect, POLL_MS);
      });
    };

    function connect(): void {
      if (stopped) return;
      source = new EventSource('/api/live', { withCredentials: true });
      source.addEventListener('units', (ev: MessageEvent<string>) => {
        const list = (JSON.parse(ev.data) as { units: Unit[] }).units;
        // The whole fleet again (a reconnection): what was still waiting is older than it.
        pending.clear();
        const through = received;
        setFleet({ units: list, through });
        setStatus('live');
        setError(null);
      });
      source.addEventListener('unit', (ev: MessageEvent<string>) => {
        const u = JSON.parse(ev.data) as Unit;
        // A User Timing mark (DevTools' performance panel shows it; bench/web.ts pairs it with the cart's fix and
        // the overview's FLEET_DRAWN mark to time a fix from the cart to the screen).
        performance.mark(LIVE_UNIT_MARK, { detail: { id: u.id, position: u.position, seq: ++received } });
        pending.set(u.id, u);
        flushTimer ??= setTimeout(flush, LIVE_BATCH_MS);
        onUnit?.(u);
      });
      source.onerror = () => {
        // The browser reconnects by itself unless the answer was not an event stream (401, 404, 5xx): then it
        // gives up (CLOSED). Poll meanwhile: a 401 there ends the session and shows the login page.
        if (source?.readyState !== EventSource.CLOSED) return;
        source.close();
        source = null;
        timer = setTimeout(poll, RETRY_MS);
      };
    }

    void load();
    connect();
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(timer);
      clearTimeout(flushTimer);
    };
  }, [api]);

  return { units: fleet.units, status, error, through: fleet.through };
}
