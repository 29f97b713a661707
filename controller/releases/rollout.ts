/**
 * Staged rollouts of a stored release (issue #15): what people ask for, kept in the database, and what each cart
 * answered. A rollout names the release's version, the canary carts, the rest (`commune:ID`, `team:ID` or `all`; none
 * = the canary alone), how long the canary must run healthy, and whether to pause after it. Its states:
 *
 *   canary ──(every canary healthy on the version)──► waiting ──(healthy for the set time)──► rest ──► done
 *     │                                                 │  └─(--pause)──► paused ──(resume)──┘
 *     └──(a canary refuses or rolls back)──► failed ◄───┘
 *   canary | waiting | paused | rest ──(stop)──► stopped
 *   any but rolling-back ──(rollback)──► rolling-back ──(every cart that took the order told to go back)──► rolled-back
 *
 * This file changes the rows only (a CLI on the office machine may call it beside a running controller); the
 * running controller's RolloutRunner (runner.ts) signs and sends the orders, through the command path, so that the
 * district frames' counters stay the controller's alone.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { isReleaseVersion, TOPIC_NAME } from '../../protocol/index.js';
import type { FleetRegistry } from '../fleet/registry.js';
import { ReleaseError, type ReleaseStore } from './store.js';

export const ROLLOUT_STATES = ['canary', 'waiting', 'paused', 'rest', 'done', 'failed', 'stopped', 'rolling-back', 'rolled-back'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
/** The states in which a rollout still has something to do. */
export const ACTIVE_STATES: readonly RolloutState[] = ['canary', 'waiting', 'paused', 'rest', 'rolling-back'];
/** The states from which a new rollout of the same version may start over. */
const FINISHED: readonly RolloutState[] = ['failed', 'stopped', 'rolled-back'];

export const DEFAULT_HEALTHY_MINUTES = 30;
const MAX_HEALTHY_MINUTES = 7 * 24 * 60;

export interface RolloutRequest {
  version: string;
  canary: readonly string[];
  /** `commune:ID`, `team:ID`, `all`, or null/undefined for the canary alone. */
  then?: string | null;
  pause?: boolean;
  healthyMinutes?: number;
}

