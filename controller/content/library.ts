/**
 * The content library: clip files stored by content (`<data>/clips/<sha256>.wav`, written durably) and the clip rows
 * of the `content` area. The library stores and reads; every change of a clip's status goes through
 * {@link ContentWorkflow} (workflow.ts), which also writes the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { moveDurably, sha256File } from '../../lib/durable.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import type { Priority, Target } from '../../protocol/index.js';
import { migrateArea } from '../db/database.js';
import type { AudioImporter } from './audio.js';
import { both, ContentError } from './errors.js';
import { CONTENT_MIGRATIONS } from './schema.js';

export const CLIP_STATUSES = ['submitted', 'changes-requested', 'approved', 'rejected', 'withdrawn'] as const;
export type ClipStatus = (typeof CLIP_STATUSES)[number];

/** A clip file in the library, not yet (or already) tied to a clip row. */
export interface StoredFile {
  sha256: string;
  size: number;
  durationMs: number;
}

export interface ClipRecord extends StoredFile {
  id: string;
  title: string;
  summary: string;
  language: string;
  category: string;
  requestedPriority: Priority;
  approvedPriority: Priority | null;
  targets: Target[];
  validFrom: number;
  validUntil: number;
  source: string;
  submitter: string;
  submittedAt: number;
  status: ClipStatus;
  approver: string | null;
  decidedAt: number | null;
  note: string | null;
}

export interface AuditEntry {
  clipId: string;
  time: number;
  actor: string;
  actorRole: string;
  action: string;
  sha256: string;
  fromStatus: string | null;
  toStatus: string;
  detail: string | null;
  /** `cli` for `loa content …` on the host; null through the HTTP API (or before this was recorded). */
  via: string | null;
  /** The system account that ran the CLI (user name and uid); null unless `via` is `cli`. */
  osUser: string | null;
  osUid: number | null;
}

export interface ClipRow {
  id: string;
  sha256: string;
  size: number;
  duration_ms: number;
  title: string;
  summary: string;
  language: string;
  category: string;
  requested_priority: string;
  approved_priority: string | null;
  targets: string;
  valid_from: number;
  valid_until: number;
  source: string;
  submitter: string;
  submitted_at: number;
  status: string;
  approver: string | null;
  decided_at: number | null;
  note: string | null;
}

export function toClip(r: ClipRow): ClipRecord {
  return {
    id: r.id,
    sha256: r.sha256,
    size: r.size,
    durationMs: r.duration_ms,
    title: r.title,
    summary: r.summary,
    language: r.language,
    category: r.category,
    requestedPriority: r.requested_priority as Priority,
    approvedPriority: r.approved_priority as Priority | null,
    targets: JSON.parse(r.targets) as Target[],
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    source: r.source,
    submitter: r.submitter,
    submittedAt: r.submitted_at,
    status: r.status as ClipStatus,
    approver: r.approver,
    decidedAt: r.decided_at,
    note: r.note,
  };
}

/** `c-0007`, or just `7`, to the stored id `c-0007`. */
export function normaliseClipId(id: string): string {
  const n = /^(?:c-)?(\d{1,9})$/i.exec(String(id).trim());
  if (!n) throw new ContentError('unknown-clip', both(`"${id}" không phải mã bản tin (dạng c-0007)`, `"${id}" is not a clip id (like c-0007)`));
  return `c-${String(Number(n[1])).padStart(4, '0')}`;
}

export interface ContentLibraryOptions {
  db: SqliteDb;
  /** The controller's data folder; clip files go to `<dataDir>/clips`. */
  dataDir: string;
  audio: AudioImporter;
}

export class ContentLibrary {
  readonly #o: ContentLibraryOptions;

  constructor(options: ContentLibraryOptions) {
    this.#o = options;
  }

  get db(): SqliteDb {
    return this.#o.db;
  }

