/**
 * How every API route is guarded and answered: the session from `Authorization: Bearer <token>` or from the console's
 * `loa_session` cookie (401 without a valid one; a cookie's request other than GET/HEAD must also carry its
 * `X-CSRF-Token`, else 403 `csrf`), the route's roles (403 for another role; admin always passes), domain errors turned into HTTP statuses with
 * the JSON body `{ error, code }`, and a returned value sent as JSON (undefined = 204).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { BoardError, type BoardErrorCode } from '../board/errors.js';
import { both, ContentError, type ContentErrorCode } from '../content/errors.js';
import { RegistryError } from '../fleet/registry.js';
import { excerpt, HttpError, sendJson, type HttpRequest, type HttpServer, type Method } from '../http/server.js';
import { InvalidPeriodError, UnknownCommuneError } from '../reports/index.js';
import { requireRole, UserError, type Role, type UserErrorCode } from '../users/roles.js';
import type { User } from '../users/users.js';

/** What the guard needs of the user store (UserStore fits). */
export interface SessionLookup {
  sessionUser(token: string): Promise<User>;
}

/** `public`: no session needed; a list: a session whose role is in it (or admin). */
export type Access = 'public' | readonly Role[];

/** Everyone who may read the fleet and the reports. */
export const READERS: readonly Role[] = ['viewer', 'approver'];
/** Readers and technicians: units, their tracks, commands. */
export const UNIT_READERS: readonly Role[] = ['viewer', 'approver', 'technician'];
/** Readers and submitters: the content list. */
export const CONTENT_READERS: readonly Role[] = ['viewer', 'approver', 'submitter'];
export const APPROVERS: readonly Role[] = ['approver'];
/** Who may send commands to carts: approvers any, technicians only {@link MAINTENANCE_ACTIONS}. */
export const COMMAND_SENDERS: readonly Role[] = ['approver', 'technician'];
/** The commands that look after a cart (a technician's) rather than decide what it plays or how loud. */
export const MAINTENANCE_ACTIONS: readonly string[] = ['sync-now', 'reboot'];
/** Approvers, and the submitter of a clip before a decision on it: withdrawing a clip. */
export const WITHDRAWERS: readonly Role[] = ['approver', 'submitter'];
/** Who reads the teams' activity log, members and training records: the communes' submitters too. */
export const ACTIVITY_READERS: readonly Role[] = ['viewer', 'approver', 'submitter'];
/** Who records activities and training records (and withdraws their own): submitters, and approvers. */
export const RECORDERS: readonly Role[] = ['submitter', 'approver'];

export interface ApiRequest {
  req: HttpRequest;
  res: ServerResponse;
  /** The session's user; undefined only on public routes. */
  user: User | undefined;
  /** The session token of the request (bearer or cookie), when one was given. */
  token: string | undefined;
  /** Where the token came from. */
  via: 'bearer' | 'cookie' | undefined;
}

export type ApiHandler = (r: ApiRequest) => Promise<unknown>;

function bearer(req: HttpRequest): string | undefined {
  const header = req.raw.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1];
}

/** The name of the console's session cookie (docs/console.md). */
export const SESSION_COOKIE = 'loa_session';

/** The value of the `loa_session` cookie, when the request has one (the first, when it has several). */
export function cookieToken(req: HttpRequest): string | undefined {
  const header = req.raw.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = pair.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/**
 * One random key per session store, made when first needed: the CSRF token is derived from the session token with
 * it, so nothing more is stored per session and only this process can make one. Kept per store rather than per
 * module, so that two controllers in one process (tests) do not share it.
 */
const csrfKeys = new WeakMap<SessionLookup, Buffer>();

/**
 * The CSRF token of a session: HMAC-SHA-256 of the session token under the store's key, base64url. A page of
 * another site can make the browser send the cookie but cannot read this value, which only our own answers carry.
 * The key lives in memory, so after a restart the page asks `GET /api/session` again for a new one.
 */
export function csrfToken(sessions: SessionLookup, token: string): string {
  let key = csrfKeys.get(sessions);
  if (!key) {
    key = randomBytes(32);
    csrfKeys.set(sessions, key);
  }
  return createHmac('sha256', key).update(token).digest('base64url');
}

/** Whether `given` is the session's CSRF token, compared in constant time. */
function csrfMatches(sessions: SessionLookup, token: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const want = Buffer.from(csrfToken(sessions, token));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A session token from the bearer header, else from the cookie, and where it was found. */
function sessionToken(req: HttpRequest): { token: string | undefined; via: ApiRequest['via'] } {
  const fromHeader = bearer(req);
  if (fromHeader !== undefined) return { token: fromHeader, via: 'bearer' };
  const fromCookie = cookieToken(req);
  return fromCookie === undefined ? { token: undefined, via: undefined } : { token: fromCookie, via: 'cookie' };
}

const USER_STATUS: Record<UserErrorCode, number> = {
  'unknown-user': 404,
  'bad-password': 401,
  'bad-session': 401,
  'session-expired': 401,
  forbidden: 403,
  'user-exists': 409,
  'bad-field': 400,
  throttled: 429,
  busy: 503,
};

const CONTENT_STATUS: Partial<Record<ContentErrorCode, number>> = {
  'unknown-clip': 404,
  'no-manifest': 404,
  'bad-status': 409,
  'not-allowed': 403,
  'unknown-user': 404,
  'key-permissions': 500,
  'key-owner': 500,
  'key-corrupt': 500,
  'key-not-started': 503,
};

const BOARD_STATUS: Record<BoardErrorCode, number> = {
  'bad-field': 400,
  'unknown-activity': 404,
  'unknown-review': 404,
  'unknown-member': 404,
  'unknown-team': 404,
  'unknown-commune': 404,
  'unknown-photo': 404,
  'bad-status': 409,
  'stale-version': 409,
  'not-allowed': 403,
  'not-photo': 415,
  'photo-too-large': 413,
};

/** The HTTP form of a domain error; undefined for anything else (the server answers 500 and logs it). */
export function httpErrorOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof UserError) {
    const retry: Record<string, string> = err.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(err.retryAfterSeconds) };
    return new HttpError(USER_STATUS[err.code], err.code, err.message, retry);
  }
  if (err instanceof ContentError) return new HttpError(CONTENT_STATUS[err.code] ?? 400, err.code, err.message);
  if (err instanceof BoardError) return new HttpError(BOARD_STATUS[err.code], err.code, err.message);
  if (err instanceof RegistryError) {
    const status = err.code.startsWith('unknown-') ? 404 : err.code === 'exists' || err.code === 'retired' ? 409 : 400;
    return new HttpError(status, err.code, err.message);
  }
  if (err instanceof InvalidPeriodError) return new HttpError(400, err.code, err.message);
  if (err instanceof UnknownCommuneError) return new HttpError(404, err.code, err.message);
  return undefined;
}

