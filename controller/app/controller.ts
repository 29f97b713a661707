/**
 * The district controller as a running program: the composition root that builds and wires every part from the
 * configuration, in one place, and takes it down again.
 *
 * `start()`, in order: the data folder, the database, the boot counter (district frames), the district key (made on
 * the first start), the users, the registry, the MQTT broker (embedded, with the controller's own account whose
 * random password is kept in the data folder, 0600; or an external one), the controller's mqtt.js client, the ingest
 * (subscribed to every cart's `up` and `status`), commands, the content library, workflow and manifest publisher
 * (announcing through the client), the operating board's services (activities, training, reviews, rewards), the HTTP
 * server (carts' content routes + the JSON API), and the optional serial gateway. The parts without which nothing
 * works (database, key, broker, client, ingest, HTTP, the board's tables) make `start()` fail, after undoing what had
 * started; the others (manifest announcements, serial gateway, Mosquitto files, the daily backup) are
 * *features*: one that fails is logged and listed in `features`, and the controller runs without it.
 * `stop()` takes everything down in the reverse order, after the ingest has committed and acknowledged what it took.
 *
 * With TLS on any listener (config.ts), the district CA is opened (made on the first start) before the broker: the
 * server certificate for the names clients dial, and the revocation list of carts' certificates, kept current by a
 * watcher (a cart retired from the office CLI is cut off within its interval).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { LoggerFactory } from '../../lib/logger.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { EmbeddedBroker } from '../broker/embedded-broker.js';
import { writeMosquittoCrl, writeMosquittoFiles, writeMosquittoTls } from '../broker/mosquitto-files.js';
import { CONTROLLER_USER } from '../broker/topic-rules.js';
import { SoxAudio } from '../content/audio.js';
import { CuePacks } from '../content/cues.js';
import { DistrictKey } from '../content/district-key.js';
import { ContentLibrary } from '../content/library.js';
import { RollupWarmer } from '../reports/warmer.js';
import { SummaryPublisher } from '../province/publisher.js';
import { BackupSchedule } from '../backup/schedule.js';
import { ManifestPublisher } from '../content/manifests.js';
import { registerContentRoutes } from '../content/routes.js';
import { ContentWorkflow } from '../content/workflow.js';
import { openControllerDb } from '../db/database.js';
import { CommandService, mqttDownlink } from '../fleet/commands.js';
import { DistrictFramer, raiseBootCounter } from '../fleet/district-frames.js';
import { FleetIngest } from '../fleet/ingest.js';
import { FleetRegistry } from '../fleet/registry.js';
import { SerialGateway } from '../fleet/serial-gateway.js';
import { silentLogger, type Logger } from '../logger.js';
import { PasswordSlots } from '../users/password-slots.js';
import { UserStore } from '../users/users.js';
import { LiveFleet, registerApiRoutes } from '../api/index.js';
import { ActivityLog } from '../board/activities.js';
import { Reviews } from '../board/reviews.js';
import { Rewards } from '../board/rewards.js';
import { TrainingRecords } from '../board/training.js';
import { registerStaticFiles } from '../web/static.js';
import { registerReleaseRoutes } from '../releases/routes.js';
import { Rollouts } from '../releases/rollout.js';
import { RolloutRunner } from '../releases/runner.js';
import { configuredReleaseKeys, ReleaseStore } from '../releases/store.js';
import { HttpServer } from '../http/server.js';
import { UnitCertificates } from '../fleet/unit-certificates.js';
import { DistrictCa, type CertifiedKey } from '../tls/district-ca.js';
import { RevocationWatcher, serverNames } from '../tls/district-tls.js';
import { reportHeading } from '../reports/heading.js';
import { isEmbedded, isLoopbackHost, usesTls, type ControllerConfig } from './config.js';
import { controllerBrokerPassword, dataPaths, ensureDataDir } from './data-dir.js';

export interface DistrictControllerOptions {
  config: ControllerConfig;
  logger?: LoggerFactory;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
  /** Where the backup passphrase is read (`config.backup.passphraseEnv`; default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How often revocations made by the office CLI are looked for, ms (default 30 s). */
  revocationIntervalMs?: number;
  /** The built officers' console served at `/` (default `dist/web` of this installation: controller/web/static.ts). */
  webDir?: string;
}

