/**
 * Remote settings (issue #15): a settings document signed by the district (`set-config`), checked with the same
 * schema as the configuration file, kept in `<data>/settings/` and applied by a restart, on trial until the health
 * check passes — and rolled back, like a release, when it does not.
 *
 *   <data>/settings/v<N>.json   each accepted document, as received (durable: temp file, fsync, rename)
 *   <data>/settings/state.json  { good, trial: { version, attempts } | null, lastFailure, lastFailureReported, ignored }
 *
 * A document replaces the last one sent: the cart runs on its configuration file ← the document (objects merged,
 * arrays and other values replaced), never on a pile of documents.
 *
 * Why a restart rather than a live change: the cart reads every section once, at start (the policy in the Cart's
 * constructor, the player's timing in the Player's, the telemetry period in a timer, the outbox limit when the store
 * opens). Changing them in a running cart would need each feature to take a new value safely; a restart applies them
 * all the way the file is applied, and the health check judges the result.
 *
 * The composition root (cart-run.ts):
 *   const { config, settings, remote } = await loadCartConfigWithSettings(dataDir, file, { simulate });
 *   …the store opens…
 *   await remote.attach({ record, restart });           // records what the start found (a rollback, once)
 *   new Cart({ …, remote: { setConfig: (c) => remote.setConfig(c), update } });
 *   health passed → remote.markSettingsGood(); failed → remote.markSettingsFailed(reason), then restart
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import { ConfigError, type ConfigProblem } from '../../lib/config-error.js';
import type { Command, CommandStatus } from '../../protocol/index.js';
import { loadCartConfigFor, validateCartConfig, type CartConfig, type CartConfigOptions } from '../config.js';
import { loadIdentity } from '../identity.js';
import { validatePolicyConfig } from '../logic/policy.js';

/**
 * The sections the district may change from afar. Not `hardware`: a wrong pin or serial port could leave a cart that
 * no longer talks to the district, and then no remote document could put it right; a technician changes the
 * hardware on the cart itself, in its configuration file.
 */
export const REMOTE_SECTIONS = ['policy', 'player', 'link', 'storage'] as const;

/** Starts a trial document gets: a cart that fails its health check (or crashes) this many times goes back. */
export const MAX_TRIAL_STARTS = 3;

export interface SettingsState {
  /** The last document that passed its health check. */
  good: number | null;
  /** The document being tried, and how many starts it has had. */
  trial: { version: number; attempts: number } | null;
  /** The last document rolled back, and why. */
  lastFailure: { version: number; reason: string } | null;
  /** Whether the district was told of `lastFailure` (a 'rolled-back' event recorded). */
  lastFailureReported: boolean;
  /** The good version found no longer valid and reported so ('ignored'), so that it is reported once. */
  ignored: number | null;
}

/** What the cart runs on: the version applied (null = the file alone) and whether it is on trial. */
export interface AppliedSettings {
  applied: number | null;
  onTrial: boolean;
}

export type SettingsEventCode = 'accepted' | 'refused' | 'applied' | 'rolled-back' | 'ignored';

/** Keeps a durable event of kind 'config' (the cart's store), which the district reads. */
export type RecordSettingsEvent = (code: SettingsEventCode, detail: string) => Promise<void>;

export interface SettingsAttachment {
  record: RecordSettingsEvent;
  /** Restarts the cart (exits for systemd to start it again), to apply an accepted document. */
  restart: () => void;
  /** Wait before restarting, so that the command's result is kept and sent first (default 500 ms). */
  restartDelayMs?: number;
}

