/**
 * The running controller's side of the rollouts (rollout.ts): a feature with start()/stop() that re-evaluates every
 * active rollout when the ingest commits a batch (a cart's `update` event or hello may have arrived) and on a timer
 * (the healthy time passes with no frame at all), and whenever the API asks it to. Evaluations run one at a time.
 *
 * Every order is an `update` command signed with the district key, one per cart with its counter, through the
 * command path (fleet/commands.ts), recorded with who asked for it. A cart's row is written before its order is
 * sent and marked after, so a controller restarted in the middle sends what was chosen and not yet sent; an order
 * the broker did not take is sent again after `retrySeconds`. The state is re-read before each order, so a stop
 * halts sending at once.
 */
import type { SendCommandRequest, SentCommand } from '../fleet/commands.js';
import type { FleetRegistry, Unit } from '../fleet/registry.js';
import { silentLogger, type Logger } from '../logger.js';
import { recordFloor, unitOutcome } from './outcomes.js';
import { ACTIVE_STATES, parseThen, unitFirmware, type Rollout, type RolloutState, type RolloutUnit, type Rollouts } from './rollout.js';

/** What the runner needs of the command path (CommandService fits). */
export interface OrderSender {
  sendCommand(request: SendCommandRequest): Promise<SentCommand[]>;
}

export interface RolloutRunnerOptions {
  rollouts: Rollouts;
  registry: FleetRegistry;
  commands: OrderSender;
  /** Emits `committed` after each ingested batch (FleetIngest fits); optional. */
  ingest?: { on(event: 'committed', listener: () => void): unknown; off(event: 'committed', listener: () => void): unknown };
  /** How often rollouts are re-evaluated without a batch, ms (default 15 s). */
  intervalMs?: number;
  /** Seconds an update order stays valid (default 3 days: a cart may be out of coverage for a while). */
  orderTtlSeconds?: number;
  /** An order the broker did not take is sent again after this many seconds (default 60). */
  retrySeconds?: number;
  logger?: Logger;
}

const SYSTEM = 'controller';

export class RolloutRunner {
  readonly #o: RolloutRunnerOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #pending = false;
  readonly #onBatch = (): void => void this.kick();

  constructor(options: RolloutRunnerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.#o.ingest?.on('committed', this.#onBatch);
    this.#timer = setInterval(() => void this.kick(), this.#o.intervalMs ?? 15_000);
    this.#timer.unref();
    await this.kick();
  }

  async stop(): Promise<void> {
    this.#o.ingest?.off('committed', this.#onBatch);
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Re-evaluates soon; resolves when an evaluation that started after this call has finished. Never throws. */
  kick(): Promise<void> {
    // One queued and not started yet will see whatever made this call.
    if (this.#pending) return this.#running;
    this.#pending = true;
    this.#running = this.#running.then(async () => {
      this.#pending = false;
      try {
        await this.evaluate();
      } catch (err) {
        this.#log.error(`rollout evaluation failed, tried again at the next batch or tick: ${(err as Error).message}`);
      }
    });
    return this.#running;
  }

  /** One pass over every active rollout: moves each as far as it can go now. */
  async evaluate(): Promise<void> {
    for (const r of await this.#o.rollouts.active()) await this.#advance(r);
  }

  async #advance(start: Rollout): Promise<void> {
    let r: Rollout | undefined = start;
    // Several steps can happen in one pass (healthy time 0: canary → waiting → rest → done).
    for (let step = 0; step < 6 && r && ACTIVE_STATES.includes(r.state); step++) {
      const before: RolloutState = r.state;
      await this.#step(r);
      r = await this.#o.rollouts.get(r.version);
      if (!r || r.state === before) return;
    }
  }

