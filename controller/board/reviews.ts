/**
 * The reviews of a period (báo cáo tháng / quý, sơ kết 6 tháng, tổng kết năm), one per period and scope (the area, or
 * a commune). The controller drafts the narrative from the figures (version 1); approvers edit it, every save a new
 * version; finalising freezes the figures, the late notes and the text as signed, in the same transaction as the
 * status, and nothing changes them afterwards. Records that arrive or are confirmed after a review was signed show
 * up as a late note in the next review of the same scope and kind (never in the signed one).
 *
 *   draft ──save / redraft (new version)──► draft ──finalise──► final (frozen)
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { both } from '../content/errors.js';
import { parsePeriod, type Lang, type Period } from '../reports/period.js';
import { requireRole, type Actor } from '../users/roles.js';
import { migrateBoard } from './area.js';
import { BoardError } from './errors.js';
import { draftSections } from './review-draft.js';
import { accountedNow, accountedOf, previousPeriod, reviewData, type Accounted } from './review-figures.js';
import { REVIEW_SECTIONS, type LateNote, type ReviewData, type ReviewRecord, type ReviewSections, type ReviewSummary, type ReviewVersion } from './types.js';

/** Longest text of one section, characters. */
export const MAX_SECTION_CHARS = 20_000;
/** How many earlier periods of the same kind a review looks back on for late records. */
export const LATE_NOTE_PERIODS = 12;

/** What a final review keeps, as signed (board_reviews.frozen). */
interface Frozen {
  data: ReviewData;
  sections: ReviewSections;
  version: number;
  /** The review's own figures as signed: what a later late note is measured from. */
  accounted: Accounted;
  /** For each late note it carried, the earlier period's figures as they stood then (what the next note starts from). */
  noted: Record<string, Accounted>;
}

interface ReviewRow {
  id: number;
  period: string;
  commune_id: string | null;
  status: 'draft' | 'final';
  created_by: string;
  created_at: number;
  finalised_by: string | null;
  finalised_at: number | null;
  frozen: string | null;
}

const APPROVERS = ['approver'] as const;
const systemSeconds = (): number => Math.floor(Date.now() / 1000);

function unknownReview(what: string): BoardError {
  return new BoardError('unknown-review', both(`Không có báo cáo ${what}: mở nó trước bằng "loa review open"`, `there is no review ${what}: open it first with "loa review open"`));
}

export class Reviews {
  readonly #db: SqliteDb;
  readonly #clock: () => number;

  constructor(o: { db: SqliteDb; clock?: () => number }) {
    this.#db = o.db;
    this.#clock = o.clock ?? systemSeconds;
  }

