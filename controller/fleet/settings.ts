/**
 * Remote settings (issue #15): the district sends a settings document to a cart, a team or a commune. The controller
 * checks only its shape (a JSON object of the sections a cart lets the district change, at most 16 KiB): the cart
 * checks it fully, with the schema of its configuration file, and refuses it naming the key path. Each document gets
 * the district's next version (one sequence), is stored with its target, who sent it and when, and goes out as one
 * signed `set-config` command per cart through the command service (recorded in `commands` like any command).
 * What each cart made of it comes back as its events of kind `config` (accepted, refused, applied, rolled-back,
 * ignored, with the detail `v<N>…`) and as the commands' results.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { MAX_CONFIG_DOCUMENT } from '../../protocol/index.js';
import { migrateArea } from '../db/database.js';
import { SETTINGS_MIGRATIONS } from '../db/settings-schema.js';
import type { CommandService, CommandTarget, SentCommand } from './commands.js';

/** The sections a cart accepts from afar (device/update/settings.ts REMOTE_SECTIONS: the hardware stays local). */
export const SETTINGS_SECTIONS = ['policy', 'player', 'link', 'storage'] as const;

/** What is wrong with a document's shape: the field (`document`, `document.hardware`) and what it must be. */
export interface DocumentProblem {
  field: string;
  expected: string;
  got: unknown;
}

/** The first problem with a document's shape, or null; `text` is its JSON as it will be signed. */
export function settingsDocumentProblem(document: unknown): DocumentProblem | null {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { field: 'document', expected: `a JSON object of sections (${SETTINGS_SECTIONS.join(', ')})`, got: document };
  }
  for (const [key, value] of Object.entries(document)) {
    if (key === 'hardware') return { field: 'document.hardware', expected: 'absent: the hardware is changed on the cart itself, never from afar', got: value };
    if (!(SETTINGS_SECTIONS as readonly string[]).includes(key)) return { field: `document.${key}`, expected: `one of the sections ${SETTINGS_SECTIONS.join(', ')}`, got: key };
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: `document.${key}`, expected: 'an object of settings', got: value };
  }
  const bytes = Buffer.byteLength(JSON.stringify(document));
  if (bytes > MAX_CONFIG_DOCUMENT) return { field: 'document', expected: `at most ${MAX_CONFIG_DOCUMENT} bytes of JSON`, got: `${bytes} bytes` };
  return null;
}

export interface SettingsDocument {
  version: number;
  target: CommandTarget;
  document: Record<string, unknown>;
  issuedBy: string | null;
  /** Server time, Unix seconds. */
  created: number;
}

/** What one cart last said about a settings version (from its `config` events). */
export interface SettingsReport {
  version: number;
  /** The cart's time of the event, Unix seconds. */
  time: number;
  detail: string;
}

/** Where one cart stands: the last version sent to it, and the last it reported for each outcome. */
export interface UnitSettingsView {
  unit: string;
  sent: { version: number; issued: number; status: string; detail: string | null } | null;
  accepted: SettingsReport | null;
  applied: SettingsReport | null;
  refused: SettingsReport | null;
  rolledBack: SettingsReport | null;
  ignored: SettingsReport | null;
}

export interface SettingsServiceOptions {
  db: SqliteDb;
  commands: CommandService;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

type Outcome = 'accepted' | 'applied' | 'refused' | 'rolledBack' | 'ignored';
/** The cart's event codes (kind `config`) and the view's fields. */
const OUTCOMES: Readonly<Record<string, Outcome>> = { accepted: 'accepted', applied: 'applied', refused: 'refused', 'rolled-back': 'rolledBack', ignored: 'ignored' };

export class SettingsService {
  readonly #o: SettingsServiceOptions;
  #ready: Promise<number> | undefined;

  constructor(options: SettingsServiceOptions) {
    this.#o = options;
  }

