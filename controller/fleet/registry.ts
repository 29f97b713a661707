/**
 * The district's registry: communes, their teams and members, and the units (carts) with their keys. Adding a unit
 * assigns the next unit number (numbers are never reused, retired units keep theirs), makes its 32-byte key and its
 * MQTT password, and stores the password only as hashes (passwords.ts); the plain password is returned once. It also
 * stores the district origin the unit was registered with: its cart encodes fixes from it, and the ingest reads
 * them from it.
 */
import { randomBytes } from 'node:crypto';
import type { SqliteDb } from '../../lib/sqlite.js';
import { NO_ORIGIN, originProblem, TOPIC_NAME, toOrigin, UNIT_KEY_LENGTH, type DistrictOrigin, type ReplayState } from '../../protocol/index.js';
import { vnDay } from '../reports/period.js';
import { CommuneHistory } from './commune-history.js';
import { checkCommune, COMMUNE_COLUMNS, importCommunes, insertCommune, mergeCommunes, renameCommune, type ImportResult, type NewCommune } from './commune-registry.js';
import { hashPassword, mosquittoHash, newPassword, verifyPassword } from './passwords.js';
import {
  RegistryError,
  type Commune,
  type CommuneName,
  type CommuneSuccession,
  type Member,
  type MemberRole,
  type Team,
  type Unit,
  type UnitCredentials,
} from './registry-types.js';

export * from './registry-types.js';
export type { ImportResult, NewCommune } from './commune-registry.js';
export { CommuneHistory, type CommuneInfo, type CommuneView } from './commune-history.js';

