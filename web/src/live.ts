/**
 * The fleet as it changes: `GET /api/units` once, then the `units` / `unit` events of `GET /api/live`
 * (docs/console.md). If the live stream cannot be had (an older controller, a proxy that buffers), the list is
 * polled instead, so the overview is never stuck on stale positions without saying so.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import type { Unit } from './lib/types.js';
import { upsertUnit } from './lib/units.js';

export type LiveStatus = 'connecting' | 'live' | 'polling';

export interface LiveUnits {
  units: Unit[] | undefined;
  status: LiveStatus;
  error: unknown;
}

const POLL_MS = 10_000;

/** The User Timing mark set on every `unit` event received, `detail: { id, position }`. */
export const LIVE_UNIT_MARK = 'loa:live-unit';
/** The User Timing mark the overview sets once the fleet it shows (map and list) is drawn, `detail: { units }`. */
export const FLEET_DRAWN_MARK = 'loa:fleet-drawn';
const RETRY_MS = 5_000;

/** `onUnit` is called with every single-cart update (the unit page keeps them to draw the day's battery curve). */
export function useLiveUnits(api: Api, onUnit?: (u: Unit) => void): LiveUnits {
  const [units, setUnits] = useState<Unit[] | undefined>(undefined);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const load = async (): Promise<void> => {
      try {
        const r = await api.get<{ units: Unit[] }>('/api/units');
        if (!stopped) (setUnits(r.units), setError(null));
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
        setUnits(list);
        setStatus('live');
        setError(null);
      });
      source.addEventListener('unit', (ev: MessageEvent<string>) => {
        const u = JSON.parse(ev.data) as Unit;
        // A User Timing mark (DevTools' performance panel shows it; bench/web.ts pairs it with the cart's fix and
        // the overview's FLEET_DRAWN mark to time a fix from the cart to the screen).
        performance.mark(LIVE_UNIT_MARK, { detail: { id: u.id, position: u.position } });
        setUnits((list) => upsertUnit(list ?? [], u));
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
    };
  }, [api]);

  return { units, status, error };
}
