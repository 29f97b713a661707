/**
 * The console's only way to the controller: same-origin `fetch` with the session cookie. Keeps the CSRF token of
 * the session in memory (never in storage, so another tab's script cannot read it back) and sends it on every write;
 * a 401 on a request made inside a session ends it (the app shows the login page).
 */
import type { SessionUser } from './lib/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Session {
  user: SessionUser;
  csrf: string;
}

type Body = Record<string, unknown> | Blob | undefined;

export class Api {
  #csrf: string | null = null;
  readonly #onUnauthorized: () => void;

  /** `onUnauthorized`: called when a request inside a session gets 401 (expired, logged out elsewhere). */
  constructor(onUnauthorized: () => void) {
    this.#onUnauthorized = onUnauthorized;
  }

  /** The cookie's session, or null when there is none (401). */
  async session(): Promise<Session | null> {
    const res = await fetch('/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401) return null;
    const s = (await this.#read(res, false)) as Session;
    this.#csrf = s.csrf;
    return s;
  }

  async login(user: string, password: string): Promise<Session> {
    const res = await fetch('/api/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ user, password }),
    });
    const s = (await this.#read(res, false)) as Session;
    this.#csrf = s.csrf;
    return s;
  }

  async logout(): Promise<void> {
    try {
      await this.send('DELETE', '/api/session');
    } finally {
      this.#csrf = null;
    }
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>('GET', path, undefined);
  }

  /** A write: JSON for an object body, the bytes as they are (with their own type) for a Blob or File. */
  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: Body): Promise<T> {
    return this.#request<T>(method, path, body);
  }

  /** Whether a file the controller may serve is there (the base map, the fonts): HEAD answered 2xx. */
  async exists(path: string): Promise<boolean> {
    try {
      const res = await fetch(path, { method: 'HEAD', credentials: 'same-origin' });
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * One request; a write refused for its CSRF token (the controller restarted and made a new key: sessions survive,
   * tokens do not) fetches the session's new token and is sent once more.
   */
  async #request<T>(method: string, path: string, body: Body): Promise<T> {
    try {
      return await this.#send<T>(method, path, body);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 403 && err.code === 'csrf') || (await this.session()) === null) throw err;
      return this.#send<T>(method, path, body);
    }
  }

  async #send<T>(method: string, path: string, body: Body): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET' && this.#csrf !== null) headers['X-CSRF-Token'] = this.#csrf;
    let payload: string | Blob | undefined;
    if (body instanceof Blob) {
      payload = body;
      headers['Content-Type'] = body.type || 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(path, { method, credentials: 'same-origin', headers, ...(payload === undefined ? {} : { body: payload }) });
    return (await this.#read(res, true)) as T;
  }

  async #read(res: Response, inSession: boolean): Promise<unknown> {
    if (res.status === 204) return undefined;
    const type = res.headers.get('Content-Type') ?? '';
    const value: unknown = type.includes('json') ? await res.json().catch(() => null) : await res.text();
    if (res.ok) return value;
    if (res.status === 401 && inSession) {
      this.#csrf = null;
      this.#onUnauthorized();
    }
    const e = (typeof value === 'object' && value !== null ? value : {}) as { error?: unknown; code?: unknown };
    const retry = Number(res.headers.get('Retry-After'));
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : `http-${res.status}`,
      typeof e.error === 'string' ? e.error : `HTTP ${res.status} ${res.statusText} (${typeof value === 'string' ? value.slice(0, 200) : ''})`,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
}
