/**
 * Members' training records (course, day): what a review counts as "members trained" in a period. Recorded by
 * submitters and approvers; appended, never changed.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { both } from '../content/errors.js';
import { vnDay, vnDayRange } from '../reports/period.js';
import { requireRole } from '../users/roles.js';
import type { BoardActor } from './activities.js';
import { dayText, fieldError } from './activity-input.js';
import { migrateBoard } from './area.js';
import { BoardError } from './errors.js';
import type { TrainingRecord } from './types.js';

export interface TrainingRecordsOptions {
  db: SqliteDb;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
}

export interface TrainingFilter {
  member?: number;
  team?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  until?: string;
}

const MAX_COURSE = 200;

interface TrainingRow {
  id: number;
  member_id: number;
  member_name: string;
  team_id: string;
  course: string;
  day: string;
  recorded_by: string;
  recorded_at: number;
}

const SELECT = `SELECT b.id, b.member_id, m.name AS member_name, m.team_id, b.course, b.day, b.recorded_by, b.recorded_at
  FROM board_training b JOIN members m ON m.id = b.member_id`;

function toRecord(r: TrainingRow): TrainingRecord {
  return { id: r.id, memberId: r.member_id, memberName: r.member_name, teamId: r.team_id, course: r.course, day: r.day, recordedBy: r.recorded_by, recordedAt: r.recorded_at };
}

export class TrainingRecords {
  readonly #o: TrainingRecordsOptions;

  constructor(o: TrainingRecordsOptions) {
    this.#o = o;
  }

  #now(): number {
    return (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
  }

  async start(): Promise<void> {
    await migrateBoard(this.#o.db);
  }

  /** A course a member took, on `day` (YYYY-MM-DD or dd/mm/yyyy, not after today in Vietnam). */
  async add(actor: BoardActor, r: { member: number; course: string; day: string }): Promise<TrainingRecord> {
    requireRole(actor, ['submitter', 'approver'], 'ghi tập huấn / record training');
    const course = typeof r.course === 'string' ? r.course.trim() : '';
    if (course === '' || [...course].length > MAX_COURSE) {
      throw fieldError('vi', 'course', `cần tên khoá tập huấn, 1–${MAX_COURSE} ký tự`, `give the course's name, 1–${MAX_COURSE} characters`);
    }
    const day = dayText(r.day, 'day');
    const range = vnDayRange(day);
    if (range === undefined) throw fieldError('vi', 'day', `ngày ${day} quá xa trong quá khứ: kiểm tra lại năm`, `${day} is too far in the past: check the year`);
    if (vnDay(range.start) > vnDay(this.#now())) {
      throw fieldError('vi', 'day', `ngày ${day} chưa đến: ghi khoá tập huấn sau khi đã học`, `${day} is after today: record a course once it has taken place`);
    }
    const db = this.#o.db;
    return db.transaction(async () => {
      const member = Number.isSafeInteger(r.member) ? await db.get('SELECT 1 FROM members WHERE id = ?', [r.member]) : undefined;
      if (!member) throw new BoardError('unknown-member', both(`Không có thành viên ${String(r.member)}: xem \`loa member list\``, `no member ${String(r.member)}: see \`loa member list\``));
      const { lastId } = await db.run('INSERT INTO board_training (member_id, course, day, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)', [
        r.member, course, day, actor.name, this.#now(),
      ]);
      return toRecord((await db.get<TrainingRow>(`${SELECT} WHERE b.id = ?`, [lastId]))!);
    });
  }

  /** Training records, newest day first; `from` and `until` are inclusive days. */
  async list(filter: TrainingFilter = {}): Promise<TrainingRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.member !== undefined) (where.push('b.member_id = ?'), params.push(filter.member));
    if (filter.team !== undefined) (where.push('m.team_id = ?'), params.push(filter.team));
    if (filter.from !== undefined) (where.push('b.day >= ?'), params.push(dayText(filter.from, 'from')));
    if (filter.until !== undefined) (where.push('b.day <= ?'), params.push(dayText(filter.until, 'until')));
    const db = this.#o.db;
    const rows = await db.exclusive(() => db.all<TrainingRow>(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.day DESC, b.id DESC`, params));
    return rows.map(toRecord);
  }
}
