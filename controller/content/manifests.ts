/**
 * Manifests: ONE district-wide manifest per version, listing every approved, unexpired clip with its own targets
 * (the cart filters by target itself). Each is signed with the district key and stored (`content_manifests`), then
 * announced: a signed `announcement` (district, version, SHA-256 and size of the signed bytes) published RETAINED with
 * QoS 1 on `announceTopic(district)`, so a cart that connects later still finds it.
 *
 * `publishIfChanged()` makes a new version only when the list of clips differs from the latest manifest's (a clip
 * approved, withdrawn, past its valid-until, or a new key), or when the latest manifest is near its expiry. `start()`
 * checks that every minute and announces the latest manifest again; approving or withdrawing an EMERGENCY clip
 * publishes at once.
 *
 * A clip aimed at a commune also names the communes merged into it (as of the manifest's day): their carts still
 * carry the former commune's id, which is what a cart matches a target on. A merger therefore changes the list and
 * makes a new version at the next check.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { SqliteDb } from '../../lib/sqlite.js';
import { announceTopic, keyId, signObject, type Manifest, type ManifestClip, type Target } from '../../protocol/index.js';
import { CommuneHistory } from '../fleet/commune-history.js';
import { vnDay } from '../reports/period.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ClipRecord, ContentLibrary } from './library.js';
import type { ClipChange, ContentWorkflow } from './workflow.js';

/** What announcing needs of an MQTT client (mqtt.js `MqttClient` fits). */
export interface AnnounceClient {
  publish(topic: string, payload: Buffer, options: { qos: 1; retain: true }, callback: (error?: Error) => void): unknown;
}

/** The key manifests are signed with (a `DistrictKey` fits; read at each signing, so a rotation takes effect). */
export interface ManifestSigner {
  readonly privateKey: KeyObject;
}

export interface StoredManifest {
  version: number;
  issued: number;
  expires: number;
  /** SHA-256 of `signed`, hex. */
  sha256: string;
  signed: Buffer;
}

export interface PublishedManifest extends StoredManifest {
  clips: number;
  /** True when the broker acknowledged the announcement in time. */
  announced: boolean;
}

export interface ManifestEvents {
  published: [PublishedManifest];
}

export interface ManifestPublisherOptions {
  db: SqliteDb;
  library: ContentLibrary;
  signer: ManifestSigner;
  district: string;
  /** The announcement goes out through it; without one manifests are only served over HTTP. */
  mqtt?: AnnounceClient;
  /** Its `changed` events trigger immediate publication for emergency clips. */
  workflow?: ContentWorkflow;
  /** Manifest lifetime, seconds (default 30 days). */
  expirySeconds?: number;
  /** A new version is made when the latest expires within this, seconds (default a third of the lifetime). */
  renewBeforeSeconds?: number;
  /** How often `start()` runs `publishIfChanged`, ms (default 60 000; 0 = never). */
  checkIntervalMs?: number;
  /** How long to wait for the broker's acknowledgement of an announcement, ms (default 10 000). */
  announceTimeoutMs?: number;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
  logger?: Logger;
}

interface ManifestRow {
  version: number;
  issued: number;
  expires: number;
  sha256: string;
  signed: Buffer;
  content_digest: string;
  /** Null until the announcement reached the broker. */
  announced_at: number | null;
}

function toStored(r: ManifestRow): StoredManifest {
  return { version: r.version, issued: r.issued, expires: r.expires, sha256: r.sha256, signed: r.signed };
}

/** A clip's targets as carts must see them (see the file comment). */
type Expand = (targets: readonly Target[]) => Target[];

/** The commune expansion as of the local day of `now` (Unix seconds); inside the caller's transaction or section. */
async function communeExpansion(db: SqliteDb, now: number): Promise<Expand> {
  const view = (await CommuneHistory.read(db)).asOf(vnDay(now));
  return (targets) =>
    targets.flatMap((t) => {
      if (t.kind !== 'commune') return [t];
      const more = view.membersOf(t.id).filter((id) => id !== t.id && !targets.some((o) => o.kind === 'commune' && o.id === id));
      return [t, ...more.map((id): Target => ({ kind: 'commune', id }))];
    });
}

function manifestClip(c: ClipRecord, expand: Expand): ManifestClip {
  return {
    id: c.id,
    sha256: c.sha256,
    size: c.size,
    durationMs: c.durationMs,
    priority: c.approvedPriority ?? c.requestedPriority,
    title: c.title,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    targets: expand(c.targets),
  };
}