  async start(): Promise<void> {
    await migrateBoard(this.#db);
  }

  async list(filter: { period?: string; commune?: string | null } = {}): Promise<ReviewSummary[]> {
    const where: string[] = [];
    const params: (string | null)[] = [];
    if (filter.period !== undefined) {
      where.push('r.period = ?');
      params.push(parsePeriod(filter.period).id);
    }
    if (filter.commune !== undefined) {
      where.push("coalesce(r.commune_id, '') = ?");
      params.push(filter.commune ?? '');
    }
    const db = this.#db;
    const rows = await db.exclusive(() => db.all<ReviewRow & { version: number }>(
      `SELECT r.*, (SELECT max(version) FROM board_review_versions v WHERE v.review_id = r.id) version FROM board_reviews r
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.period, coalesce(r.commune_id, ''), r.id`,
      params,
    ));
    return rows.map((r) => ({ ...summaryOf(r), version: r.version }));
  }

  /** The review of `period` for `commune` (null: the whole area); created, with its first draft, when there is none. */
  async open(actor: Actor, period: string, commune: string | null, lang: Lang = 'vi'): Promise<ReviewRecord> {
    requireRole(actor, APPROVERS, 'mở báo cáo sơ kết / open a review');
    const p = parsePeriod(period, lang);
    const existing = await this.#find(p.id, commune);
    if (existing !== undefined) return this.get(existing.id);
    await this.#checkCommune(commune);
    const now = this.#clock();
    const data = await this.#draftData(p, commune, now);
    const sections = draftSections(data, lang);
    const db = this.#db;
    const id = await db.transaction(async () => {
      const again = await db.get<{ id: number }>("SELECT id FROM board_reviews WHERE period = ? AND coalesce(commune_id, '') = ?", [p.id, commune ?? '']);
      if (again !== undefined) return again.id; // opened by someone else meanwhile
      const r = await db.run('INSERT INTO board_reviews (period, commune_id, status, created_by, created_at) VALUES (?, ?, ?, ?, ?)', [p.id, commune, 'draft', actor.name, now]);
      await db.run('INSERT INTO board_review_versions (review_id, version, saved_by, saved_at, sections) VALUES (?, 1, ?, ?, ?)', [r.lastId, actor.name, now, JSON.stringify(sections)]);
      return r.lastId;
    });
    return this.get(id);
  }

  /** The review: a draft with its figures computed now, a final one as frozen. */
  async get(id: number): Promise<ReviewRecord> {
    const row = await this.#row(id);
    const versions = await this.#versions(id);
    if (row.frozen !== null) {
      const f = JSON.parse(row.frozen) as Frozen;
      return { ...summaryOf(row), version: f.version, sections: f.sections, versions, data: f.data };
    }
    const newest = versions.at(-1)!;
    const data = await this.#draftData(parsePeriod(row.period), row.commune_id, this.#clock());
    return { ...summaryOf(row), version: newest.version, sections: await this.versionText(id, newest.version), versions, data };
  }

  async versionText(id: number, version: number): Promise<ReviewSections> {
    const db = this.#db;
    const row = await db.exclusive(() => db.get<{ sections: string }>('SELECT sections FROM board_review_versions WHERE review_id = ? AND version = ?', [id, version]));
    if (row === undefined) {
      await this.#row(id); // an unknown review says so
      throw new BoardError('bad-field', both(`Báo cáo số ${id} không có phiên bản ${version}`, `review ${id} has no version ${version}`));
    }
    return JSON.parse(row.sections) as ReviewSections;
  }

  /** A new version: the text of `baseVersion` with the given sections replaced. */
  async save(actor: Actor, id: number, sections: Partial<ReviewSections>, baseVersion: number): Promise<ReviewRecord> {
    requireRole(actor, APPROVERS, 'sửa báo cáo sơ kết / edit a review');
    checkSections(sections);
    await this.#append(actor, id, baseVersion, async (base) => ({ ...base, ...sections }));
    return this.get(id);
  }

  /** A new version drafted again from today's figures (what the board had written is kept in the older versions). */
  async redraft(actor: Actor, id: number, lang: Lang = 'vi'): Promise<ReviewRecord> {
    requireRole(actor, APPROVERS, 'soạn lại báo cáo sơ kết / redraft a review');
    const row = await this.#row(id);
    checkDraft(row);
    const sections = draftSections(await this.#draftData(parsePeriod(row.period), row.commune_id, this.#clock()), lang);
    const newest = (await this.#versions(id)).at(-1)!.version;
    await this.#append(actor, id, newest, async () => sections);
    return this.get(id);
  }

  /** Signs the review: its figures, late notes and newest text are frozen with the status, in one transaction. */
  async finalise(actor: Actor, id: number): Promise<ReviewRecord> {
    requireRole(actor, APPROVERS, 'ký ban hành báo cáo sơ kết / finalise a review');
    const row = await this.#row(id);
    checkDraft(row);
    const now = this.#clock();
    // The figures cannot be read inside the write transaction (the report rollup writes in its own): computed just
    // before, then frozen with the text that is newest when the status changes.
    const { data, noted } = await this.#figures(parsePeriod(row.period), row.commune_id, now);
    const db = this.#db;
    await db.transaction(async () => {
      const current = await db.get<ReviewRow>('SELECT * FROM board_reviews WHERE id = ?', [id]);
      checkDraft(current!);
      const newest = await db.get<{ version: number; sections: string }>('SELECT version, sections FROM board_review_versions WHERE review_id = ? ORDER BY version DESC LIMIT 1', [id]);
      const frozen: Frozen = { data, sections: JSON.parse(newest!.sections) as ReviewSections, version: newest!.version, accounted: accountedOf(data), noted };
      await db.run("UPDATE board_reviews SET status = 'final', finalised_by = ?, finalised_at = ?, frozen = ? WHERE id = ? AND status = 'draft'", [actor.name, now, JSON.stringify(frozen), id]);
    });
    return this.get(id);
  }

  async #draftData(p: Period, commune: string | null, now: number): Promise<ReviewData> {
    return (await this.#figures(p, commune, now)).data;
  }

  /** The figures with their late notes, and each late note's period figures as they stand now. */
  async #figures(p: Period, commune: string | null, now: number): Promise<{ data: ReviewData; noted: Record<string, Accounted> }> {
    const data = await reviewData(this.#db, { period: p, commune, now, clock: this.#clock });
    const { notes, noted } = await this.#lateNotes(p, commune, now);
    return { data: { ...data, lateNotes: notes }, noted };
  }

  /**
   * For each final review of the same scope and kind among the previous periods: what its period's figures say now
   * minus what was last accounted for (the signed figures, or the figures of the newest final review's note on it).
   */
  async #lateNotes(p: Period, commune: string | null, now: number): Promise<{ notes: LateNote[]; noted: Record<string, Accounted> }> {
    const earlier: string[] = [];
    for (let q = previousPeriod(p), i = 0; i < LATE_NOTE_PERIODS; q = previousPeriod(q), i++) earlier.push(q.id);
    const db = this.#db;
    const finals = await db.exclusive(() => db.all<ReviewRow>(
      `SELECT * FROM board_reviews WHERE status = 'final' AND coalesce(commune_id, '') = ? AND period <> ? ORDER BY finalised_at, id`,
      [commune ?? '', p.id],
    ));
    const notes: LateNote[] = [];
    const noted: Record<string, Accounted> = {};
    for (const e of finals.filter((r) => earlier.includes(r.period)).sort((a, b) => (a.period < b.period ? -1 : 1))) {
      let last = (JSON.parse(e.frozen!) as Frozen).accounted;
      for (const f of finals) {
        const note = (JSON.parse(f.frozen!) as Frozen).noted[e.period];
        if (note !== undefined && f.id !== e.id) last = note; // the newest final note on it wins (finals are in order)
      }
      const current = await accountedNow(db, { period: parsePeriod(e.period), commune, now, clock: this.#clock });
      const diff = {
        plays: current.plays - last.plays,
        broadcastHours: Math.round((current.broadcastHours - last.broadcastHours) * 10) / 10,
        activities: current.activities - last.activities,
        peopleReached: current.peopleReached - last.peopleReached,
      };
      if (Object.values(diff).every((x) => x === 0)) continue;
      notes.push({ period: e.period, finalisedAt: e.finalised_at!, ...diff });
      noted[e.period] = current;
    }
    return { notes, noted };
  }

  async #append(actor: Actor, id: number, baseVersion: number, text: (base: ReviewSections) => Promise<ReviewSections>): Promise<void> {
    const db = this.#db;
    const now = this.#clock();
    await db.transaction(async () => {
      const row = await db.get<ReviewRow>('SELECT * FROM board_reviews WHERE id = ?', [id]);
      if (row === undefined) throw unknownReview(`số ${id} / number ${id}`);
      checkDraft(row);
      const newest = await db.get<{ version: number; sections: string }>('SELECT version, sections FROM board_review_versions WHERE review_id = ? ORDER BY version DESC LIMIT 1', [id]);
      if (newest!.version !== baseVersion) {
        throw new BoardError('stale-version', both(
          `Báo cáo đã có phiên bản ${newest!.version} mới hơn phiên bản ${baseVersion} bạn đang sửa: mở lại bản mới nhất và sửa trên đó`,
          `the review has a version ${newest!.version} newer than the version ${baseVersion} you edited: reopen the newest and edit that`,
        ));
      }
      const sections = await text(JSON.parse(newest!.sections) as ReviewSections);
      await db.run('INSERT INTO board_review_versions (review_id, version, saved_by, saved_at, sections) VALUES (?, ?, ?, ?, ?)', [id, baseVersion + 1, actor.name, now, JSON.stringify(sections)]);
    });
  }

  async #find(period: string, commune: string | null): Promise<{ id: number } | undefined> {
    const db = this.#db;
    return db.exclusive(() => db.get<{ id: number }>("SELECT id FROM board_reviews WHERE period = ? AND coalesce(commune_id, '') = ?", [period, commune ?? '']));
  }

  /** The review of a period and scope, or `unknown-review`. */
  async find(period: string, commune: string | null): Promise<ReviewRecord> {
    const p = parsePeriod(period);
    const found = await this.#find(p.id, commune);
    if (found === undefined) throw unknownReview(`${p.id}${commune === null ? '' : ` / ${commune}`}`);
    return this.get(found.id);
  }

  async #checkCommune(commune: string | null): Promise<void> {
    if (commune === null) return;
    const db = this.#db;
    const row = await db.exclusive(() => db.get<{ id: string }>('SELECT id FROM communes WHERE id = ?', [commune]));
    if (row === undefined) {
      throw new BoardError('unknown-commune', both(`Không có xã "${commune}" trong danh sách xã: xem "loa commune list"`, `there is no commune "${commune}": see "loa commune list"`));
    }
  }

  async #row(id: number): Promise<ReviewRow> {
    const db = this.#db;
    const row = await db.exclusive(() => db.get<ReviewRow>('SELECT * FROM board_reviews WHERE id = ?', [id]));
    if (row === undefined) throw unknownReview(`số ${id} / number ${id}`);
    return row;
  }