export interface Rollout {
  version: string;
  canary: string[];
  then: string | null;
  healthySeconds: number;
  pause: boolean;
  state: RolloutState;
  reason: string | null;
  /** Controller time (Unix s) every canary was first seen healthy. */
  healthySince: number | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

/** One cart's order in a rollout. */
export interface RolloutUnit {
  unitId: string;
  stage: 'canary' | 'rest';
  previous: string | null;
  recordFloor: number;
  orderedAt: number | null;
  counter: number | null;
  delivered: boolean | null;
  rollbackAt: number | null;
  rollbackCounter: number | null;
  rollbackDelivered: boolean | null;
}

export type ThenTarget = { kind: 'commune' | 'team'; id: string } | { kind: 'all' };

/** `commune:ID`, `team:ID` or `all`. */
export function parseThen(text: string): ThenTarget {
  if (text === 'all') return { kind: 'all' };
  const m = /^(commune|team):(.+)$/.exec(text);
  if (m === null || !TOPIC_NAME.test(m[2]!)) {
    throw new ReleaseError('bad-request', `--then ${text}: cần commune:MÃ, team:MÃ hoặc all`, `--then ${text}: must be commune:ID, team:ID or all`);
  }
  return { kind: m[1] as 'commune' | 'team', id: m[2]! };
}

interface RolloutRow {
  version: string;
  canary: string;
  then_target: string | null;
  healthy_seconds: number;
  pause: number;
  state: RolloutState;
  reason: string | null;
  healthy_since: number | null;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

interface UnitRow {
  unit_id: string;
  stage: 'canary' | 'rest';
  previous: string | null;
  record_floor: number;
  ordered_at: number | null;
  counter: number | null;
  delivered: number | null;
  rollback_at: number | null;
  rollback_counter: number | null;
  rollback_delivered: number | null;
}

const flag = (v: number | null): boolean | null => (v === null ? null : v !== 0);

function toRollout(r: RolloutRow): Rollout {
  return {
    version: r.version,
    canary: JSON.parse(r.canary) as string[],
    then: r.then_target,
    healthySeconds: r.healthy_seconds,
    pause: r.pause !== 0,
    state: r.state,
    reason: r.reason,
    healthySince: r.healthy_since,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

function toUnit(r: UnitRow): RolloutUnit {
  return {
    unitId: r.unit_id,
    stage: r.stage,
    previous: r.previous,
    recordFloor: r.record_floor,
    orderedAt: r.ordered_at,
    counter: r.counter,
    delivered: flag(r.delivered),
    rollbackAt: r.rollback_at,
    rollbackCounter: r.rollback_counter,
    rollbackDelivered: flag(r.rollback_delivered),
  };
}

/** The version each active cart runs: its latest hello's, else the one written at provisioning. */
export async function unitFirmware(db: SqliteDb): Promise<Map<string, string | null>> {
  const rows = await db.exclusive(() =>
    db.all<{ id: string; firmware: string | null }>(
      `SELECT u.id, coalesce((SELECT h.firmware FROM hellos h WHERE h.unit_id = u.id ORDER BY h.record DESC LIMIT 1), u.firmware) AS firmware
         FROM units u WHERE u.retired = 0 ORDER BY u.number`,
    ),
  );
  return new Map(rows.map((r) => [r.id, r.firmware]));
}

export interface RolloutsOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  releases: ReleaseStore;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** The rollout rows: requests (start, resume, stop, rollback) and reads. */
export class Rollouts {
  readonly #o: RolloutsOptions;
  readonly #clock: () => number;

  constructor(options: RolloutsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  get db(): SqliteDb {
    return this.#o.db;
  }

  now(): number {
    return Math.floor(this.#clock() / 1000);
  }

  /** Starts a rollout in state `canary` (the runner sends the canary's orders). */
  async start(r: RolloutRequest, by: string): Promise<Rollout> {
    const version = await this.#storedVersion(r.version);
    const canary = [...new Set(r.canary)];
    if (canary.length === 0) throw new ReleaseError('bad-request', 'cần ít nhất một xe thử: --canary MÃ_XE[,MÃ_XE]', 'needs at least one canary cart: --canary UNIT[,UNIT]');
    for (const id of canary) {
      const unit = await this.#o.registry.unitById(id);
      if (!unit || unit.retired) throw new ReleaseError('unknown-unit', `không có xe loa đang hoạt động "${id}"`, `there is no active cart "${id}"`);
    }
    const then = r.then === undefined || r.then === null || r.then === '' ? null : r.then;
    if (then !== null) parseThen(then);
    const minutes = r.healthyMinutes ?? DEFAULT_HEALTHY_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_HEALTHY_MINUTES) {
      throw new ReleaseError('bad-request', `--healthy-minutes ${String(minutes)}: cần số nguyên 0–${MAX_HEALTHY_MINUTES}`, `--healthy-minutes ${String(minutes)}: must be a whole number 0–${MAX_HEALTHY_MINUTES}`);
    }
    const db = this.#o.db;
    const now = this.now();
    await db.transaction(async () => {
      const active = await db.get<{ version: string; state: string }>(`SELECT version, state FROM rollouts WHERE state IN (${ACTIVE_STATES.map(() => '?').join(', ')})`, [...ACTIVE_STATES]);
      if (active) {
        throw new ReleaseError('state', `đang có đợt cập nhật ${active.version} (${active.state}): dừng nó trước (loa release stop ${active.version})`, `rollout ${active.version} is under way (${active.state}): stop it first (loa release stop ${active.version})`);
      }
      const old = await db.get<{ state: RolloutState }>('SELECT state FROM rollouts WHERE version = ?', [version]);
      if (old && !FINISHED.includes(old.state)) {
        throw new ReleaseError('state', `đợt cập nhật ${version} đã ${old.state}`, `rollout ${version} is ${old.state} already`);
      }
      if (old) await db.run('DELETE FROM rollouts WHERE version = ?', [version]);
      await db.run(
        `INSERT INTO rollouts (version, canary, then_target, healthy_seconds, pause, state, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, 'canary', ?, ?, ?, ?)`,
        [version, JSON.stringify(canary), then, minutes * 60, r.pause ? 1 : 0, now, by, now, by],
      );
      for (const id of canary) await db.run(`INSERT INTO rollout_units (version, unit_id, stage, record_floor) VALUES (?, ?, 'canary', 0)`, [version, id]);
      await this.log(version, by, 'start', `canary ${canary.join(',')}; then ${then ?? '—'}; healthy ${minutes} min${r.pause ? '; pause' : ''}`);
    });
    return (await this.get(version))!;
  }

  /** Lets a paused rollout (or one that was to pause) go on to the rest. */
  async resume(version: string, by: string): Promise<Rollout> {
    return this.#change(version, by, 'resume', (r) => {
      if (r.state === 'paused') return { state: 'rest', pause: 0 };
      if ((r.state === 'canary' || r.state === 'waiting') && r.pause) return { pause: 0 };
      return null;
    });
  }

  /** Halts sending: no order of this rollout leaves after this. */
  async stop(version: string, by: string): Promise<Rollout> {
    return this.#change(version, by, 'stop', (r) => (['canary', 'waiting', 'paused', 'rest'].includes(r.state) ? { state: 'stopped', reason: `stopped by ${by}` } : null));
  }

  /** Stops the rollout and has the runner send every cart that took it back to the version it ran before. */
  async rollback(version: string, by: string): Promise<Rollout> {
    return this.#change(version, by, 'rollback', (r) => (r.state === 'rolling-back' || r.state === 'rolled-back' ? null : { state: 'rolling-back', reason: `rollback by ${by}` }));
  }

  async #change(version: string, by: string, action: string, next: (r: Rollout) => { state?: RolloutState; pause?: number; reason?: string } | null): Promise<Rollout> {
    const db = this.#o.db;
    await db.transaction(async () => {
      const row = await db.get<RolloutRow>('SELECT * FROM rollouts WHERE version = ?', [version]);
      if (!row) throw noRollout(version);
      const r = toRollout(row);
      const change = next(r);
      if (change === null) {
        throw new ReleaseError('state', `không thể ${action} đợt cập nhật ${version} đang ở trạng thái ${r.state}`, `cannot ${action} rollout ${version}: it is ${r.state}`);
      }
      await db.run('UPDATE rollouts SET state = ?, pause = ?, reason = ?, updated_at = ?, updated_by = ? WHERE version = ?', [
        change.state ?? r.state, change.pause ?? (r.pause ? 1 : 0), change.reason ?? r.reason, this.now(), by, version,
      ]);
      await this.log(version, by, action, `${r.state} → ${change.state ?? r.state}`);
    });
    return (await this.get(version))!;
  }

  /** Writes one line of the rollout's record (inside the caller's transaction). */
  async log(version: string, by: string, action: string, detail: string): Promise<void> {
    await this.#o.db.run('INSERT INTO rollout_log (version, time, by, action, detail) VALUES (?, ?, ?, ?, ?)', [version, this.now(), by, action, detail]);
  }

  async get(version: string): Promise<Rollout | undefined> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<RolloutRow>('SELECT * FROM rollouts WHERE version = ?', [version]));
    return row && toRollout(row);
  }

