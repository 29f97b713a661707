/**
 * The console's user administration (docs/console.md, "Content, playlist, users"), for admins only: list the users,
 * add one, set a user's password (which ends that user's sessions). A password hash never leaves the store: the
 * answers are built from {@link User}, which has none.
 */
import { sendJson, type HttpServer } from '../http/server.js';
import { type Role } from '../users/roles.js';
import type { User } from '../users/users.js';
import { checkedBody, newUserBody, passwordBody } from './bodies.js';
import { apiRoute, type SessionLookup } from './guard.js';

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

export function registerUserRoutes(server: HttpServer, o: UserRoutesOptions): void {
  apiRoute(server, o.users, 'GET', '/api/users', ADMINS, async () => ({ users: (await o.users.list()).map(userView) }));

  apiRoute(server, o.users, 'POST', '/api/users', ADMINS, async ({ req, res }) => {
    const { name, role, password, displayName } = await checkedBody(req, newUserBody);
    const user = await o.users.add({ name, role, password, ...(displayName === undefined ? {} : { displayName }) });
    sendJson(res, 201, { user: userView(user) });
  });

  apiRoute(server, o.users, 'POST', '/api/users/:name/password', ADMINS, async ({ req }) => {
    await o.users.setPassword(req.params.name!, (await checkedBody(req, passwordBody)).password);
    return undefined;
  });
}
