/**
 * The console's user administration (docs/console.md, "Content, playlist, users"), for admins only: list the users,
 * add one, set a user's password (which ends that user's sessions). A password hash never leaves the store: the
 * answers are built from {@link User}, which has none.
 */
import { sendJson, type HttpServer } from '../http/server.js';
import { isRole, ROLES, type Role } from '../users/roles.js';
import type { User } from '../users/users.js';
import { apiRoute, badField, jsonBody, type SessionLookup } from './guard.js';

/** Only admins (an empty list: `requireRole` lets admin through and nobody else). */
export const ADMINS: readonly Role[] = [];

/** What the routes need of the user store (UserStore fits). */
export interface UserAdmin extends SessionLookup {
  list(): Promise<User[]>;
  add(user: { name: string; role: Role; password: string; displayName?: string }): Promise<User>;
  setPassword(name: string, password: string): Promise<void>;
}

export interface UserRoutesOptions {
  users: UserAdmin;
}

/** A user as the API shows it. */
export interface UserView {
  name: string;
  displayName: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export const userView = (u: User): UserView => ({ name: u.name, displayName: u.displayName, role: u.role, createdAt: u.createdAt, disabled: u.disabled });

function text(body: Record<string, unknown>, name: string, expected: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw badField(name, expected, name === 'password' ? '…' : value);
  return value;
}

export function registerUserRoutes(server: HttpServer, o: UserRoutesOptions): void {
  apiRoute(server, o.users, 'GET', '/api/users', ADMINS, async () => ({ users: (await o.users.list()).map(userView) }));

  apiRoute(server, o.users, 'POST', '/api/users', ADMINS, async ({ req, res }) => {
    const body = await jsonBody(req);
    const name = text(body, 'name', 'a user name of a-z, 0-9, . _ - (1–32)');
    if (!isRole(body.role)) throw badField('role', ROLES.join(' | '), body.role);
    const password = text(body, 'password', 'a password of at least 8 characters');
    const displayName = body.displayName === undefined ? undefined : text(body, 'displayName', 'a name people read, e.g. Công an xã Dân Lực');
    const user = await o.users.add({ name, role: body.role, password, ...(displayName === undefined ? {} : { displayName }) });
    sendJson(res, 201, { user: userView(user) });
  });

  apiRoute(server, o.users, 'POST', '/api/users/:name/password', ADMINS, async ({ req }) => {
    const body = await jsonBody(req);
    await o.users.setPassword(req.params.name!, text(body, 'password', 'a password of at least 8 characters'));
    return undefined;
  });
}
