/**
 * `npm run bench:soak` (issue 12, "hold under attack and faults"): one real district controller (embedded broker on
 * 127.0.0.1, SQLite in a temporary folder, HTTP) carries 500 carts through a simulated day at ten times a province's
 * real traffic while the attacks the controller defends against are mixed in. The carts run in child processes (each
 * drives many carts' MQTT connections), the attacks in another, so that this process is the controller alone.
 *
 * The traffic model: what one real cart sends (device/, protocol/SPEC.md), then ×10.
 * - live (telemetry + fix in one frame, latest-wins, never acked): one every 30 s, the full refresh with the runtime
 *   counters every tenth (the runtime figures travel there: there is no durable runtime record). ×10: one every 3 s.
 *   Live frames run at that rate in *real* time, not compressed: compressed as well they would be hundreds a second
 *   per cart, over the ingest's per-cart live limit (2 a second), and legitimate carts would be judged flooders.
 * - durable records (hello, play, event, track: stored once, acked), on the simulated clock: broadcasting 06:30–10:30
 *   and 14:00–18:00 (8 h), 2 plays an hour, a track record every 10 min (the cart's TRACK_FLUSH_MS) and an event an
 *   hour (stops, buttons) while broadcasting; a hello at each boot, the cart switched on at the start and again after
 *   the midday break. ×10 for plays, tracks and events (boots are reconnections, not traffic: 2 a day). 24 simulated
 *   hours run in the real duration asked for; the carts send as the cart does: records oldest first, byte-identical
 *   on a resend, frames of up to 1 KiB, at most 4 awaiting an ack, a resend after 10 s without one (doubling with
 *   each resend in a row up to 5 min, back to 10 s on an ack, as device/link/uplink.ts), QoS 1.
 *
 * The simulated day starts at 06:00: the morning broadcast and the midday reboots are the baseline. In the afternoon
 * broadcast (14:00–18:00) each attack has a window, each followed by a quiet window as long: a cart flooding
 * PUBLISHes, CONNECTs declaring 200 MB before login, CONNECT bursts with wrong passwords and unknown names, HTTP login
 * bursts, 10,000-deep JSON bodies, a cart re-provisioned into an empty folder (a fresh bundle with the district's
 * high-water marks). The night follows, live frames only: memory should settle there. The
 * attackers dial from 127.0.66.x, as strangers do, so that the per-address limits judge them and not the carts.
 *
 * Prints the controller's RSS (sampled every second), the acks' latency in each kind of window and what each attack
 * met. Fails nothing on timing; exits 1 when a record a cart had acked is missing from the database or stored with
 * other bytes, or when a record is stored twice.
 *
 *   node dist/bench/soak.js [--carts 500] [--hours 24] [--seconds 240 | --speed N] [--quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { unitBundle } from '../controller/app/bundle.js';
import { validateControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { decodeFrame, encodeFrame, encodeFrameFromParts, encodeMessage, unitTopic, type DistrictOrigin, type DurableRecord, type Message } from '../protocol/index.js';
import { connectLikeACart, histogram, histogramQuantile, merge, quantile, record, sleep, stop, type Histogram } from './util.js';
import { connectPacket, publishPacket, remainingLength } from '../tools/mqtt-packets.js';

/** 30/11/2026 00:00 in Asia/Ho_Chi_Minh (UTC+7); the simulated day runs from its 06:00. */
const MIDNIGHT = Date.UTC(2026, 10, 29, 17) / 1000;
const DAY_START = MIDNIGHT + 6 * 3600;
/** The attacks come in the afternoon broadcast (14:00–18:00); before it is the baseline, after it the night. */
const ATTACKS_FROM = MIDNIGHT + 14 * 3600;
const ATTACKS_UNTIL = MIDNIGHT + 18 * 3600;
const TRAFFIC = 10;
const LIVE_EVERY_MS = 30_000 / TRAFFIC;
const BROADCAST: [number, number][] = [[6.5, 10.5], [14, 18]];
/** Records per cart per broadcasting hour, ×TRAFFIC. */
const RATES = { play: 2 * TRAFFIC, track: 6 * TRAFFIC, event: 1 * TRAFFIC } as const;
const WINDOW = 4;
const MAX_FRAME_BYTES = 1024;
/** The cart's ack timeout (device/link/uplink.ts): 10 s, doubling with each resend up to 5 min, back to 10 s on an ack. */
const ACK_TIMEOUT_MS = 10_000;
const ACK_TIMEOUT_MAX_MS = 300_000;
const TICK_MS = 250;
const ATTACKS = ['flood', 'oversized-connect', 'wrong-password', 'http-login', 'deep-json', 'reprovision'] as const;
type Phase = 'baseline' | 'quiet' | (typeof ATTACKS)[number];

interface CartSpec { id: string; number: number; key: string; password: string; origin: DistrictOrigin }
interface Setup { url: string; district: string; speed: number; hours: number; carts: CartSpec[] }
/** What a cart child says of one cart at the end: its acked records as ranges, and a digest of their bytes. */
interface CartResult { id: string; acked: [number, number][]; digest: number; unacked: number; lostInReprovision: number; resends: number }
interface CartsReport { carts: CartResult[]; latency: Record<string, Histogram>; reconnectMs: number[]; loopDelayMs: { p99: number; max: number } }

