/**
 * Software updates in the cart program, built by its composition root (cart-run.ts) when it has a releases folder:
 * the updater behind the `update` command, the health check of a version on trial, and the report of a rollback.
 * Kept here so that cart-run.ts only calls `prepare`, `afterStart`, `helloAcked` and `stop`.
 */
import type { KeyObject } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../hardware/logger.js';
import { clipUtf8 } from '../../lib/utf8.js';
import { MAX_DETAIL, type Stamp } from '../../protocol/index.js';
import type { CartIdentity } from '../identity.js';
import type { OutboxSource } from '../link/outbox-source.js';
import { MIGRATIONS } from '../store/schema.js';
import type { CartStore } from '../store/index.js';
import { HealthCheck, HelloWatch, onTrial, settleRollback, type UpdateEvent } from './health.js';
import { releaseArch } from './releases.js';
import { Updater } from './updater.js';

export interface SoftwareUpdateOptions {
  /** The releases folder (LOA_RELEASES). */
  dir: string;
  /** Seconds a version on trial has to pass its health check (default 300). */
  healthSeconds?: number;
  /** Release download bytes per day (default 50 MiB). */
  bytesPerDay?: number;
}

export interface SoftwareUpdatesParts {
  dataDir: string;
  identity: CartIdentity;
  store: CartStore;
  /** The version of the program running now (its package.json), and the URL of the module asking (cart-run.ts). */
  version: string;
  moduleUrl: string;
  stamp: () => Stamp;
  /** Stops the program cleanly; the supervisor starts it again. */
  restart: () => void;
  logger: Logger;
}

export class SoftwareUpdates {
  readonly #o: SoftwareUpdateOptions;
  readonly #p: SoftwareUpdatesParts;
  readonly updater: Updater;
  #watch: HelloWatch | null = null;
  #health: HealthCheck | null = null;

  private constructor(o: SoftwareUpdateOptions, p: SoftwareUpdatesParts, keys: KeyObject[]) {
    this.#o = o;
    this.#p = p;
    // Node loads modules by their real path: compared as such, so a releases folder behind a link is recognised too.
    const real = (path: string): string => {
      try {
        return realpathSync(path);
      } catch {
        return resolve(path);
      }
    };
    const dir = real(resolve(o.dir, p.version));
    this.updater = new Updater({
      releasesDir: o.dir,
      databaseFile: join(p.dataDir, 'cart.db'),
      contentUrl: p.identity.contentUrl,
      ...(p.identity.tls ? { tls: p.identity.tls } : {}),
      releaseKeys: () => keys,
      // A release runs from <releases>/<version>/ (the launcher imports it there); the packaged program from elsewhere.
      running: { version: p.version, release: real(fileURLToPath(p.moduleUrl)).startsWith(dir + sep) },
      arch: releaseArch(process.arch),
      schema: { version: MIGRATIONS.length, readsUpTo: MIGRATIONS.length },
      event: this.event,
      restart: p.restart,
      ...(o.bytesPerDay === undefined ? {} : { bytesPerDay: o.bytesPerDay }),
      logger: p.logger,
    });
  }

  /** Builds it once the store is open: a rollback before this start is applied to the store and reported. */
  static async prepare(o: SoftwareUpdateOptions, p: SoftwareUpdatesParts): Promise<SoftwareUpdates> {
    // The release keys pinned at provisioning (identity.json `releaseKeys`): none = every release is refused.
    const updates = new SoftwareUpdates(o, p, p.identity.releaseKeys);
    await settleRollback(o.dir, p.store, updates.event, p.logger);
    // The first record number of this start: this boot's hello is the first hello at or above it.
    const { next } = await p.store.numberRecordsAbove(0);
    updates.#watch = new HelloWatch(p.store, next);
    return updates;
  }

  /** A durable `update` event. */
  readonly event: UpdateEvent = async (code, detail) => {
    await this.#p.store.appendDurable([{ type: 'event', at: this.#p.stamp(), kind: 'update', code, detail: clipUtf8(detail, MAX_DETAIL) }]);
  };

  /** Whether this boot's hello was acknowledged by the district. */
  helloAcked(): boolean {
    return this.#watch?.acked === true;
  }

  /** What the uplink reads the outbox through: the store, watched for this boot's hello and its acknowledgement. */
  outbox(): OutboxSource {
    return this.#watch ?? this.#p.store;
  }

  /** Once the cart has started (store open, relay off, player ready): the health check, when this version is on trial. */
  async afterStart(): Promise<void> {
    if (!(await onTrial(this.#o.dir, this.#p.version))) return;
    const watch = this.#watch;
    this.#health = new HealthCheck({
      releasesDir: this.#o.dir,
      version: this.#p.version,
      ...(this.#o.healthSeconds === undefined ? {} : { healthSeconds: this.#o.healthSeconds }),
      helloAcked: () => watch?.acked === true,
      event: this.event,
      stopProgram: this.#p.restart,
      logger: this.#p.logger,
    });
    this.#health.start();
  }

  async stop(): Promise<void> {
    this.#health?.stop();
    await this.updater.stop();
  }
}

/**
 * The update options of `loa unit run` from its environment: LOA_RELEASES (the releases folder; unset = updates
 * refused), LOA_UPDATE_HEALTH_SECONDS and LOA_UPDATE_BYTES_PER_DAY (the defaults otherwise). A value that is not a
 * positive number is ignored, so a typo never stops a cart.
 */
export function releasesFromEnv(env: NodeJS.ProcessEnv): { releases?: SoftwareUpdateOptions } {
  const dir = env.LOA_RELEASES;
  if (dir === undefined || dir === '') return {};
  const positive = (v: string | undefined): number | undefined => (v !== undefined && Number(v) > 0 ? Number(v) : undefined);
  const healthSeconds = positive(env.LOA_UPDATE_HEALTH_SECONDS);
  const perDay = positive(env.LOA_UPDATE_BYTES_PER_DAY);
  return {
    releases: {
      dir,
      ...(healthSeconds === undefined ? {} : { healthSeconds }),
      ...(perDay === undefined ? {} : { bytesPerDay: Math.floor(perDay) }),
    },
  };
}
