/**
 * The controller's JSON API (`/api/…`) on the shared HttpServer, beside the carts' content routes (`/content/…`).
 */
import type { HttpServer } from '../http/server.js';
import { registerFleetRoutes, type FleetRoutesOptions } from './fleet-routes.js';
import { registerOfficeRoutes, type OfficeRoutesOptions } from './office-routes.js';

export { openApiDocument, documentedRoutes } from './openapi.js';
export { commandAction, type UnitView } from './fleet-routes.js';
export { httpErrorOf } from './guard.js';

export type ApiOptions = Omit<FleetRoutesOptions, 'sessions'> & Omit<OfficeRoutesOptions, 'db' | 'clock'>;

/** Adds every `/api/…` route to `server`. */
export function registerApiRoutes(server: HttpServer, o: ApiOptions): void {
  registerOfficeRoutes(server, { db: o.db, users: o.users, library: o.library, workflow: o.workflow, district: o.district, ...(o.clock ? { clock: o.clock } : {}) });
  registerFleetRoutes(server, { ...o, sessions: o.users });
}
