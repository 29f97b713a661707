/**
 * `npm run bench:controller`: end-to-end ingest rate of the district controller. N simulated carts (mqtt.js clients
 * in a child process, so they run on the other core) publish batched play/event records over the embedded broker;
 * the controller verifies, stores them in SQLite (WAL, synchronous=FULL) and acks; a cart keeps at most WINDOW frames
 * unacknowledged. Beside it, in the same run, the raw broker rate: the same publishers, a subscriber that only
 * counts (no checks, no database, no acks). Prints figures; fails nothing.
 *
 *   node dist/bench/controller.js [carts=50] [recordsPerCart=2000] [recordsPerFrame=25]
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { EmbeddedBroker } from '../controller/broker/embedded-broker.js';
import { openControllerDb } from '../controller/db/database.js';
import { DistrictFramer } from '../controller/fleet/district-frames.js';
import { FleetIngest } from '../controller/fleet/ingest.js';
import { FleetRegistry } from '../controller/fleet/registry.js';
import { decodeFrame, districtSubscriptions, encodeFrame, unitTopic, type Message } from '../protocol/index.js';
import { connectLikeACart } from './util.js';

const DISTRICT = 'bench';
const T = 1_795_914_000;
/** Frames a cart keeps waiting for an ack (the cart's own default is 4 frames of up to 1,024 bytes). */
const WINDOW = 4;
const CONTROLLER = { username: 'loa_controller', password: 'bench-controller-password' };

interface CartSpec {
  id: string;
  number: number;
  key: string;
  password: string;
}

interface Job {
  url: string;
  carts: CartSpec[];
  records: number;
  perFrame: number;
  /** `raw`: publish everything, wait for nothing; `acked`: at most WINDOW frames waiting for an ack. */
  mode: 'raw' | 'acked';
  boot: number;
}

function records(from: number, n: number): Message[] {
  return Array.from({ length: n }, (_, i): Message => {
    const record = from + i;
    return record % 5 === 0
      ? { type: 'event', record, at: { time: T + record, source: 'gnss' }, kind: 'button', code: 'next', detail: 'nút chuyển bài' }
      : { type: 'play', record, start: { time: T + record * 60, source: 'gnss' }, clip: 'c-0042', manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60, where: { lat: 19.87, lon: 105.6 } };
  });
}

// --- the carts (child process) -------------------------------------------------------------------------------------

/** Connects every cart (the scrypt password checks are not part of the rate) and frames its records. */
async function prepareCart(job: Job, spec: CartSpec): Promise<() => Promise<void>> {
  const key = Buffer.from(spec.key, 'hex');
  const client = await connectLikeACart(job.url, spec);
  if (job.mode === 'acked') await client.subscribeAsync(unitTopic(DISTRICT, spec.id, 'down'), { qos: 1 });
  const up = unitTopic(DISTRICT, spec.id, 'up');
  const frames: Buffer[] = [];
  for (let r = 1, seq = 0; r <= job.records; r += job.perFrame, seq++) {
    frames.push(encodeFrame({ kind: 'unit', unit: spec.number, boot: job.boot, seq, messages: records(r, Math.min(job.perFrame, job.records - r + 1)) }, key));
  }
  return () => (job.mode === 'raw' ? sendAll(client, up, frames) : sendWindowed(client, up, frames, key, job.records, job.perFrame));
}

async function sendAll(client: mqtt.MqttClient, up: string, frames: Buffer[]): Promise<void> {
  await Promise.all(frames.map((f) => client.publishAsync(up, f, { qos: 1 })));
  await client.endAsync();
}

async function sendWindowed(client: mqtt.MqttClient, up: string, frames: Buffer[], key: Buffer, total: number, perFrame: number): Promise<void> {
  let acked = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    // One ack may cover several frames (the controller acks per commit): frames done = records acked / per frame.
    const pump = (): void => {
      while (next - Math.floor(acked / perFrame) < WINDOW && next < frames.length) client.publish(up, frames[next++]!, { qos: 1 });
    };
    client.on('message', (_topic, payload) => {
      for (const m of decodeFrame(payload, key).messages) {
        if (m.type === 'ack') for (const [first, last] of m.ranges) acked += last - first + 1;
      }
      if (acked >= total) resolve();
      else pump();
    });
    pump();
  });
  await client.endAsync();
}