  /** Every rollout, the newest first. */
  async list(): Promise<Rollout[]> {
    const db = this.#o.db;
    return (await db.exclusive(() => db.all<RolloutRow>('SELECT * FROM rollouts ORDER BY created_at DESC, version DESC'))).map(toRollout);
  }

  async active(): Promise<Rollout[]> {
    return (await this.list()).filter((r) => ACTIVE_STATES.includes(r.state));
  }

  async units(version: string): Promise<RolloutUnit[]> {
    const db = this.#o.db;
    const rows = await db.exclusive(() => db.all<UnitRow>("SELECT * FROM rollout_units WHERE version = ? ORDER BY stage = 'rest', unit_id", [version]));
    return rows.map(toUnit);
  }

  /** The rollout's record, oldest first. */
  async history(version: string): Promise<{ time: number; by: string; action: string; detail: string }[]> {
    const db = this.#o.db;
    return db.exclusive(() => db.all('SELECT time, by, action, detail FROM rollout_log WHERE version = ? ORDER BY id', [version]));
  }

  async #storedVersion(version: string): Promise<string> {
    if (!isReleaseVersion(version) || !(await this.#o.releases.has(version))) {
      throw new ReleaseError('unknown-release', `chưa có bản phát hành ${version}: thêm nó trước (loa release add TỆP)`, `release ${version} is not stored: add it first (loa release add FILE)`);
    }
    return version;
  }
}

export function noRollout(version: string): ReleaseError {
  return new ReleaseError('unknown-release', `không có đợt cập nhật ${version} (loa release rollout ${version} --canary MÃ_XE)`, `there is no rollout of ${version} (loa release rollout ${version} --canary UNIT)`);
}
