/**
 * The embedded MQTT 3.1.1 broker (aedes) that `npm start` uses when no external broker is configured. Every client
 * authenticates: a unit with its id and MQTT password (checked through the registry), the controller with its own
 * account; anonymous clients and wrong passwords are refused at CONNECT. Topic rules are in topic-rules.ts: a
 * publish outside them closes the client's connection (aedes' behaviour, MQTT-3.3.5-2), a subscription outside them
 * is answered with the failure code 0x80. A unit must use its own name as client id.
 *
 * Under attack: a packet that declares more than it may carry closes the socket from its fixed header, before it is
 * buffered (packet-guard.ts): {@link MAX_PACKET_BEFORE_LOGIN} until the CONNECT is accepted, {@link MAX_PACKET}
 * after; one address may hold `maxConnectionsPerAddress` connections; failed logins are throttled per account and
 * address (CONNACK 3, server unavailable, without checking the password), a check costs the same scrypt whether the
 * name exists or not, and password checks share a few slots of the thread pool with the HTTP login.
 *
 * Over TLS (`tls`), with a certificate of the district CA (controller/tls/): with `clientCertificates`, a client must
 * also present a certificate of that CA that is not revoked, whose common name is the user name it logs in with (the
 * handshake refuses a missing, foreign or revoked one; the CONNECT a certificate of another cart). `updateRevocations`
 * loads a new CRL and closes the connections of the certificates it revokes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { MAX_FRAME, TOPIC_NAME } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { addressKey, LoginThrottle } from '../users/login-throttle.js';
import { PasswordChecksBusy, PasswordSlots } from '../users/password-slots.js';
import { TokenBucket, type BucketSize } from '../../lib/token-bucket.js';
import { GuardedConnection, type Oversize } from './packet-guard.js';
import { CONTROLLER_USER, isStatusPayload, mayPublish, maySubscribe, type BrokerIdentity } from './topic-rules.js';

/**
 * The largest packet (remaining length) before the CONNECT is accepted. A CONNECT carries a client id, a user name
 * and a password (each at most a few dozen bytes here) and a cart's will (its status topic and `offline`): about
 * 200 bytes. 512 leaves room and lets nobody make the broker hold more than that for a stranger.
 */
export const MAX_PACKET_BEFORE_LOGIN = 512;

/**
 * The largest packet (remaining length) of a logged-in client: a protocol frame is at most MAX_FRAME bytes on MQTT
 * (SPEC), plus the PUBLISH's topic and packet id (1 KiB is ample for `loa/v1/<district>/unit/<id>/up`).
 */
export const MAX_PACKET = MAX_FRAME + 1024;

/**
 * PUBLISHes a logged-in cart may send: 200 a second after a burst of 2,000. A cart sends a live frame every 30 s by
 * default (never under 1 s) and at most 4 durable frames awaiting an ack, so a backlog after weeks offline stays far
 * below; a cart flooding the broker (54,000 a second was seen) is disconnected within ~40 ms instead of having every
 * packet parsed and queued for the controller's one connection, where it delays every other cart's frames. (The
 * ingest's own per-unit limits, fleet/ingest-flow.ts, still judge what gets through.) The controller is not limited.
 */
export const UNIT_PUBLISH_RATE: BucketSize = { rate: 200, burst: 2000 };

/** The MQTT packet type of PUBLISH (§2.2.1). */
const PUBLISH = 3;

/** What the broker needs of the registry (FleetRegistry implements it). */
export interface UnitPasswordChecker {
  /**
   * True when `password` is the unit's current MQTT password and the unit is active. Costs the same whether the unit
   * exists or not (FleetRegistry checks an unknown name against a decoy hash).
   */
  verifyUnitPassword(id: string, password: string): Promise<boolean>;
}

export interface EmbeddedBrokerOptions {
  district: string;
  /** TCP port; 0 takes any free port (read `port` after `start`). */
  port: number;
  /** Address to listen on (default 127.0.0.1; `0.0.0.0` for carts on the network). */
  host?: string;
  units: UnitPasswordChecker;
  /** The controller's own account. */
  controller: { username?: string; password: string };
  /**
   * Connections one client address may hold at once (IPv6: one /64), default 20; this machine's own loopback
   * address (127.0.0.1, ::1: the controller's client, the demo's and the benchmark's carts) is not limited. Raise it
   * when many carts reach the broker through one address (a mobile operator's NAT).
   */
  maxConnectionsPerAddress?: number;
  /**
   * Failed CONNECTs per account and address (default: the {@link LoginThrottle} defaults without its per-account
   * limit, logging to `logger`).
   */
  throttle?: LoginThrottle;
  /** Password checks at once; share one with the HTTP login (default: its own, of 2). */
  passwordSlots?: PasswordSlots;
  /** PUBLISHes a unit may send (default {@link UNIT_PUBLISH_RATE}); over it, its connection is closed. */
  unitPublishRate?: BucketSize;
  /** MQTT over TLS (see the header); plain TCP when absent. */
  tls?: BrokerTls;
  logger?: Logger;
}

