/**
 * The console's sessions in the browser (docs/console.md, "Sessions in the browser"): log in into an HttpOnly cookie,
 * read the session and its CSRF token, log out. The password check, the throttle (per account and per address, 429
 * with Retry-After) and the busy answer (503) are those of `POST /api/login`: both call the same `UserStore.login`.
 */
import type { HttpServer } from '../http/server.js';
import { ROLES } from '../users/roles.js';
import type { User } from '../users/users.js';
import { checkedBody, loginBody } from './bodies.js';
import { apiRoute, cookieToken, csrfToken, SESSION_COOKIE } from './guard.js';
import type { SessionStore } from './office-routes.js';

export interface SessionRoutesOptions {
  users: SessionStore;
}

const userView = (u: User): { name: string; role: string; displayName: string } => ({ name: u.name, role: u.role, displayName: u.displayName });

/**
 * The `Set-Cookie` value: `token` for a new session, '' to clear it. No Max-Age: the cookie goes with the browser,
 * the session on the server ends by itself.
 */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${token === '' ? '; Max-Age=0' : ''}${secure ? '; Secure' : ''}`;
}

export function registerSessionRoutes(server: HttpServer, o: SessionRoutesOptions): void {
  apiRoute(server, o.users, 'POST', '/api/session', 'public', async ({ req, res }) => {
    const body = await checkedBody(req, loginBody);
    const session = await o.users.login(body.user, body.password, req.raw.socket.remoteAddress);
    // The browser's previous session, if any, ends: one cookie, one live session.
    const previous = cookieToken(req);
    if (previous !== undefined && previous !== session.token) await o.users.logout(previous);
    res.setHeader('Set-Cookie', sessionCookie(session.token, server.secure));
    return { user: userView(session.user), csrf: csrfToken(o.users, session.token) };
  });

  apiRoute(server, o.users, 'GET', '/api/session', ROLES, async ({ user, token }) => ({ user: userView(user!), csrf: csrfToken(o.users, token!) }));

  apiRoute(server, o.users, 'DELETE', '/api/session', ROLES, async ({ res, token }) => {
    await o.users.logout(token!);
    res.setHeader('Set-Cookie', sessionCookie('', server.secure));
    return undefined;
  });
}
