/**
 * The cart's spoken cues: the district's signed cue pack (controller/content/cues.ts), kept in `content/cues/`, and
 * the choice of the cue that answers a refused press ("Ngoài giờ phát thanh"). Nothing is spoken that is not in a
 * pack signed by a pinned district key for this district, with every file's size and SHA-256 as the pack says:
 * checked when the pack arrives, at every start, and (size and hash of the one file, 20–60 kB) before it is spoken.
 *
 * The pack arrives whole, a ustar of a few hundred kB: from the content sync (`GET /content/cues`) or copied by a
 * technician to `content/incoming/cues.tar`. On disk:
 *
 *   content/cues/v<version>/   cues.json, cues.sig and the WAVs, written and flushed, then renamed into place
 *   content/cues/current       "v<version>": switched by one durable rename, so a power cut leaves the old pack or
 *                              the new one, never a mix
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '../../hardware/logger.js';
import { syncFolder, writeFileDurably, writeNewFileSynced } from '../../lib/durable.js';
import { readTar, TarError } from '../../lib/tar.js';
import { keyId, type EventKind } from '../../protocol/index.js';

export const CUE_FORMAT = 'loa-cues-1';
/** A whole pack at most, bytes (the district's is about 400 kB). */
export const MAX_CUE_PACK_BYTES = 4 * 1024 * 1024;
const MAX_CUE_BYTES = 1024 * 1024;
const MAX_CUES = 64;
const BATTERY_CUE = /^battery-minutes-(\d{1,4})$/;

/** What `cueFor` chooses: the file to speak and what it says. */
export interface Cue {
  id: string;
  file: string;
  text: string;
}

/** Why a pack was refused: one event record (code) and what a technician reads. */
export interface CueRefusal {
  code: string;
  vi: string;
  en: string;
}

export class CueRefused extends Error {
  constructor(
    readonly code: string,
    readonly vi: string,
    readonly en: string,
  ) {
    super(en);
    this.name = 'CueRefused';
  }

  get refusal(): CueRefusal {
    return { code: this.code, vi: this.vi, en: this.en };
  }
}

/** The event kind of a refused pack: a signature that does not hold, or another fault of the pack. */
export function cueRefusalKind(code: string): Extract<EventKind, 'rejected-signature' | 'manifest'> {
  return code === 'unknown-key' || code === 'bad-signature' ? 'rejected-signature' : 'manifest';
}

export interface CueSetOptions {
  /** The cart's content folder (`<data>/content`): the pack goes in `cues/`, an import comes from `incoming/`. */
  dir: string;
  district: string;
  /** The pinned district keys, read at each check (a key rotation takes effect). */
  districtKeys: () => readonly KeyObject[];
  logger: Logger;
}

export interface InstalledCues {
  version: number;
  /** SHA-256 of the signed cues.json: what the sync sends as If-None-Match. */
  sha256: string;
  cues: number;
}

interface Entry {
  id: string;
  text: string;
  file: string;
  sha256: string;
  bytes: number;
}

interface Loaded extends InstalledCues {
  entries: Map<string, Entry>;
  folder: string;
}

