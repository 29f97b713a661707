/**
 * The cart's clip cache and its active manifest. Clips are stored content-addressed (`clips/<sha256>.wav`); the
 * active and the previous signed manifests are kept as their signed bytes. A manifest becomes active only when
 * every clip it lists is present and verified, by one durable rename, so a power cut leaves the old manifest or the
 * new one, never a mix. Nothing is played that is not in a valid, signed, unexpired, not-rolled-back manifest.
 *
 * Until the district's sync (content issue) lands, a technician can place a signed manifest and its clips in the
 * `incoming/` folder of the data folder (README: "Putting a playlist on a cart by hand"); `importIncoming()` takes
 * them through the very same checks.
 */
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../hardware/logger.js';
import { checkManifest, openSigned, ProtocolError, type Manifest, type ManifestClip } from '../../protocol/index.js';
import { copyFileDurably, sha256File, writeFileDurably } from '../../lib/durable.js';

export interface ActiveManifest {
  manifest: Manifest;
  /** The signed bytes as received. */
  signed: Buffer;
}

/** Why a manifest or a clip was refused: becomes an event record. */
export class ContentRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContentRefused';
  }
}

export interface ClipCacheOptions {
  dir: string;
  district: string;
  districtKeys: () => readonly KeyObject[];
  /** Unix seconds, the cart's best time. */
  now: () => number;
  logger: Logger;
}

const ACTIVE = 'manifest.active';
const PREVIOUS = 'manifest.previous';

export class ClipCache {
  readonly #o: ClipCacheOptions;
  #active: ActiveManifest | null = null;
  #refusedAtOpen: ContentRefused | null = null;
  readonly #verified = new Map<string, string>();

  constructor(options: ClipCacheOptions) {
    this.#o = options;
  }