  /**
   * Stores the document under the next version and sends it to every cart of the target. The shape must have been
   * checked ({@link settingsDocumentProblem}). An unknown target (RegistryError) stores nothing.
   */
  async publish(request: { target: CommandTarget; document: Record<string, unknown>; ttlSeconds: number; issuedBy?: string }): Promise<{ version: number; sent: SentCommand[] }> {
    await this.#migrated();
    const db = this.#o.db;
    const text = JSON.stringify(request.document);
    const created = Math.floor((this.#o.clock ?? Date.now)() / 1000);
    const version = await db.transaction(async () => {
      const top = await db.get<{ n: number | null }>('SELECT max(version) AS n FROM settings_documents');
      const next = (top?.n ?? 0) + 1;
      await db.run('INSERT INTO settings_documents (version, target_kind, target_id, document, issued_by, created) VALUES (?, ?, ?, ?, ?, ?)', [
        next, request.target.kind, request.target.id, text, request.issuedBy ?? null, created,
      ]);
      return next;
    });
    try {
      const sent = await this.#o.commands.sendCommand({
        target: request.target,
        action: { action: 'set-config', version, document: text },
        ttlSeconds: request.ttlSeconds,
        ...(request.issuedBy === undefined ? {} : { issuedBy: request.issuedBy }),
      });
      return { version, sent };
    } catch (err) {
      // Nothing was signed for it: the number goes back (a gap would be harmless, but confusing in the list).
      await db.transaction(() => db.run('DELETE FROM settings_documents WHERE version = ?', [version]));
      throw err;
    }
  }

  /** The documents sent, newest first. */
  async list(limit = 200): Promise<SettingsDocument[]> {
    await this.#migrated();
    const rows = await this.#o.db.exclusive(() =>
      this.#o.db.all<{ version: number; target_kind: string; target_id: string; document: string; issued_by: string | null; created: number }>(
        'SELECT version, target_kind, target_id, document, issued_by, created FROM settings_documents ORDER BY version DESC LIMIT ?',
        [limit],
      ),
    );
    return rows.map((r) => ({
      version: r.version,
      target: { kind: r.target_kind as CommandTarget['kind'], id: r.target_id },
      document: JSON.parse(r.document) as Record<string, unknown>,
      issuedBy: r.issued_by,
      created: r.created,
    }));
  }

  /** What one cart last reported for each outcome, and the last settings command sent to it. */
  async unitSettings(unitId: string): Promise<UnitSettingsView> {
    const db = this.#o.db;
    const [events, command] = await db.exclusive(async () => [
      await db.all<{ time: number; code: string; detail: string }>("SELECT time, code, detail FROM events WHERE unit_id = ? AND kind = 'config' ORDER BY time, record", [unitId]),
      await db.get<{ args: string; issued: number; status: string; detail: string | null }>(
        "SELECT args, issued, status, detail FROM commands WHERE unit_id = ? AND action = 'set-config' ORDER BY counter DESC LIMIT 1",
        [unitId],
      ),
    ] as const);
    const view: UnitSettingsView = { unit: unitId, sent: null, accepted: null, applied: null, refused: null, rolledBack: null, ignored: null };
    for (const e of events) {
      const field = Object.hasOwn(OUTCOMES, e.code) ? OUTCOMES[e.code] : undefined;
      const m = /^v(\d+)/.exec(e.detail);
      if (field !== undefined && m) view[field] = { version: Number(m[1]), time: e.time, detail: e.detail };
    }
    if (command) {
      const version = (JSON.parse(command.args) as { version?: unknown }).version;
      if (typeof version === 'number') view.sent = { version, issued: command.issued, status: command.status, detail: command.detail };
    }
    return view;
  }

  /** The `settings` tables, made on first use (the area is this module's own). */
  #migrated(): Promise<number> {
    this.#ready ??= migrateArea(this.#o.db, 'settings', SETTINGS_MIGRATIONS).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }
}
