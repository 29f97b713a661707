/**
 * What the console's cart page and map need beside the fleet routes: a cart's battery and solar readings over one
 * Vietnam day (the per-minute samples the ingest keeps), what the ingest found wrong with its frames (unit_alerts:
 * counters gone back, record numbers reused, rate-limited), and the communes with their centres, which the map shows
 * when there is no base map.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import type { FleetRegistry } from '../fleet/registry.js';
import { listUnitAlerts } from '../fleet/unit-alerts.js';
import { HttpError, type HttpServer } from '../http/server.js';
import { vnDay, vnDayRange } from '../reports/period.js';
import { apiRoute, badField, UNIT_READERS, type SessionLookup } from './guard.js';

export interface FleetDetailRoutesOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  sessions: SessionLookup;
  /** Unix milliseconds (default `Date.now`): the day whose communes `/api/communes` lists. */
  clock?: () => number;
}

/** One minute's readings (server time, Unix seconds). */
export interface TelemetrySample {
  time: number;
  batteryMv: number | null;
  batteryMa: number | null;
  solarMv: number | null;
  solarMa: number | null;
  soc: number | null;
  playerState: string | null;
}

export function registerFleetDetailRoutes(server: HttpServer, o: FleetDetailRoutesOptions): void {
  const requireUnit = async (id: string): Promise<void> => {
    if (!(await o.registry.unitById(id))) throw new HttpError(404, 'unknown-unit', `Không có xe loa "${id}" (no unit "${id}")`);
  };

  apiRoute(server, o.sessions, 'GET', '/api/units/:id/telemetry', UNIT_READERS, async ({ req }) => {
    const id = req.params.id!;
    await requireUnit(id);
    const day = req.query.get('day') ?? '';
    const range = vnDayRange(day);
    if (!range) throw badField('day', 'a day YYYY-MM-DD (Vietnam time)', day);
    const samples = await o.db.exclusive(() =>
      o.db.all<TelemetrySample>(
        `SELECT minute * 60 AS time, battery_mv AS batteryMv, battery_ma AS batteryMa, solar_mv AS solarMv, solar_ma AS solarMa,
                soc, player_state AS playerState
           FROM telemetry_samples WHERE unit_id = ? AND minute >= ? AND minute < ? ORDER BY minute`,
        [id, Math.floor(range.start / 60), Math.ceil(range.end / 60)],
      ),
    );
    return { unit: id, day, samples };
  });

  apiRoute(server, o.sessions, 'GET', '/api/units/:id/alerts', UNIT_READERS, async ({ req }) => {
    const id = req.params.id!;
    await requireUnit(id);
    return { alerts: await listUnitAlerts(o.db, id) };
  });

  // Today's communes only (a commune merged away is no longer one on the map), with today's names and codes; a cart
  // still registered in a former commune counts for the commune it is part of now (a split one's: its team's).
  apiRoute(server, o.sessions, 'GET', '/api/communes', UNIT_READERS, async () => {
    const [history, units, teams] = await Promise.all([o.registry.communeHistory(), o.registry.listUnits(), o.registry.listTeams()]);
    const view = history.asOf(vnDay(Math.floor((o.clock ?? Date.now)() / 1000)));
    const teamCommune = new Map(teams.map((t) => [t.id, t.commune]));
    const count = new Map<string, number>();
    for (const u of units) {
      const now = view.communeOf(u.commune, teamCommune.get(u.team) ?? u.commune);
      count.set(now, (count.get(now) ?? 0) + 1);
    }
    return { communes: view.communes.map((c) => ({ id: c.id, code: c.code, name: c.name, lat: c.lat, lon: c.lon, units: count.get(c.id) ?? 0 })) };
  });
}
