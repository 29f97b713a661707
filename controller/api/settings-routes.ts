/**
 * Remote settings in the JSON API (issue #15; controller/fleet/settings.ts):
 *   POST /api/settings            { target: { kind, id }, document, ttlSeconds? } → { version, sent }
 *   GET  /api/settings            → { documents }
 *   GET  /api/units/:id/settings  → what the cart last reported (accepted, applied, refused, rolled back, ignored)
 * Sending settings decides how a cart plays (its hours, its volume): the approvers' call, as for the commands that do.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import type { CommandService, CommandTarget } from '../fleet/commands.js';
import type { FleetRegistry } from '../fleet/registry.js';
import { settingsDocumentProblem, SettingsService } from '../fleet/settings.js';
import { HttpError, type HttpServer } from '../http/server.js';
import { apiRoute, APPROVERS, badField, jsonBody, UNIT_READERS, type SessionLookup } from './guard.js';
import { COMMAND_KINDS } from './fleet-routes.js';
import { intParam } from './params.js';

export interface SettingsRoutesOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  commands: CommandService;
  sessions: SessionLookup;
  /** Seconds the commands stay valid when the request gives none. */
  commandTtlSeconds: number;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** The request's target, every field checked. */
function targetOf(body: Record<string, unknown>): CommandTarget {
  const t = (typeof body.target === 'object' && body.target !== null ? body.target : {}) as Record<string, unknown>;
  const kind = COMMAND_KINDS.find((k) => k === t.kind);
  if (kind === undefined) throw badField('target.kind', COMMAND_KINDS.join(' | '), t.kind);
  if (typeof t.id !== 'string' || t.id === '') throw badField('target.id', 'the id of the unit, team or commune', t.id);
  return { kind, id: t.id };
}

export function registerSettingsRoutes(server: HttpServer, o: SettingsRoutesOptions): void {
  const settings = new SettingsService({ db: o.db, commands: o.commands, ...(o.clock ? { clock: o.clock } : {}) });

  apiRoute(server, o.sessions, 'POST', '/api/settings', APPROVERS, async ({ req, user }) => {
    const body = await jsonBody(req);
    const target = targetOf(body);
    const problem = settingsDocumentProblem(body.document);
    if (problem) throw badField(problem.field, problem.expected, problem.got);
    const ttl = body.ttlSeconds ?? o.commandTtlSeconds;
    if (!Number.isInteger(ttl) || (ttl as number) < 1 || (ttl as number) > 7 * 86_400) throw badField('ttlSeconds', 'a whole number of seconds 1–604800', ttl);
    return settings.publish({ target, document: body.document as Record<string, unknown>, ttlSeconds: ttl as number, issuedBy: user!.name });
  });

  apiRoute(server, o.sessions, 'GET', '/api/settings', UNIT_READERS, async ({ req }) => ({ documents: await settings.list(intParam(req.query, 'limit', 200, 1, 5000)) }));

  apiRoute(server, o.sessions, 'GET', '/api/units/:id/settings', UNIT_READERS, async ({ req }) => {
    const id = req.params.id!;
    if (!(await o.registry.unitById(id))) throw new HttpError(404, 'unknown-unit', `Không có xe loa "${id}" (no unit "${id}")`);
    return settings.unitSettings(id);
  });
}
