/**
 * The fleet part of the JSON API: units with their last state, a unit's track of a day (GeoJSON or GPX), plays,
 * events, and commands (send and list). Described in openapi.ts.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { CLIP_ID, COMMAND_ACTIONS, EVENT_KINDS, isReleaseVersion, MAX_CONFIG_DOCUMENT, type CommandAction } from '../../protocol/index.js';
import type { CommandService, CommandTarget } from '../fleet/commands.js';
import type { FleetRegistry, Unit } from '../fleet/registry.js';
import { listUnitStates, type UnitEnergyView, type UnitStateView } from '../fleet/unit-state.js';
import { HttpError, type HttpServer } from '../http/server.js';
import { vnDayRange } from '../reports/period.js';
import { requireRole } from '../users/roles.js';
import { checkedBody, commandBody } from './bodies.js';
import { apiRoute, APPROVERS, badField, COMMAND_SENDERS, MAINTENANCE_ACTIONS, READERS, UNIT_READERS, type SessionLookup } from './guard.js';
import { choiceParam, intParam, nameParam, rangeParams } from './params.js';
import { listEvents, listPlays, trackPoints } from './queries.js';
import { trackGeoJson, trackGpx } from './track.js';

export interface FleetRoutesOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  commands: CommandService;
  sessions: SessionLookup;
  /** Seconds a command stays valid when the request gives none. */
  commandTtlSeconds: number;
  /** A unit counts as online when heard within this many seconds. */
  staleAfterSeconds: number;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** A unit as the API shows it: registry facts and last known state. */
export interface UnitView {
  id: string;
  number: number;
  commune: string;
  communeName: string;
  team: string;
  teamName: string;
  profile: string;
  /** What the unit's latest hello said, else what was written at provisioning. */
  firmware: string | null;
  provisionedAt: number;
  online: boolean;
  lastSeen: number | null;
  position: { time: number; lat: number; lon: number; quality: string | null; speed: number | null } | null;
  battery: { mv: number | null; ma: number | null; soc: number | null; solarMv: number | null; solarMa: number | null };
  playerState: string | null;
  amplifierOn: boolean | null;
  volume: number | null;
  faults: string[];
  manifestVersion: number | null;
  clipsMissing: number | null;
  outboxDepth: number | null;
  /**
   * The cart's last energy forecast: broadcast minutes left at its volume then (with the day's expected sun, and from
   * the battery alone), emergency reserve minutes, minutes to full (null: not charging), battery health % (null: not
   * learned) and `at`, the server time it arrived. Null until the cart sent one; when `online` is false it is old.
   */
  energy: UnitEnergyView | null;
}

function view(u: Unit, s: UnitStateView | undefined, communes: Map<string, string>, teams: Map<string, string>): UnitView {
  return {
    id: u.id,
    number: u.number,
    commune: u.commune,
    communeName: communes.get(u.commune) ?? u.commune,
    team: u.team,
    teamName: teams.get(u.team) ?? u.team,
    profile: u.profile,
    firmware: s?.firmware ?? u.firmware,
    provisionedAt: u.provisionedAt,
    online: s?.online ?? false,
    lastSeen: s?.lastSeen ?? null,
    position: s?.fix ? { ...s.fix, quality: s.fixQuality, speed: s.speed } : null,
    battery: { mv: s?.batteryMv ?? null, ma: s?.batteryMa ?? null, soc: s?.soc ?? null, solarMv: s?.solarMv ?? null, solarMa: s?.solarMa ?? null },
    playerState: s?.playerState ?? null,
    amplifierOn: s?.amplifierOn ?? null,
    volume: s?.volume ?? null,
    faults: s?.faults ?? [],
    manifestVersion: s?.manifestVersion ?? null,
    clipsMissing: s?.clipsMissing ?? null,
    outboxDepth: s?.outboxDepth ?? null,
    energy: s?.energy ?? null,
  };
}

/** What the unit views are read from (FleetRoutesOptions fits). */
export interface UnitViewSource {
  db: SqliteDb;
  registry: FleetRegistry;
  staleAfterSeconds: number;
}

/**
 * The views of active units with their last state at `now` (Unix seconds); with `only`, of that unit alone (its state
 * read alone). `GET /api/units` and the live stream (live.ts) both answer with these.
 */
export async function listUnitViews(o: UnitViewSource, now: number, only?: Unit): Promise<UnitView[]> {
  const list = only === undefined ? await o.registry.listUnits() : only.retired ? [] : [only];
  if (list.length === 0) return [];
  const read = { now, staleAfterSeconds: o.staleAfterSeconds, ...(only === undefined ? {} : { unitId: only.id }) };
  const states = new Map((await listUnitStates(o.db, read)).map((s) => [s.unitId, s]));
  const communes = new Map((await o.registry.listCommunes()).map((c) => [c.id, c.name]));
  const teams = new Map((await o.registry.listTeams()).map((t) => [t.id, t.name]));
  return list.map((u) => view(u, states.get(u.id), communes, teams));
}

/** What a command may be sent to: one unit, or every cart of a team or a commune. */
export { COMMAND_KINDS } from './bodies.js';