/** 48 bits of the SHA-1 of a record's bytes; a cart's digest is their sum (mod 2^48), the order does not count. */
function recordHash(bytes: Buffer): number {
  return createHash('sha1').update(bytes).digest().readUIntBE(0, 6);
}
const addHash = (sum: number, h: number): number => (sum + h) % 2 ** 48;

// --- the carts (child processes) ------------------------------------------------------------------------------------

/** Broadcasting hours within simulated seconds [from, to) of the day. */
function broadcastHours(from: number, to: number): number {
  return BROADCAST.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(to, b * 3600) - Math.max(from, a * 3600)) / 3600, 0);
}

interface Pending { record: number; bytes: Buffer; firstSent?: number; phase?: string }

class SimCart {
  client: mqtt.MqttClient | undefined;
  boot = 1;
  nextRecord = 1;
  #seq = 0;
  #live = 0;
  readonly key: Buffer;
  readonly outbox: Pending[] = [];
  readonly inFlight = new Map<number, { records: Map<number, Pending>; at: number }>();
  readonly acked: [number, number][] = [];
  digest = 0;
  resends = 0;
  /** Timeouts in a row with no ack between: the next wait doubles with each, as the real cart's. */
  #timeouts = 0;
  lostInReprovision = 0;
  rebooted = false;
  /** Fractions of a record carried to the next tick, started at random so that the carts do not send in step. */
  readonly due = { play: Math.random(), track: Math.random(), event: Math.random() };

  constructor(readonly spec: CartSpec, readonly setup: Setup) {
    this.key = Buffer.from(spec.key, 'hex');
  }

  async connect(): Promise<void> {
    const status = unitTopic(this.setup.district, this.spec.id, 'status');
    const will = { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true } as const;
    // A real cart never gives up: while the broker answers "busy" (its password checks are all taken), it waits.
    let client: mqtt.MqttClient | undefined;
    while (!client) client = await connectLikeACart(this.setup.url, this.spec, { will }).catch(async (err: unknown) => ((err as { code?: number }).code === 3 ? void (await sleep(1000)) : Promise.reject(err)));
    client.on('error', () => undefined);
    client.on('message', (_t, payload) => this.#onDown(payload));
    await client.subscribeAsync(unitTopic(this.setup.district, this.spec.id, 'down'), { qos: 1 });
    await client.publishAsync(status, 'online', { qos: 1, retain: true });
    this.client = client;
    this.#seq = 0;
  }

  /** A boot: the link goes down, what was in flight goes back to the outbox (oldest first), a hello is recorded. */
  async reboot(simTime: number): Promise<void> {
    await this.client?.endAsync(true);
    this.client = undefined;
    this.#requeue([...this.inFlight.keys()]);
    this.boot++;
    await this.connect();
    this.add({ type: 'hello', record: 0, firmware: 'loa-soak', manifestVersion: 3, capabilities: ['relay', 'buttons', 'audio', 'volume', 'gnss', 'mqtt'], bootTime: { time: Math.floor(simTime), source: 'gnss' } });
  }

  add(m: DurableRecord): void {
    const message = { ...m, record: this.nextRecord++ };
    this.outbox.push({ record: message.record, bytes: encodeMessage(message) });
  }

  /** Records of [from, to) simulated seconds, at the model's rates. */
  generate(from: number, to: number): void {
    const hours = broadcastHours(from - MIDNIGHT, to - MIDNIGHT);
    const at = { time: Math.floor(to), source: 'gnss' } as const;
    for (const type of ['play', 'track', 'event'] as const) {
      this.due[type] += RATES[type] * hours;
      for (; this.due[type] >= 1; this.due[type]--) this.add(sample(type, at, this.spec.number));
    }
  }

  /** A live frame when its slot comes; durable frames while fewer than WINDOW await an ack; resends past the timeout. */
  pump(now: number, phase: string): void {
    const client = this.client;
    if (!client?.connected) return;
    if (now >= this.#live) {
      this.#live = now + LIVE_EVERY_MS;
      client.publish(this.#up(), this.#frame(liveMessages(this.#seq, now)), { qos: 1 });
    }
    const wait = Math.min(ACK_TIMEOUT_MAX_MS, ACK_TIMEOUT_MS * 2 ** this.#timeouts);
    const late = [...this.inFlight].filter(([, f]) => now - f.at > wait).map(([seq]) => seq);
    if (late.length > 0) {
      this.#timeouts++;
      this.#requeue(late);
    }
    while (this.inFlight.size < WINDOW && this.outbox.length > 0) this.#sendFrame(now, phase);
  }

  #sendFrame(now: number, phase: string): void {
    const records = new Map<number, Pending>();
    let size = 0;
    while (this.outbox.length > 0 && (records.size === 0 || size + this.outbox[0]!.bytes.length <= MAX_FRAME_BYTES - 64)) {
      const p = this.outbox.shift()!;
      if (p.firstSent === undefined) Object.assign(p, { firstSent: now, phase });
      else this.resends++;
      records.set(p.record, p);
      size += p.bytes.length;
    }
    const seq = this.#seq++;
    this.inFlight.set(seq, { records, at: now });
    const header = { kind: 'unit', unit: this.spec.number, boot: this.boot, seq } as const;
    this.client!.publish(this.#up(), encodeFrameFromParts(header, [...records.values()].map((p) => p.bytes), this.key), { qos: 1 });
  }

  /** Frames `seqs` are given up on: their records go back to the head of the outbox, oldest first. */
  #requeue(seqs: number[]): void {
    const back = seqs.flatMap((s) => [...(this.inFlight.get(s)?.records.values() ?? [])]);
    for (const s of seqs) this.inFlight.delete(s);
    this.outbox.unshift(...back.sort((a, b) => a.record - b.record));
  }

  #onDown(payload: Buffer): void {
    for (const m of decodeFrame(payload, this.key).messages) {
      if (m.type !== 'ack') continue;
      for (const [first, last] of m.ranges) for (let r = first; r <= last; r++) this.#ack(r);
    }
  }

  #ack(r: number): void {
    this.#timeouts = 0;
    for (const [seq, f] of this.inFlight) {
      const p = f.records.get(r);
      if (!p) continue;
      f.records.delete(r);
      if (f.records.size === 0) this.inFlight.delete(seq);
      record(latencies(p.phase!), performance.now() - p.firstSent!);
      this.digest = addHash(this.digest, recordHash(p.bytes));
      const last = this.acked.at(-1);
      if (last && last[1] === r - 1) last[1] = r;
      else this.acked.push([r, r]);
      return;
    }
  }

