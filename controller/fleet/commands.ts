/**
 * Commands to the carts (SPEC.md 0x08 and "Command body"): to one unit, a team or a commune — one signed command per
 * cart, each with the unit's next counter (from the `commands` table), an expiry, signed with the district key,
 * wrapped in a district frame tagged with the unit's key and sent on its `down` topic (QoS 1). The row is stored
 * before the frame leaves, so a result always finds its command; the ingest writes the result into the row.
 */
import { KeyObject } from 'node:crypto';
import type { SqliteDb } from '../../lib/sqlite.js';
import type { MqttClient } from 'mqtt';
import { signObject, unitTopic, type Command, type CommandAction } from '../../protocol/index.js';
import type { DistrictFramer } from './district-frames.js';
import { RegistryError, type FleetRegistry, type Unit } from './registry.js';

/** How a district frame reaches one unit (MQTT down topic, a serial gateway…). */
export interface UnitDownlink {
  send(unit: Unit, frame: Buffer): Promise<void>;
}

export type CommandTarget = { kind: 'unit' | 'team' | 'commune'; id: string };

export interface SendCommandRequest {
  target: CommandTarget;
  action: CommandAction;
  /** Seconds the command stays valid (1 s … 7 days). */
  ttlSeconds: number;
  /** Who asked (user name), for the record. */
  issuedBy?: string;
}

export interface SentCommand {
  unitId: string;
  counter: number;
  issued: number;
  expires: number;
  /** False when the frame could not be handed to the link (the command row stays, marked `unsent`). */
  delivered: boolean;
}

/** A command row; `state` is `no-answer` for a command still `sent` after its expiry. */
export interface CommandRow {
  unitId: string;
  counter: number;
  action: string;
  args: Record<string, unknown>;
  issued: number;
  expires: number;
  issuedBy: string | null;
  status: string;
  detail: string | null;
  resultTime: number | null;
  state: string;
}

export interface CommandServiceOptions {
  db: SqliteDb;
  registry: FleetRegistry;
  framer: DistrictFramer;
  downlink: UnitDownlink;
  /**
   * The district's Ed25519 private key, or where to read it at each signing (a `DistrictKey` fits, as for the
   * manifests): a rotation in a running controller then takes effect for the next command.
   */
  districtKey: KeyObject | { readonly privateKey: KeyObject };
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

const MAX_TTL = 7 * 24 * 3600;

export class CommandService {
  readonly #o: CommandServiceOptions;
  readonly #clock: () => number;

  constructor(options: CommandServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Signs and sends one command per active unit of the target. Throws `RegistryError` for an unknown target. */
  async sendCommand(request: SendCommandRequest): Promise<SentCommand[]> {
    const { target, action, ttlSeconds } = request;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL) {
      throw new RangeError(`ttlSeconds must be a whole number 1…${MAX_TTL}, got ${String(ttlSeconds)}`);
    }
    const units = await this.#targetUnits(target);
    const issued = Math.floor(this.#clock() / 1000);
    const expires = issued + ttlSeconds;
    const { action: name, ...args } = action;
    const source = this.#o.districtKey;
    const key = source instanceof KeyObject ? source : source.privateKey;
    const prepared = await this.#o.db.transaction(async () => {
      const out: { unit: Unit; counter: number; signed: Buffer }[] = [];
      for (const unit of units) {
        const top = await this.#o.db.get<{ n: number | null }>('SELECT max(counter) AS n FROM commands WHERE unit_id = ?', [unit.id]);
        const counter = (top?.n ?? 0) + 1;
        const command = { unit: unit.number, counter, issued, expires, ...action } as Command;
        const signed = signObject({ type: 'command', command }, key);
        await this.#o.db.run('INSERT INTO commands (unit_id, counter, action, args, issued, expires, issued_by, signed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          unit.id, counter, name, JSON.stringify(args), issued, expires, request.issuedBy ?? null, signed,
        ]);
        out.push({ unit, counter, signed });
      }
      return out;
    });
    const sent: SentCommand[] = [];
    for (const p of prepared) {
      const frame = this.#o.framer.frame(p.unit, [{ type: 'command', signed: p.signed }]);
      let delivered = true;
      try {
        await this.#o.downlink.send(p.unit, frame);
      } catch {
        delivered = false;
        await this.#o.db.transaction(() => this.#o.db.run("UPDATE commands SET status = 'unsent' WHERE unit_id = ? AND counter = ? AND status = 'sent'", [p.unit.id, p.counter]));
      }
      sent.push({ unitId: p.unit.id, counter: p.counter, issued, expires, delivered });
    }
    return sent;
  }

  /** Commands, newest first, of one unit or all. */
  async listCommands(filter: { unitId?: string; limit?: number } = {}): Promise<CommandRow[]> {
    const now = Math.floor(this.#clock() / 1000);
    const where = filter.unitId === undefined ? '' : 'WHERE unit_id = ?';
    const params = filter.unitId === undefined ? [] : [filter.unitId];
    const rows = await this.#o.db.exclusive(() =>
      this.#o.db.all<{ unit_id: string; counter: number; action: string; args: string; issued: number; expires: number; issued_by: string | null; status: string; detail: string | null; result_time: number | null }>(
        `SELECT unit_id, counter, action, args, issued, expires, issued_by, status, detail, result_time FROM commands ${where} ORDER BY issued DESC, unit_id, counter DESC LIMIT ?`,
        [...params, filter.limit ?? 1000],
      ),
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      counter: r.counter,
      action: r.action,
      args: JSON.parse(r.args) as Record<string, unknown>,
      issued: r.issued,
      expires: r.expires,
      issuedBy: r.issued_by,
      status: r.status,
      detail: r.detail,
      resultTime: r.result_time,
      state: r.status === 'sent' && r.expires < now ? 'no-answer' : r.status,
    }));
  }

  async #targetUnits(target: CommandTarget): Promise<Unit[]> {
    const registry = this.#o.registry;
    switch (target.kind) {
      case 'unit': {
        const unit = await registry.unitById(target.id);
        if (!unit) throw new RegistryError('unknown-unit', `Không có xe loa "${target.id}" (no unit "${target.id}")`);
        if (unit.retired) throw new RegistryError('retired', `Xe loa "${target.id}" đã ngừng hoạt động (unit "${target.id}" is retired)`);
        return [unit];
      }
      case 'team':
      case 'commune': {
        const units = await registry.listUnits(target.kind === 'team' ? { team: target.id } : { commune: target.id });
        if (units.length === 0) {
          const code = target.kind === 'team' ? 'unknown-team' : 'unknown-commune';
          throw new RegistryError(code, `Không có xe loa nào thuộc ${target.kind === 'team' ? 'tổ' : 'xã'} "${target.id}" (no active unit in ${target.kind} "${target.id}")`);
        }
        return units;
      }
    }
  }
}

/** The MQTT downlink: the unit's `down` topic, QoS 1. */
export function mqttDownlink(client: MqttClient, district: string): UnitDownlink {
  return {
    async send(unit, frame) {
      await client.publishAsync(unitTopic(district, unit.id, 'down'), frame, { qos: 1 });
    },
  };
}
