/**
 * The controller's JSON API (`/api/…`) on the shared HttpServer, beside the carts' content routes (`/content/…`).
 */
import type { HttpServer } from '../http/server.js';
import { registerFleetRoutes, type FleetRoutesOptions } from './fleet-routes.js';
import { registerFleetDetailRoutes } from './fleet-detail-routes.js';
import { registerOfficeRoutes, type OfficeRoutesOptions } from './office-routes.js';
import { registerContentWriteRoutes, type ContentWriteRoutesOptions } from './content-write-routes.js';
import { registerUserRoutes, type UserRoutesOptions } from './user-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerLiveRoute, type LiveFleet } from './live.js';
import { registerReleaseApiRoutes, type ReleaseRoutesOptions } from './release-routes.js';
import { registerSettingsRoutes } from './settings-routes.js';
import { registerBoardRoutes, type BoardServices } from './board-routes.js';
import { legacyHeading } from '../reports/index.js';

export { openApiDocument, documentedRoutes } from './openapi.js';
export { commandAction, type UnitView } from './fleet-routes.js';
export { httpErrorOf } from './guard.js';
export { LiveFleet, type LiveFleetOptions } from './live.js';
export type { BoardServices } from './board-routes.js';

export type ApiOptions = Omit<FleetRoutesOptions, 'sessions'> & Omit<OfficeRoutesOptions, 'db' | 'clock'> & Pick<ContentWriteRoutesOptions, 'manifests'> & UserRoutesOptions & {
  /** The live fleet stream behind `GET /api/live` (started and stopped by the composition root). */
  live: LiveFleet;
  /** Releases and rollouts (`/api/releases…`); left out, those routes are not there. */
  releases?: Omit<ReleaseRoutesOptions, 'sessions'>;
  /** The operating board's activity log, training records, reviews and reward proposals (`/api/activities…`, `/api/reviews…`, `/api/rewards…`). */
  board: BoardServices;
};

/** Adds every `/api/…` route to `server`. */
export function registerApiRoutes(server: HttpServer, o: ApiOptions): void {
  registerOfficeRoutes(server, { db: o.db, users: o.users, library: o.library, workflow: o.workflow, district: o.district, ...(o.heading ? { heading: o.heading } : {}), ...(o.clock ? { clock: o.clock } : {}) });
  registerFleetRoutes(server, { ...o, sessions: o.users });
  registerFleetDetailRoutes(server, { db: o.db, registry: o.registry, sessions: o.users, ...(o.clock ? { clock: o.clock } : {}) });
  registerSettingsRoutes(server, { ...o, sessions: o.users });
  registerContentWriteRoutes(server, { users: o.users, library: o.library, workflow: o.workflow, manifests: o.manifests, district: o.district });
  registerUserRoutes(server, { users: o.users });
  registerBoardRoutes(server, { sessions: o.users, board: o.board, registry: o.registry, heading: o.heading ?? legacyHeading(o.district.name), ...(o.clock ? { clock: o.clock } : {}) });
  if (o.releases) registerReleaseApiRoutes(server, { ...o.releases, sessions: o.users });
  registerSessionRoutes(server, { users: o.users });
  registerLiveRoute(server, o.users, o.live);
}