async function cartProcess(): Promise<void> {
  let runs: (() => Promise<void>)[] = [];
  process.on('message', (m: { job?: Job; go?: boolean }) => {
    const work = m.job ? Promise.all(m.job.carts.map((c) => prepareCart(m.job!, c))).then((r) => void (runs = r)) : Promise.all(runs.map((run) => run()));
    void work.then(
      () => process.send?.({ done: true }),
      (err: unknown) => process.send?.({ error: String(err) }),
    );
  });
  process.send?.({ ready: true });
  await new Promise(() => undefined);
}

// --- the controller (this process) ---------------------------------------------------------------------------------

function ask(child: ReturnType<typeof fork>, message: { job: Job } | { go: true }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { done?: boolean; error?: string }): void => {
      child.off('message', onMessage);
      if (m.error) reject(new Error(m.error));
      else resolve();
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function main(): Promise<void> {
  const [nCarts = 50, perCart = 2000, perFrame = 25] = process.argv.slice(2).map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-'));
  const db = await openControllerDb(join(dir, 'controller.db'));
  const registry = new FleetRegistry({ db });
  await registry.addCommune({ id: 'xa', name: 'Xã Bench' });
  await registry.addTeam({ id: 'to', commune: 'xa', name: 'Tổ Bench' });
  const carts: CartSpec[] = [];
  for (let i = 1; i <= nCarts; i++) {
    const { unit, password } = await registry.addUnit({ id: `xe-${i}`, commune: 'xa', team: 'to', profile: 'bench' });
    carts.push({ id: unit.id, number: unit.number, key: unit.key.toString('hex'), password });
  }
  const broker = new EmbeddedBroker({ district: DISTRICT, port: 0, units: registry, controller: CONTROLLER });
  await broker.start();
  const child = fork(fileURLToPath(import.meta.url), ['--carts'], { stdio: 'inherit' });
  await new Promise((r) => child.once('message', r));
  const total = nCarts * perCart;
  console.log(`Loa controller — ${nCarts} carts × ${perCart} records, ${perFrame} per frame, embedded broker, SQLite synchronous=FULL`);

  // Raw broker rate: a subscriber that only counts.
  const counterClient = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'bench-counter', ...CONTROLLER });
  let frames = 0;
  const frameTotal = nCarts * Math.ceil(perCart / perFrame);
  let rawDone!: () => void;
  const rawFinished = new Promise<void>((r) => (rawDone = r));
  counterClient.on('message', () => ++frames === frameTotal && rawDone());
  await counterClient.subscribeAsync(districtSubscriptions(DISTRICT)[0]!, { qos: 1 });
  await ask(child, { job: { url: broker.url, carts, records: perCart, perFrame, mode: 'raw', boot: 1 } });
  let start = performance.now();
  await ask(child, { go: true });
  await rawFinished;
  const rawMs = performance.now() - start;
  await counterClient.endAsync();

  // End to end: verified, stored, acknowledged.
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'bench-controller', ...CONTROLLER });
  const ingest = new FleetIngest({ db, registry, district: DISTRICT, framer: new DistrictFramer({ boot: 1 }), mqtt: client });
  let commits = 0;
  let commitMs = 0;
  ingest.on('committed', (c) => {
    commits++;
    commitMs += c.ms;
  });
  await ingest.start();
  await ask(child, { job: { url: broker.url, carts, records: perCart, perFrame, mode: 'acked', boot: 2 } });
  start = performance.now();
  await ask(child, { go: true });
  const e2eMs = performance.now() - start;
  await ingest.stop();
  const stored = await db.exclusive(() => db.get<{ n: number }>('SELECT count(*) AS n FROM records'));

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US').padStart(10);
  console.log(`  raw broker (count only)            ${rate(total, rawMs)} records/s  (${rate(frameTotal, rawMs).trim()} frames/s)`);
  console.log(`  end to end (verify, store, ack)    ${rate(total, e2eMs)} records/s  (goal 20,000; ${stored?.n} records stored)`);
  console.log(`  of which in SQLite transactions     ${((commitMs / e2eMs) * 100).toFixed(0).padStart(9)} %   (${commits} commits, ${Math.round(total / commits)} records each)`);
  console.log(`  end to end / raw                   ${((rawMs / e2eMs) * 100).toFixed(0)} %`);

  child.kill();
  await client.endAsync();
  await broker.stop();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}

if (process.argv.includes('--carts')) await cartProcess();
else await main();
