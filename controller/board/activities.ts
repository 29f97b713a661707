/**
 * The team activity log: what the teams do besides the cart (oral propaganda, meetings, leaflets, tips to the
 * police, training), recorded by commune submitters and confirmed or returned by the board. It follows the content
 * workflow (content/workflow.ts): every step checks the actor's role and the activity's status, and writes the
 * activity row and its audit row in ONE transaction; nobody confirms or returns an activity they recorded (four eyes).
 *
 *   submitted ──confirm──► confirmed ──withdraw (an approver, with a reason)──► withdrawn
 *       │ └──return (with a reason)──► returned ──resubmit (its submitter)──► submitted
 *       └──withdraw (its submitter before a decision, or an approver)──► withdrawn
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqliteDb } from '../../lib/sqlite.js';
import { both } from '../content/errors.js';
import type { StepOrigin } from '../content/workflow.js';
import { CommuneHistory } from '../fleet/commune-history.js';
import { vnDay } from '../reports/period.js';
import { requireRole, type Actor } from '../users/roles.js';
import { checkActivityFields, fieldError } from './activity-input.js';
import { STATUS_WORDS } from './words.js';
import { migrateBoard } from './area.js';
import { BoardError } from './errors.js';
import { photoPath, readPhoto, storePhoto } from './photos.js';
import {
  MAX_PHOTOS,
  type ActivityAuditEntry,
  type ActivityFilter,
  type ActivityInput,
  type ActivityKind,
  type ActivityPhoto,
  type ActivityRecord,
  type ActivityStatus,
} from './types.js';

export interface ActivityLogOptions {
  db: SqliteDb;
  /** The controller's data folder; photos go to `<dataDir>/photos`. */
  dataDir: string;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
}

/** The acting user, and where the step came from (none = the HTTP API): a CLI step names the OS user in the audit. */
export type BoardActor = Actor & { origin?: StepOrigin };

type Action = ActivityAuditEntry['action'];

interface ActivityRow {
  id: number;
  kind: ActivityKind;
  at: number;
  commune_id: string;
  place: string;
  lat: number | null;
  lon: number | null;
  team_id: string;
  team_name: string;
  people_reached: number;
  note: string;
  submitter: string;
  submitted_at: number;
  status: ActivityStatus;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
}

const SELECT = 'SELECT a.*, t.name AS team_name FROM board_activities a JOIN teams t ON t.id = a.team_id';
const ACTION_WORDS: Record<Action, [string, string]> = {
  submit: ['ghi', 'record'],
  resubmit: ['gửi lại', 'resubmit'],
  confirm: ['xác nhận', 'confirm'],
  return: ['trả lại', 'return'],
  withdraw: ['rút', 'withdraw'],
  'add-photo': ['thêm ảnh cho', 'add a photo to'],
};

function unknownActivity(id: number): BoardError {
  return new BoardError('unknown-activity', both(`Không có hoạt động HD-${id}: xem \`loa activity list\``, `no activity HD-${id}: see \`loa activity list\``));
}

/** The audit detail: what the step says, then the system account when it came from the CLI (as content's show prints it). */
function detailOf(actor: BoardActor, parts: readonly string[]): string | null {
  const o = actor.origin;
  const all = o === undefined ? parts : [...parts, `[${o.via}: ${o.osUser}, uid ${o.osUid}]`];
  return all.length === 0 ? null : all.join('; ');
}

export class ActivityLog {
  readonly #o: ActivityLogOptions;
  readonly photosDir: string;

  constructor(o: ActivityLogOptions) {
    this.#o = o;
    this.photosDir = join(o.dataDir, 'photos');
  }

  #now(): number {
    return (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
  }