/** The broker's TLS: its certificate and key, the district CA, and whether clients must present a certificate. */
export interface BrokerTls {
  cert: string;
  key: string;
  ca: string;
  clientCertificates: boolean;
  /** The revocation list (PEM) the client certificates are checked against. */
  crl?: string;
}

export interface EmbeddedBrokerEvents {
  /** A client was refused at CONNECT (`who` is the user name it gave, if any). */
  refused: [{ who: string | undefined; clientId: string; reason: RefusalReason }];
  /** A connection was closed before aedes saw it (too many from its address) or by its packet size. */
  dropped: [{ address: string; reason: 'too-many-connections' | 'packet-too-large' | 'publish-rate' }];
  /** A publish or subscription outside the topic rules. */
  denied: [{ who: BrokerIdentity; topic: string; action: 'publish' | 'subscribe' }];
}

export type RefusalReason = 'anonymous' | 'bad-password' | 'bad-client-id' | 'throttled' | 'busy' | 'wrong-certificate';

/** This machine, as addressKey() shows it: not limited in connections. */
const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', addressKey('::1')]);

const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, code: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

function digest(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}

export class EmbeddedBroker extends EventEmitter<EmbeddedBrokerEvents> {
  readonly #o: EmbeddedBrokerOptions;
  readonly #log: Logger;
  readonly #identities = new WeakMap<Client, BrokerIdentity>();
  readonly #sockets = new Set<Socket>();
  /** The TLS connections, whose client certificates a new CRL may revoke. */
  readonly #tlsSockets = new Set<TLSSocket>();
  /** Open connections per client address key, and whether a refusal was logged since it was last under the limit. */
  readonly #perAddress = new Map<string, { open: number; logged: boolean }>();
  /** The connections whose CONNECT was accepted: their packets may be up to MAX_PACKET. */
  readonly #loggedIn = new WeakSet<GuardedConnection>();
  /** The PUBLISH budget of each connection logged in as a unit. */
  readonly #publishBudget = new WeakMap<GuardedConnection, TokenBucket>();
  readonly #throttle: LoginThrottle;
  readonly #slots: PasswordSlots;
  #busyLoggedAt = -Infinity;
  #aedes: Aedes | undefined;
  #server: Server | TlsServer | undefined;
  #port = 0;

  constructor(options: EmbeddedBrokerOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    // No per-account limit: unit and controller passwords are random (144 bits), guessing one is hopeless, and a
    // cart's name is in its topics: such a limit would let anyone keep a cart offline from a few addresses.
    this.#throttle = options.throttle ?? new LoginThrottle({ name: 'MQTT CONNECT', perAccount: null, logger: this.#log });
    this.#slots = options.passwordSlots ?? new PasswordSlots();
  }

