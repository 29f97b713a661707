/**
 * What each cart of a rollout answered, read from its `update` events (durable, ingested like every event) that came
 * after the order — records numbered above the cart's highest record when the order was signed, so an answer to an
 * older rollout of the same version is not taken for this one's — and from the firmware its latest hello names.
 *
 *   refused       `<version>: <code>: <message>`
 *   installed     `<version>`
 *   healthy       `<version>`
 *   rolled-back   `<version>: <reason>`
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { unitFirmware, type Rollout, type Rollouts, type RolloutUnit } from './rollout.js';

export type UnitRolloutState = 'pending' | 'ordered' | 'unsent' | 'up-to-date' | 'installed' | 'healthy' | 'refused' | 'rolled-back' | 'rollback-ordered' | 'rollback-unsent';

export interface UnitOutcome {
  installed: boolean;
  healthy: boolean;
  refused: string | null;
  rolledBack: string | null;
}

/** One cart in a rollout's view: its order, what it runs, and where it stands. */
export interface RolloutUnitView extends RolloutUnit {
  firmware: string | null;
  state: UnitRolloutState;
  /** The refusal or the rollback's reason, as the cart said it. */
  detail: string | null;
}

/** The highest record stored of a unit (0 before its first): later records answer an order signed now. */
export async function recordFloor(db: SqliteDb, unitId: string): Promise<number> {
  const row = await db.exclusive(() =>
    db.get<{ n: number | null }>(
      `SELECT max(n) AS n FROM (SELECT max(record) AS n FROM records WHERE unit_id = ?1
        UNION ALL SELECT max(record) FROM events WHERE unit_id = ?1 UNION ALL SELECT max(record) FROM hellos WHERE unit_id = ?1)`,
      [unitId],
    ),
  );
  return row?.n ?? 0;
}

function forVersion(detail: string, version: string): string | null {
  if (detail === version) return '';
  return detail.startsWith(`${version}: `) ? detail.slice(version.length + 2) : null;
}

/** What `unitId` said about `version` since record `floor`. */
export async function unitOutcome(db: SqliteDb, unitId: string, version: string, floor: number): Promise<UnitOutcome> {
  const events = await db.exclusive(() =>
    db.all<{ code: string; detail: string }>("SELECT code, detail FROM events WHERE unit_id = ? AND kind = 'update' AND record > ? ORDER BY record", [unitId, floor]),
  );
  const out: UnitOutcome = { installed: false, healthy: false, refused: null, rolledBack: null };
  for (const e of events) {
    const rest = forVersion(e.detail, version);
    if (rest === null) continue;
    if (e.code === 'installed') out.installed = true;
    else if (e.code === 'healthy') out.healthy = true;
    else if (e.code === 'refused') out.refused = rest || 'refused';
    else if (e.code === 'rolled-back') out.rolledBack = rest || 'rolled back';
  }
  return out;
}

function stateOf(u: RolloutUnit, version: string, firmware: string | null, o: UnitOutcome): UnitRolloutState {
  if (u.rollbackAt !== null) return u.rollbackDelivered === false ? 'rollback-unsent' : 'rollback-ordered';
  if (o.rolledBack !== null) return 'rolled-back';
  if (o.refused !== null) return 'refused';
  if (u.orderedAt === null) return firmware === version ? 'up-to-date' : 'pending';
  if (o.healthy && firmware === version) return 'healthy';
  if (o.installed) return 'installed';
  return u.delivered === false ? 'unsent' : 'ordered';
}

/** Every cart of the rollout with its state; `firmware` from {@link unitFirmware} when the caller has it. */
export async function rolloutUnitViews(db: SqliteDb, rollout: Rollout, units: readonly RolloutUnit[], firmware?: Map<string, string | null>): Promise<RolloutUnitView[]> {
  const running = firmware ?? (await unitFirmware(db));
  const views: RolloutUnitView[] = [];
  for (const u of units) {
    const fw = running.get(u.unitId) ?? null;
    const o = await unitOutcome(db, u.unitId, rollout.version, u.recordFloor);
    views.push({ ...u, firmware: fw, state: stateOf(u, rollout.version, fw, o), detail: o.rolledBack ?? o.refused });
  }
  return views;
}

/** A rollout as the API, the console and `loa release status` show it: its state, each cart, its record. */
export interface RolloutStatus {
  rollout: Rollout;
  units: RolloutUnitView[];
  history: { time: number; by: string; action: string; detail: string }[];
}

export async function rolloutStatus(rollouts: Rollouts, version: string): Promise<RolloutStatus | undefined> {
  const rollout = await rollouts.get(version);
  if (!rollout) return undefined;
  const units = await rolloutUnitViews(rollouts.db, rollout, await rollouts.units(version));
  return { rollout, units, history: await rollouts.history(version) };
}
