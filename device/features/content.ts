/**
 * What the cart may play: the active signed manifest from the clip cache, made into this cart's playlist; manifests
 * placed by hand in incoming/ and, with a controller address, the content sync that downloads the district's. A new
 * manifest's emergency clips play at once, where the gate allows.
 */
import type { Announcement, EventKind, Manifest } from '../../protocol/index.js';
import { buildPlaylist, emergencyClips } from '../logic/playlist.js';
import { cueRefusalKind, type CueSet } from '../content/cues.js';
import type { PlayableClip } from '../player/player.js';
import { manifestRefusalKind } from '../sync/errors.js';
import type { ContentSync, SyncState } from '../sync/sync.js';
import type { Cart } from '../cart.js';
import type { CartContext, CartFeature } from './feature.js';

/** The playlist is rebuilt this often: a clip's validity window opens or closes with the time. */
const REFRESH_MS = 60_000;

export class Content implements CartFeature {
  readonly name = 'content';
  readonly #ctx: CartContext;
  readonly #cart: Cart;
  readonly #cues: CueSet | null;
  #playlist: PlayableClip[] = [];
  #sync: ContentSync | null = null;

  constructor(ctx: CartContext, cart: Cart, cues: CueSet | null) {
    this.#ctx = ctx;
    this.#cart = cart;
    this.#cues = cues;
  }

  get playlist(): readonly PlayableClip[] {
    return this.#playlist;
  }

  get manifest(): Manifest | null {
    return this.#ctx.options.cache.active?.manifest ?? null;
  }

  syncState(): SyncState | null {
    return this.#sync?.state() ?? null;
  }

  async start(): Promise<void> {
    const ctx = this.#ctx;
    this.refresh();
    // The active manifest the cache refused at open (its key no longer pinned, a damaged file): said to the district
    // like a refusal of the sync, before anything replaces it.
    const refused = ctx.options.cache.refusedAtOpen;
    if (refused) await ctx.event(manifestRefusalKind(refused.code), refused.code, `active manifest refused at start: ${refused.message}`);
    // The spoken cues are checked again at start with the keys pinned now: a pack signed by a dropped key is not used.
    const cuesRefused = await this.#cues?.open();
    if (cuesRefused) await ctx.event(cueRefusalKind(cuesRefused.code), cuesRefused.code, `spoken cues refused at start: ${cuesRefused.en}`);
    // Imported once the player and the hardware run: a new emergency clip in it plays at once.
    await this.importIncoming();
    ctx.every(REFRESH_MS, () => this.refresh());
    if (ctx.options.sync) {
      const sync = ctx.options.sync(this.#cart);
      this.#sync = sync;
      sync.on('activated', (m) => void this.#activated(m, 'sync').catch((err: unknown) => ctx.fault('content', err)));
      await sync.start();
    }
  }

  async stop(): Promise<void> {
    await this.#sync?.stop().catch(() => undefined);
  }

  /** A manifest announcement from the district (through the uplink). */
  announced(a: Announcement): void {
    this.#sync?.announce(a);
  }

  /** The district's `sync-now`: a sync round, or incoming/ looked at again without a controller address. */
  async syncNow(): Promise<string> {
    if (this.#sync) {
      this.#sync.syncNow();
      return `sync started (active manifest ${this.manifest?.version ?? 0})`;
    }
    await this.importIncoming();
    this.refresh();
    return `manifest ${this.manifest?.version ?? 0}`;
  }

  /** The play-time check of a clip's SHA-256 against the active manifest. */
  async verify(clip: PlayableClip): Promise<boolean> {
    const m = this.manifest?.clips.find((c) => c.id === clip.id);
    return m !== undefined && (await this.#ctx.options.cache.verifyClip(m));
  }

  refresh(): void {
    const { cache, identity: id, clock } = this.#ctx.options;
    const active = cache.active;
    const faults = this.#ctx.live.faults;
    if (active === null) {
      this.#playlist = [];
      faults.add('no-manifest');
      return;
    }
    faults.delete('no-manifest');
    const list = buildPlaylist({
      manifest: active.manifest,
      cart: { unitName: id.unitName, unitNumber: id.unitNumber, team: id.team, commune: id.commune, district: id.district },
      verified: cache.presentClipIds(),
      now: clock.now().time,
    });
    this.#playlist = list.clips.map((c) => ({ id: c.id, file: cache.fileOf(c), title: c.title, priority: c.priority, manifestVersion: active.manifest.version }));
  }

  async importIncoming(): Promise<void> {
    await this.#importCues();
    try {
      const m = await this.#ctx.options.cache.importIncoming();
      if (m) await this.#activated(m, 'incoming');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'refused';
      const kind: EventKind = code === 'bad-signature' || code === 'unknown-key' ? 'rejected-signature' : code.startsWith('clip') ? 'rejected-clip' : 'manifest';
      await this.#ctx.event(kind, code, (err as Error).message);
      this.#ctx.fault('content', err);
    }
  }

  /** A cue pack in incoming/ (`loa controller cues export`), checked like one from the sync. */
  async #importCues(): Promise<void> {
    const r = await this.#cues?.importIncoming();
    if (!r) return;
    if ('refused' in r) await this.#ctx.event(cueRefusalKind(r.refused.code), r.refused.code, `spoken cues in incoming/ refused: ${r.refused.en}`);
    else if (r.installed) await this.#ctx.event('manifest', 'cues-installed', `spoken cues v${r.installed.version} installed from incoming/`);
  }

  /**
   * A manifest became active, downloaded by the content sync or placed in incoming/: the playlist follows it, and
   * its emergency clips play at once (they interrupt what is playing), where the gate allows. The sync records its
   * own activations (through `contentEvent`); one from incoming/ is recorded here.
   */
  async #activated(m: Manifest, how: 'sync' | 'incoming'): Promise<void> {
    await this.#ctx.options.store.setSetting('activeManifestVersion', m.version);
    if (how === 'incoming') await this.#ctx.event('manifest', 'activated', `manifest ${m.version} with ${m.clips.length} clips activated from incoming/`);
    this.refresh();
    for (const { id } of emergencyClips(m.clips)) {
      const clip = this.#playlist.find((c) => c.id === id);
      if (clip) this.#ctx.player.playClip(clip, 'emergency');
    }
  }
}