export class CueSet {
  readonly #o: CueSetOptions;
  #pack: Loaded | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CueSetOptions) {
    this.#o = options;
  }

  get cuesDir(): string {
    return join(this.#o.dir, 'cues');
  }

  /** Where a technician puts a pack exported by `loa controller cues export`. */
  get incomingFile(): string {
    return join(this.#o.dir, 'incoming', 'cues.tar');
  }

  /** The pack in use, or null. */
  get installed(): InstalledCues | null {
    const p = this.#pack;
    return p === null ? null : { version: p.version, sha256: p.sha256, cues: p.cues };
  }

  /**
   * Loads the pack in use, checking it all again (the pinned keys may have changed, the SD card may fail). Returns
   * why it was refused (the cart records it; it then speaks no cue until a good pack arrives), or null.
   */
  async open(): Promise<CueRefusal | null> {
    await mkdir(this.cuesDir, { recursive: true });
    for (const name of await readdir(this.cuesDir)) if (name.startsWith('.')) await rm(join(this.cuesDir, name), { recursive: true, force: true });
    const current = (await readFile(join(this.cuesDir, 'current'), 'utf8').catch(() => '')).trim();
    if (!/^v\d{1,12}$/.test(current)) return null;
    const folder = join(this.cuesDir, current);
    try {
      const read = (name: string): Promise<Buffer | undefined> => readFile(join(folder, name)).catch(() => undefined);
      const members = new Map<string, Buffer>();
      for (const name of ['cues.json', 'cues.sig']) {
        const bytes = await read(name);
        if (bytes) members.set(name, bytes);
      }
      const doc = this.#verifyDocument(members);
      for (const c of doc.cues) {
        const bytes = await read(c.file);
        if (bytes) members.set(c.file, bytes);
      }
      this.#checkFiles(doc.cues, members);
      this.#pack = loaded(doc, members.get('cues.json')!, folder);
      return null;
    } catch (err) {
      const refused = asRefused(err);
      this.#o.logger.error(`cue pack ${current} refused at start: ${refused.en}`);
      return refused.refusal;
    }
  }

  /**
   * Checks a pack (the bytes of its tar) and makes it the one in use. Returns null when it is the pack already in
   * use; throws `CueRefused` (the pack in use stays) when it is not signed by a pinned key for this district, older
   * than the one in use, or a file is missing or differs.
   */
  install(tar: Buffer): Promise<InstalledCues | null> {
    const run = this.#queue.then(() => this.#install(tar));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Takes `incoming/cues.tar` through the same checks: removed once installed, left there when refused. */
  async importIncoming(): Promise<{ installed: InstalledCues | null } | { refused: CueRefusal } | null> {
    const info = await stat(this.incomingFile).catch(() => null);
    if (info === null) return null;
    try {
      if (info.size > MAX_CUE_PACK_BYTES) throw tooLarge(info.size);
      const installed = await this.install(await readFile(this.incomingFile));
      await rm(this.incomingFile, { force: true });
      return { installed };
    } catch (err) {
      return { refused: asRefused(err).refusal };
    }
  }

  /**
   * The cue that answers the first refusal code that has one; null when none has (or the pack is missing). For
   * `energy-reserve` and `low-battery` with the minutes left known, "Pin còn khoảng N phút" with the largest N not
   * above them (under the smallest N: the low-battery cue). A cue whose file no longer has its size and SHA-256 is
   * skipped (and logged): a failing SD card does not speak noise.
   */
  cueFor(codes: readonly string[], ctx: { minutesLeft: number | null }): Cue | null {
    const p = this.#pack;
    if (p === null) return null;
    for (const code of codes) {
      let id = code;
      if ((code === 'energy-reserve' || code === 'low-battery') && ctx.minutesLeft !== null && Number.isFinite(ctx.minutesLeft)) {
        id = batteryCue(p.entries, ctx.minutesLeft) ?? 'low-battery';
      }
      const entry = p.entries.get(id);
      if (entry === undefined) continue;
      const file = join(p.folder, entry.file);
      if (this.#intact(file, entry)) return { id, file, text: entry.text };
    }
    return null;
  }

  #intact(file: string, e: Entry): boolean {
    try {
      if (statSync(file).size === e.bytes && sha256(readFileSync(file)) === e.sha256) return true;
      this.#o.logger.error(`cue ${e.id}: ${file} no longer matches the signed pack; not spoken`);
    } catch (err) {
      this.#o.logger.error(`cue ${e.id}: ${(err as Error).message}; not spoken`);
    }
    return false;
  }

  async #install(tar: Buffer): Promise<InstalledCues | null> {
    if (tar.length > MAX_CUE_PACK_BYTES) throw tooLarge(tar.length);
    const members = await untar(tar);
    const doc = this.#verifyDocument(members);
    this.#checkFiles(doc.cues, members);
    const json = members.get('cues.json')!;
    const current = this.#pack;
    if (current !== null && current.sha256 === sha256(json)) return null;
    if (current !== null && doc.version <= current.version) {
      throw new CueRefused(
        'rollback',
        `Gói câu nói ${doc.version} cũ hơn gói đang dùng ${current.version}: bỏ qua`,
        `cue pack ${doc.version} is not newer than the pack in use (${current.version}): ignored`,
      );
    }
    const name = `v${doc.version}`;
    const temp = join(this.cuesDir, `.${name}.${process.pid}.tmp`);
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    for (const file of ['cues.json', 'cues.sig', ...doc.cues.map((c) => c.file)]) await writeNewFileSynced(join(temp, file), members.get(file)!);
    await syncFolder(temp);
    const folder = join(this.cuesDir, name);
    await rm(folder, { recursive: true, force: true });
    await rename(temp, folder);
    await syncFolder(this.cuesDir);
    await writeFileDurably(join(this.cuesDir, 'current'), `${name}\n`);
    this.#pack = loaded(doc, json, folder);
    for (const old of await readdir(this.cuesDir)) if (/^v\d+$/.test(old) && old !== name) await rm(join(this.cuesDir, old), { recursive: true, force: true });
    this.#o.logger.info(`cue pack ${doc.version} in use: ${doc.cues.length} cues`);
    return this.installed;
  }

  /** The signature by a pinned key, then the document's shape and district. */
  #verifyDocument(members: Map<string, Buffer>): { version: number; cues: Entry[] } {
    const json = members.get('cues.json');
    const sig = members.get('cues.sig');
    if (json === undefined || sig === undefined) throw bad('cues.json or cues.sig is missing');
    let s: { keyId?: unknown; signature?: unknown };
    try {
      s = JSON.parse(sig.toString('utf8')) as typeof s;
    } catch {
      throw bad('cues.sig is not JSON');
    }
    const key = this.#o.districtKeys().find((k) => keyId(k) === s.keyId);
    if (key === undefined) {
      throw new CueRefused('unknown-key', `Gói câu nói ký bằng khoá ${String(s.keyId)}, không phải khoá huyện đã ghim: bỏ qua`, `the cue pack is signed by key ${String(s.keyId)}, not a pinned district key: ignored`);
    }
    if (typeof s.signature !== 'string' || !verify(null, json, key, Buffer.from(s.signature, 'base64'))) {
      throw new CueRefused('bad-signature', 'Chữ ký của gói câu nói không đúng (gói bị sửa hoặc giả): bỏ qua', 'the cue pack does not verify (altered or forged): ignored');
    }
    return parseDocument(json, this.#o.district);
  }

  #checkFiles(cues: readonly Entry[], members: Map<string, Buffer>): void {
    for (const c of cues) {
      const bytes = members.get(c.file);
      if (bytes === undefined) throw new CueRefused('cue-missing', `Gói câu nói thiếu tệp ${c.file}: bỏ qua`, `the cue pack lacks ${c.file}: ignored`);
      if (bytes.length !== c.bytes) throw new CueRefused('cue-size', `Tệp ${c.file} dài ${bytes.length} byte, gói ghi ${c.bytes}: bỏ qua`, `${c.file} is ${bytes.length} bytes, the pack says ${c.bytes}: ignored`);
      if (sha256(bytes) !== c.sha256) throw new CueRefused('cue-hash', `Tệp ${c.file} không đúng SHA-256 của gói: bỏ qua`, `${c.file} does not have the SHA-256 the pack names: ignored`);
    }
  }
}