  /** Re-provisioned into an empty folder: what it had not sent is gone; it starts above the district's marks. */
  forget(): void {
    this.lostInReprovision += this.outbox.length + [...this.inFlight.values()].reduce((n, f) => n + f.records.size, 0);
    this.outbox.length = 0;
    this.inFlight.clear();
  }

  pending(): number {
    return this.outbox.length + this.inFlight.size;
  }

  #up(): string {
    return unitTopic(this.setup.district, this.spec.id, 'up');
  }

  #frame(messages: Message[]): Buffer {
    return encodeFrame({ kind: 'unit', unit: this.spec.number, boot: this.boot, seq: this.#seq++, messages }, this.key, { origin: this.spec.origin });
  }
}

/** A durable record as the cart makes it (record number filled in by the cart). */
function sample(type: 'play' | 'track' | 'event', at: { time: number; source: 'gnss' }, unit: number): DurableRecord {
  const lat = 19.8 + (unit % 50) / 1000;
  const lon = 105.55 + (unit % 37) / 1000;
  if (type === 'play') return { type, record: 0, start: at, clip: `c-${String(at.time % 7).padStart(4, '0')}`, manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60, where: { lat, lon } };
  if (type === 'event') return { type, record: 0, at, kind: 'info', code: 'stop-end', detail: 'stop of 240 s' };
  const points = Array.from({ length: 20 }, (_, i) => ({ time: at.time - 600 + i * 30, lat: lat + i * 1e-4, lon: lon + i * 1e-4 }));
  return { type, record: 0, source: 'gnss', points };
}

/** Telemetry and a fix; every tenth frame the full refresh with the runtime counters. */
function liveMessages(seq: number, now: number): Message[] {
  const time = Math.floor(Date.now() / 1000);
  const telemetry: Message =
    seq % 10 === 0
      ? { type: 'telemetry', batteryMv: 12_600, batteryMa: 800, solarMv: 18_000, solarMa: 1200, soc: 80, volume: 60, runtime: { uptimeS: Math.floor(now / 1000), amplifierS: 600, audioS: 500 }, outboxDepth: 0 }
      : { type: 'telemetry', batteryMv: 12_600 + (seq % 5) * 30, soc: 80 };
  return [telemetry, { type: 'fix', time, lat: 19.82, lon: 105.61, speed: 1.2, course: 90, satellites: 9, quality: 'gps' }];
}

const histograms = new Map<string, Histogram>();
function latencies(phase: string): Histogram {
  let h = histograms.get(phase);
  if (!h) histograms.set(phase, (h = histogram()));
  return h;
}