  async #step(r: Rollout): Promise<void> {
    switch (r.state) {
      case 'canary':
        await this.#sendOrders(r, 'canary');
        if (!(await this.#canaryFailed(r)) && (await this.#canaryHealthy(r))) {
          await this.#move(r, 'waiting', 'canary-healthy', `every canary runs ${r.version} healthy`, { healthySince: this.#o.rollouts.now() });
        }
        return;
      case 'waiting':
        if (await this.#canaryFailed(r)) return;
        if (this.#o.rollouts.now() - (r.healthySince ?? 0) >= r.healthySeconds) {
          if (r.pause) await this.#move(r, 'paused', 'paused', 'the canary ran healthy for the set time; waiting for resume');
          else await this.#move(r, 'rest', 'rest', `the canary ran healthy for ${r.healthySeconds} s`);
        }
        return;
      case 'rest':
        await this.#chooseRest(r);
        if (await this.#sendOrders(r, 'rest')) await this.#move(r, 'done', 'done', 'every cart of the rollout has its order');
        return;
      case 'rolling-back':
        if (await this.#sendRollbacks(r)) await this.#move(r, 'rolled-back', 'rolled-back', 'every cart that took the order was told to go back');
        return;
      case 'paused':
      case 'done':
      case 'failed':
      case 'stopped':
      case 'rolled-back':
        return;
    }
  }

  /** Changes the state only if nobody changed it meanwhile (a stop from the CLI wins over the runner). */
  async #move(r: Rollout, to: RolloutState, action: string, detail: string, extra: { healthySince?: number; reason?: string } = {}): Promise<void> {
    const db = this.#o.rollouts.db;
    await db.transaction(async () => {
      const changed = await db.run('UPDATE rollouts SET state = ?, healthy_since = coalesce(?, healthy_since), reason = coalesce(?, reason), updated_at = ? WHERE version = ? AND state = ?', [
        to, extra.healthySince ?? null, extra.reason ?? null, this.#o.rollouts.now(), r.version, r.state,
      ]);
      if (changed.changes === 1) await this.#o.rollouts.log(r.version, SYSTEM, action, detail);
    });
    this.#log.info(`rollout ${r.version}: ${r.state} → ${to} (${detail})`);
  }

  async #canaryHealthy(r: Rollout): Promise<boolean> {
    const firmware = await unitFirmware(this.#o.rollouts.db);
    for (const u of (await this.#o.rollouts.units(r.version)).filter((x) => x.stage === 'canary')) {
      const running = firmware.get(u.unitId) ?? null;
      if (running !== r.version) return false;
      // A canary on the version already when the rollout began had no order: running it is its health.
      if (u.orderedAt === null) continue;
      const o = await unitOutcome(this.#o.rollouts.db, u.unitId, r.version, u.recordFloor);
      if (!o.healthy) return false;
    }
    return true;
  }

  /** A canary that refused or rolled back fails the rollout, and nothing goes to the rest. */
  async #canaryFailed(r: Rollout): Promise<boolean> {
    for (const u of (await this.#o.rollouts.units(r.version)).filter((x) => x.stage === 'canary' && x.orderedAt !== null)) {
      const o = await unitOutcome(this.#o.rollouts.db, u.unitId, r.version, u.recordFloor);
      const why = o.rolledBack !== null ? `canary ${u.unitId} rolled back: ${o.rolledBack}` : o.refused !== null ? `canary ${u.unitId} refused: ${o.refused}` : null;
      if (why !== null) {
        await this.#move(r, 'failed', 'failed', why, { reason: why });
        return true;
      }
    }
    return false;
  }

  /** Adds the target's carts not in the rollout yet and not on the version already. */
  async #chooseRest(r: Rollout): Promise<void> {
    if (r.then === null) return;
    const then = parseThen(r.then);
    const units: Unit[] = await this.#o.registry.listUnits(then.kind === 'all' ? {} : then.kind === 'team' ? { team: then.id } : { commune: then.id });
    const firmware = await unitFirmware(this.#o.rollouts.db);
    const taken = new Set((await this.#o.rollouts.units(r.version)).map((u) => u.unitId));
    const fresh = units.filter((u) => !taken.has(u.id) && firmware.get(u.id) !== r.version);
    if (fresh.length === 0) return;
    const db = this.#o.rollouts.db;
    await db.transaction(async () => {
      for (const u of fresh) await db.run("INSERT OR IGNORE INTO rollout_units (version, unit_id, stage, record_floor) VALUES (?, ?, 'rest', 0)", [r.version, u.id]);
    });
  }

  /** Sends the orders of `stage` not sent yet (or not taken by the broker a while ago); true when none is left. */
  async #sendOrders(r: Rollout, stage: RolloutUnit['stage']): Promise<boolean> {
    const now = this.#o.rollouts.now();
    const retry = this.#o.retrySeconds ?? 60;
    const firmware = await unitFirmware(this.#o.rollouts.db);
    let left = 0;
    for (const u of (await this.#o.rollouts.units(r.version)).filter((x) => x.stage === stage)) {
      const due = u.orderedAt === null ? firmware.get(u.unitId) !== r.version : u.delivered === false && u.counter !== null && now - u.orderedAt >= retry;
      if (!due) continue;
      if (!(await this.#stillIn(r))) return false;
      const delivered = await this.#order(r, u, { version: r.version, rollback: false }, firmware.get(u.unitId) ?? null, r.createdBy);
      if (!delivered) left++;
    }
    return left === 0;
  }

  /** Tells every cart that took the order to go back to the version it ran before; true when none is left. */
  async #sendRollbacks(r: Rollout): Promise<boolean> {
    const now = this.#o.rollouts.now();
    const retry = this.#o.retrySeconds ?? 60;
    let left = 0;
    for (const u of await this.#o.rollouts.units(r.version)) {
      if (u.orderedAt === null) continue;
      const due = u.rollbackAt === null || (u.rollbackDelivered === false && now - u.rollbackAt >= retry);
      if (!due) continue;
      const o = await unitOutcome(this.#o.rollouts.db, u.unitId, r.version, u.recordFloor);
      // A cart that refused the release, or went back by itself, still runs what it ran.
      if (o.refused !== null || o.rolledBack !== null) continue;
      if (u.previous === null) {
        this.#log.warn(`rollout ${r.version}: cart ${u.unitId} reported no version before the order; it is not told to roll back`);
        continue;
      }
      if (!(await this.#stillIn(r))) return false;
      if (!(await this.#rollbackOrder(r, u, u.previous))) left++;
    }
    return left === 0;
  }

  async #stillIn(r: Rollout): Promise<boolean> {
    return (await this.#o.rollouts.get(r.version))?.state === r.state;
  }

  /** Records the cart's version and record floor, sends the signed order, records its counter. */
  async #order(r: Rollout, u: RolloutUnit, action: { version: string; rollback: boolean }, previous: string | null, by: string): Promise<boolean> {
    const db = this.#o.rollouts.db;
    const floor = u.orderedAt === null ? await recordFloor(db, u.unitId) : u.recordFloor;
    const keep = u.orderedAt === null ? previous : u.previous;
    const now = this.#o.rollouts.now();
    await db.transaction(() => db.run('UPDATE rollout_units SET previous = ?, record_floor = ?, ordered_at = ? WHERE version = ? AND unit_id = ?', [keep, floor, now, r.version, u.unitId]));
    const sent = await this.#send(u.unitId, action, by);
    await db.transaction(() => db.run('UPDATE rollout_units SET counter = ?, delivered = ? WHERE version = ? AND unit_id = ?', [sent?.counter ?? null, sent?.delivered ? 1 : 0, r.version, u.unitId]));
    // No command at all (the cart was retired meanwhile): sending again would not help, the others go on.
    return sent?.delivered ?? true;
  }

  async #rollbackOrder(r: Rollout, u: RolloutUnit, previous: string): Promise<boolean> {
    const db = this.#o.rollouts.db;
    await db.transaction(() => db.run('UPDATE rollout_units SET rollback_at = ? WHERE version = ? AND unit_id = ?', [this.#o.rollouts.now(), r.version, u.unitId]));
    const sent = await this.#send(u.unitId, { version: previous, rollback: true }, r.updatedBy);
    await db.transaction(() => db.run('UPDATE rollout_units SET rollback_counter = ?, rollback_delivered = ? WHERE version = ? AND unit_id = ?', [sent?.counter ?? null, sent?.delivered ? 1 : 0, r.version, u.unitId]));
    return sent?.delivered ?? false;
  }

  async #send(unitId: string, action: { version: string; rollback: boolean }, by: string): Promise<SentCommand | undefined> {
    try {
      const [sent] = await this.#o.commands.sendCommand({ target: { kind: 'unit', id: unitId }, action: { action: 'update', ...action }, ttlSeconds: this.#o.orderTtlSeconds ?? 3 * 86_400, issuedBy: by });
      return sent;
    } catch (err) {
      // A cart retired since it was chosen: its order is left unsent, the others go on.
      this.#log.warn(`rollout: no update order for ${unitId}: ${(err as Error).message}`);
      return undefined;
    }
  }
}
