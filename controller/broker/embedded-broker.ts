/**
 * The embedded MQTT 3.1.1 broker (aedes) that `npm start` uses when no external broker is configured. Every client
 * authenticates: a unit with its id and MQTT password (checked through the registry), the controller with its own
 * account; anonymous clients and wrong passwords are refused at CONNECT. Topic rules are in topic-rules.ts: a
 * publish outside them closes the client's connection (aedes' behaviour, MQTT-3.3.5-2), a subscription outside them
 * is answered with the failure code 0x80. A unit must use its own name as client id.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { TOPIC_NAME } from '../../protocol/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { CONTROLLER_USER, mayPublish, maySubscribe, type BrokerIdentity } from './topic-rules.js';

/** What the broker needs of the registry (FleetRegistry implements it). */
export interface UnitPasswordChecker {
  /** True when `password` is the unit's current MQTT password and the unit is active. */
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
  logger?: Logger;
}

export interface EmbeddedBrokerEvents {
  /** A client was refused at CONNECT (`who` is the user name it gave, if any). */
  refused: [{ who: string | undefined; clientId: string; reason: RefusalReason }];
  /** A publish or subscription outside the topic rules. */
  denied: [{ who: BrokerIdentity; topic: string; action: 'publish' | 'subscribe' }];
}

export type RefusalReason = 'anonymous' | 'bad-password' | 'bad-client-id';

const IDENTIFIER_REJECTED = 2;
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
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  #port = 0;

  constructor(options: EmbeddedBrokerOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** The port it listens on (the real one when 0 was asked for). */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.#o.host === undefined || this.#o.host === '0.0.0.0' ? '127.0.0.1' : this.#o.host;
    return `mqtt://${host}:${this.#port}`;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const o = this.#o;
    if (!TOPIC_NAME.test(o.district)) throw new RangeError(`district must be a topic name (a-z, 0-9, -), got ${JSON.stringify(o.district)}`);
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) throw new RangeError(`port must be 0…65535, got ${String(o.port)}`);
    if (typeof o.controller.password !== 'string' || o.controller.password.length < 8) {
      throw new RangeError('controller.password must be a string of at least 8 characters');
    }
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => void this.#authenticate(client, username, password).then((e) => done(e, e === null), (e: unknown) => done(authError(String(e), 3), false)),
      authorizePublish: (client, packet, done) => {
        const who = client ? this.#identities.get(client) : undefined;
        // A will published after its client is gone (client null): only a status topic may carry it.
        const ok = who ? mayPublish(who, o.district, packet.topic, packet.retain) : /\/status$/.test(packet.topic) && packet.topic.startsWith(`loa/v1/${o.district}/unit/`);
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
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => this.#sockets.delete(socket));
      aedes.handle(socket);
    });
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

  /** null when the client is let in (and remembered), else the CONNACK error. */
  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthenticateError | null> {
    const refuse = (reason: RefusalReason): AuthenticateError => {
      this.emit('refused', { who: username, clientId: client.id, reason });
      this.#log.warn(`connection refused (${reason}): client ${client.id}, user ${String(username)}`);
      if (reason === 'anonymous') return authError('not authorized', NOT_AUTHORIZED);
      if (reason === 'bad-client-id') return authError('a unit connects with its own name as client id', IDENTIFIER_REJECTED);
      return authError('bad user name or password', BAD_USERNAME_OR_PASSWORD);
    };
    if (username === undefined || username === '' || password === undefined) return refuse('anonymous');
    const controllerUser = this.#o.controller.username ?? CONTROLLER_USER;
    if (username === controllerUser) {
      if (!timingSafeEqual(digest(password), digest(this.#o.controller.password))) return refuse('bad-password');
      this.#identities.set(client, { kind: 'controller' });
      return null;
    }
    // A unit's client id is its name, so that no cart can take over (and so disconnect) another cart's session.
    if (TOPIC_NAME.test(username) && client.id !== username) return refuse('bad-client-id');
    if (!TOPIC_NAME.test(username) || !(await this.#o.units.verifyUnitPassword(username, password.toString('utf8')))) return refuse('bad-password');
    this.#identities.set(client, { kind: 'unit', id: username });
    return null;
  }
}