async function cartsProcess(): Promise<void> {
  let carts: SimCart[] = [];
  let phase = 'baseline';
  let finished = false;
  const reconnectMs: number[] = [];
  // A load generator late on its own event loop adds its delay to every ack it times: reported beside the acks.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const send = (m: unknown): boolean => process.send!(m);
  const byId = (id: string): SimCart | undefined => carts.find((c) => c.spec.id === id);
  const run = (setup: Setup): void => {
    const go = performance.now();
    let last = DAY_START;
    const end = DAY_START + setup.hours * 3600;
    const timer = setInterval(() => {
      const now = performance.now();
      const sim = Math.min(end, DAY_START + ((now - go) / 1000) * setup.speed);
      for (const [i, c] of carts.entries()) {
        // The midday break: each cart is switched off and on again at its own minute after 12:00.
        const breakAt = MIDNIGHT + 12 * 3600 + (i % 60) * 60;
        if (!c.rebooted && sim >= breakAt && c.client) {
          c.rebooted = true;
          const t = performance.now();
          void c.reboot(sim).then(() => reconnectMs.length < 10_000 && reconnectMs.push(performance.now() - t));
        }
        if (!finished) c.generate(last, sim);
        c.pump(now, phase);
      }
      last = sim;
    }, TICK_MS);
    process.on('message', (m: { finish?: true }) => m.finish && void drain(timer));
  };
  const drain = async (timer: NodeJS.Timeout): Promise<void> => {
    finished = true;
    for (let i = 0; i < 600 && carts.some((c) => c.pending() > 0); i++) await sleep(100);
    clearInterval(timer);
    await Promise.all(carts.map((c) => c.client?.endAsync(true)));
    const results = carts.map((c): CartResult => ({ id: c.spec.id, acked: c.acked, digest: c.digest, unacked: c.pending(), lostInReprovision: c.lostInReprovision, resends: c.resends }));
    const loopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    send({ report: { carts: results, latency: Object.fromEntries(histograms), reconnectMs, loopDelayMs } satisfies CartsReport });
  };
  process.on('message', (m: { setup?: Setup; phase?: string; go?: true; drop?: string; bundle?: { id: string; password: string; boot: number; record: number; sim: number } }) => {
    if (m.setup) {
      const setup = m.setup;
      carts = setup.carts.map((s) => new SimCart(s, setup));
      void inBatches(carts, 8, async (c) => c.connect()).then(() => send({ ready: true }));
    }
    if (m.go) run(carts[0]!.setup);
    if (m.phase) phase = m.phase;
    if (m.drop) {
      const c = byId(m.drop)!;
      const client = c.client;
      c.client = undefined;
      void client?.endAsync(true).then(() => (c.forget(), send({ dropped: m.drop })));
    }
    if (m.bundle) {
      const b = m.bundle;
      const c = byId(b.id)!;
      Object.assign(c.spec, { password: b.password });
      c.boot = b.boot;
      c.nextRecord = b.record + 1;
      void c.reboot(b.sim).then(() => send({ revived: b.id }));
    }
  });
  send({ started: true });
  await new Promise(() => undefined);
}

async function inBatches<T>(items: readonly T[], n: number, f: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(f));
}

// --- the attacker (a child process) ---------------------------------------------------------------------------------

interface AttackJob { attack: Exclude<Phase, 'baseline' | 'quiet' | 'reprovision'>; ms: number; broker: { host: string; port: number }; http: string; district: string; flooder: CartSpec; boot: number; victims: string[] }
type Outcome = Record<string, number>;

/** A stranger's address on this machine: the per-address limits then judge the attacker alone. */
const STRANGER = (n: number): string => `127.0.66.${n}`;

async function attackProcess(): Promise<void> {
  process.on('message', (job: AttackJob) => {
    const run = { flood, 'oversized-connect': oversizedConnects, 'wrong-password': wrongPasswords, 'http-login': httpLogins, 'deep-json': deepJson }[job.attack];
    void run(job).then(
      (outcome) => process.send!({ outcome }),
      (err: unknown) => process.send!({ outcome: { error: 1 }, error: String(err) }),
    );
  });
  process.send!({ started: true });
  await new Promise(() => undefined);
}

/** A registered cart floods QoS 0 PUBLISHes of live frames until the broker closes it (bench/flood.ts). */
async function flood(job: AttackJob): Promise<Outcome> {
  const key = Buffer.from(job.flooder.key, 'hex');
  // Logins may be busy still (500 carts back from their midday break share two scrypt slots): keep trying in the window.
  const deadline = performance.now() + job.ms / 2;
  let client: mqtt.MqttClient | undefined;
  while (!client) {
    client = await connectLikeACart(`mqtt://${job.broker.host}:${job.broker.port}`, job.flooder).catch((err: unknown) => {
      if (performance.now() > deadline) throw err;
      return undefined;
    });
  }
  client.on('error', () => undefined);
  const topic = Buffer.from(unitTopic(job.district, job.flooder.id, 'up'));
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < job.ms && !client.stream.destroyed) {
    if (client.stream.writableLength < 1024 * 1024) {
      const packets: Buffer[] = [];
      for (let i = 0; i < 500; i++, sent++) {
        const frame = encodeFrame({ kind: 'unit', unit: job.flooder.number, boot: job.boot, seq: sent, messages: [{ type: 'telemetry', batteryMv: 12_000 + (sent % 500), soc: 80 }] }, key, { origin: job.flooder.origin });
        packets.push(publishPacket(topic, frame));
      }
      client.stream.write(Buffer.concat(packets));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const closedAfterMs = client.stream.destroyed ? performance.now() - started : -1;
  await client.endAsync(true);
  return { sent, closedAfterMs };
}

/** A raw TCP connection from a stranger's address; resolves when it closes, with the bytes the broker sent back. */
function rawSession(job: AttackJob, from: string, bytes: Buffer, timeoutMs = 5000): Promise<{ ms: number; reply: Buffer; timedOut: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const socket = tcpConnect({ ...job.broker, localAddress: from }, () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    let timedOut = false;
    timer.unref();
    socket.on('timeout', () => (timedOut = true));
    socket.setTimeout(timeoutMs - 100);
    socket.on('data', (b: Buffer) => chunks.push(b));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, reply: Buffer.concat(chunks), timedOut });
    });
  });
}