/** The protocol action of a request's `action` and `args`, every field checked. */
export function commandAction(action: unknown, args: unknown): CommandAction {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  switch (action) {
    case 'set-volume':
      if (!Number.isInteger(a.volume) || (a.volume as number) < 0 || (a.volume as number) > 100) throw badField('args.volume', 'a whole number 0–100', a.volume);
      return { action, volume: a.volume as number };
    case 'play-clip':
      if (typeof a.clip !== 'string' || !CLIP_ID.test(a.clip)) throw badField('args.clip', 'a clip id such as c-0007', a.clip);
      return { action, clip: a.clip };
    case 'set-config': {
      if (!Number.isSafeInteger(a.version) || (a.version as number) < 1) throw badField('args.version', 'the settings version, a whole number from 1', a.version);
      const doc = typeof a.document === 'object' && a.document !== null && !Array.isArray(a.document) ? JSON.stringify(a.document) : undefined;
      if (doc === undefined || Buffer.byteLength(doc) > MAX_CONFIG_DOCUMENT) throw badField('args.document', `a JSON object of at most ${MAX_CONFIG_DOCUMENT} bytes (sections policy, player, link, storage)`, a.document);
      return { action, version: a.version as number, document: doc };
    }
    case 'update':
      if (typeof a.version !== 'string' || !isReleaseVersion(a.version)) throw badField('args.version', 'a release version such as 0.2.0', a.version);
      if (a.rollback !== undefined && typeof a.rollback !== 'boolean') throw badField('args.rollback', 'true or false', a.rollback);
      return { action, version: a.version, rollback: a.rollback === true };
    case 'stop':
    case 'sync-now':
    case 'reboot':
      return { action };
    default:
      throw badField('action', COMMAND_ACTIONS.join(' | '), action);
  }
}

export function registerFleetRoutes(server: HttpServer, o: FleetRoutesOptions): void {
  const nowS = (): number => Math.floor((o.clock ?? Date.now)() / 1000);
  const get = (pattern: string, roles: typeof READERS, h: Parameters<typeof apiRoute>[5]): void => apiRoute(server, o.sessions, 'GET', pattern, roles, h);

  const units = (only?: Unit): Promise<UnitView[]> => listUnitViews(o, nowS(), only);

  async function requireUnit(id: string): Promise<Unit> {
    const unit = await o.registry.unitById(id);
    if (!unit) throw new HttpError(404, 'unknown-unit', `Không có xe loa "${id}" (no unit "${id}")`);
    return unit;
  }

  get('/api/units', UNIT_READERS, async () => ({ units: await units() }));

  get('/api/units/:id', UNIT_READERS, async ({ req }) => {
    const unit = await requireUnit(req.params.id!);
    const [found] = await units(unit);
    if (!found) throw new HttpError(404, 'unknown-unit', `Xe loa "${unit.id}" đã ngừng hoạt động (unit "${unit.id}" is retired)`);
    return found;
  });

  get('/api/units/:id/track', UNIT_READERS, async ({ req, res }) => {
    const unit = await requireUnit(req.params.id!);
    const day = req.query.get('day') ?? '';
    const range = vnDayRange(day);
    if (!range) throw badField('day', 'a day YYYY-MM-DD (Vietnam time)', day);
    const format = choiceParam(req.query, 'format', ['geojson', 'gpx'] as const, 'geojson');
    const points = await trackPoints(o.db, unit.id, range.start, range.end);
    const body =
      format === 'gpx' ? Buffer.from(trackGpx(unit.id, range, points)) : Buffer.from(JSON.stringify(trackGeoJson(unit.id, range, points)));
    res.writeHead(200, {
      'Content-Type': format === 'gpx' ? 'application/gpx+xml; charset=utf-8' : 'application/geo+json; charset=utf-8',
      'Content-Length': body.length,
      ...(format === 'gpx' ? { 'Content-Disposition': `attachment; filename="${unit.id}-${day}.gpx"` } : {}),
    });
    res.end(body);
  });

  get('/api/plays', READERS, async ({ req }) => {
    const { from, to } = rangeParams(req.query, nowS());
    const unit = nameParam(req.query, 'unit');
    const limit = intParam(req.query, 'limit', 1000, 1, 10_000);
    const plays = await listPlays(o.db, { from, to, limit, ...(unit === undefined ? {} : { unit }) });
    return { from, to, count: plays.length, truncated: plays.length === limit, plays };
  });

  get('/api/events', UNIT_READERS, async ({ req }) => {
    const { from, to } = rangeParams(req.query, nowS());
    const unit = nameParam(req.query, 'unit');
    const kindText = req.query.get('kind');
    const kind = kindText === null || kindText === '' ? undefined : choiceParam(req.query, 'kind', EVENT_KINDS, 'info');
    const limit = intParam(req.query, 'limit', 1000, 1, 10_000);
    const events = await listEvents(o.db, { from, to, limit, ...(unit === undefined ? {} : { unit }), ...(kind === undefined ? {} : { kind }) });
    return { from, to, count: events.length, truncated: events.length === limit, events };
  });

  apiRoute(server, o.sessions, 'POST', '/api/commands', COMMAND_SENDERS, async ({ req, user }) => {
    const body = await checkedBody(req, commandBody);
    const target: CommandTarget = { kind: body.target.kind, id: body.target.id };
    const action = commandAction(body.action, body.args);
    // A technician looks after the carts (sync, restart); what a cart plays and how loud stays the approvers' call.
    if (!MAINTENANCE_ACTIONS.includes(action.action)) requireRole(user!, APPROVERS, `send ${action.action}`);
    const sent = await o.commands.sendCommand({ target, action, ttlSeconds: body.ttlSeconds ?? o.commandTtlSeconds, issuedBy: user!.name });
    return { sent };
  });

  get('/api/commands', UNIT_READERS, async ({ req }) => {
    const unit = nameParam(req.query, 'unit');
    const limit = intParam(req.query, 'limit', 200, 1, 5000);
    return { commands: await o.commands.listCommands({ limit, ...(unit === undefined ? {} : { unitId: unit }) }) };
  });
}