  /** Brings the board tables up to date and makes the photos folder (readable by the controller's account only). */
  async start(): Promise<void> {
    await migrateBoard(this.#o.db);
    await mkdir(this.photosDir, { recursive: true, mode: 0o700 });
  }

  /** A new activity, status `submitted`. */
  async record(actor: BoardActor, input: ActivityInput): Promise<ActivityRecord> {
    requireRole(actor, ['submitter', 'approver'], 'ghi hoạt động / record activities');
    const a = checkActivityFields(input, this.#now());
    const db = this.#o.db;
    return db.transaction(async () => {
      await this.#checkWhere(a);
      const now = this.#now();
      const { lastId: id } = await db.run(
        `INSERT INTO board_activities (kind, at, commune_id, place, lat, lon, team_id, people_reached, note, submitter, submitted_at, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted')`,
        [a.kind, a.at, a.commune, a.place, a.lat, a.lon, a.team, a.peopleReached, a.note, actor.name, now],
      );
      await this.#setMembers(id, a.members);
      await this.#audit(id, actor, 'submit', null, 'submitted', detailOf(actor, []));
      return this.#read(id);
    });
  }

  /** A returned activity corrected and sent again: only its submitter (or an admin). */
  async resubmit(actor: BoardActor, id: number, input: ActivityInput): Promise<ActivityRecord> {
    requireRole(actor, ['submitter', 'approver'], 'gửi lại hoạt động / resubmit activities');
    const a = checkActivityFields(input, this.#now());
    return this.#step(actor, id, 'resubmit', ['returned'], 'submitted', async (r) => {
      if (actor.role !== 'admin' && actor.name !== r.submitter) {
        throw new BoardError('not-allowed', both(`Chỉ người ghi (${r.submitter}) mới gửi lại được hoạt động HD-${r.id}`, `only its submitter (${r.submitter}) may resubmit activity HD-${r.id}`));
      }
      await this.#checkWhere(a);
      await this.#o.db.run(
        `UPDATE board_activities SET kind = ?, at = ?, commune_id = ?, place = ?, lat = ?, lon = ?, team_id = ?, people_reached = ?, note = ?,
           submitted_at = ?, status = 'submitted', decided_by = NULL, decided_at = NULL WHERE id = ?`,
        [a.kind, a.at, a.commune, a.place, a.lat, a.lon, a.team, a.peopleReached, a.note, this.#now(), r.id],
      );
      await this.#o.db.run('DELETE FROM board_activity_members WHERE activity_id = ?', [r.id]);
      await this.#setMembers(r.id, a.members);
      return [`changed: ${changedFields(r, a).join(', ') || 'none'}`];
    });
  }

  async confirm(actor: BoardActor, id: number): Promise<ActivityRecord> {
    requireRole(actor, ['approver'], 'xác nhận hoạt động / confirm activities');
    return this.#step(actor, id, 'confirm', ['submitted'], 'confirmed', async (r) => {
      await this.#checkFourEyes(actor, r, 'confirm');
      await this.#o.db.run("UPDATE board_activities SET status = 'confirmed', decided_by = ?, decided_at = ? WHERE id = ?", [actor.name, this.#now(), r.id]);
      return [];
    });
  }

  /** Returns an activity to its submitter with the reason (what to correct). */
  async sendBack(actor: BoardActor, id: number, reason: string): Promise<ActivityRecord> {
    requireRole(actor, ['approver'], 'trả lại hoạt động / return activities');
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why === '') throw fieldError('vi', 'reason', 'cần lý do trả lại (cần sửa gì)', 'give the reason (what to correct)');
    return this.#step(actor, id, 'return', ['submitted'], 'returned', async (r) => {
      await this.#checkFourEyes(actor, r, 'return');
      await this.#o.db.run("UPDATE board_activities SET status = 'returned', decided_by = ?, decided_at = ?, reason = ? WHERE id = ?", [actor.name, this.#now(), why, r.id]);
      return [`reason: ${why}`];
    });
  }

  /**
   * Its submitter withdraws it before a decision (submitted or returned); an approver at any time, but a confirmed
   * activity (counted in reviews) only with a reason, which the audit keeps.
   */
  async withdraw(actor: BoardActor, id: number, reason = ''): Promise<ActivityRecord> {
    requireRole(actor, ['submitter', 'approver'], 'rút hoạt động / withdraw activities');
    const why = typeof reason === 'string' ? reason.trim() : '';
    return this.#step(actor, id, 'withdraw', ['submitted', 'returned', 'confirmed'], 'withdrawn', async (r) => {
      if (r.status === 'confirmed') {
        requireRole(actor, ['approver'], 'rút hoạt động đã xác nhận / withdraw a confirmed activity');
        if (why === '') throw fieldError('vi', 'reason', 'rút một hoạt động đã xác nhận cần lý do', 'withdrawing a confirmed activity needs a reason');
      } else this.#checkOwner(actor, r, 'rút', 'withdraw');
      await this.#o.db.run("UPDATE board_activities SET status = 'withdrawn' WHERE id = ?", [r.id]);
      return why === '' ? [] : [`reason: ${why}`];
    });
  }

  async get(id: number): Promise<ActivityRecord> {
    const db = this.#o.db;
    return db.exclusive(() => this.#read(id));
  }

  /** Activities, newest `at` first; `commune` includes the communes merged into it by today. */
  async list(filter: ActivityFilter = {}): Promise<ActivityRecord[]> {
    const db = this.#o.db;
    return db.exclusive(async () => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const add = (sql: string, value: string | number): void => {
        where.push(sql);
        params.push(value);
      };
      if (filter.status !== undefined) add('a.status = ?', filter.status);
      if (filter.team !== undefined) add('a.team_id = ?', filter.team);
      if (filter.from !== undefined) add('a.at >= ?', filter.from);
      if (filter.until !== undefined) add('a.at < ?', filter.until);
      const history = await CommuneHistory.read(db);
      if (filter.commune !== undefined) {
        const ids = [filter.commune, ...history.asOf(vnDay(this.#now())).membersOf(filter.commune)];
        add('a.commune_id IN (SELECT value FROM json_each(?))', JSON.stringify(ids));
      }
      const rows = await db.all<ActivityRow>(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.at DESC, a.id DESC`, params);
      return this.#records(rows, history);
    });
  }

  /** The audit trail of one activity, oldest first. */
  async audit(id: number): Promise<ActivityAuditEntry[]> {
    const db = this.#o.db;
    return db.exclusive(async () => {
      await this.#read(id);
      const rows = await db.all<{ time: number; actor: string; actor_role: string; action: Action; from_status: ActivityStatus | null; to_status: ActivityStatus; detail: string | null }>(
        'SELECT time, actor, actor_role, action, from_status, to_status, detail FROM board_activity_audit WHERE activity_id = ? ORDER BY id',
        [id],
      );
      return rows.map((r) => ({ time: r.time, actor: r.actor, actorRole: r.actor_role, action: r.action, from: r.from_status, to: r.to_status, detail: r.detail }));
    });
  }

  /**
   * Adds a photo (a file the caller wrote and removes) while the activity is submitted or returned, by its submitter
   * or an approver. The same photo twice is kept once; at most {@link MAX_PHOTOS}.
   */
  async addPhoto(actor: BoardActor, id: number, file: string): Promise<ActivityPhoto> {
    requireRole(actor, ['submitter', 'approver'], 'thêm ảnh hoạt động / add activity photos');
    // Refused before the file is read when the step cannot be taken anyway; checked again in the transaction.
    const before = await this.get(id);
    checkStatus(before, 'add-photo', ['submitted', 'returned']);
    this.#checkOwner(actor, before, 'thêm ảnh cho', 'add photos to');
    const photo = await readPhoto(file);
    // Stored before the row: a file no row names (a step refused meanwhile) is harmless and is shared by content.
    await storePhoto(this.photosDir, photo);
    const record = await this.#step(actor, id, 'add-photo', ['submitted', 'returned'], null, async (r) => {
      this.#checkOwner(actor, r, 'thêm ảnh cho', 'add photos to');
      if (r.photos.some((p) => p.sha256 === photo.sha256)) return undefined;
      if (r.photos.length >= MAX_PHOTOS) {
        throw fieldError('vi', 'photo', `hoạt động HD-${r.id} đã có đủ ${MAX_PHOTOS} ảnh: bỏ bớt ảnh không cần`, `activity HD-${r.id} already has ${MAX_PHOTOS} photos, the most allowed`);
      }
      await this.#o.db.run('INSERT INTO board_activity_photos (activity_id, sha256, type, size, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)', [
        r.id, photo.sha256, photo.type, photo.bytes.length, actor.name, this.#now(),
      ]);
      return [`photo: ${photo.sha256}`];
    });
    return record.photos.find((p) => p.sha256 === photo.sha256)!;
  }

  /** Where a photo of an activity is, with its type and size: `unknown-photo` when the activity has no such photo. */
  async photoFile(id: number, sha256: string): Promise<{ path: string; type: string; size: number }> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<{ type: string; size: number }>('SELECT type, size FROM board_activity_photos WHERE activity_id = ? AND sha256 = ?', [id, String(sha256)]));
    if (!row) throw new BoardError('unknown-photo', both(`Hoạt động HD-${id} không có ảnh ${String(sha256).slice(0, 12)}…`, `activity HD-${id} has no photo ${String(sha256).slice(0, 12)}…`));
    return { path: photoPath(this.photosDir, sha256, row.type), type: row.type, size: row.size };
  }

  /**
   * One step in one transaction: loads the activity, checks its status, lets `apply` change it (returning the audit
   * detail's parts, or undefined when nothing was done), writes the audit row. `to` null = the status stays.
   */
  async #step(actor: BoardActor, id: number, action: Action, from: readonly ActivityStatus[], to: ActivityStatus | null, apply: (r: ActivityRecord) => Promise<string[] | undefined>): Promise<ActivityRecord> {
    const db = this.#o.db;
    return db.transaction(async () => {
      const r = await this.#read(id);
      checkStatus(r, action, from);
      const parts = await apply(r);
      if (parts !== undefined) await this.#audit(r.id, actor, action, r.status, to ?? r.status, detailOf(actor, parts));
      return this.#read(r.id);
    });
  }

  async #audit(id: number, actor: Actor, action: Action, from: ActivityStatus | null, to: ActivityStatus, detail: string | null): Promise<void> {
    await this.#o.db.run('INSERT INTO board_activity_audit (activity_id, time, actor, actor_role, action, from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id, this.#now(), actor.name, actor.role, action, from, to, detail,
    ]);
  }

  /** Four eyes, as for content: not its submitter, nor whoever last (re)submitted it; an admin included. */
  async #checkFourEyes(actor: Actor, r: ActivityRecord, action: 'confirm' | 'return'): Promise<void> {
    const last = await this.#o.db.get<{ actor: string }>(
      "SELECT actor FROM board_activity_audit WHERE activity_id = ? AND action IN ('submit', 'resubmit') ORDER BY id DESC LIMIT 1",
      [r.id],
    );
    if (actor.name !== r.submitter && actor.name !== last?.actor) return;
    const [vi, en] = ACTION_WORDS[action];
    throw new BoardError(
      'not-allowed',
      both(`Người dùng "${actor.name}" đã ghi hoạt động HD-${r.id} nên không được tự ${vi}: cần một người duyệt khác ${vi}`, `user "${actor.name}" recorded activity HD-${r.id} and may not ${en} it: another approver must`),
    );
  }

  #checkOwner(actor: Actor, r: ActivityRecord, vi: string, en: string): void {
    if (actor.role === 'admin' || actor.role === 'approver' || actor.name === r.submitter) return;
    throw new BoardError('not-allowed', both(`Chỉ người ghi (${r.submitter}) hoặc người duyệt mới ${vi} hoạt động HD-${r.id}`, `only its submitter (${r.submitter}) or an approver may ${en} activity HD-${r.id}`));
  }

  /** The commune and team exist, the team works in that commune, the members exist, belong to it and are listed once. */
  async #checkWhere(a: Required<ActivityInput>): Promise<void> {
    const db = this.#o.db;
    if (!(await db.get('SELECT 1 FROM communes WHERE id = ?', [a.commune]))) {
      throw new BoardError('unknown-commune', both(`Không có xã "${a.commune}": xem \`loa controller commune list\``, `no commune "${a.commune}": see \`loa controller commune list\``));
    }
    const team = await db.get<{ commune_id: string; former_commune_id: string | null }>('SELECT commune_id, former_commune_id FROM teams WHERE id = ?', [a.team]);
    if (!team) throw new BoardError('unknown-team', both(`Không có tổ "${a.team}": xem \`loa member list\``, `no team "${a.team}": see \`loa member list\``));
    const history = await CommuneHistory.read(db);
    const works = team.commune_id === a.commune || team.former_commune_id === a.commune || history.reaches(a.commune, team.commune_id) || history.reaches(team.commune_id, a.commune);
    if (!works) {
      throw fieldError('vi', 'team', `tổ "${a.team}" làm việc ở xã "${team.commune_id}", không phải "${a.commune}": chọn tổ của xã này`, `team "${a.team}" works in commune "${team.commune_id}", not "${a.commune}": choose a team of this commune`);
    }
    const seen = new Set<number>();
    for (const m of a.members) {
      if (seen.has(m)) throw fieldError('vi', 'members', `thành viên ${m} được ghi hai lần: ghi mỗi người một lần`, `member ${m} is listed twice: list each once`);
      seen.add(m);
      const row = await db.get<{ team_id: string; name: string }>('SELECT team_id, name FROM members WHERE id = ?', [m]);
      if (!row) throw new BoardError('unknown-member', both(`Không có thành viên ${m}: xem \`loa member list --team ${a.team}\``, `no member ${m}: see \`loa member list --team ${a.team}\``));
      if (row.team_id !== a.team) {
        throw fieldError('vi', 'members', `thành viên ${m} (${row.name}) thuộc tổ "${row.team_id}", không phải "${a.team}"`, `member ${m} (${row.name}) belongs to team "${row.team_id}", not "${a.team}"`);
      }
    }
  }

  async #setMembers(id: number, members: readonly number[]): Promise<void> {
    if (members.length === 0) return;
    await this.#o.db.insertMany('board_activity_members', ['activity_id', 'member_id'], members.map((m) => [id, m]));
  }

  /** One activity, read on the connection the caller holds. */
  async #read(id: number): Promise<ActivityRecord> {
    const db = this.#o.db;
    const row = Number.isSafeInteger(id) && id > 0 ? await db.get<ActivityRow>(`${SELECT} WHERE a.id = ?`, [id]) : undefined;
    if (!row) throw unknownActivity(id);
    return (await this.#records([row], await CommuneHistory.read(db)))[0]!;
  }

  /** Rows to records: members and photos read for all of them at once, commune names as of each activity's day. */
  async #records(rows: ActivityRow[], history: CommuneHistory): Promise<ActivityRecord[]> {
    const db = this.#o.db;
    const ids = JSON.stringify(rows.map((r) => r.id));
    const members = await db.all<{ activity_id: number; id: number; name: string }>(
      'SELECT am.activity_id, m.id, m.name FROM board_activity_members am JOIN members m ON m.id = am.member_id WHERE am.activity_id IN (SELECT value FROM json_each(?)) ORDER BY m.id',
      [ids],
    );
    const photos = await db.all<{ activity_id: number; sha256: string; type: string; size: number }>(
      'SELECT activity_id, sha256, type, size FROM board_activity_photos WHERE activity_id IN (SELECT value FROM json_each(?)) ORDER BY added_at, sha256',
      [ids],
    );
    const views = new Map<number, ReturnType<CommuneHistory['asOf']>>();
    const nameOn = (commune: string, at: number): string => {
      const day = vnDay(at);
      if (!views.has(day)) views.set(day, history.asOf(day));
      return views.get(day)!.nameOf(commune);
    };
    return rows.map((r) => ({
      id: r.id, kind: r.kind, at: r.at, communeId: r.commune_id, communeName: nameOn(r.commune_id, r.at), place: r.place, lat: r.lat, lon: r.lon,
      teamId: r.team_id, teamName: r.team_name,
      members: members.filter((m) => m.activity_id === r.id).map((m) => ({ id: m.id, name: m.name })),
      peopleReached: r.people_reached, note: r.note, submitter: r.submitter, submittedAt: r.submitted_at, status: r.status,
      decidedBy: r.decided_by, decidedAt: r.decided_at, reason: r.reason,
      photos: photos.filter((p) => p.activity_id === r.id).map((p) => ({ sha256: p.sha256, type: p.type, size: p.size })),
    }));
  }
}

function checkStatus(r: ActivityRecord, action: Action, from: readonly ActivityStatus[]): void {
  if (from.includes(r.status)) return;
  const [vi, en] = ACTION_WORDS[action];
  throw new BoardError(
    'bad-status',
    both(`Hoạt động HD-${r.id} đang ở trạng thái "${STATUS_WORDS[r.status].vi}", không thể ${vi}`, `activity HD-${r.id} is ${r.status}; to ${en} it, it must be ${from.join(' or ')}`),
  );
}

/** The fields a resubmission changed, by their input names. */
function changedFields(r: ActivityRecord, a: Required<ActivityInput>): string[] {
  const before: Record<string, unknown> = {
    kind: r.kind, at: r.at, commune: r.communeId, team: r.teamId, place: r.place, lat: r.lat, lon: r.lon, peopleReached: r.peopleReached, note: r.note,
    members: r.members.map((m) => m.id).sort((x, y) => x - y).join(','),
  };
  const after: Record<string, unknown> = { ...a, members: [...a.members].sort((x, y) => x - y).join(',') };
  return Object.keys(before).filter((k) => before[k] !== after[k]);
}