export interface FeatureState {
  name: string;
  ok: boolean;
  error?: string;
}

export interface DistrictControllerEvents {
  /** An optional feature failed to start; the controller runs without it. */
  featureFailed: [{ name: string; error: Error }];
}

interface Parts {
  db: SqliteDb;
  key: DistrictKey;
  users: UserStore;
  registry: FleetRegistry;
  broker: EmbeddedBroker | undefined;
  brokerUrl: string;
  mqtt: MqttClient;
  ingest: FleetIngest;
  commands: CommandService;
  library: ContentLibrary;
  workflow: ContentWorkflow;
  publisher: ManifestPublisher;
  http: HttpServer;
  serial: SerialGateway | undefined;
  ca: DistrictCa | null;
  board: Board;
}

/** The operating board's services (controller/board/): activities, training records, reviews, reward proposals. */
export interface Board {
  activities: ActivityLog;
  training: TrainingRecords;
  reviews: Reviews;
  rewards: Rewards;
}

/** The district CA with the server's credentials and the revocation list at start (and the serials it names). */
interface ServerTls {
  ca: DistrictCa;
  server: CertifiedKey;
  crl: string;
  revoked: string[];
}

export class DistrictController extends EventEmitter<DistrictControllerEvents> {
  readonly #o: DistrictControllerOptions;
  #parts: Parts | undefined;
  #undo: (() => Promise<void>)[] = [];
  #features: FeatureState[] = [];

  constructor(options: DistrictControllerOptions) {
    super();
    this.#o = options;
  }

