/**
 * The controller's data opened directly, without a running controller: what the `loa controller …`, `loa content
 * …`, `loa manifest publish` and `loa report` commands use on the office machine. SQLite (WAL, busy timeout) lets
 * them run beside a running controller; the running ingest reads new units from the registry by itself.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteDb } from '../../lib/sqlite.js';
import { writeMosquittoFiles } from '../broker/mosquitto-files.js';
import { SoxAudio } from '../content/audio.js';
import { DistrictKey } from '../content/district-key.js';
import { ContentLibrary } from '../content/library.js';
import { ManifestPublisher, type AnnounceClient } from '../content/manifests.js';
import { ContentWorkflow } from '../content/workflow.js';
import { openControllerDb } from '../db/database.js';
import { FleetRegistry, RegistryError, type UnitCredentials } from '../fleet/registry.js';
import { silentLogger, type Logger } from '../logger.js';
import { UserStore } from '../users/users.js';
import { unitBundle, writeBundle, type ProvisioningBundle } from './bundle.js';
import { bundleBrokerUrl, bundleContentUrl, isEmbedded, type ControllerConfig } from './config.js';
import { dataPaths, ensureDataDir } from './data-dir.js';

export interface OfficeContent {
  library: ContentLibrary;
  workflow: ContentWorkflow;
  publisher: ManifestPublisher;
}

export interface Office {
  config: ControllerConfig;
  db: SqliteDb;
  registry: FleetRegistry;
  users: UserStore;
  /** The district key, loaded (made on the first use). */
  key(): Promise<DistrictKey>;
  /** The content library (its tables brought up to date); needs no key. */
  library(): Promise<ContentLibrary>;
  /** The content library, workflow and a manifest publisher (announcing through `mqtt` when given). */
  content(mqtt?: AnnounceClient): Promise<OfficeContent>;
  close(): Promise<void>;
}

/**
 * A data folder with no controller database: the office commands refuse it rather than make an empty one (a wrong
 * `--data` would otherwise give an empty registry and an all-zero report). `loa controller run` makes the database.
 */
export class NoControllerDataError extends Error {
  readonly code = 'no-controller-data';
  constructor(
    readonly dataDir: string,
    readonly dbPath: string,
  ) {
    super(
      `Không có cơ sở dữ liệu của bộ điều khiển trong ${dataDir} (không thấy ${dbPath}) ` +
        `(there is no controller database in ${dataDir}: ${dbPath} is missing)`,
    );
    this.name = 'NoControllerDataError';
  }
}

/**
 * Opens the database of `config.dataDir` with the users area brought up to date. The database must exist (made by
 * the controller's first start): {@link NoControllerDataError} otherwise.
 */