export interface FleetRegistryOptions {
  db: SqliteDb;
  /**
   * The district origin stored with every unit registered from now on (the configuration's `district.origin`).
   * Default 0, 0: fixes then travel as whole positions, which is right but longer.
   */
  origin?: DistrictOrigin;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

interface UnitRow {
  id: string;
  number: number;
  commune_id: string;
  team_id: string;
  profile: string;
  firmware: string | null;
  provisioned_at: number;
  unit_key: Buffer;
  origin_lat: number;
  origin_lon: number;
  retired: number;
}

const UNIT_COLUMNS = 'id, number, commune_id, team_id, profile, firmware, provisioned_at, unit_key, origin_lat, origin_lon, retired';

function toUnit(r: UnitRow): Unit {
  return {
    id: r.id,
    number: r.number,
    commune: r.commune_id,
    team: r.team_id,
    profile: r.profile,
    firmware: r.firmware,
    provisionedAt: r.provisioned_at,
    key: Buffer.from(r.unit_key),
    origin: { lat: r.origin_lat, lon: r.origin_lon },
    retired: r.retired !== 0,
  };
}

function checkId(what: string, id: unknown): string {
  if (typeof id !== 'string' || !TOPIC_NAME.test(id)) {
    throw new RegistryError('bad-id', `${what} ${JSON.stringify(id)}: chỉ dùng a-z, 0-9 và - (1–32 ký tự) (${what} may only use a-z, 0-9 and -, 1–32 long)`);
  }
  return id;
}

function checkText(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export class FleetRegistry {
  readonly #db: SqliteDb;
  readonly #clock: () => number;
  readonly #origin: DistrictOrigin;
  /** A hash to check unknown units' passwords against (see verifyUnitPassword). */
  #decoy: Promise<string> | undefined;

  constructor(options: FleetRegistryOptions) {
    const problem = options.origin === undefined ? null : originProblem(options.origin);
    if (problem !== null) throw new RangeError(`origin: ${problem}`);
    this.#db = options.db;
    this.#clock = options.clock ?? Date.now;
    this.#origin = options.origin === undefined ? NO_ORIGIN : toOrigin(options.origin);
  }

  /** A commune, with its official code and kind when known; a commune made by a merger exists from `sinceDay`. */
  async addCommune(c: NewCommune): Promise<Commune> {
    const commune = checkCommune(c);
    await this.#db.transaction(() => insertCommune(this.#db, commune));
    return commune;
  }

  /** Every commune ever registered, current and former, by id (names as registered: see {@link communeNames}). */
  listCommunes(): Promise<Commune[]> {
    return this.#db.exclusive(() => this.#db.all<Commune>(`SELECT ${COMMUNE_COLUMNS} FROM communes ORDER BY id`));
  }

  /** Former → current rows (mergers), by former commune. */
  communeSuccessions(): Promise<CommuneSuccession[]> {
    return this.#db.exclusive(() =>
      this.#db.all<CommuneSuccession>('SELECT former_id AS former, current_id AS current, from_day AS fromDay FROM commune_successions ORDER BY former_id, current_id'),
    );
  }

  /** Later names (renamings), by commune and day. */
  communeNames(): Promise<CommuneName[]> {
    return this.#db.exclusive(() => this.#db.all<CommuneName>('SELECT commune_id AS commune, from_day AS fromDay, name FROM commune_names ORDER BY commune_id, from_day'));
  }

  /** The communes' whole history, to ask how things stood on any day (commune-history.ts). */
  communeHistory(): Promise<CommuneHistory> {
    return this.#db.exclusive(() => CommuneHistory.read(this.#db));
  }

  /**
   * Each of `from` is part of `into` from the local day `onDay` on (a merger). Ids stay: carts keep the id they carry,
   * manifests reach them through their current commune, reports group them under it for periods ending from then.
   */
  mergeCommunes(m: { into: string; from: readonly string[]; onDay: number }): Promise<void> {
    return mergeCommunes(this.#db, m);
  }

  /** Commune `id` is called `name` from the local day `onDay` on; reports of earlier periods keep the old name. */
  renameCommune(r: { id: string; name: string; onDay: number }): Promise<void> {
    return renameCommune(this.#db, r);
  }

  /** Imports a commune CSV file (commune-csv.ts), whole or not at all. */
  importCommunes(csv: string): Promise<ImportResult> {
    return importCommunes(this.#db, csv);
  }

  /**
   * A team of a commune; `formerCommune` when it works in one of the communes merged into it ("one team per former
   * commune"). A commune merged into another by now takes no new team: add it to the current commune.
   */
  async addTeam(t: { id: string; commune: string; name: string; formerCommune?: string | undefined }): Promise<Team> {
    const team: Team = { id: checkId('team', t.id), commune: checkId('commune', t.commune), name: checkText('name', t.name), formerCommune: t.formerCommune ?? null };
    const today = vnDay(Math.floor(this.#clock() / 1000));
    await this.#db.transaction(async () => {
      await this.#requireCommune(team.commune);
      if (await this.#db.get('SELECT 1 FROM teams WHERE id = ?', [team.id])) {
        throw new RegistryError('exists', `Đã có tổ "${team.id}" (team "${team.id}" already exists)`);
      }
      const history = await CommuneHistory.read(this.#db);
      const now = history.asOf(today).currentOf.get(team.commune)!;
      if (now !== team.commune) {
        throw new RegistryError('not-current', `Xã "${team.commune}" đã sáp nhập vào "${now}": thêm tổ vào xã "${now}", ghi "${team.commune}" là xã cũ của tổ (commune "${team.commune}" is now part of "${now}": add the team to "${now}" with "${team.commune}" as its former commune)`);
      }
      if (team.formerCommune !== null && !history.reaches(team.formerCommune, team.commune)) {
        throw new RegistryError('not-former', `Xã "${team.formerCommune}" không phải xã cũ đã sáp nhập vào "${team.commune}" (commune "${team.formerCommune}" was not merged into "${team.commune}")`);
      }
      await this.#db.run('INSERT INTO teams (id, commune_id, name, former_commune_id) VALUES (?, ?, ?, ?)', [team.id, team.commune, team.name, team.formerCommune]);
    });
    return team;
  }

  /** Teams by id; with `commune`, the teams registered in it. */
  listTeams(commune?: string): Promise<Team[]> {
    const where = commune === undefined ? '' : 'WHERE commune_id = ?';
    return this.#db.exclusive(() =>
      this.#db.all<Team>(`SELECT id, commune_id AS commune, name, former_commune_id AS formerCommune FROM teams ${where} ORDER BY id`, commune === undefined ? [] : [commune]),
    );
  }

  async addMember(m: { team: string; name: string; role?: MemberRole; phone?: string }): Promise<Member> {
    const role = m.role ?? 'member';
    if (role !== 'leader' && role !== 'member') throw new RangeError(`role must be leader or member, got ${JSON.stringify(role)}`);
    const name = checkText('name', m.name);
    const id = await this.#db.transaction(async () => {
      await this.#requireTeam(m.team);
      const r = await this.#db.run('INSERT INTO members (team_id, name, role, phone) VALUES (?, ?, ?, ?)', [m.team, name, role, m.phone ?? null]);
      return r.lastId;
    });
    return { id, team: m.team, name, role, phone: m.phone ?? null };
  }

  listMembers(team?: string): Promise<Member[]> {
    const where = team === undefined ? '' : 'WHERE team_id = ?';
    return this.#db.exclusive(() =>
      this.#db.all<Member>(`SELECT id, team_id AS team, name, role, phone FROM members ${where} ORDER BY id`, team === undefined ? [] : [team]),
    );
  }

  /**
   * Registers a cart: the next unit number, a fresh 32-byte key and MQTT password, and the registry's district
   * origin. The password is returned here and nowhere else; only its scrypt hash (embedded broker) and Mosquitto
   * hash are stored.
   */
  async addUnit(u: { id: string; commune: string; team: string; profile: string; firmware?: string }): Promise<UnitCredentials> {
    const id = checkId('unit', u.id);
    const profile = checkText('profile', u.profile);
    const password = newPassword();
    const scryptHash = await hashPassword(password);
    const now = Math.floor(this.#clock() / 1000);
    const key = randomBytes(UNIT_KEY_LENGTH);
    const origin = { ...this.#origin };
    const unit = await this.#db.transaction(async () => {
      const team = await this.#requireTeam(u.team);
      if (team.commune_id !== u.commune) {
        throw new RegistryError('wrong-commune', `Tổ "${u.team}" thuộc xã "${team.commune_id}", không phải "${u.commune}" (team "${u.team}" belongs to commune "${team.commune_id}")`);
      }
      if (await this.#db.get('SELECT 1 FROM units WHERE id = ?', [id])) {
        throw new RegistryError('exists', `Đã có xe loa "${id}" (unit "${id}" already exists): chọn tên khác`);
      }
      const top = await this.#db.get<{ n: number | null }>('SELECT max(number) AS n FROM units');
      const number = (top?.n ?? 0) + 1;
      await this.#db.run(
        'INSERT INTO units (id, number, commune_id, team_id, profile, firmware, provisioned_at, unit_key, origin_lat, origin_lon, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, number, u.commune, u.team, profile, u.firmware ?? null, now, key, origin.lat, origin.lon, scryptHash],
      );
      await this.#db.run('INSERT INTO unit_broker_credentials (unit_id, mosquitto_hash, changed_at) VALUES (?, ?, ?)', [id, mosquittoHash(password), now]);
      await this.#db.run('INSERT INTO unit_state (unit_id) VALUES (?)', [id]);
      return { id, number, commune: u.commune, team: u.team, profile, firmware: u.firmware ?? null, provisionedAt: now, key, origin, retired: false };
    });
    return { unit, password };
  }