  #log(ns: string): Logger {
    return this.#o.logger?.(`loa:ctl:${ns}`) ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.#parts) return;
    try {
      this.#parts = await this.#build();
    } catch (err) {
      await this.#unwind();
      throw err;
    }
    this.#log('app').info(`district ${this.#o.config.district.id} controller running: broker ${this.brokerUrl}, HTTP ${this.httpUrl}, data ${this.#o.config.dataDir}`);
  }

  /** Takes everything down, newest first; safe to call twice. */
  async stop(): Promise<void> {
    this.#parts = undefined;
    await this.#unwind();
  }

  async #unwind(): Promise<void> {
    const undo = this.#undo.reverse();
    this.#undo = [];
    for (const step of undo) {
      try {
        await step();
      } catch (err) {
        this.#log('app').error(`while stopping: ${String(err)}`);
      }
    }
  }

  async #build(): Promise<Parts> {
    const c = this.#o.config;
    const clock = this.#o.clock ?? Date.now;
    const seconds = (): number => Math.floor(clock() / 1000);
    const district = c.district.id;
    const paths = dataPaths(c.dataDir);
    this.#features = [];
    await ensureDataDir(c.dataDir);
    const db = await openControllerDb(paths.db);
    this.#undo.push(() => db.close());
    const framer = new DistrictFramer({ boot: await raiseBootCounter(paths.bootCounter) });
    const key = new DistrictKey({ dir: c.dataDir, district, clock: seconds, logger: this.#log('key') });
    await key.start();
    this.#undo.push(() => key.stop());
    // One limit for every password check (HTTP logins and MQTT CONNECTs): scrypt must leave SQLite its threads.
    const passwordSlots = new PasswordSlots();
    const users = new UserStore({ db, clock: seconds, passwordSlots, logger: this.#log('users') });
    await users.start();
    const registry = new FleetRegistry({ db, origin: c.district.origin, clock });
    const certificates = new UnitCertificates({ db, clock });
    const tls = await this.#serverTls(certificates, clock);

    let broker: EmbeddedBroker | undefined;
    let account: { url: string; username: string; password: string };
    /** How the controller's own client checks the broker (and shows itself, when certificates are required). */
    let clientTls: { ca: string[]; cert?: string; key?: string } | undefined;
    if (isEmbedded(c.broker)) {
      const e = c.broker.embedded;
      const password = await controllerBrokerPassword(paths.brokerSecret);
      const brokerTls = e.tls && tls ? { ...tls.server, ca: tls.ca.certPem, clientCertificates: e.clientCertificates, crl: tls.crl } : undefined;
      const b = new EmbeddedBroker({ district, port: e.port, host: e.host, units: registry, controller: { password }, passwordSlots, logger: this.#log('broker'), ...(brokerTls ? { tls: brokerTls } : {}) });
      await b.start();
      this.#undo.push(() => b.stop());
      broker = b;
      account = { url: b.url, username: CONTROLLER_USER, password };
      if (brokerTls && tls) {
        // Its own certificate, made at each start and never recorded: nobody else holds it, so nothing revokes it.
        const own = e.clientCertificates ? await tls.ca.issueUnit(CONTROLLER_USER) : undefined;
        clientTls = { ca: [brokerTls.ca], ...(own ? { cert: own.cert, key: own.key } : {}) };
      }
    } else {
      const ext = c.broker;
      account = { url: ext.url, username: ext.username, password: ext.password };
      if (ext.files) {
        const files = ext.files;
        await this.#feature('mosquitto-files', async () => {
          // 0640: Mosquitto reads the password file as its own user, in the file's group (the setgid folder's, with
          // `loa controller mosquitto-setup`); 0600 would lock it out at its next reload.
          await writeMosquittoFiles({ district, units: await registry.brokerAccounts(), controller: { username: ext.username, password: ext.password }, ...files, passwordFileMode: 0o640 });
          if (files.tlsDir && tls) await writeMosquittoTls(files.tlsDir, { ca: tls.ca.certPem, ...tls.server, crl: tls.crl });
        });
        if (files.tlsDir && tls && ext.url.startsWith('mqtts:')) clientTls = { ca: [tls.ca.certPem] };
      }
    }
    if (tls) {
      const tlsDir = isEmbedded(c.broker) ? null : (c.broker.files?.tlsDir ?? null);
      const b = broker;
      const watcher = new RevocationWatcher({
        ca: tls.ca,
        certificates,
        applied: tls.revoked,
        logger: this.#log('tls'),
        ...(this.#o.revocationIntervalMs === undefined ? {} : { intervalMs: this.#o.revocationIntervalMs }),
        apply: async (crl, serials) => {
          b?.updateRevocations(crl, serials);
          if (tlsDir) await writeMosquittoCrl(tlsDir, crl);
        },
      });
      if (await this.#feature('revocations', () => watcher.start())) this.#undo.push(() => watcher.stop());
    }
    const client = await mqtt.connectAsync(account.url, {
      protocolVersion: 4,
      clientId: `loa-controller-${district}`,
      username: account.username,
      password: account.password,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(clientTls ? { ...clientTls, rejectUnauthorized: true } : {}),
    });
    this.#undo.push(() => endClient(client));
    const mqttLog = this.#log('mqtt');
    client.on('error', (err) => mqttLog.warn(`MQTT: ${err.message}`));
    client.on('offline', () => mqttLog.warn(`MQTT broker ${account.url} unreachable; trying again`));

    const ingestLog = this.#log('ingest');
    const ingest = new FleetIngest({ db, registry, district, framer, mqtt: client, clock, logger: ingestLog });
    ingest.on('failed', (err) => ingestLog.error(`batch not committed: ${err.message}`));
    await ingest.start();
    this.#undo.push(() => ingest.stop());
    const commands = new CommandService({ db, registry, framer, downlink: mqttDownlink(client, district), districtKey: key, clock });
    // Software releases (served beside the clips) and their staged rollouts, whose orders go through `commands`.
    const releases = new ReleaseStore({ db, dataDir: c.dataDir, keys: configuredReleaseKeys(c), clock });
    await releases.start();
    const rollouts = new Rollouts({ db, registry, releases, clock });
    const rolloutRunner = new RolloutRunner({ rollouts, registry, commands, ingest, logger: this.#log('releases') });

    const library = new ContentLibrary({ db, dataDir: c.dataDir, audio: new SoxAudio({ tempDir: c.dataDir, logger: this.#log('audio') }) });
    await library.start();
    const workflow = new ContentWorkflow({ library, clock: seconds });
    const publisher = new ManifestPublisher({
      db, library, signer: key, district, mqtt: client, workflow, expirySeconds: c.manifestExpiryDays * 86_400, clock: seconds, logger: this.#log('manifests'),
    });
    if (await this.#feature('manifests', () => publisher.start())) this.#undo.push(() => publisher.stop());

    // The operating board's records live in the same database; photos beside it, in <data>/photos.
    const board: Board = {
      activities: new ActivityLog({ db, dataDir: c.dataDir, clock: seconds }),
      training: new TrainingRecords({ db, clock: seconds }),
      reviews: new Reviews({ db, clock: seconds }),
      rewards: new Rewards({ db, clock: seconds }),
    };
    for (const service of Object.values(board)) await service.start();

    const http = new HttpServer({ port: c.http.port, host: c.http.host, logger: this.#log('http'), ...(c.http.tls && tls ? { tls: tls.server } : {}) });
    // The spoken cues need espeak-ng to be made: without it (and no pack made before) the carts get none.
    const cues = new CuePacks({ dataDir: c.dataDir, district, signer: key, clock: seconds, logger: this.#log('cues') });
    await this.#feature('cues', async () => {
      const { pack, action } = await cues.ensure();
      if (action !== 'kept') this.#log('cues').info(`cue pack ${pack.document.version} ${action}: ${pack.document.cues.length} cues, ${pack.tar.length} bytes`);
    });
    registerContentRoutes(http, { library, manifests: publisher, rotations: () => key.rotations(), cues });
    registerReleaseRoutes(http, { store: releases });
    const live = new LiveFleet({ units: { db, registry, staleAfterSeconds: c.staleAfterSeconds }, ingest, sessions: users, clock, logger: this.#log('live') });
    registerApiRoutes(http, {
      db, registry, commands, users, library, workflow, manifests: publisher, district: c.district, heading: reportHeading(c), clock,
      commandTtlSeconds: c.commandTtlSeconds, staleAfterSeconds: c.staleAfterSeconds, live,
      releases: { store: releases, rollouts, kick: () => rolloutRunner.kick() }, board,
    });
    registerStaticFiles(http, { mapDir: join(c.dataDir, 'map'), logger: this.#log('web'), ...(this.#o.webDir === undefined ? {} : { root: this.#o.webDir }) });
    await live.start();
    this.#undo.push(() => live.stop());
    await http.start();
    this.#undo.push(() => http.stop());
    if (await this.#feature('rollouts', () => rolloutRunner.start())) this.#undo.push(() => rolloutRunner.stop());

    // Reports read a per-day rollup; filling it as days end keeps the yearly report under a second.
    const warmer = new RollupWarmer({ db, now: seconds, logger: this.#log('reports') });
    if (await this.#feature('report-rollup', () => warmer.start())) this.#undo.push(() => warmer.stop());
    if (c.summary.enabled) {
      // The signed daily summaries for the province hub: through this broker's bridge, or straight to the hub's.
      const summaries = new SummaryPublisher({
        db, area: district, key: () => key.privateKey, client, hub: c.summary.hub, intervalSeconds: c.summary.intervalSeconds, now: seconds, logger: this.#log('summary'),
      });
      if (await this.#feature('province-summaries', () => summaries.start())) this.#undo.push(() => summaries.stop());
    }

    const backupDir = c.backup.dir;
    if (backupDir !== null) {
      const b = c.backup;
      await this.#feature('backup', async () => {
        const passphrase = (this.#o.env ?? process.env)[b.passphraseEnv];
        if (!passphrase) throw new Error(`backup.dir is set but the environment variable ${b.passphraseEnv} (the backup passphrase) is empty`);
        const schedule = new BackupSchedule({ dataDir: c.dataDir, dir: backupDir, keep: b.keep, hour: b.hour, passphrase, clock, logger: this.#log('backup') });
        await schedule.start();
        this.#undo.push(() => schedule.stop());
      });
    }

    let serial: SerialGateway | undefined;
    if (c.serial) {
      const gateway = new SerialGateway({ ...c.serial, ingest, logger: this.#log('serial') });
      if (await this.#feature('serial', () => gateway.start())) {
        serial = gateway;
        // Undone first (last in): nothing arrives from the port while the ingest commits its last batch.
        this.#undo.push(() => gateway.stop());
      }
    }
    return { db, key, users, registry, broker, brokerUrl: account.url, mqtt: client, ingest, commands, library, workflow, publisher, http, serial, ca: tls?.ca ?? null, board };
  }

  /** The district CA and the server's credentials when a listener speaks TLS; a warning for a plain public one. */
  async #serverTls(certificates: UnitCertificates, clock: () => number): Promise<ServerTls | null> {
    const c = this.#o.config;
    const log = this.#log('tls');
    const plain = [
      ...(!c.http.tls && !isLoopbackHost(c.http.host) ? [`HTTP on ${c.http.host}`] : []),
      ...(isEmbedded(c.broker) && !c.broker.embedded.tls && !isLoopbackHost(c.broker.embedded.host) ? [`MQTT on ${c.broker.embedded.host}`] : []),
    ];
    if (plain.length > 0) log.warn(`${plain.join(' and ')} without TLS ("tls": false): passwords and bundles' secrets cross the network readable`);
    if (!usesTls(c)) return null;
    const ca = await DistrictCa.open({ dataDir: c.dataDir, district: c.district.id, clock });
    const server = await ca.serverCredentials(serverNames(c));
    log.info(`district CA ${ca.fingerprint}; server certificate for ${serverNames(c).join(', ')}`);
    const revocations = await certificates.revocations();
    return { ca, server, crl: await ca.crl(revocations), revoked: revocations.map((r) => r.serial) };
  }

  /** Starts one optional feature: true when it started; a failure is logged, emitted and listed, not thrown. */
  async #feature(name: string, start: () => Promise<void>): Promise<boolean> {
    try {
      await start();
      this.#features.push({ name, ok: true });
      return true;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log('app').error(`feature "${name}" failed to start, the controller runs without it: ${error.message}`);
      this.#features.push({ name, ok: false, error: error.message });
      this.emit('featureFailed', { name, error });
      return false;
    }
  }

  #part<K extends keyof Parts>(name: K): Parts[K] {
    if (!this.#parts) throw new Error(`the controller is not running: call start() before reading ${name}`);
    return this.#parts[name];
  }

  get db(): SqliteDb { return this.#part('db'); }
  get registry(): FleetRegistry { return this.#part('registry'); }
  get users(): UserStore { return this.#part('users'); }
  get ingest(): FleetIngest { return this.#part('ingest'); }
  get commands(): CommandService { return this.#part('commands'); }
  get library(): ContentLibrary { return this.#part('library'); }
  get workflow(): ContentWorkflow { return this.#part('workflow'); }
  get publisher(): ManifestPublisher { return this.#part('publisher'); }
  get districtKey(): DistrictKey { return this.#part('key'); }
  /** The operating board's activity log, training records, reviews and reward proposals. */
  get board(): Board { return this.#part('board'); }
  /** The HTTP server (its `routes` list what it answers). */
  get http(): HttpServer { return this.#part('http'); }
  /** The broker the controller is connected to (the embedded one's real port when 0 was asked for). */
  get brokerUrl(): string { return this.#part('brokerUrl'); }
  get httpUrl(): string { return this.#part('http').url; }
  /** The raw district public key in hex: what carts pin. */
  get districtPublicKeyHex(): string { return this.#part('key').publicKeyHex; }
  /** The district CA certificate (PEM) that carts pin, or null when no listener speaks TLS. */
  get caCertPem(): string | null { return this.#part('ca')?.certPem ?? null; }
  /** The optional features and whether each started. */
  get features(): readonly FeatureState[] { return this.#features; }
}

/** Ends the client, waiting at most 2 s for what it still has in flight. */
async function endClient(client: MqttClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => void client.endAsync(true).then(resolve, resolve), 2000);
  });
  await Promise.race([client.endAsync(), late]);
  clearTimeout(timer);
}