  get clipsDir(): string {
    return join(this.#o.dataDir, 'clips');
  }

  /** Brings the content tables up to date and makes the clips folder. */
  async start(): Promise<void> {
    await mkdir(this.clipsDir, { recursive: true });
    await migrateArea(this.#o.db, 'content', CONTENT_MIGRATIONS);
  }

  async stop(): Promise<void> {}

  /** Where the file with this SHA-256 is (whether or not it exists). */
  clipPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new RangeError(`sha256 must be 64 lower-case hex digits, got ${JSON.stringify(sha256)}`);
    return join(this.clipsDir, `${sha256}.wav`);
  }

  /** Converts an uploaded WAV/MP3 and stores it. */
  addFile(input: string): Promise<StoredFile> {
    return this.#store((out) => this.#o.audio.importFile(input, out));
  }

  /** Speaks the text (espeak-ng) and stores the clip. */
  addSpeech(text: string): Promise<StoredFile> {
    return this.#store((out) => this.#o.audio.speak(text, out));
  }

  async #store(make: (output: string) => Promise<{ durationMs: number }>): Promise<StoredFile> {
    const temp = join(this.clipsDir, `.incoming-${randomBytes(6).toString('hex')}.wav`);
    try {
      const facts = await make(temp);
      const sha256 = await sha256File(temp);
      const size = (await stat(temp)).size;
      await moveDurably(temp, this.clipPath(sha256));
      return { sha256, size, durationMs: facts.durationMs };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async find(id: string): Promise<ClipRecord | undefined> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<ClipRow>('SELECT * FROM content_clips WHERE id = ?', [normaliseClipId(id)]));
    return row ? toClip(row) : undefined;
  }

  /** The clip, or `unknown-clip`. */
  async get(id: string): Promise<ClipRecord> {
    const clip = await this.find(id);
    if (!clip) throw new ContentError('unknown-clip', both(`Không có bản tin ${id}: xem \`loa content list\``, `no clip ${id}: see \`loa content list\``));
    return clip;
  }

  /** Clips, newest first, optionally only those in one status. */
  async list(filter: { status?: ClipStatus } = {}): Promise<ClipRecord[]> {
    const db = this.#o.db;
    const rows = await db.exclusive(() =>
      filter.status
        ? db.all<ClipRow>('SELECT * FROM content_clips WHERE status = ? ORDER BY seq DESC', [filter.status])
        : db.all<ClipRow>('SELECT * FROM content_clips ORDER BY seq DESC'),
    );
    return rows.map(toClip);
  }

  /** Approved clips still valid at `now` (valid until 0 = no end), by id: what the next manifest lists. */
  playable(now: number): Promise<ClipRecord[]> {
    return this.#o.db.exclusive(() => this.playableInTransaction(now));
  }

  /** {@link playable} for a caller that already holds the connection (inside its `transaction`). */
  async playableInTransaction(now: number): Promise<ClipRecord[]> {
    const rows = await this.#o.db.all<ClipRow>("SELECT * FROM content_clips WHERE status = 'approved' AND (valid_until = 0 OR valid_until > ?) ORDER BY id", [now]);
    return rows.map(toClip);
  }

  /** The audit trail of one clip, oldest first. */
  async audit(id: string): Promise<AuditEntry[]> {
    const db = this.#o.db;
    const rows = await db.exclusive(() =>
      db.all<{
        clip_id: string; time: number; actor: string; actor_role: string; action: string; sha256: string; from_status: string | null; to_status: string; detail: string | null;
        via: string | null; os_user: string | null; os_uid: number | null;
      }>('SELECT * FROM content_audit WHERE clip_id = ? ORDER BY id', [normaliseClipId(id)]),
    );
    return rows.map((r) => ({
      clipId: r.clip_id, time: r.time, actor: r.actor, actorRole: r.actor_role, action: r.action, sha256: r.sha256, fromStatus: r.from_status, toStatus: r.to_status, detail: r.detail,
      via: r.via, osUser: r.os_user, osUid: r.os_uid,
    }));
  }

  /**
   * True when a file may be served to carts: a manifest has listed it and a clip with this file is still approved.
   * Nothing that no manifest lists is ever served, and a withdrawn clip stops being served at once.
   */
  async servable(sha256: string): Promise<boolean> {
    const db = this.#o.db;
    const row = await db.exclusive(() =>
      db.get<{ n: number }>(
        "SELECT count(*) AS n FROM content_manifest_clips m JOIN content_clips c ON c.id = m.clip_id WHERE m.sha256 = ? AND c.sha256 = ? AND c.status = 'approved'",
        [sha256, sha256],
      ),
    );
    return (row?.n ?? 0) > 0;
  }
}