const EMPTY_STATE: SettingsState = { good: null, trial: null, lastFailure: null, lastFailureReported: true, ignored: null };

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base` ← `over`: objects merged key by key, anything else (arrays, numbers, null) replaced. */
export function mergeSettings(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in out ? mergeSettings(out[key], value) : value;
  return out;
}

/** Problems with a document's shape, before the schema: a JSON object of the remote sections only. */
export function documentProblems(text: string): { document: Plain | null; problems: ConfigProblem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { document: null, problems: [{ path: '(document)', message: `is not valid JSON: ${(err as Error).message}` }] };
  }
  if (!isPlain(parsed)) return { document: null, problems: [{ path: '(document)', message: 'must be a JSON object of sections (policy, player, link, storage)' }] };
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(parsed)) {
    if ((REMOTE_SECTIONS as readonly string[]).includes(key)) continue;
    problems.push({
      path: key,
      message: key === 'hardware' ? 'cannot be changed from afar (a wrong pin could cut the cart off): change it in the configuration file on the cart' : `is not a section that can be changed from afar (${REMOTE_SECTIONS.join(', ')})`,
    });
  }
  return { document: parsed, problems };
}

const describe = (problems: readonly ConfigProblem[]): string => problems.map((p) => `${p.path}: ${p.message}`).join('; ');

/**
 * The cart's configuration with its remote settings: what cart-run.ts calls instead of `loadCartConfigFor`. The
 * configuration file alone must be valid (a bad file stops the cart as before); a stored document never does.
 */
export async function loadCartConfigWithSettings(
  dataDir: string,
  file: string | undefined,
  options: { simulate: boolean },
): Promise<{ config: CartConfig; settings: AppliedSettings; remote: RemoteSettings }> {
  const remote = new RemoteSettings(dataDir, file, options);
  const { config, settings } = await remote.load();
  return { config, settings, remote };
}

export class RemoteSettings {
  readonly #dir: string;
  readonly #dataDir: string;
  readonly #file: string | undefined;
  readonly #simulate: boolean;
  #options: CartConfigOptions;
  /** The configuration file as parsed, before defaults: what documents are merged over. */
  #fileRaw: unknown = {};
  #applied: AppliedSettings = { applied: null, onTrial: false };
  #attached: SettingsAttachment | null = null;
  /** Events found before the store was open, recorded at `attach`. */
  #pending: { code: SettingsEventCode; detail: string }[] = [];
  /** One change of the state at a time (a command and the health check may meet). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, file: string | undefined, options: { simulate: boolean }) {
    this.#dataDir = dataDir;
    this.#dir = join(dataDir, 'settings');
    this.#file = file;
    this.#simulate = options.simulate;
    this.#options = { simulate: options.simulate };
  }

  /** The version the cart runs on, for its status. */
  get applied(): AppliedSettings {
    return { ...this.#applied };
  }

  /** Reads the file and the stored documents; a trial gets one more start, or goes back to the good one. */
  async load(): Promise<{ config: CartConfig; settings: AppliedSettings }> {
    const base = await loadCartConfigFor(this.#dataDir, this.#file, { simulate: this.#simulate });
    const identity = await loadIdentity(this.#dataDir);
    this.#options = { simulate: this.#simulate, ...(identity ? { profile: identity.profile } : {}) };
    const path = this.#file ?? (existsSync(join(this.#dataDir, 'config.json')) ? join(this.#dataDir, 'config.json') : undefined);
    this.#fileRaw = path === undefined ? {} : (JSON.parse(await readFile(path, 'utf8')) as unknown);
    try {
      return await this.#withStored(base);
    } catch (err) {
      // The settings folder cannot be read or written (a damaged card): the cart still starts, on its file alone.
      this.#queueEvent('ignored', `settings folder: ${(err as Error).message}`);
      return this.#running(base, { applied: null, onTrial: false });
    }
  }

  /** The stored document to run on (a trial gets one more start, or goes back), else the file's configuration. */
  async #withStored(base: CartConfig): Promise<{ config: CartConfig; settings: AppliedSettings }> {
    await mkdir(this.#dir, { recursive: true });
    let state = await this.#readState();
    if (state.lastFailure && !state.lastFailureReported) this.#queueEvent('rolled-back', `v${state.lastFailure.version}: ${state.lastFailure.reason}`);
    if (state.trial) {
      const tried = await this.#loadTrial(state, state.trial);
      if (tried.config) return this.#running(tried.config, { applied: state.trial.version, onTrial: true });
      state = tried.state;
    }
    if (state.good !== null) {
      const good = await this.#configOf(state.good);
      if (good.config) return this.#running(good.config, { applied: state.good, onTrial: false });
      // A software update may have changed the schema under a stored document: the cart starts on its file.
      if (state.ignored !== state.good) {
        this.#queueEvent('ignored', `v${state.good}: ${describe(good.problems)}`);
        await this.#writeState({ ...state, ignored: state.good });
      }
    }
    return this.#running(base, { applied: null, onTrial: false });
  }

  /** Once the store is open: keeps the events the start found, then records new ones as they happen. */
  async attach(attachment: SettingsAttachment): Promise<void> {
    this.#attached = attachment;
    const pending = this.#pending;
    this.#pending = [];
    for (const e of pending) await this.#record(e.code, e.detail);
  }

  /** The cart's `RemoteChanges.setConfig`: checks the document, keeps it as the trial and restarts to apply it. */
  setConfig(c: Command & { action: 'set-config' }): Promise<{ status: CommandStatus; detail: string }> {
    return this.#serial(async () => {
      const state = await this.#readState();
      const last = Math.max(state.good ?? 0, state.trial?.version ?? 0, state.lastFailure?.version ?? 0);
      if (c.version <= last) return this.#refuse(c.version, `not above v${last}, the last accepted by this cart (an old or repeated document)`);
      const { document, problems } = documentProblems(c.document);
      if (document === null || problems.length > 0) return this.#refuse(c.version, describe(problems));
      const checked = this.#validate(document);
      if (!checked.config) return this.#refuse(c.version, describe(checked.problems));
      await writeFileDurably(this.#docPath(c.version), c.document);
      await this.#writeState({ ...state, trial: { version: c.version, attempts: 0 } });
      await this.#record('accepted', `v${c.version}`);
      const a = this.#attached;
      if (a) setTimeout(() => a.restart(), a.restartDelayMs ?? 500).unref();
      return { status: 'ok', detail: `settings v${c.version} accepted: restarting to apply them` };
    });
  }

  /** The health check passed: the trial document becomes the good one. */
  markSettingsGood(): Promise<void> {
    return this.#serial(async () => {
      const state = await this.#readState();
      if (!this.#applied.onTrial || state.trial?.version !== this.#applied.applied) return;
      const version = state.trial.version;
      await this.#writeState({ ...state, good: version, trial: null, ignored: null });
      this.#applied = { applied: version, onTrial: false };
      await this.#record('applied', `v${version}`);
      await this.#prune(version);
    });
  }

  /** The health check failed: the trial is dropped; the caller restarts the cart, which starts on the good one. */
  markSettingsFailed(reason: string): Promise<void> {
    return this.#serial(async () => {
      const state = await this.#readState();
      if (!this.#applied.onTrial || state.trial?.version !== this.#applied.applied) return;
      await this.#rollBack(state, state.trial.version, reason);
    });
  }

  // --- the pieces ---------------------------------------------------------------------------------------------------

  async #loadTrial(state: SettingsState, trial: { version: number; attempts: number }): Promise<{ config?: CartConfig; state: SettingsState }> {
    if (trial.attempts >= MAX_TRIAL_STARTS) {
      return { state: await this.#rollBack(state, trial.version, `the cart did not pass its health check in ${MAX_TRIAL_STARTS} starts`) };
    }
    const tried = await this.#configOf(trial.version);
    if (!tried.config) return { state: await this.#rollBack(state, trial.version, `no longer valid: ${describe(tried.problems)}`) };
    // Counted before use: a document that crashes the cart at start still runs out of starts.
    const next = { ...state, trial: { version: trial.version, attempts: trial.attempts + 1 } };
    await this.#writeState(next);
    return { config: tried.config, state: next };
  }

  async #rollBack(state: SettingsState, version: number, reason: string): Promise<SettingsState> {
    await this.#writeState({ ...state, trial: null, lastFailure: { version, reason }, lastFailureReported: false });
    await this.#record('rolled-back', `v${version}: ${reason}`);
    return this.#readState();
  }

  #running(config: CartConfig, applied: AppliedSettings): { config: CartConfig; settings: AppliedSettings } {
    this.#applied = applied;
    return { config, settings: { ...applied } };
  }

  /** The file ← the document, through the configuration schema and the policy's. */
  #validate(document: Plain): { config?: CartConfig; problems: readonly ConfigProblem[] } {
    try {
      const config = validateCartConfig(mergeSettings(this.#fileRaw, document), this.#options);
      validatePolicyConfig(config.policy ?? {});
      return { config, problems: [] };
    } catch (err) {
      if (err instanceof ConfigError) return { problems: err.problems };
      throw err;
    }
  }

  /** A stored document's configuration, or why there is none. */
  async #configOf(version: number): Promise<{ config?: CartConfig; problems: readonly ConfigProblem[] }> {
    let text: string;
    try {
      text = await readFile(this.#docPath(version), 'utf8');
    } catch (err) {
      return { problems: [{ path: `settings/v${version}.json`, message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` }] };
    }
    const { document, problems } = documentProblems(text);
    if (document === null || problems.length > 0) return { problems };
    return this.#validate(document);
  }

  async #refuse(version: number, why: string): Promise<{ status: CommandStatus; detail: string }> {
    const detail = `settings v${version} refused: ${why}`;
    await this.#record('refused', `v${version}: ${why}`);
    return { status: 'refused', detail };
  }

  /** Records now when attached, else at `attach`; a rollback is marked reported once its event is kept. */
  async #record(code: SettingsEventCode, detail: string): Promise<void> {
    if (!this.#attached) {
      this.#queueEvent(code, detail);
      return;
    }
    await this.#attached.record(code, detail);
    if (code === 'rolled-back') {
      const state = await this.#readState();
      if (state.lastFailure && !state.lastFailureReported) await this.#writeState({ ...state, lastFailureReported: true });
    }
  }

  #queueEvent(code: SettingsEventCode, detail: string): void {
    if (!this.#pending.some((e) => e.code === code && e.detail === detail)) this.#pending.push({ code, detail });
  }

  /** Documents older than the good one are never used again. */
  async #prune(good: number): Promise<void> {
    for (const name of await readdir(this.#dir)) {
      const m = /^v(\d+)\.json$/.exec(name);
      if (m && Number(m[1]) < good) await unlink(join(this.#dir, name)).catch(() => undefined);
    }
  }

  #docPath(version: number): string {
    return join(this.#dir, `v${version}.json`);
  }

  /** The state; a missing file is a cart that never got a document. Left-over temporary files are not looked at. */
  async #readState(): Promise<SettingsState> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_STATE };
      throw err;
    }
    try {
      return { ...EMPTY_STATE, ...(JSON.parse(text) as Partial<SettingsState>) };
    } catch {
      // Written durably, so never half a file; should it be damaged anyway, the cart starts on its file alone.
      return { ...EMPTY_STATE };
    }
  }

  async #writeState(state: SettingsState): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeFileDurably(join(this.#dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
