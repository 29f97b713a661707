/**
 * The controller's data opened directly, without a running controller: what the `loa controller …`, `loa content
 * …`, `loa manifest publish` and `loa report` commands use on the office machine. SQLite (WAL, busy timeout) lets
 * them run beside a running controller; the running ingest reads new units from the registry by itself.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteDb } from '../../lib/sqlite.js';
import { writeMosquittoCrl, writeMosquittoFiles } from '../broker/mosquitto-files.js';
import { SoxAudio } from '../content/audio.js';
import { DistrictKey } from '../content/district-key.js';
import { ContentLibrary } from '../content/library.js';
import { ManifestPublisher, type AnnounceClient } from '../content/manifests.js';
import { ContentWorkflow } from '../content/workflow.js';
import { openControllerDb } from '../db/database.js';
import { FleetRegistry, RegistryError, type UnitCredentials } from '../fleet/registry.js';
import { silentLogger, type Logger } from '../logger.js';
import { UserStore } from '../users/users.js';
import { UnitCertificates } from '../fleet/unit-certificates.js';
import { DistrictCa } from '../tls/district-ca.js';
import { unitBundle, writeBundle, type BundleTls, type ProvisioningBundle } from './bundle.js';
import { bundleBrokerUrl, bundleContentUrl, isEmbedded, usesTls, type ControllerConfig } from './config.js';
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
  mosquittoFiles: MosquittoFilesWritten | null;
}

/** The Mosquitto files a command rewrote: send Mosquitto SIGHUP afterwards. */
export interface MosquittoFilesWritten {
  passwordFile: string;
  aclFile: string;
  /** The revocation list, when Mosquitto's TLS files are kept (`files.tlsDir`). */
  crlFile: string | null;
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

/**
 * Writes a unit's bundle (0600) with its high-water marks and, when the controller speaks TLS, the district CA and a
 * new client certificate (the unit's earlier one revoked); then the Mosquitto files when the broker is external.
 */
async function issueBundle(office: Office, { unit, password }: UnitCredentials, key: DistrictKey, out: string | undefined): Promise<ReissueResult> {
  const { config, registry } = office;
  const bundle = unitBundle(unit, {
    district: config.district.id,
    password,
    districtKeys: [key.publicKeyHex],
    brokerUrl: bundleBrokerUrl(config),
    contentUrl: bundleContentUrl(config),
    highWater: await registry.highWater(unit.id),
    tls: await unitTls(office, unit.id),
    releaseKeys: config.releases.keys,
  });
  const path = out ?? join(dataPaths(config.dataDir).bundles, `${unit.id}.json`);
  if (out === undefined) await ensureDataDir(dataPaths(config.dataDir).bundles);
  await writeBundle(path, bundle);
  return { bundle, path, mosquittoFiles: await rewriteMosquittoFiles(office) };
}

/** The CA a unit pins and a new client certificate for it, recorded (its earlier one revoked); null without TLS. */
async function unitTls(office: Office, unitId: string): Promise<BundleTls | null> {
  const { config } = office;
  if (!usesTls(config)) return null;
  const ca = await DistrictCa.open({ dataDir: config.dataDir, district: config.district.id });
  const cert = await ca.issueUnit(unitId);
  await new UnitCertificates({ db: office.db }).record(unitId, cert);
  return { ca: ca.certPem, cert: cert.cert, key: cert.key };
}

/** For an external Mosquitto with `files`: its password and ACL files, and its CRL when it has TLS files; else null. */
async function rewriteMosquittoFiles(office: Office): Promise<MosquittoFilesWritten | null> {
  const { config, registry } = office;
  if (isEmbedded(config.broker) || !config.broker.files) return null;
  const files = config.broker.files;
  await writeMosquittoFiles({
    district: config.district.id,
    units: await registry.brokerAccounts(),
    controller: { username: config.broker.username, password: config.broker.password },
    passwordFile: files.passwordFile,
    aclFile: files.aclFile,
    // Readable by Mosquitto's group, as the controller writes it at start (controller.ts).
    passwordFileMode: 0o640,
  });
  let crlFile: string | null = null;
  const ca = files.tlsDir ? await DistrictCa.existing({ dataDir: config.dataDir, district: config.district.id }) : null;
  if (files.tlsDir && ca) {
    crlFile = join(files.tlsDir, 'crl.pem');
    await writeMosquittoCrl(files.tlsDir, await ca.crl(await new UnitCertificates({ db: office.db }).revocations()));
  }
  return { passwordFile: files.passwordFile, aclFile: files.aclFile, crlFile };
}

export interface RetireResult {
  /** Client certificates revoked. */
  revoked: number;
  mosquittoFiles: MosquittoFilesWritten | null;
}

/**
 * Retires a unit (a cart stolen, broken beyond repair or handed over): it can no longer log in, its certificates are
 * revoked (a running controller loads the new list within 30 s; Mosquitto after SIGHUP), its number and history stay.
 */
export async function retireUnit(office: Office, unitId: string): Promise<RetireResult> {
  const unit = await office.registry.unitById(unitId);
  if (!unit) throw new RegistryError('unknown-unit', `Không có xe loa "${unitId}" (no unit "${unitId}"): loa controller unit list`);
  if (unit.retired) throw new RegistryError('retired', `Xe loa "${unitId}" đã ngừng dùng từ trước (unit "${unitId}" is already retired)`);
  await office.registry.retireUnit(unitId);
  const revoked = await new UnitCertificates({ db: office.db }).revokeUnit(unitId);
  return { revoked, mosquittoFiles: await rewriteMosquittoFiles(office) };
}
