/**
 * The approval workflow. A submitter (a department, a commune) submits a clip; an approver (police, youth union)
 * approves it with its final priority, rejects it with a reason or asks for changes; the submitter resubmits after a
 * change request; an approval can be withdrawn. Nobody approves a clip they submitted, an emergency included (four
 * eyes, see `#checkFourEyes`). Every step checks the actor's role and the clip's current status,
 * and writes the clip row and its audit row in ONE transaction. Each committed step is emitted as `changed`, which
 * the manifest publisher listens to (an emergency approval goes out at once).
 *
 *   submitted ──approve──► approved ──withdraw──► withdrawn
 *       │ ├──reject────► rejected
 *       │ └──request-changes──► changes-requested ──resubmit──► submitted
 *       └──withdraw (the submitter, before a decision)──► withdrawn
 */
import { EventEmitter } from 'node:events';
import { PRIORITIES, TARGET_KINDS, TOPIC_NAME, type Priority, type Target } from '../../protocol/index.js';
import { requireRole, type Actor } from '../users/roles.js';
import { both, ContentError } from './errors.js';
import { normaliseClipId, toClip, type ClipRecord, type ClipRow, type ClipStatus, type ContentLibrary, type StoredFile } from './library.js';

export type WorkflowAction = 'submit' | 'resubmit' | 'approve' | 'reject' | 'request-changes' | 'withdraw';

/**
 * Where a step came from, when not through the controller's HTTP API: `loa content …` run on the host opens the
 * database directly, so the audit row names the system account that ran it (the `--as` user is only a claim).
 */
export interface StepOrigin {
  via: 'cli';
  /** `os.userInfo().username` of the process. */
  osUser: string;
  /** `os.userInfo().uid` (-1 where the system has none). */
  osUid: number;
}

/** The acting user, and where the step came from (none = the HTTP API). */
export type WorkflowActor = Actor & { origin?: StepOrigin };

export interface ClipChange {
  action: WorkflowAction;
  actor: Actor;
  clip: ClipRecord;
  from: ClipStatus | null;
}

export interface WorkflowEvents {
  changed: [ClipChange];
}

/** What a submitter says about a clip. */
export interface ClipDetails {
  title: string;
  summary?: string;
  /** Default `vi`. */
  language?: string;
  /** Default `chung` (general). */
  category?: string;
  /** Default `ordinary`. */
  priority?: Priority;
  /** Default [] = the whole district. */
  targets?: Target[];
  /** Unix seconds; 0 = from the manifest's issue. */
  validFrom?: number;
  /** Unix seconds; 0 = until the manifest expires. */
  validUntil?: number;
}

/** What an approver may decide instead of what the submitter asked (undefined = as submitted). */
export interface ApprovalChanges {
  /** [] = the whole district. */
  targets?: Target[];
  /** Unix seconds; 0 = from the manifest's issue. */
  validFrom?: number;
  /** Unix seconds; 0 = until the manifest expires. */
  validUntil?: number;
}

export interface ContentWorkflowOptions {
  library: ContentLibrary;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
}

const MAX_TITLE = 200;
const MAX_SUMMARY = 2000;

export class ContentWorkflow extends EventEmitter<WorkflowEvents> {
  readonly #o: ContentWorkflowOptions;

  constructor(options: ContentWorkflowOptions) {
    super();
    this.#o = options;
  }

  #now(): number {
    return (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
  }

  /** A new clip, status `submitted`. `source` is the upload's file name or `tts`. */
  async submit(actor: WorkflowActor, file: StoredFile, details: ClipDetails, source: string): Promise<ClipRecord> {
    requireRole(actor, ['submitter', 'approver'], 'gửi bản tin / submit clips');
    const d = this.#checkDetails(details);
    const db = this.#o.library.db;
    const now = this.#now();
    const clip = await db.transaction(async () => {
      const next = await db.get<{ n: number }>('SELECT coalesce(max(seq), 0) + 1 AS n FROM content_clips');
      const id = `c-${String(next!.n).padStart(4, '0')}`;
      await db.run(
        `INSERT INTO content_clips (seq, id, sha256, size, duration_ms, title, summary, language, category, requested_priority, targets,
           valid_from, valid_until, source, submitter, submitted_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted')`,
        [next!.n, id, file.sha256, file.size, file.durationMs, d.title, d.summary, d.language, d.category, d.priority, JSON.stringify(d.targets), d.validFrom, d.validUntil, source.slice(0, 200), actor.name, now],
      );
      await this.#audit(id, now, actor, 'submit', file.sha256, null, 'submitted', null);
      return this.#row(id);
    });
    this.emit('changed', { action: 'submit', actor, clip, from: null });
    return clip;
  }