export class ManifestPublisher extends EventEmitter<ManifestEvents> {
  readonly #o: ManifestPublisherOptions;
  readonly #log: Logger;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  readonly #onChange = (change: ClipChange): void => {
    const priority = change.clip.approvedPriority ?? change.clip.requestedPriority;
    if (priority !== 'emergency' || (change.action !== 'approve' && change.action !== 'withdraw')) return;
    this.publishIfChanged(change.actor.name).then(
      (m) => m && this.#log.warn(`emergency clip ${change.clip.id} ${change.action}: manifest ${m.version} published at once`),
      (err: unknown) => this.#log.error(`could not publish after emergency clip ${change.clip.id}: ${String(err)}`),
    );
  };

  constructor(options: ManifestPublisherOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.#o.workflow?.on('changed', this.#onChange);
    const latest = await this.latest();
    if (latest) await this.#announce(latest);
    const every = this.#o.checkIntervalMs ?? 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => {
        this.publishIfChanged().catch((err: unknown) => this.#log.error(`manifest check failed: ${String(err)}`));
      }, every);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#o.workflow?.off('changed', this.#onChange);
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#queue;
  }

  #now(): number {
    return (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
  }

  /** The latest signed manifest, or undefined before the first. */
  async latest(): Promise<StoredManifest | undefined> {
    const row = await this.#latestRow();
    return row ? toStored(row) : undefined;
  }

  /** One version, or undefined. */
  async get(version: number): Promise<StoredManifest | undefined> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<ManifestRow>('SELECT * FROM content_manifests WHERE version = ?', [version]));
    return row ? toStored(row) : undefined;
  }

  /** Makes, signs, stores and announces the next version, whether or not anything changed. */
  publish(by?: string): Promise<PublishedManifest> {
    return this.#serial(() => this.#publish(by));
  }

  /**
   * Publishes only when the clip list changed or the latest manifest is near its expiry; undefined otherwise. A
   * latest manifest never announced (published elsewhere) is announced.
   */
  publishIfChanged(by?: string): Promise<PublishedManifest | undefined> {
    return this.#serial(async () => {
      const latest = await this.#latestRow();
      if (latest) {
        const clips = await this.#o.library.playable(this.#now());
        const db = this.#o.db;
        const expand = await db.exclusive(() => communeExpansion(db, this.#now()));
        const expiry = this.#o.expirySeconds ?? 30 * 86_400;
        const renew = this.#o.renewBeforeSeconds ?? Math.floor(expiry / 3);
        if (this.#digest(clips, expand) === latest.content_digest && latest.expires - this.#now() > renew) {
          // Published by the office CLI while this controller ran (it could not reach the broker): announce it now.
          if (latest.announced_at === null) await this.#announce(toStored(latest));
          return undefined;
        }
      }
      return this.#publish(by);
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #latestRow(): Promise<ManifestRow | undefined> {
    const db = this.#o.db;
    return db.exclusive(() => db.get<ManifestRow>('SELECT * FROM content_manifests ORDER BY version DESC LIMIT 1'));
  }

  #digest(clips: readonly ClipRecord[], expand: Expand): string {
    const list = clips.map((c) => manifestClip(c, expand));
    return createHash('sha256').update(JSON.stringify({ key: keyId(this.#o.signer.privateKey), list })).digest('hex');
  }

  async #publish(by: string | undefined): Promise<PublishedManifest> {
    const o = this.#o;
    const db = o.db;
    const expiry = o.expirySeconds ?? 30 * 86_400;
    if (!Number.isInteger(expiry) || expiry < 3600) throw new RangeError(`expirySeconds must be a whole number ≥ 3600, got ${String(expiry)}`);
    const stored = await db.transaction(async () => {
      const issued = this.#now();
      // Inside the transaction: nothing can be approved or withdrawn between reading the list and storing it.
      const clips = await this.#o.library.playableInTransaction(issued);
      const expand = await communeExpansion(db, issued);
      const prev = await db.get<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM content_manifests');
      const manifest: Manifest = {
        district: o.district,
        version: prev!.v + 1,
        issued,
        expires: issued + expiry,
        targets: [{ kind: 'district', id: o.district }],
        clips: clips.map((c) => manifestClip(c, expand)),
      };
      const key = o.signer.privateKey;
      const signed = signObject({ type: 'manifest', manifest }, key);
      const sha256 = createHash('sha256').update(signed).digest('hex');
      await db.run(
        'INSERT INTO content_manifests (version, issued, expires, sha256, signed, content_digest, key_id, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [manifest.version, issued, manifest.expires, sha256, signed, this.#digest(clips, expand), keyId(key), by ?? null],
      );
      await db.insertMany('content_manifest_clips', ['version', 'clip_id', 'sha256'], clips.map((c) => [manifest.version, c.id, c.sha256]));
      return { stored: { version: manifest.version, issued, expires: manifest.expires, sha256, signed }, clips: clips.length };
    });
    this.#log.info(`manifest ${stored.stored.version} signed: ${stored.clips} clips, ${stored.stored.signed.length} bytes`);
    const announced = await this.#announce(stored.stored);
    const published = { ...stored.stored, clips: stored.clips, announced };
    this.emit('published', published);
    return published;
  }

  /** Publishes the signed announcement of `m`, retained, QoS 1. True when the broker acknowledged it in time. */
  async #announce(m: StoredManifest): Promise<boolean> {
    const o = this.#o;
    if (!o.mqtt) return false;
    const announcement = signObject({ type: 'announcement', announcement: { district: o.district, version: m.version, sha256: m.sha256, size: m.signed.length } }, o.signer.privateKey);
    const acked = new Promise<boolean>((resolve) => {
      o.mqtt!.publish(announceTopic(o.district), announcement, { qos: 1, retain: true }, (err) => {
        if (err) {
          this.#log.warn(`announcement of manifest ${m.version} failed: ${err.message}`);
          resolve(false);
          return;
        }
        o.db
          .transaction(() => o.db.run('UPDATE content_manifests SET announced_at = ? WHERE version = ?', [this.#now(), m.version]))
          .catch((e: unknown) => this.#log.error(`could not record the announcement of ${m.version}: ${String(e)}`));
        resolve(true);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), o.announceTimeoutMs ?? 10_000);
    });
    const ok = await Promise.race([acked, timeout]);
    clearTimeout(timer);
    if (!ok) this.#log.warn(`manifest ${m.version}: the broker has not acknowledged the announcement yet (the MQTT client keeps trying)`);
    return ok;
  }
}