  get clipsDir(): string {
    return join(this.#o.dir, 'clips');
  }

  get incomingDir(): string {
    return join(this.#o.dir, 'incoming');
  }

  get active(): ActiveManifest | null {
    return this.#active;
  }

  /**
   * Why the active manifest on disk was refused by `open()` (signed by a key no longer pinned, damaged…), or null.
   * The cart records it as an event once its store is open; the file stays until a sync or an import replaces it.
   */
  get refusedAtOpen(): ContentRefused | null {
    return this.#refusedAtOpen;
  }

  /** Creates the folders and loads the active manifest, checking its signature again (the pinned key may have changed). */
  async open(): Promise<void> {
    await mkdir(this.clipsDir, { recursive: true });
    await mkdir(this.incomingDir, { recursive: true });
    const bytes = await readFile(join(this.#o.dir, ACTIVE)).catch(() => null);
    if (bytes === null) return;
    try {
      this.#active = { manifest: this.#verify(bytes, 0, { ignoreExpiry: true }), signed: bytes };
    } catch (err) {
      this.#refusedAtOpen = err instanceof ContentRefused ? err : new ContentRefused('unreadable', (err as Error).message);
      this.#o.logger.error(`active manifest refused at start: ${(err as Error).message}`);
      return;
    }
    // Clips present with the right size are playable; each is hashed again before it plays (verifyClip), so a
    // start does not hash the whole cache on a slow SD card.
    const absent: string[] = [];
    for (const c of this.#active.manifest.clips) {
      const size = await stat(this.fileOf(c)).then((st) => st.size, () => -1);
      if (size === c.size) this.#verified.set(c.sha256, c.id);
      else absent.push(c.id);
    }
    if (absent.length > 0) this.#o.logger.warn(`clips of the active manifest missing or damaged at start: ${absent.join(', ')}`);
  }

  /** The file of a clip of the active manifest. */
  fileOf(clip: ManifestClip): string {
    return join(this.clipsDir, `${clip.sha256}.wav`);
  }

  /** Play-time check: the file still has the SHA-256 the manifest names (a failing SD card does not play noise). */
  async verifyClip(clip: ManifestClip): Promise<boolean> {
    const actual = await sha256File(this.fileOf(clip)).catch(() => null);
    return actual === clip.sha256;
  }

  /** Ids of the active manifest's clips whose files are present (checked at activation). */
  presentClipIds(): Set<string> {
    return new Set(this.#active?.manifest.clips.filter((c) => this.#verified.has(c.sha256)).map((c) => c.id) ?? []);
  }

  /**
   * Verifies a signed manifest: signature by a pinned key, this district, not expired, not older than the active one.
   * Throws `ContentRefused` with the protocol's code.
   */
  #verify(bytes: Buffer, activeVersion: number, opts: { ignoreExpiry?: boolean } = {}): Manifest {
    try {
      const opened = openSigned(bytes, this.#o.districtKeys());
      if (opened.body.type !== 'manifest') throw new ContentRefused('not-a-manifest', `a signed ${opened.body.type} is not a manifest`);
      const m = opened.body.manifest;
      checkManifest(m, { district: this.#o.district, now: opts.ignoreExpiry ? m.issued : this.#o.now(), activeVersion });
      return m;
    } catch (err) {
      if (err instanceof ProtocolError) throw new ContentRefused(err.code, err.message);
      throw err;
    }
  }

  /** Checks a signed manifest without activating it (for a sync: which clips are missing). */
  check(bytes: Buffer): Manifest {
    return this.#verify(bytes, this.#active?.manifest.version ?? 0);
  }

  /** Which clips of `m` are not in the cache yet. */
  async missing(m: Manifest): Promise<ManifestClip[]> {
    const out: ManifestClip[] = [];
    for (const c of m.clips) {
      if (this.#verified.has(c.sha256)) continue;
      const size = await stat(this.fileOf(c)).then((s) => s.size, () => -1);
      if (size === c.size && (await this.verifyClip(c))) this.#verified.set(c.sha256, c.id);
      else out.push(c);
    }
    return out;
  }

  /** Adds a clip file to the cache after checking its size and SHA-256 (copied durably, content-addressed). */
  async addClip(clip: ManifestClip, source: string): Promise<void> {
    const info = await stat(source);
    if (info.size !== clip.size) throw new ContentRefused('clip-size', `clip ${clip.id}: ${info.size} bytes, the manifest says ${clip.size}`);
    const hash = await sha256File(source);
    if (hash !== clip.sha256) throw new ContentRefused('clip-hash', `clip ${clip.id}: SHA-256 ${hash.slice(0, 12)}… does not match the manifest's ${clip.sha256.slice(0, 12)}…`);
    await copyFileDurably(source, this.fileOf(clip));
    this.#verified.set(clip.sha256, clip.id);
  }

  /**
   * Makes `bytes` the active manifest, once every clip is present and verified; the active one becomes the previous.
   * Then removes clips that neither references. Throws `ContentRefused` when a clip is missing.
   */
  async activate(bytes: Buffer): Promise<Manifest> {
    const m = this.check(bytes);
    const missing = await this.missing(m);
    if (missing.length > 0) throw new ContentRefused('clips-missing', `${missing.length} clip(s) missing: ${missing.map((c) => c.id).join(', ')}`);
    if (this.#active !== null) await writeFileDurably(join(this.#o.dir, PREVIOUS), this.#active.signed);
    await writeFileDurably(join(this.#o.dir, ACTIVE), bytes);
    const previous = this.#active?.manifest;
    this.#active = { manifest: m, signed: bytes };
    await this.#removeUnreferenced([m, ...(previous ? [previous] : [])]);
    return m;
  }

  async #removeUnreferenced(keep: Manifest[]): Promise<void> {
    const wanted = new Set(keep.flatMap((m) => m.clips.map((c) => `${c.sha256}.wav`)));
    for (const name of await readdir(this.clipsDir)) {
      if (wanted.has(name)) continue;
      await rm(join(this.clipsDir, name), { force: true });
      this.#verified.delete(name.replace(/\.wav$/, ''));
    }
  }

  /**
   * Takes a signed manifest (`manifest.bin`) and its clips (`<clip id>.wav`) placed by hand in `incoming/`, through
   * the same checks as a download. Returns the activated manifest, or null when there was nothing to import. The
   * imported files are removed from `incoming/` once active; refused ones are left there, with the reason thrown.
   */
  async importIncoming(): Promise<Manifest | null> {
    const manifestFile = join(this.incomingDir, 'manifest.bin');
    const bytes = await readFile(manifestFile).catch(() => null);
    if (bytes === null) return null;
    const m = this.check(bytes);
    for (const clip of await this.missing(m)) {
      const source = join(this.incomingDir, `${clip.id}.wav`);
      const exists = await stat(source).then(() => true, () => false);
      if (!exists) throw new ContentRefused('clips-missing', `clip ${clip.id} (${clip.title}) is not in ${this.incomingDir} as ${clip.id}.wav`);
      await this.addClip(clip, source);
    }
    const active = await this.activate(bytes);
    await rm(manifestFile, { force: true });
    for (const clip of m.clips) await rm(join(this.incomingDir, `${clip.id}.wav`), { force: true });
    return active;
  }
}
