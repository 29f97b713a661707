/**
 * The cart's MQTT link (SPEC.md section 7), MQTT 3.1.1 only:
 * - client id and user name = the unit's name; a retained last will `offline` on its status topic, and `online`
 *   retained on every connection;
 * - clean session false and QoS 1 both ways, so district frames queued by the broker while the cart was away arrive
 *   when it is back (as long as the broker kept its session);
 * - subscribes to its `down` topic and to the district's announcement topic.
 *
 * Reconnection: mqtt.js arms a fixed `setInterval(reconnectPeriod)` on every `close` and reconnects on each tick,
 * keeping its stores (so an unacknowledged QoS 1 PUBLISH is sent again) and its subscriptions. We keep that machinery
 * and only vary the period: before each attempt (its `reconnect` event) `options.reconnectPeriod` is set to the next
 * capped exponential delay with equal jitter, and back to the first delay once connected. mqtt.js reads the option
 * each time it arms the timer, so the next wait uses it.
 *
 * TLS (`mqtts://`): with the `tls` option the cart pins its district's CA (it replaces Node's default roots) and
 * presents its client certificate; without it the system's roots are used. A certificate the cart refuses, or one
 * the broker refuses, is logged as one clear line (what is wrong, what the technician should do: ../tls.ts) each time
 * it changes, and emitted as a `ControllerTlsError`; mqtt.js keeps retrying with the backoff, so a controller whose
 * certificate is put right is reached without touching the cart.
 */
import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { announceTopic, STATUS_OFFLINE, STATUS_ONLINE, unitTopic, MAX_FRAME } from '../../protocol/index.js';
import { emitRecoverableError } from '../../hardware/events.js';
import { silentLogger, type Logger } from '../../hardware/logger.js';
import { closedAfterHandshake, controllerTlsError, tlsOptions, type ControllerTls, type ControllerTlsError } from '../tls.js';
import { checkBackoff, jitteredDelay, type BackoffOptions } from './backoff.js';
import { LinkDownError, type LinkTransport, type LinkTransportEventMap } from './transport.js';

export interface MqttTransportOptions {
  /** Broker URL, e.g. `mqtt://10.0.0.2:1883` or `mqtts://…`. */
  url: string;
  /** District name in topics (a–z 0–9 -). */
  district: string;
  /** The unit's name: topic segment, MQTT client id and user name. */
  unit: string;
  /** The unit's broker password, from its configuration. */
  password?: string;
  /**
   * For `mqtts://`: the district CA to pin (instead of the system's roots) and the cart's client certificate and key,
   * from its bundle. Without it an `mqtts://` broker is checked against the system's roots.
   */
  tls?: ControllerTls;
  /** Reconnection backoff (default 1 s doubling up to 60 s, with jitter). */
  backoff?: Partial<BackoffOptions>;
  /** How long to wait for the broker's CONNACK, ms (default 30 000). */
  connectTimeoutMs?: number;
  /** MQTT keep-alive, s (default 60): how soon a silently dead link is noticed. */
  keepaliveS?: number;
  /** Random source for the jitter (default Math.random). */
  random?: () => number;
  logger?: Logger;
}

export class MqttTransport extends EventEmitter<LinkTransportEventMap> implements LinkTransport {
  readonly maxFrameBytes = MAX_FRAME;
  readonly #options: MqttTransportOptions;
  readonly #backoff: BackoffOptions;
  readonly #log: Logger;
  readonly #upTopic: string;
  readonly #downTopic: string;
  readonly #statusTopic: string;
  readonly #announceTopic: string;
  #client: MqttClient | null = null;
  #up = false;
  #attempt = 0;
  /** The code of the last TLS failure logged, so a failure repeated on every attempt is logged once. */
  #tlsFailure: string | null = null;
  /** The broker answered CONNECT on the current connection. */
  #connack = false;
  /** An error was reported for the current connection. */
  #attemptFailed = false;

  constructor(options: MqttTransportOptions) {
    super();
    if (typeof options.url !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\//.test(options.url)) {
      throw new TypeError(`url must be a broker URL such as mqtt://127.0.0.1:1883, got ${JSON.stringify(options.url)}`);
    }
    this.#options = options;
    this.#backoff = checkBackoff({ initialMs: 1000, maxMs: 60_000, factor: 2, ...options.backoff }, 'backoff');
    this.#log = options.logger ?? silentLogger;
    // unitTopic checks both names and throws a ProtocolError naming the bad one.
    this.#upTopic = unitTopic(options.district, options.unit, 'up');
    this.#downTopic = unitTopic(options.district, options.unit, 'down');
    this.#statusTopic = unitTopic(options.district, options.unit, 'status');
    this.#announceTopic = announceTopic(options.district);
  }

  get isUp(): boolean {
    return this.#up;
  }