/** Anonymous CONNECTs declaring 200 MB, 10 at a time: each must be closed from its fixed header. */
async function oversizedConnects(job: AttackJob): Promise<Outcome> {
  const header = Buffer.concat([Buffer.from([0x10]), remainingLength(200_000_000), Buffer.alloc(1000, 0x41)]);
  const out = { tried: 0, closed: 0, maxCloseMs: 0 };
  for (const end = performance.now() + job.ms; performance.now() < end; ) {
    const results = await Promise.all(Array.from({ length: 10 }, () => rawSession(job, STRANGER(1), header)));
    for (const r of results) {
      out.tried++;
      if (!r.timedOut) out.closed++;
      out.maxCloseMs = Math.max(out.maxCloseMs, r.ms);
    }
  }
  return out;
}

/** Bursts of 20 CONNECTs with wrong passwords, half for real carts' names, half for unknown ones; CONNACK codes counted. */
async function wrongPasswords(job: AttackJob): Promise<Outcome> {
  const out: Outcome = { tried: 0 };
  for (let burst = 0, end = performance.now() + job.ms; performance.now() < end; burst++) {
    const tries = Array.from({ length: 20 }, (_, i) => {
      const name = i % 2 === 0 ? job.victims[(burst + i) % job.victims.length]! : `ma-${burst}-${i}`;
      return rawSession(job, STRANGER(2), connectPacket(name, name, 'doan-mat-khau'));
    });
    for (const r of await Promise.all(tries)) {
      out.tried!++;
      // CONNACK: 0x20 0x02 flags code. 3: throttled or busy, 4: bad user name or password.
      const code = r.reply.length >= 4 && r.reply[0] === 0x20 ? `connack-${r.reply[3]}` : 'no-connack';
      out[code] = (out[code] ?? 0) + 1;
    }
    await sleep(250);
  }
  return out;
}

function post(job: AttackJob, from: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${job.http}/api/login`, { method: 'POST', localAddress: from, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function statusBursts(job: AttackJob, from: string, size: number, body: () => string): Promise<Outcome> {
  const out: Outcome = {};
  for (const end = performance.now() + job.ms; performance.now() < end; ) {
    for (const s of await Promise.all(Array.from({ length: size }, () => post(job, from, body())))) out[`http-${s}`] = (out[`http-${s}`] ?? 0) + 1;
    await sleep(200);
  }
  return out;
}

/** POST /api/login bursts of 20 with wrong passwords for a user who exists and one who does not. */
const httpLogins = (job: AttackJob): Promise<Outcome> =>
  statusBursts(job, STRANGER(3), 20, () => JSON.stringify({ user: Math.random() < 0.5 ? 'admin' : 'khong-ai', password: 'doan-mat-khau' }));

/** 10,000-deep JSON bodies, 4 at a time: a 400, never a 500 nor a stack overflow. */
const deepJson = (job: AttackJob): Promise<Outcome> => statusBursts(job, STRANGER(4), 4, () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`);

// --- the controller (this process) ----------------------------------------------------------------------------------

interface Options { carts: number; hours: number; seconds: number; speed: number }

function options(argv: readonly string[]): Options {
  const value = (name: string): number | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = Number(argv[i + 1]);
    if (!(v > 0)) throw new RangeError(`--${name} must be a positive number, got ${JSON.stringify(argv[i + 1])}`);
    return v;
  };
  const quick = argv.includes('--quick');
  const hours = value('hours') ?? 24;
  const speed = value('speed');
  const seconds = speed !== undefined ? (hours * 3600) / speed : (value('seconds') ?? (quick ? 30 : 240));
  return { carts: Math.floor(value('carts') ?? (quick ? 100 : 500)), hours, seconds, speed: (hours * 3600) / seconds };
}

/** The next message from `child` that `pick` accepts. */
function reply<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>): void => {
      const v = pick(m);
      if (v === undefined) return;
      child.off('message', onMessage).off('exit', onExit);
      resolve(v);
    };
    const onExit = (code: number | null): void => reject(new Error(`a bench child exited with ${String(code)} while the bench waited for it`));
    child.on('message', onMessage).once('exit', onExit);
  });
}

async function spawn(role: '--cart-process' | '--attack-process'): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), [role], { stdio: 'inherit' });
  // A child that died has printed why; the bench stops at its next question to it (reply() rejects).
  child.on('error', () => undefined);
  await reply(child, (m) => m.started);
  return child;
}

/** RSS of this process every second: the figure before the load, the peak of each phase, the end. */
class RssSampler {
  readonly peaks = new Map<string, number>();
  phase = 'idle';
  readonly #timer = setInterval(() => this.sample(), 1000);