export async function openOffice(config: ControllerConfig, logger: Logger = silentLogger): Promise<Office> {
  const paths = dataPaths(config.dataDir);
  const isFile = await stat(paths.db).then((s) => s.isFile(), () => false);
  if (!isFile) throw new NoControllerDataError(config.dataDir, paths.db);
  const db = await openControllerDb(paths.db);
  const users = new UserStore({ db });
  let key: DistrictKey | undefined;
  let content: OfficeContent | undefined;
  let library: ContentLibrary | undefined;
  try {
    await users.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const office: Office = {
    config,
    db,
    // Units registered here get the configured district origin, which goes into their bundles.
    registry: new FleetRegistry({ db, origin: config.district.origin }),
    users,
    async key() {
      if (!key) {
        const k = new DistrictKey({ dir: config.dataDir, district: config.district.id, logger });
        await k.start();
        key = k;
      }
      return key;
    },
    async library() {
      if (!library) {
        const l = new ContentLibrary({ db, dataDir: config.dataDir, audio: new SoxAudio({ tempDir: config.dataDir, logger }) });
        await l.start();
        library = l;
      }
      return library;
    },
    async content(mqtt) {
      if (content) return content;
      const signer = await office.key();
      const lib = await office.library();
      const workflow = new ContentWorkflow({ library: lib });
      const publisher = new ManifestPublisher({
        db, library: lib, signer, district: config.district.id, workflow, mqtt, checkIntervalMs: 0, announceTimeoutMs: 3000,
        expirySeconds: config.manifestExpiryDays * 86_400, logger,
      });
      content = { library: lib, workflow, publisher };
      return content;
    },
    async close() {
      await content?.publisher.stop();
      await key?.stop();
      await db.close();
    },
  };
  return office;
}

export interface ProvisionRequest {
  unit: string;
  commune: string;
  team: string;
  profile: string;
  /** Names used when the commune or team is new (default: their ids). */
  communeName?: string;
  teamName?: string;
  /** Where the bundle goes (default `<data>/bundles/<unit>.json`). */
  out?: string;
}

export interface ProvisionResult {
  bundle: ProvisioningBundle;
  path: string;
  newCommune: boolean;
  newTeam: boolean;
  /** The Mosquitto files rewritten (external broker with `files`), else null. */
  mosquittoFiles: { passwordFile: string; aclFile: string } | null;
}

/**
 * Registers the commune and team when new, then the unit, and writes its provisioning bundle (0600). For an
 * external Mosquitto with `files` configured, rewrites its password and ACL files (send it SIGHUP afterwards).
 */
export async function provisionUnit(office: Office, r: ProvisionRequest): Promise<ProvisionResult> {
  const { config, registry } = office;
  const key = await office.key();
  const communes = await registry.listCommunes();
  const newCommune = !communes.some((c) => c.id === r.commune);
  if (newCommune) await registry.addCommune({ id: r.commune, name: r.communeName ?? r.commune });
  const teams = await registry.listTeams();
  const team = teams.find((t) => t.id === r.team);
  if (!team) await registry.addTeam({ id: r.team, commune: r.commune, name: r.teamName ?? r.team });
  const credentials = await registry.addUnit({ id: r.unit, commune: r.commune, team: r.team, profile: r.profile });
  return { ...(await issueBundle(office, credentials, key, r.out)), newCommune, newTeam: !team };
}

export interface ReissueRequest {
  unit: string;
  /** Where the bundle goes (default `<data>/bundles/<unit>.json`). */
  out?: string;
}

export type ReissueResult = Omit<ProvisionResult, 'newCommune' | 'newTeam'>;

/**
 * A fresh bundle for a registered unit (a lost bundle, a new SD card): the same number, key and origin, a new MQTT
 * password (the old one stops working: the cart must be provisioned again with this bundle), and the high-water
 * marks of what the district stored for it, so the cart neither boots at nor numbers records at what it already
 * has. A retired unit is refused.
 */
export async function reissueBundle(office: Office, r: ReissueRequest): Promise<ReissueResult> {
  const unit = await office.registry.unitById(r.unit);
  if (!unit) throw new RegistryError('unknown-unit', `Không có xe loa "${r.unit}" (no unit "${r.unit}"): loa controller unit list`);
  if (unit.retired) {
    throw new RegistryError('retired', `Xe loa "${r.unit}" đã ngừng dùng, không cấp lại gói được (unit "${r.unit}" is retired: no bundle is issued for it)`);
  }
  const key = await office.key();
  return issueBundle(office, await office.registry.resetUnitPassword(r.unit), key, r.out);
}

/** Writes a unit's bundle (0600) with its high-water marks, and the Mosquitto files when the broker is external. */
async function issueBundle(office: Office, { unit, password }: UnitCredentials, key: DistrictKey, out: string | undefined): Promise<ReissueResult> {
  const { config, registry } = office;
  const bundle = unitBundle(unit, {
    district: config.district.id,
    password,
    districtKeys: [key.publicKeyHex],
    brokerUrl: bundleBrokerUrl(config),
    contentUrl: bundleContentUrl(config),
    highWater: await registry.highWater(unit.id),
  });
  const path = out ?? join(dataPaths(config.dataDir).bundles, `${unit.id}.json`);
  if (out === undefined) await ensureDataDir(dataPaths(config.dataDir).bundles);
  await writeBundle(path, bundle);
  let mosquittoFiles: ProvisionResult['mosquittoFiles'] = null;
  if (!isEmbedded(config.broker) && config.broker.files) {
    mosquittoFiles = config.broker.files;
    await writeMosquittoFiles({
      district: config.district.id,
      units: await registry.brokerAccounts(),
      controller: { username: config.broker.username, password: config.broker.password },
      ...mosquittoFiles,
    });
  }
  return { bundle, path, mosquittoFiles };
}
