/**
 * The controller's JSON API (`/api/…`) on the shared HttpServer, beside the carts' content routes (`/content/…`).
 * {@link ListedHttpServer} keeps the list of what was registered, so the OpenAPI document can be checked against it.
 */
import { HttpServer, type Handler, type Method } from '../http/server.js';
import { registerFleetRoutes, type FleetRoutesOptions } from './fleet-routes.js';
import { registerOfficeRoutes, type OfficeRoutesOptions } from './office-routes.js';

export { openApiDocument, documentedRoutes } from './openapi.js';
export { commandAction, type UnitView } from './fleet-routes.js';
export { httpErrorOf } from './guard.js';

export interface RegisteredRoute {
  method: Method;
  pattern: string;
}

/** An HttpServer that lists its routes (`routes`), in the order they were added. */
export class ListedHttpServer extends HttpServer {
  readonly #routes: RegisteredRoute[] = [];

  override route(method: Method, pattern: string, handler: Handler): void {
    super.route(method, pattern, handler);
    this.#routes.push({ method, pattern });
  }

  get routes(): readonly RegisteredRoute[] {
    return this.#routes;
  }
}

export type ApiOptions = Omit<FleetRoutesOptions, 'sessions'> & Omit<OfficeRoutesOptions, 'db' | 'clock'>;

/** Adds every `/api/…` route to `server`. */
export function registerApiRoutes(server: HttpServer, o: ApiOptions): void {
  registerOfficeRoutes(server, { db: o.db, users: o.users, library: o.library, workflow: o.workflow, district: o.district, ...(o.clock ? { clock: o.clock } : {}) });
  registerFleetRoutes(server, { ...o, sessions: o.users });
}