  async #versions(id: number): Promise<ReviewVersion[]> {
    const db = this.#db;
    const rows = await db.exclusive(() => db.all<{ version: number; saved_by: string; saved_at: number }>(
      'SELECT version, saved_by, saved_at FROM board_review_versions WHERE review_id = ? ORDER BY version', [id],
    ));
    return rows.map((r) => ({ version: r.version, savedBy: r.saved_by, savedAt: r.saved_at }));
  }
}

function summaryOf(r: ReviewRow): Omit<ReviewSummary, 'version'> {
  return {
    id: r.id, period: r.period, commune: r.commune_id, status: r.status, createdBy: r.created_by, createdAt: r.created_at,
    finalisedBy: r.finalised_by, finalisedAt: r.finalised_at,
  };
}

function checkDraft(row: ReviewRow): void {
  if (row.status === 'final') {
    throw new BoardError('bad-status', both(
      `Báo cáo ${row.period} đã ký ban hành, không sửa được nữa: số liệu đến muộn sẽ được ghi chú trong báo cáo kỳ sau`,
      `the ${row.period} review is final and cannot change: late records show up as a note in the next review`,
    ));
  }
}

function checkSections(sections: Partial<ReviewSections>): void {
  for (const [key, value] of Object.entries(sections)) {
    if (!(REVIEW_SECTIONS as readonly string[]).includes(key)) {
      throw new BoardError('bad-field', both(`Không có mục "${key}": các mục là ${REVIEW_SECTIONS.join(', ')}`, `no section "${key}": the sections are ${REVIEW_SECTIONS.join(', ')}`));
    }
    if (typeof value !== 'string') throw new BoardError('bad-field', both(`Mục ${key} phải là văn bản`, `section ${key} must be text`));
    if (value.length > MAX_SECTION_CHARS) {
      throw new BoardError('bad-field', both(
        `Mục ${key} dài ${value.length} ký tự, quá ${MAX_SECTION_CHARS}: rút gọn lại`,
        `section ${key} is ${value.length} characters long, more than ${MAX_SECTION_CHARS}: shorten it`,
      ));
    }
  }
}