/** The largest "battery-minutes-N" with N ≤ minutes, or null. */
function batteryCue(entries: Map<string, Entry>, minutes: number): string | null {
  let best: { id: string; n: number } | null = null;
  for (const id of entries.keys()) {
    const n = Number(BATTERY_CUE.exec(id)?.[1] ?? NaN);
    if (n <= minutes && (best === null || n > best.n)) best = { id, n };
  }
  return best?.id ?? null;
}

function parseDocument(json: Buffer, district: string): { version: number; cues: Entry[] } {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('cues.json is not JSON');
  }
  if (d.format !== CUE_FORMAT) throw bad(`format ${JSON.stringify(d.format)} is not ${CUE_FORMAT}`);
  if (d.district !== district) {
    throw new CueRefused('wrong-district', `Gói câu nói của huyện ${String(d.district)}, không phải ${district}: bỏ qua`, `the cue pack is for district ${String(d.district)}, not ${district}: ignored`);
  }
  const version = d.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw bad('version must be a whole number ≥ 1');
  if (!Array.isArray(d.cues) || d.cues.length === 0 || d.cues.length > MAX_CUES) throw bad(`cues must list 1 to ${MAX_CUES} cues`);
  const cues = d.cues.map((c: Partial<Entry>, i) => {
    const ok =
      typeof c.id === 'string' && /^[a-z0-9-]{1,48}$/.test(c.id) && c.file === `${c.id}.wav` && typeof c.text === 'string' && c.text.length <= 200 &&
      typeof c.sha256 === 'string' && /^[0-9a-f]{64}$/.test(c.sha256) && Number.isSafeInteger(c.bytes) && c.bytes! > 44 && c.bytes! <= MAX_CUE_BYTES;
    if (!ok) throw bad(`cue ${i + 1} is not {id, text, file: "<id>.wav", sha256, bytes}`);
    return c as Entry;
  });
  if (new Set(cues.map((c) => c.id)).size !== cues.length) throw bad('a cue id is listed twice');
  return { version, cues };
}

async function untar(tar: Buffer): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  try {
    for await (const e of readTar(Readable.from([tar]), { maxEntries: MAX_CUES + 2, maxEntryBytes: MAX_CUE_BYTES })) {
      if (e.type !== 'file' || members.has(e.name)) throw bad(`unexpected entry ${JSON.stringify(e.name)}`);
      const parts: Buffer[] = [];
      for await (const chunk of e.body) parts.push(chunk);
      members.set(e.name, Buffer.concat(parts));
    }
  } catch (err) {
    if (err instanceof TarError) throw bad(`not a whole ustar (${err.message})`);
    throw err;
  }
  return members;
}

function loaded(doc: { version: number; cues: Entry[] }, json: Buffer, folder: string): Loaded {
  return { version: doc.version, sha256: sha256(json), cues: doc.cues.length, entries: new Map(doc.cues.map((c) => [c.id, c])), folder };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function bad(detail: string): CueRefused {
  return new CueRefused('bad-pack', `Gói câu nói hỏng (${detail}): bỏ qua, xin huyện gói mới`, `the cue pack is damaged (${detail}): ignored; ask the district for a new one`);
}

function tooLarge(size: number): CueRefused {
  return new CueRefused('too-large', `Gói câu nói ${size} byte, quá ${MAX_CUE_PACK_BYTES}: bỏ qua`, `the cue pack is ${size} bytes, over ${MAX_CUE_PACK_BYTES}: ignored`);
}

function asRefused(err: unknown): CueRefused {
  if (err instanceof CueRefused) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CueRefused('storage', `Không ghi/đọc được gói câu nói: ${message}`, `the cue pack could not be read or written: ${message}`);
}