  /** After a change request: new details and/or a new file, back to `submitted`. Only the submitter (or an admin). */
  async resubmit(actor: WorkflowActor, id: string, details: ClipDetails, file?: StoredFile): Promise<ClipRecord> {
    requireRole(actor, ['submitter', 'approver'], 'gửi lại bản tin / resubmit clips');
    const d = this.#checkDetails(details);
    return this.#step(actor, id, 'resubmit', ['changes-requested'], 'submitted', async (clip) => {
      this.#checkOwner(actor, clip, 'gửi lại', 'resubmit');
      const f = file ?? clip;
      await this.#o.library.db.run(
        `UPDATE content_clips SET sha256 = ?, size = ?, duration_ms = ?, title = ?, summary = ?, language = ?, category = ?, requested_priority = ?,
           targets = ?, valid_from = ?, valid_until = ?, status = 'submitted', submitted_at = ?, note = NULL WHERE id = ?`,
        [f.sha256, f.size, f.durationMs, d.title, d.summary, d.language, d.category, d.priority, JSON.stringify(d.targets), d.validFrom, d.validUntil, this.#now(), clip.id],
      );
      return { sha256: f.sha256, detail: null };
    });
  }

  /**
   * Approves with the final priority (default: the one requested) and, when `changes` gives them, the approver's
   * own targets and validity instead of the submitted ones (the audit row's detail lists what was changed).
   */
  async approve(actor: WorkflowActor, id: string, priority?: Priority, changes: ApprovalChanges = {}): Promise<ClipRecord> {
    requireRole(actor, ['approver'], 'phê duyệt bản tin / approve clips');
    if (priority !== undefined && !PRIORITIES.includes(priority)) throw badField('priority', `emergency, priority or ordinary`, priority);
    if (changes.targets !== undefined) checkTargets(changes.targets);
    return this.#step(actor, id, 'approve', ['submitted'], 'approved', async (clip) => {
      await this.#checkFourEyes(actor, clip);
      const validFrom = changes.validFrom ?? clip.validFrom;
      const validUntil = changes.validUntil ?? clip.validUntil;
      if (changes.validFrom !== undefined || changes.validUntil !== undefined) this.#checkValidity(validFrom, validUntil);
      else if (clip.validUntil !== 0 && clip.validUntil <= this.#now()) {
        throw new ContentError('bad-status', both(`Bản tin ${clip.id} đã hết thời hạn hiệu lực: yêu cầu sửa thời hạn`, `clip ${clip.id} is past its valid-until time: request changes to it`));
      }
      const targets = changes.targets ?? clip.targets;
      await this.#o.library.db.run('UPDATE content_clips SET targets = ?, valid_from = ?, valid_until = ? WHERE id = ?', [JSON.stringify(targets), validFrom, validUntil, clip.id]);
      const final = priority ?? clip.requestedPriority;
      await this.#decide(actor, clip.id, 'approved', null, final);
      const changed = [
        changes.targets === undefined ? '' : ` targets=${targets.map((t) => `${t.kind}:${t.id}`).join(',') || 'district'}`,
        changes.validFrom === undefined ? '' : ` validFrom=${validFrom}`,
        changes.validUntil === undefined ? '' : ` validUntil=${validUntil}`,
      ].join('');
      return { sha256: clip.sha256, detail: `priority=${final}${changed}` };
    });
  }

  async reject(actor: WorkflowActor, id: string, reason: string): Promise<ClipRecord> {
    requireRole(actor, ['approver'], 'từ chối bản tin / reject clips');
    const why = requiredText('reason', reason);
    return this.#step(actor, id, 'reject', ['submitted', 'changes-requested'], 'rejected', async (clip) => {
      await this.#decide(actor, clip.id, 'rejected', why, null);
      return { sha256: clip.sha256, detail: why };
    });
  }

  async requestChanges(actor: WorkflowActor, id: string, note: string): Promise<ClipRecord> {
    requireRole(actor, ['approver'], 'yêu cầu sửa bản tin / request changes');
    const what = requiredText('note', note);
    return this.#step(actor, id, 'request-changes', ['submitted'], 'changes-requested', async (clip) => {
      await this.#decide(actor, clip.id, 'changes-requested', what, null);
      return { sha256: clip.sha256, detail: what };
    });
  }

  /**
   * Withdraws an approved clip (an approver; it leaves the next manifest and is no longer served), or a submission
   * not yet decided (its submitter or an approver).
   */
  async withdraw(actor: WorkflowActor, id: string, reason = ''): Promise<ClipRecord> {
    requireRole(actor, ['approver', 'submitter'], 'rút bản tin / withdraw clips');
    return this.#step(actor, id, 'withdraw', ['approved', 'submitted', 'changes-requested'], 'withdrawn', async (clip) => {
      if (clip.status === 'approved') requireRole(actor, ['approver'], 'rút bản tin đã duyệt / withdraw an approved clip');
      else if (actor.role === 'submitter') this.#checkOwner(actor, clip, 'rút', 'withdraw');
      await this.#o.library.db.run("UPDATE content_clips SET status = 'withdrawn', note = ? WHERE id = ?", [reason.trim() || null, clip.id]);
      return { sha256: clip.sha256, detail: reason.trim() || null };
    });
  }

  async #step(
    actor: WorkflowActor,
    id: string,
    action: WorkflowAction,
    from: readonly ClipStatus[],
    to: ClipStatus,
    apply: (clip: ClipRecord) => Promise<{ sha256: string; detail: string | null }>,
  ): Promise<ClipRecord> {
    const clipId = normaliseClipId(id);
    const db = this.#o.library.db;
    let before: ClipStatus | null = null;
    const clip = await db.transaction(async () => {
      const current = await db.get<ClipRow>('SELECT * FROM content_clips WHERE id = ?', [clipId]);
      if (!current) throw new ContentError('unknown-clip', both(`Không có bản tin ${clipId}: xem \`loa content list\``, `no clip ${clipId}: see \`loa content list\``));
      const record = toClip(current);
      before = record.status;
      if (!from.includes(record.status)) {
        throw new ContentError(
          'bad-status',
          both(`Bản tin ${clipId} đang ở trạng thái "${record.status}", không thể ${action}`, `clip ${clipId} is ${record.status}; ${action} needs it ${from.join(' or ')}`),
        );
      }
      const { sha256, detail } = await apply(record);
      await this.#audit(clipId, this.#now(), actor, action, sha256, record.status, to, detail);
      return this.#row(clipId);
    });
    this.emit('changed', { action, actor, clip, from: before });
    return clip;
  }

  async #decide(actor: Actor, id: string, status: ClipStatus, note: string | null, priority: Priority | null): Promise<void> {
    await this.#o.library.db.run('UPDATE content_clips SET status = ?, approver = ?, decided_at = ?, note = ?, approved_priority = ? WHERE id = ?', [
      status, actor.name, this.#now(), note, priority, id,
    ]);
  }

  async #audit(id: string, time: number, actor: WorkflowActor, action: WorkflowAction, sha256: string, from: ClipStatus | null, to: ClipStatus, detail: string | null): Promise<void> {
    const o = actor.origin;
    await this.#o.library.db.run(
      'INSERT INTO content_audit (clip_id, time, actor, actor_role, action, sha256, from_status, to_status, detail, via, os_user, os_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, time, actor.name, actor.role, action, sha256, from, to, detail, o?.via ?? null, o?.osUser ?? null, o?.osUid ?? null],
    );
  }

  /**
   * Four eyes: nobody approves a clip whose current content they put there — its submitter, nor whoever made the
   * last (re)submission (an approver may resubmit someone else's clip). This holds for an admin and for an
   * EMERGENCY clip too: emergency is exactly what a stolen or misused account would choose, since it goes to every
   * cart at once and interrupts what plays; a lone-officer shortcut would make the rule empty where it matters most.
   * The emergency path stays fast instead: any other approver (or an admin) approves it from the console or the CLI,
   * and the manifest goes out at that moment.
   */
  async #checkFourEyes(actor: WorkflowActor, clip: ClipRecord): Promise<void> {
    const last = await this.#o.library.db.get<{ actor: string }>(
      "SELECT actor FROM content_audit WHERE clip_id = ? AND action IN ('submit', 'resubmit') ORDER BY id DESC LIMIT 1",
      [clip.id],
    );
    if (actor.name !== clip.submitter && actor.name !== last?.actor) return;
    const emergency = clip.requestedPriority === 'emergency';
    throw new ContentError(
      'not-allowed',
      both(
        `Người dùng "${actor.name}" đã gửi bản tin ${clip.id} nên không được tự phê duyệt${emergency ? ', kể cả khi khẩn cấp' : ''}: cần một người duyệt khác phê duyệt`,
        `user "${actor.name}" submitted clip ${clip.id} and may not approve it${emergency ? ', not even an emergency' : ''}: another approver must approve it`,
      ),
    );
  }

  async #row(id: string): Promise<ClipRecord> {
    const row = await this.#o.library.db.get<ClipRow>('SELECT * FROM content_clips WHERE id = ?', [id]);
    return toClip(row!);
  }

  #checkOwner(actor: Actor, clip: ClipRecord, vi: string, en: string): void {
    if (actor.role === 'admin' || actor.role === 'approver' || clip.submitter === actor.name) return;
    throw new ContentError('not-allowed', both(`Chỉ người gửi (${clip.submitter}) mới ${vi} được bản tin ${clip.id}`, `only its submitter (${clip.submitter}) may ${en} clip ${clip.id}`));
  }

  #checkDetails(d: ClipDetails): Required<ClipDetails> & { summary: string } {
    const title = requiredText('title', d.title);
    if ([...title].length > MAX_TITLE) throw badField('title', `at most ${MAX_TITLE} characters`, title);
    const summary = (d.summary ?? '').trim();
    if ([...summary].length > MAX_SUMMARY) throw badField('summary', `at most ${MAX_SUMMARY} characters`, `${summary.slice(0, 40)}…`);
    const language = d.language ?? 'vi';
    if (!/^[a-z]{2,3}(-[A-Za-z]{2})?$/.test(language)) throw badField('language', 'a language code such as vi or en', language);
    const category = d.category ?? 'chung';
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(category)) throw badField('category', 'a-z, 0-9 and - (1–32)', category);
    const priority = d.priority ?? 'ordinary';
    if (!PRIORITIES.includes(priority)) throw badField('priority', 'emergency, priority or ordinary', priority);
    const targets = checkTargets(d.targets ?? []);
    const validFrom = d.validFrom ?? 0;
    const validUntil = d.validUntil ?? 0;
    this.#checkValidity(validFrom, validUntil);
    return { title, summary, language, category, priority, targets, validFrom, validUntil };
  }

  #checkValidity(validFrom: number, validUntil: number): void {
    for (const [name, v] of [['validFrom', validFrom], ['validUntil', validUntil]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw badField(name, 'Unix seconds or 0', String(v));
    }
    if (validUntil !== 0 && validUntil <= Math.max(validFrom, this.#now())) throw badField('validUntil', 'later than valid-from and than now', String(validUntil));
  }
}

function checkTargets(targets: Target[]): Target[] {
  for (const t of targets) {
    if (!TARGET_KINDS.includes(t.kind) || !TOPIC_NAME.test(t.id)) throw badField('targets', 'district / commune / team / unit with an id of a-z, 0-9, -', `${t.kind}:${t.id}`);
  }
  return targets;
}

function requiredText(name: string, value: string): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v === '') throw badField(name, 'some text', String(value));
  return v;
}

function badField(name: string, expected: string, got: string): ContentError {
  return new ContentError('bad-field', both(`Trường ${name} không hợp lệ: cần ${expected}, nhận ${JSON.stringify(got)}`, `${name} must be ${expected}, got ${JSON.stringify(got)}`));
}
