/** What every page needs from the app: the API, the user, the language and its strings, the clock, navigation. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import type { Translate } from './lib/i18n.js';
import type { Lang, SessionUser } from './lib/types.js';

export interface AppCtx {
  api: Api;
  user: SessionUser;
  lang: Lang;
  t: Translate;
  /** Milliseconds since the epoch (injected so a test can fix the time). */
  now: () => number;
  navigate: (path: string) => void;
}

export const AppContext = createContext<AppCtx | null>(null);

export function useApp(): AppCtx {
  const ctx = useContext(AppContext);
  if (ctx === null) throw new Error('useApp() needs the AppContext provider around the page');
  return ctx;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads `fn()` when `deps` change, keeping the previous data while it reloads; `reload()` asks again. */
export function useLoad<T>(fn: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    fn().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { data, error, loading, reload: () => setRound((r) => r + 1) };
}

/** A value that changes every `ms`, to re-render relative times ("3 phút trước") and refresh lists. */
export function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return tick;
}