  /** A new MQTT password for a unit (a lost provisioning bundle): returned once, the old one stops working. */
  async resetUnitPassword(id: string): Promise<UnitCredentials> {
    const password = newPassword();
    const scryptHash = await hashPassword(password);
    const now = Math.floor(this.#clock() / 1000);
    const unit = await this.#db.transaction(async () => {
      const unit = await this.#requireUnit(id);
      await this.#db.run('UPDATE units SET password_hash = ? WHERE id = ?', [scryptHash, id]);
      await this.#db.run('UPDATE unit_broker_credentials SET mosquitto_hash = ?, changed_at = ? WHERE unit_id = ?', [mosquittoHash(password), now, id]);
      return unit;
    });
    return { unit, password };
  }

  /**
   * True when `password` is the unit's MQTT password and the unit is not retired. An unknown unit costs the same
   * scrypt (against a decoy hash) as a wrong password, so that the time of a refusal does not tell which carts exist.
   */
  async verifyUnitPassword(id: string, password: string): Promise<boolean> {
    const row = await this.#db.exclusive(() => this.#db.get<{ password_hash: string; retired: number }>('SELECT password_hash, retired FROM units WHERE id = ?', [id]));
    const ok = await verifyPassword(password, row?.password_hash ?? (await (this.#decoy ??= hashPassword(newPassword()))));
    return ok && row !== undefined && row.retired === 0;
  }

  async unitById(id: string): Promise<Unit | undefined> {
    const row = await this.#db.exclusive(() => this.#db.get<UnitRow>(`SELECT ${UNIT_COLUMNS} FROM units WHERE id = ?`, [id]));
    return row && toUnit(row);
  }

  async unitByNumber(n: number): Promise<Unit | undefined> {
    const row = await this.#db.exclusive(() => this.#db.get<UnitRow>(`SELECT ${UNIT_COLUMNS} FROM units WHERE number = ?`, [n]));
    return row && toUnit(row);
  }

  /**
   * The highest boot and the highest record number stored for a unit (0 when none), for its provisioning bundle: a
   * cart provisioned with them boots and numbers its records above them (protocol/bundle.ts, `highWater`).
   */
  async highWater(id: string): Promise<{ boot: number; record: number }> {
    return this.#db.exclusive(async () => {
      await this.#requireUnit(id);
      const state = await this.#db.get<{ boot: number | null; replay_state: string | null }>('SELECT boot, replay_state FROM unit_state WHERE unit_id = ?', [id]);
      const top = await this.#db.get<{ record: number | null }>('SELECT max(record) AS record FROM records WHERE unit_id = ?', [id]);
      const replayBoot = state?.replay_state ? (JSON.parse(state.replay_state) as ReplayState).boot : 0;
      return { boot: Math.max(state?.boot ?? 0, replayBoot), record: top?.record ?? 0 };
    });
  }

  /**
   * Units, by number; retired ones only when asked; narrowed to a team or a commune when given. A commune's units are
   * today's: its own carts and those of the communes merged into it (their carts keep the former id; a split former
   * commune's carts follow their team).
   */
  async listUnits(filter: { team?: string; commune?: string; includeRetired?: boolean } = {}): Promise<Unit[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (!filter.includeRetired) where.push('retired = 0');
    if (filter.team !== undefined) (where.push('team_id = ?'), params.push(filter.team));
    const today = vnDay(Math.floor(this.#clock() / 1000));
    return this.#db.exclusive(async () => {
      const view = filter.commune === undefined ? undefined : (await CommuneHistory.read(this.#db)).asOf(today);
      if (view !== undefined) (where.push('commune_id IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(view.membersOf(filter.commune!))));
      const sql = `SELECT ${UNIT_COLUMNS}, (SELECT commune_id FROM teams WHERE teams.id = units.team_id) AS team_commune
        FROM units ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY number`;
      const rows = await this.#db.all<UnitRow & { team_commune: string }>(sql, params);
      const split = view !== undefined && view.currentOf.get(filter.commune!) === filter.commune;
      return rows.filter((r) => !split || view.communeOf(r.commune_id, r.team_commune) === filter.commune).map(toUnit);
    });
  }

  /** Mosquitto password-file hashes of the active units (retired units are left out, so they cannot log in). */
  brokerAccounts(): Promise<{ id: string; mosquittoHash: string }[]> {
    return this.#db.exclusive(() =>
      this.#db.all<{ id: string; mosquittoHash: string }>(
        'SELECT u.id AS id, c.mosquitto_hash AS mosquittoHash FROM units u JOIN unit_broker_credentials c ON c.unit_id = u.id WHERE u.retired = 0 ORDER BY u.number',
      ),
    );
  }

  /** Retires a unit: it can no longer log in, and its frames are dropped. Its number and history stay. */
  async retireUnit(id: string): Promise<void> {
    await this.#db.transaction(async () => {
      await this.#requireUnit(id);
      await this.#db.run('UPDATE units SET retired = 1 WHERE id = ?', [id]);
    });
  }

  async #requireCommune(id: string): Promise<void> {
    if (!(await this.#db.get('SELECT 1 FROM communes WHERE id = ?', [id]))) {
      throw new RegistryError('unknown-commune', `Không có xã "${id}": thêm xã trước (no commune "${id}": add it first)`);
    }
  }

  async #requireTeam(id: string): Promise<{ commune_id: string }> {
    const team = await this.#db.get<{ commune_id: string }>('SELECT commune_id FROM teams WHERE id = ?', [id]);
    if (!team) throw new RegistryError('unknown-team', `Không có tổ "${id}": thêm tổ trước (no team "${id}": add it first)`);
    return team;
  }

  async #requireUnit(id: string): Promise<Unit> {
    const row = await this.#db.get<UnitRow>(`SELECT ${UNIT_COLUMNS} FROM units WHERE id = ?`, [id]);
    if (!row) throw new RegistryError('unknown-unit', `Không có xe loa "${id}" (no unit "${id}")`);
    return toUnit(row);
  }
}