  sample(): number {
    const rss = process.memoryUsage().rss;
    this.peaks.set(this.phase, Math.max(this.peaks.get(this.phase) ?? 0, rss));
    return rss;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-soak-'));
  const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
  const controller = new DistrictController({ config });
  await controller.start();
  const children: ChildProcess[] = [];
  try {
    const failed = await soak(o, controller, config.district.id, children);
    if (failed) {
      console.error(`\nFAILED: ${failed}`);
      process.exitCode = 1;
    }
  } finally {
    for (const c of children) await stop(c);
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function register(controller: DistrictController, n: number): Promise<CartSpec[]> {
  const registry = controller.registry;
  await registry.addCommune({ id: 'xa', name: 'Xã Soak' });
  await registry.addTeam({ id: 'to', commune: 'xa', name: 'Tổ Soak' });
  const ids = Array.from({ length: n + 1 }, (_, i) => (i === n ? 'xe-lu' : `xe-${String(i + 1).padStart(4, '0')}`));
  const specs: CartSpec[] = [];
  // Four at a time: each registration is a scrypt hash, on the four threads of libuv's pool.
  await inBatches(ids, 4, async (id) => {
    const { unit, password } = await registry.addUnit({ id, commune: 'xa', team: 'to', profile: 'bench' });
    specs.push({ id, number: unit.number, key: unit.key.toString('hex'), password, origin: unit.origin });
  });
  return specs.sort((a, b) => a.number - b.number);
}

function printModel(o: Options): void {
  const perDay = (RATES.play + RATES.track + RATES.event) * 8 + 2;
  console.log(`Loa soak — ${o.carts} carts, ${o.hours} simulated hours in ${o.seconds.toFixed(0)} s (×${o.speed.toFixed(0)}), ${TRAFFIC}× a real cart's traffic`);
  console.log(`  per cart: a live frame every ${LIVE_EVERY_MS / 1000} s real time (QoS 1, as device/link/mqtt-transport.ts); per simulated day`);
  console.log(`  ${RATES.play * 8} plays, ${RATES.track * 8} tracks, ${RATES.event * 8} events (8 h broadcasting), 2 hellos (2 boots): ${perDay} records`);
  console.log(`  all carts: ${int((o.carts * perDay * o.hours) / 24)} durable records, ${int((o.carts * 1000) / LIVE_EVERY_MS)} live frames/s, ${int((o.carts * perDay * o.hours) / 24 / o.seconds)} records/s`);
}

async function soak(o: Options, controller: DistrictController, district: string, children: ChildProcess[]): Promise<string | undefined> {
  printModel(o);
  const rss = new RssSampler();
  const specs = await register(controller, o.carts);
  const flooder = specs.pop()!;
  const before = rss.sample();
  const cartChildren = [await spawn('--cart-process'), await spawn('--cart-process')];
  const attacker = await spawn('--attack-process');
  children.push(...cartChildren, attacker);
  const owner = new Map(specs.map((s, i) => [s.id, cartChildren[i % cartChildren.length]!]));
  const url = controller.brokerUrl;
  const connectStart = performance.now();
  await Promise.all(
    cartChildren.map((c, k) => {
      c.send({ setup: { url, district, speed: o.speed, hours: o.hours, carts: specs.filter((_, i) => i % cartChildren.length === k) } satisfies Setup });
      return reply(c, (m) => m.ready);
    }),
  );
  console.log(`  ${o.carts} carts connected in ${((performance.now() - connectStart) / 1000).toFixed(1)} s; controller RSS ${mb(before)} before, ${mb(rss.sample())} with every cart connected`);
  const started = performance.now();
  // Where the acks' time goes: the controller's own CPU and event-loop delay, beside the load generators' share.
  const cpuBefore = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const commits = histogram();
  let committedFrames = 0;
  controller.ingest.on('committed', (e) => {
    record(commits, e.ms);
    committedFrames += e.frames;
  });
  for (const c of cartChildren) c.send({ go: true });
  const setPhase = (phase: string): void => {
    rss.phase = phase;
    for (const c of cartChildren) c.send({ phase });
  };
  setPhase('baseline');
  const outcomes = new Map<string, Outcome[]>();
  const attackJob = { broker: { host: '127.0.0.1', port: Number(new URL(url).port) }, http: controller.httpUrl, district, flooder, victims: specs.slice(0, 50).map((s) => s.id) };
  const realMs = (sim: number): number => Math.min(o.seconds * 1000, ((sim - DAY_START) / o.speed) * 1000);
  await sleep(realMs(ATTACKS_FROM));
  // Each attack once in the afternoon, then a quiet window as long, each window 20 simulated minutes at the default.
  const slotMs = (realMs(ATTACKS_UNTIL) - realMs(ATTACKS_FROM)) / (ATTACKS.length * 2);
  for (const [i, attack] of ATTACKS.entries()) {
    setPhase(attack);
    const slotEnd = performance.now() + slotMs;
    const sim = DAY_START + ((performance.now() - started) / 1000) * o.speed;
    const outcome =
      attack === 'reprovision'
        ? await reprovision(controller, district, owner, specs[0]!, sim)
        : await ask(attacker, { ...attackJob, attack, ms: slotMs * 0.8, boot: i + 1 });
    outcomes.set(attack, [...(outcomes.get(attack) ?? []), outcome]);
    await sleep(slotEnd - performance.now());
    setPhase('quiet');
    await sleep(slotMs);
  }
  setPhase('night');
  await sleep(started + o.seconds * 1000 - performance.now());
  const reports = await Promise.all(cartChildren.map((c) => (c.send({ finish: true }), reply(c, (m) => m.report as CartsReport | undefined))));
  await controller.ingest.flush();
  const end = rss.sample();
  rss.stop();
  loopDelay.disable();
  printMemory(rss, before, end);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - started) / 1000;
  console.log(
    `  controller CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s in ${wall.toFixed(1)} s (${((100 * (cpu.user + cpu.system)) / 1e6 / wall).toFixed(0)} % of one core); ` +
      `event-loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  console.log(
    `  ingest commits ${int(commits.n)}, ${(committedFrames / Math.max(1, commits.n)).toFixed(0)} frames each on average; ` +
      `commit time p50 ${histogramQuantile(commits, 0.5).toFixed(0)} ms, p99 ${histogramQuantile(commits, 0.99).toFixed(0)} ms, max ${commits.max.toFixed(0)} ms`,
  );
  printLatency(reports);
  printAttacks(outcomes, reports);
  await printCounters(controller);
  return check(controller, reports.flatMap((r) => r.carts));
}

async function ask(attacker: ChildProcess, job: AttackJob): Promise<Outcome> {
  attacker.send(job);
  const { outcome, error } = await reply(attacker, (m) => (m.outcome ? (m as { outcome: Outcome; error?: string }) : undefined));
  if (error) console.log(`  (the ${job.attack} attack failed: ${error})`);
  return outcome;
}

/**
 * A cart whose SD card was replaced: it goes off the air, its outbox with it; the technician issues a fresh bundle
 * (a new password, the district's high-water marks: controller/app/office.ts does the same); it starts above them.
 */
async function reprovision(controller: DistrictController, district: string, owner: Map<string, ChildProcess>, cart: CartSpec, sim: number): Promise<Outcome> {
  const child = owner.get(cart.id)!;
  const started = performance.now();
  child.send({ drop: cart.id });
  await reply(child, (m) => m.dropped);
  // What the old card sent before it went reaches the database before the marks are read, as it would have long
  // before a technician came with a new card.
  await sleep(1000);
  await controller.ingest.flush();
  const { unit, password } = await controller.registry.resetUnitPassword(cart.id);
  const bundle = unitBundle(unit, {
    district, password, districtKeys: [controller.districtPublicKeyHex],
    brokerUrl: controller.brokerUrl, contentUrl: controller.httpUrl, highWater: await controller.registry.highWater(cart.id),
  });
  child.send({ bundle: { id: cart.id, password: bundle.broker.password, boot: bundle.highWater.boot, record: bundle.highWater.record, sim } });
  await reply(child, (m) => m.revived);
  return { carts: 1, boot: bundle.highWater.boot + 1, firstRecord: bundle.highWater.record + 1, backOnAirMs: performance.now() - started };
}

function printMemory(rss: RssSampler, before: number, end: number): void {
  const peak = Math.max(...rss.peaks.values());
  console.log(`\n  controller RSS (every second)   before the load ${mb(before)}, peak ${mb(peak)}, end ${mb(end)}`);
  console.log(`    peak by phase: ${[...rss.peaks].filter(([p]) => p !== 'idle').map(([p, v]) => `${p} ${mb(v)}`).join(', ')}`);
}

function printLatency(reports: CartsReport[]): void {
  const all = histogram();
  const byPhase = new Map<string, Histogram>();
  for (const r of reports) {
    for (const [phase, h] of Object.entries(r.latency)) {
      merge(all, h);
      const kind = ATTACKS.includes(phase as never) ? 'attack' : phase;
      for (const key of new Set([phase, kind])) byPhase.set(key, merge(byPhase.get(key) ?? histogram(), h));
    }
  }
  const line = (name: string, h: Histogram | undefined): void => {
    if (!h || h.n === 0) return void console.log(`    ${name.padEnd(22)} —`);
    const q = (x: number): string => `${histogramQuantile(h, x).toFixed(0)} ms`;
    console.log(`    ${name.padEnd(22)} p50 ${q(0.5).padStart(7)}  p99 ${q(0.99).padStart(7)}  max ${`${h.max.toFixed(0)} ms`.padStart(8)}  (${int(h.n)} records)`);
  };
  console.log(`\n  legitimate carts' durable acks, first send to ack, by the window the record was sent in:`);
  line('all', all);
  for (const name of ['baseline', 'quiet', 'attack', ...ATTACKS, 'night']) line(ATTACKS.includes(name as never) ? `  during ${name}` : name, byPhase.get(name));
  const delays = reports.map((r) => `p99 ${r.loopDelayMs.p99.toFixed(0)} ms, max ${r.loopDelayMs.max.toFixed(0)} ms`);
  console.log(`    (the cart processes' own event-loop delay, part of every figure above: ${delays.join('; ')})`);
  const reconnects = reports.flatMap((r) => r.reconnectMs);
  if (reconnects.length > 0) console.log(`    reconnect at the midday reboot   p50 ${quantile(reconnects, 0.5).toFixed(0)} ms, p99 ${quantile(reconnects, 0.99).toFixed(0)} ms (${reconnects.length} carts)`);
}

/** Each attack's outcomes over its windows: counts summed, times (`…Ms`) at their worst. */
function printAttacks(outcomes: Map<string, Outcome[]>, reports: CartsReport[]): void {
  console.log(`\n  attacks (each line: all its windows together)`);
  for (const [attack, list] of outcomes) {
    const sum: Outcome = {};
    for (const o of list) for (const [k, v] of Object.entries(o)) sum[k] = k.endsWith('Ms') ? Math.max(sum[k] ?? -1, v) : (sum[k] ?? 0) + v;
    const shown = Object.entries(sum).map(([k, v]) => `${k} ${k.endsWith('Ms') ? `${v.toFixed(0)} ms` : int(v)}`);
    console.log(`    ${attack.padEnd(18)} ${list.length}×: ${shown.join(', ')}`);
  }
  const carts = reports.flatMap((r) => r.carts);
  const lost = carts.reduce((n, c) => n + c.lostInReprovision, 0);
  console.log(`    (re-provisioned carts lost ${lost} records never acked with their old card, as a real one would)`);
}

/** The ingest's own counters (controller/fleet/ingest.ts): what it refused and why. */
async function printCounters(controller: DistrictController): Promise<void> {
  const db = controller.db;
  const rows = await db.exclusive(() => db.all<{ name: string; n: number }>('SELECT name, sum(count) AS n FROM ingest_counters GROUP BY name ORDER BY name'));
  console.log(`  ingest counters: ${rows.map((r) => `${r.name} ${int(r.n)}`).join(', ')}`);
}

/**
 * Every record a cart had acked is in `records` with the bytes it sent (a per-cart digest), and nothing is stored
 * twice: no (unit, record) twice, and each record once in the table of its type.
 */
async function check(controller: DistrictController, carts: CartResult[]): Promise<string | undefined> {
  const db = controller.db;
  let acked = 0;
  let missing = 0;
  let unacked = 0;
  let storedUnacked = 0;
  let resends = 0;
  const wrongBytes: string[] = [];
  for (const c of carts) {
    const rows = await db.exclusive(() => db.all<{ record: number; bytes: Buffer }>('SELECT record, bytes FROM records WHERE unit_id = ? ORDER BY record', [c.id]));
    let found = 0;
    let digest = 0;
    let range = 0;
    // Acks come out of order after a resend or a reboot: the ranges are walked in record order.
    c.acked.sort((a, b) => a[0] - b[0]);
    for (const row of rows) {
      while (range < c.acked.length && c.acked[range]![1] < row.record) range++;
      const r = c.acked[range];
      if (r === undefined || row.record < r[0]) {
        storedUnacked++;
        continue;
      }
      found++;
      digest = addHash(digest, recordHash(Buffer.from(row.bytes)));
    }
    const expected = c.acked.reduce((n, [a, b]) => n + b - a + 1, 0);
    acked += expected;
    missing += expected - found;
    unacked += c.unacked;
    resends += c.resends;
    if (expected === found && digest !== c.digest) wrongBytes.push(c.id);
  }
  const twice = await db.exclusive(() => db.get<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM records GROUP BY unit_id, record HAVING count(*) > 1)'));
  const perTable = await db.exclusive(() =>
    db.all<{ type: string; records: number; rows: number }>(
      `SELECT r.type, count(*) AS records, sum(CASE r.type
         WHEN 'play' THEN (SELECT count(*) FROM plays p WHERE p.unit_id = r.unit_id AND p.record = r.record)
         WHEN 'event' THEN (SELECT count(*) FROM events e WHERE e.unit_id = r.unit_id AND e.record = r.record)
         WHEN 'hello' THEN (SELECT count(*) FROM hellos h WHERE h.unit_id = r.unit_id AND h.record = r.record)
         WHEN 'track' THEN (SELECT count(DISTINCT t.record) FROM track_points t WHERE t.unit_id = r.unit_id AND t.record = r.record)
         ELSE 1 END) AS rows
       FROM records r GROUP BY r.type ORDER BY r.type`,
    ),
  );
  console.log(`\n  durable records: ${int(acked)} acked to the carts; in the database ${int(acked - missing)} of them, ${missing} missing, ${wrongBytes.length} carts with other bytes`);
  console.log(`    stored: ${perTable.map((t) => `${t.type} ${int(t.records)} (${int(t.rows)} in its table)`).join(', ')}; stored twice ${twice?.n ?? 0}`);
  console.log(`    also stored without the ack reaching the cart ${storedUnacked}; still unacked at the end ${unacked}; record copies resent ${int(resends)}`);
  const problems = [
    missing > 0 && `${missing} acked records are not in the database`,
    wrongBytes.length > 0 && `carts ${wrongBytes.slice(0, 5).join(', ')} have acked records stored with other bytes`,
    (twice?.n ?? 0) > 0 && `${twice?.n} (unit, record) pairs stored twice`,
    perTable.some((t) => t.rows !== t.records) && 'a record is not exactly once in the table of its type',
  ].filter((p): p is string => typeof p === 'string');
  return problems.length > 0 ? problems.join('; ') : undefined;
}

if (process.argv.includes('--cart-process')) await cartsProcess();
else if (process.argv.includes('--attack-process')) await attackProcess();
else await main();