/** Registers one API route on `server`: session and role checks, error mapping, JSON answer. */
export function apiRoute(server: HttpServer, sessions: SessionLookup, method: Method, pattern: string, access: Access, handler: ApiHandler): void {
  server.route(method, pattern, async (req, res) => {
    try {
      const { token, via } = sessionToken(req);
      let user: User | undefined;
      if (access !== 'public') {
        if (token === undefined) {
          throw new HttpError(
            401,
            'no-session',
            both('Cần đăng nhập: đăng nhập ở trang điều khiển, hoặc gửi Authorization: Bearer <mã phiên> (POST /api/login)', 'log in first: on the console, or send Authorization: Bearer <token> from POST /api/login'),
          );
        }
        user = await sessions.sessionUser(token);
        // A cookie comes with any request the browser makes, a forged one from another site included; the CSRF token
        // only with the requests our own page makes. A bearer token is never sent by the browser on its own.
        if (via === 'cookie' && method !== 'GET' && !csrfMatches(sessions, token, req.raw.headers['x-csrf-token'])) {
          throw new HttpError(
            403,
            'csrf',
            both('Thiếu hoặc sai X-CSRF-Token: tải lại trang (GET /api/session cho mã mới)', 'missing or wrong X-CSRF-Token: reload the page (GET /api/session gives a new one)'),
          );
        }
        requireRole(user, access, `${method} ${pattern}`);
      }
      const value = await handler({ req, res, user, token, via });
      if (res.headersSent || res.writableEnded) return;
      if (value === undefined) {
        res.writeHead(204);
        res.end();
      } else sendJson(res, 200, value);
    } catch (err) {
      throw httpErrorOf(err) ?? err;
    }
  });
}

/**
 * How deep a JSON body may nest. The API's bodies are 3 deep at most (a command's `target` and `args`); 32 leaves
 * room, and keeps what reads a body (JSON.stringify of an echoed value, recursive checks) far from the stack limit
 * (a 10,000-deep body used to end in a RangeError and a 500).
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The deepest nesting of `{` and `[` in JSON text, not counting those inside strings; stops counting past `limit`.
 * Works on the bytes: in UTF-8 no byte of a multi-byte character is a quote, a backslash or a bracket.
 */
export function jsonDepth(bytes: Uint8Array, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/** The request body as a JSON object (400 when it is not one, or nests deeper than {@link MAX_JSON_DEPTH}). */
export async function jsonBody(req: HttpRequest): Promise<Record<string, unknown>> {
  const raw = await req.body();
  if (raw.length === 0) return {};
  if (jsonDepth(raw) > MAX_JSON_DEPTH) {
    throw new HttpError(400, 'too-deep', both(`Nội dung JSON lồng quá ${MAX_JSON_DEPTH} tầng`, `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-json', both('Nội dung yêu cầu không phải JSON hợp lệ', 'the request body is not valid JSON'));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad-json', both('Nội dung yêu cầu phải là một đối tượng JSON', 'the request body must be a JSON object'));
  }
  return value as Record<string, unknown>;
}

/** A 400 naming the field and repeating the value (the start of it: see {@link excerpt}). */
export function badField(name: string, expected: string, got: unknown): HttpError {
  const shown = excerpt(got);
  return new HttpError(400, 'bad-field', both(`Trường ${name} không hợp lệ: cần ${expected}, nhận ${shown}`, `${name} must be ${expected}, got ${shown}`));
}