  start(): Promise<void> {
    if (this.#client) return Promise.resolve();
    const o = this.#options;
    const clientOptions: IClientOptions = {
      protocolVersion: 4,
      clientId: o.unit,
      username: o.unit,
      clean: false,
      resubscribe: false, // we subscribe ourselves whenever the broker has no session for us
      reconnectPeriod: this.#nextDelay(),
      connectTimeout: o.connectTimeoutMs ?? 30_000,
      keepalive: o.keepaliveS ?? 60,
      will: { topic: this.#statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
      ...(o.password === undefined ? {} : { password: o.password }),
      ...tlsOptions(o.tls),
    };
    const client = mqtt.connect(o.url, clientOptions);
    this.#client = client;
    client.on('connect', (connack) => void this.#connected(client, connack.sessionPresent));
    client.on('message', (topic, payload) => this.#message(topic, payload));
    client.on('reconnect', () => {
      this.#attempt++;
      client.options.reconnectPeriod = this.#nextDelay();
      this.#log.debug(() => `reconnecting to ${o.url} (attempt ${this.#attempt}); next wait ${client.options.reconnectPeriod} ms`);
    });
    client.on('close', () => {
      // A Node TLS broker (the controller's embedded one) refuses a client certificate by closing the connection once
      // the handshake is done, without an alert or an error: tell the technician, as for a certificate error.
      if (this.#refusedAfterHandshake(client)) {
        const tls = closedAfterHandshake(new URL(o.url).host, 'closed before CONNACK');
        this.#tlsLog(tls);
        emitRecoverableError(this, tls);
      }
      this.#attemptFailed = false;
      this.#closed(null);
    });
    client.on('error', (error) => {
      this.#attemptFailed = true;
      const tls = controllerTlsError(error, { host: new URL(o.url).host, pinned: o.tls !== undefined, handshakeDone: this.#handshook(client) });
      if (tls === null) {
        this.#log.warn(() => `MQTT ${o.url}: ${error.message}`);
        emitRecoverableError(this, error);
        return;
      }
      this.#tlsLog(tls);
      emitRecoverableError(this, tls);
    });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = null;
    if (this.#up) {
      try {
        await client.publishAsync(this.#statusTopic, STATUS_OFFLINE, { qos: 1, retain: true });
      } catch (error) {
        this.#log.warn(() => `could not publish offline: ${(error as Error).message}`);
      }
    }
    const wasUp = this.#up;
    this.#up = false;
    // A clean DISCONNECT when connected (the broker then discards the will: we said `offline` ourselves).
    await client.endAsync(!wasUp);
    client.removeAllListeners();
    client.on('error', () => {});
    if (wasUp) this.emit('down', null);
  }

  send(bytes: Buffer): Promise<void> {
    const client = this.#client;
    if (!client || !this.#up) {
      return Promise.reject(new LinkDownError(`MQTT link to ${this.#options.url} is down; the frame will be sent again when it is back.`));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const onDown = (): void => finish(new LinkDownError(`MQTT link to ${this.#options.url} dropped before the broker took the frame.`));
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        this.off('down', onDown);
        if (error) reject(error);
        else resolve();
      };
      this.on('down', onDown);
      client.publish(this.#upTopic, bytes, { qos: 1, retain: false }, (error) => finish(error));
    });
  }

  /** The TLS handshake of the current connection attempt completed, and the broker has not answered CONNECT yet. */
  #handshook(client: MqttClient): boolean {
    const stream = client.stream as Partial<TLSSocket> | undefined;
    return stream?.encrypted === true && stream.authorized === true && !client.connected && !this.#connack;
  }

  /**
   * The connection just closed was refused after its TLS handshake: the cart presented a certificate, the broker
   * ended the stream (not our timeout destroying it) before any CONNACK, and nothing else was reported.
   */
  #refusedAfterHandshake(client: MqttClient): boolean {
    const stream = client.stream as Partial<TLSSocket> | undefined;
    const refused = this.#options.tls?.cert !== undefined && this.#handshook(client) && stream?.readableEnded === true && !this.#attemptFailed;
    this.#connack = false;
    return refused;
  }

  /** mqtt.js reports a failed handshake twice (the TLS socket's error and the stream's), and again on every attempt. */
  #tlsLog(tls: ControllerTlsError): void {
    if (this.#tlsFailure !== tls.code) this.#log.error(`MQTT ${this.#options.url}: ${tls.message}`);
    else this.#log.debug(() => `MQTT ${this.#options.url}: ${tls.text.en}`);
    this.#tlsFailure = tls.code;
  }

  #nextDelay(): number {
    return jitteredDelay(this.#attempt + 1, this.#backoff, this.#options.random);
  }

  async #connected(client: MqttClient, sessionPresent: boolean): Promise<void> {
    this.#attempt = 0;
    this.#tlsFailure = null;
    this.#connack = true;
    client.options.reconnectPeriod = this.#nextDelay();
    try {
      if (!sessionPresent) {
        await client.subscribeAsync([this.#downTopic, this.#announceTopic], { qos: 1 });
      }
      await client.publishAsync(this.#statusTopic, STATUS_ONLINE, { qos: 1, retain: true });
    } catch (error) {
      // The connection dropped while we set it up: `close` follows and mqtt.js reconnects.
      this.#log.warn(() => `setting up the MQTT session failed: ${(error as Error).message}`);
      return;
    }
    if (client !== this.#client || !client.connected || this.#up) return;
    this.#up = true;
    this.#log.info(() => `MQTT link up (${this.#options.url}, session ${sessionPresent ? 'resumed' : 'new'})`);
    this.emit('up');
  }

  #closed(reason: Error | null): void {
    if (!this.#up) return;
    this.#up = false;
    this.#log.warn(() => `MQTT link to ${this.#options.url} lost; reconnecting`);
    this.emit('down', reason);
  }

  #message(topic: string, payload: Buffer): void {
    if (topic === this.#downTopic) this.emit('frame', payload);
    else if (topic === this.#announceTopic) this.emit('announcement', payload);
  }
}
