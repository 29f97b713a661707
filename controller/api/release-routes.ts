/**
 * Software releases and their staged rollouts in the JSON API (controller/releases/):
 *
 *   GET  /api/releases                              stored releases, every rollout, each cart's running version
 *   GET  /api/releases/:version/rollout             the rollout: state, each cart's order and answer, its record
 *   POST /api/releases/:version/rollout             { canary: [unit…], then?: "commune:ID"|"team:ID"|"all"|null,
 *                                                     pause?: boolean, healthyMinutes?: number } → the rollout
 *   POST /api/releases/:version/rollout/resume | stop | rollback                          → the rollout
 *
 * Reading: whoever may read the units. Starting, resuming, stopping and rolling back: the approvers (and admin), as
 * for the commands that decide what carts do; the person is recorded with the rollout and with every order.
 */
import { apiRoute, APPROVERS, badField, jsonBody, UNIT_READERS, type SessionLookup } from './guard.js';
import { HttpError, type HttpServer } from '../http/server.js';
import { rolloutStatus, type RolloutStatus } from '../releases/outcomes.js';
import { unitFirmware, type Rollouts } from '../releases/rollout.js';
import { ReleaseError, type ReleaseErrorCode, type ReleaseStore } from '../releases/store.js';

export interface ReleaseRoutesOptions {
  store: ReleaseStore;
  rollouts: Rollouts;
  /** Re-evaluates the rollouts now (RolloutRunner.kick), so that an order leaves before the answer. */
  kick?: () => Promise<void>;
  sessions: SessionLookup;
}

const STATUS: Record<ReleaseErrorCode, number> = {
  refused: 422,
  exists: 409,
  'no-keys': 500,
  'bad-key': 500,
  'unknown-release': 404,
  'unknown-unit': 404,
  'bad-request': 400,
  state: 409,
  'not-allowed': 403,
};

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ReleaseError) throw new HttpError(STATUS[err.code], err.code, err.message);
    throw err;
  }
}

function canaryOf(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((u) => typeof u !== 'string' || u === '')) throw badField('canary', 'a list of unit ids, e.g. ["xe-01"]', value);
  return list as string[];
}

export function registerReleaseApiRoutes(server: HttpServer, o: ReleaseRoutesOptions): void {
  const status = async (version: string): Promise<RolloutStatus> => {
    const s = await rolloutStatus(o.rollouts, version);
    if (!s) throw new HttpError(404, 'unknown-rollout', `Không có đợt cập nhật ${version} (there is no rollout of ${version})`);
    return s;
  };
  const after = async (version: string): Promise<RolloutStatus> => {
    await o.kick?.();
    return status(version);
  };

  apiRoute(server, o.sessions, 'GET', '/api/releases', UNIT_READERS, async () => {
    const firmware = await unitFirmware(o.rollouts.db);
    return {
      releases: await o.store.list(),
      rollouts: await o.rollouts.list(),
      units: [...firmware].map(([id, version]) => ({ id, firmware: version })),
    };
  });

  apiRoute(server, o.sessions, 'GET', '/api/releases/:version/rollout', UNIT_READERS, ({ req }) => status(req.params.version!));

  apiRoute(server, o.sessions, 'POST', '/api/releases/:version/rollout', APPROVERS, async ({ req, user }) => {
    const body = await jsonBody(req);
    const version = req.params.version!;
    if (body.then !== undefined && body.then !== null && typeof body.then !== 'string') throw badField('then', '"commune:ID", "team:ID", "all" or null', body.then);
    if (body.pause !== undefined && typeof body.pause !== 'boolean') throw badField('pause', 'true or false', body.pause);
    if (body.healthyMinutes !== undefined && !Number.isInteger(body.healthyMinutes)) throw badField('healthyMinutes', 'a whole number of minutes', body.healthyMinutes);
    await answer(() =>
      o.rollouts.start(
        {
          version,
          canary: canaryOf(body.canary),
          then: (body.then as string | null | undefined) ?? null,
          pause: body.pause === true,
          ...(body.healthyMinutes === undefined ? {} : { healthyMinutes: body.healthyMinutes as number }),
        },
        user!.name,
      ),
    );
    return after(version);
  });

  for (const step of ['resume', 'stop', 'rollback'] as const) {
    apiRoute(server, o.sessions, 'POST', `/api/releases/:version/rollout/${step}`, APPROVERS, async ({ req, user }) => {
      const version = req.params.version!;
      await answer(() => o.rollouts[step](version, user!.name));
      return after(version);
    });
  }
}