  /** The port it listens on (the real one when 0 was asked for). */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.#o.host === undefined || this.#o.host === '0.0.0.0' ? '127.0.0.1' : this.#o.host;
    return `${this.#o.tls ? 'mqtts' : 'mqtt'}://${host}:${this.#port}`;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const o = this.#o;
    if (!TOPIC_NAME.test(o.district)) throw new RangeError(`district must be a topic name (a-z, 0-9, -), got ${JSON.stringify(o.district)}`);
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) throw new RangeError(`port must be 0…65535, got ${String(o.port)}`);
    if (typeof o.controller.password !== 'string' || o.controller.password.length < 8) {
      throw new RangeError('controller.password must be a string of at least 8 characters');
    }
    const maxConnections = o.maxConnectionsPerAddress ?? 20;
    if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError(`maxConnectionsPerAddress must be a whole number ≥ 1, got ${String(maxConnections)}`);
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => void this.#authenticate(client, username, password).then((e) => done(e, e === null), (e: unknown) => done(authError(String(e), 3), false)),
      authorizePublish: (client, packet, done) => {
        const who = client ? this.#identities.get(client) : undefined;
        // A will published after its client is gone (client null): only a status topic may carry it, and only a status.
        const ok = who
          ? mayPublish(who, o.district, packet.topic, packet.retain, packet.payload)
          : /\/status$/.test(packet.topic) && packet.topic.startsWith(`loa/v1/${o.district}/unit/`) && isStatusPayload(packet.payload);
        if (ok) return done(null);
        if (who) this.emit('denied', { who, topic: packet.topic, action: 'publish' });
        this.#log.warn(`publish refused: ${client?.id ?? '(gone)'} on ${packet.topic}`);
        done(new Error(`publish to ${packet.topic} is not allowed for this client`));
      },
      authorizeSubscribe: (client, sub, done) => {
        const who = this.#identities.get(client);
        if (who && maySubscribe(who, o.district, sub.topic)) return done(null, sub);
        if (who) this.emit('denied', { who, topic: sub.topic, action: 'subscribe' });
        this.#log.warn(`subscription refused: ${client.id} to ${sub.topic}`);
        done(null, null);
      },
    });
    const server = this.#listener(aedes, maxConnections);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (err: unknown) => {
      await new Promise<void>((r) => aedes.close(() => r()));
      throw err;
    });
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : o.port;
    this.#aedes = aedes;
    this.#server = server;
    this.#log.info(`MQTT broker listening on ${o.host ?? '127.0.0.1'}:${this.#port}`);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const aedes = this.#aedes;
    if (!server || !aedes) return;
    this.#server = undefined;
    this.#aedes = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }

  /**
   * The TCP or TLS server. Connections are counted per address as TCP connections, before any TLS handshake, so that
   * handshakes left half-way count too (and are dropped after 10 s).
   */
  #listener(aedes: Aedes, maxConnections: number): Server | TlsServer {
    const tls = this.#o.tls;
    if (!tls) return createServer((socket) => this.#admit(socket, maxConnections) && this.#handle(aedes, socket));
    const server = createTlsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        requestCert: tls.clientCertificates,
        rejectUnauthorized: tls.clientCertificates,
        ...(tls.crl ? { crl: tls.crl } : {}),
        handshakeTimeout: 10_000,
      },
      (socket) => this.#handle(aedes, socket),
    );
    server.on('connection', (socket: Socket) => void this.#admit(socket, maxConnections));
    server.on('tlsClientError', (err, socket) => this.#log.warn(`TLS handshake refused from ${addressKey(socket.remoteAddress)}: ${err.message}`));
    return server;
  }

  /** Counts a new TCP connection against its address; false (and closed) over the limit. */
  #admit(socket: Socket, maxConnections: number): boolean {
    const address = addressKey(socket.remoteAddress);
    const count = this.#perAddress.get(address) ?? { open: 0, logged: false };
    if (count.open >= maxConnections && !LOOPBACK.has(address)) {
      // Logged once each time the limit is reached, not for every connection refused while it holds.
      if (!count.logged) this.#log.warn(`connection refused: ${address} already holds ${count.open} connections (maxConnectionsPerAddress)`);
      count.logged = true;
      this.emit('dropped', { address, reason: 'too-many-connections' });
      socket.destroy();
      return false;
    }
    count.open++;
    this.#perAddress.set(address, count);
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#release(address);
    });
    return true;
  }

  /** Hands a connection (TCP, or TLS once its handshake is done) to aedes behind the packet guard. */
  #handle(aedes: Aedes, socket: Socket): void {
    const address = addressKey(socket.remoteAddress);
    if (socket instanceof TLSSocket) {
      this.#tlsSockets.add(socket);
      socket.once('close', () => this.#tlsSockets.delete(socket));
    }
    const conn: GuardedConnection = new GuardedConnection(
      socket,
      () => (this.#loggedIn.has(conn) ? MAX_PACKET : MAX_PACKET_BEFORE_LOGIN),
      (over) => this.#oversize(address, conn, over),
      (type) => type !== PUBLISH || (this.#publishBudget.get(conn)?.tryTake(1, performance.now()) ?? true),
    );
    aedes.handle(conn);
  }

  /**
   * Checks client certificates against a new revocation list from now on, and closes the connections whose
   * certificate it revokes (`serials`: hex, as issued). Nothing without TLS client certificates.
   */
  updateRevocations(crl: string, serials: readonly string[]): void {
    const server = this.#server;
    const tls = this.#o.tls;
    if (!tls?.clientCertificates || !(server && 'setSecureContext' in server)) return;
    server.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca, crl });
    const revoked = new Set(serials.map(normalSerial));
    for (const socket of this.#tlsSockets) {
      const serial = socket.getPeerCertificate().serialNumber;
      if (serial && revoked.has(normalSerial(serial))) {
        this.#log.warn(`connection closed: its client certificate ${serial} was revoked`);
        socket.destroy();
      }
    }
  }

  #release(address: string): void {
    const count = this.#perAddress.get(address);
    if (!count) return;
    count.open--;
    count.logged = false;
    if (count.open <= 0) this.#perAddress.delete(address);
  }

  #oversize(address: string, conn: GuardedConnection, over: Oversize): void {
    const who = this.#loggedIn.has(conn) ? 'a logged-in client' : 'a client not logged in';
    if (over.refused) {
      const rate = this.#o.unitPublishRate ?? UNIT_PUBLISH_RATE;
      this.#log.warn(`connection closed: a cart from ${address} sent PUBLISHes faster than ${rate.rate}/s (burst ${rate.burst})`);
      this.emit('dropped', { address, reason: 'publish-rate' });
      return;
    }
    const what = over.malformed ? 'a remaining length longer than 4 bytes' : `a packet of type ${over.type} declaring ${over.declared} bytes or more (limit ${over.limit})`;
    this.#log.warn(`connection closed: ${who} from ${address} sent ${what}`);
    this.emit('dropped', { address, reason: 'packet-too-large' });
  }

  /** null when the client is let in (and remembered), else the CONNACK error. */
  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthenticateError | null> {
    const conn = client.conn instanceof GuardedConnection ? client.conn : undefined;
    const address = conn?.socket.remoteAddress;
    const refuse = (reason: RefusalReason): AuthenticateError => {
      this.emit('refused', { who: username, clientId: client.id, reason });
      // A throttled client is logged by the throttle, once per episode; `busy`, at most once every 10 s.
      const now = performance.now();
      const quiet = reason === 'throttled' || (reason === 'busy' && now - this.#busyLoggedAt < 10_000);
      if (reason === 'busy' && !quiet) this.#busyLoggedAt = now;
      if (!quiet) this.#log.warn(`connection refused (${reason}): client ${client.id}, user ${String(username)}, from ${addressKey(address)}`);
      if (reason === 'anonymous' || reason === 'wrong-certificate') return authError('not authorized', NOT_AUTHORIZED);
      if (reason === 'bad-client-id') return authError('a unit connects with its own name as client id', IDENTIFIER_REJECTED);
      if (reason === 'throttled' || reason === 'busy') return authError('too many tries: try again later', SERVER_UNAVAILABLE);
      return authError('bad user name or password', BAD_USERNAME_OR_PASSWORD);
    };
    if (username === undefined || username === '' || password === undefined) return refuse('anonymous');
    const isController = username === (this.#o.controller.username ?? CONTROLLER_USER);
    // A unit's client id is its name, so that no cart can take over (and so disconnect) another cart's session.
    if (!isController && TOPIC_NAME.test(username) && client.id !== username) return refuse('bad-client-id');
    if (this.#o.tls?.clientCertificates && certificateName(conn?.socket) !== username) return refuse('wrong-certificate');
    const attempt = this.#throttle.attempt(username, address);
    if (!attempt.allowed) return refuse('throttled');
    let ok: boolean;
    try {
      ok = isController
        ? timingSafeEqual(digest(password), digest(this.#o.controller.password))
        : TOPIC_NAME.test(username) && (await this.#slots.run(() => this.#o.units.verifyUnitPassword(username, password.toString('utf8')), addressKey(address)));
    } catch (err) {
      attempt.unchecked();
      if (err instanceof PasswordChecksBusy) return refuse('busy');
      throw err;
    }
    if (!ok) {
      attempt.failed();
      return refuse('bad-password');
    }
    attempt.succeeded();
    this.#identities.set(client, isController ? { kind: 'controller' } : { kind: 'unit', id: username });
    if (conn) this.#loggedIn.add(conn);
    if (conn && !isController) this.#publishBudget.set(conn, new TokenBucket(this.#o.unitPublishRate ?? UNIT_PUBLISH_RATE, performance.now()));
    return null;
  }
}

/** A serial as hex without leading zeros, upper case: how Node and the CA may each write the same number. */
function normalSerial(serial: string): string {
  return serial.replace(/^0+/, '').toUpperCase();
}

/** The common name of the client certificate presented on a TLS connection, if any. */
function certificateName(socket: Socket | undefined): string | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? undefined : cn;
}
