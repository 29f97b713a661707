/**
 * `npm run bench:flood`: one cart floods a whole district controller (embedded broker, SQLite, HTTP) with live
 * telemetry over MQTT QoS 0, as fast as its socket takes it, while another cart sends a durable event every 200 ms
 * and times its ack. Both carts run in child processes (the flood on the other core). Prints the flood's rate, what
 * the controller stored and dropped, its peak memory, and the other cart's ack latency under the flood beside a
 * baseline measured first in the same run, with no flood. Fails nothing.
 *
 *   node dist/bench/flood.js [floodSeconds=10] [baselineSeconds=3]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { validateControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { decodeFrame, encodeFrame, unitTopic, type DistrictOrigin } from '../protocol/index.js';
import { quantile, sleep, stop } from './util.js';
import { publishPacket } from '../tools/mqtt-packets.js';

const T = 1_795_914_000;

interface CartJob {
  role: 'flood' | 'probe';
  url: string;
  district: string;
  id: string;
  number: number;
  key: string;
  password: string;
  origin: DistrictOrigin;
  seconds: number;
  boot: number;
}

type Report = { sent: number; ms: number; closed: boolean } | { latencies: number[]; lost: number };

// --- the carts (child processes) ------------------------------------------------------------------------------------


async function cart(job: CartJob): Promise<Report> {
  const key = Buffer.from(job.key, 'hex');
  const client = await mqtt.connectAsync(job.url, { protocolVersion: 4, clientId: job.id, username: job.id, password: job.password, reconnectPeriod: 0 });
  let seq = 0;
  const frame = (messages: Parameters<typeof encodeFrame>[0]['messages']): Buffer =>
    encodeFrame({ kind: 'unit', unit: job.number, boot: job.boot, seq: seq++, messages }, key, { origin: job.origin });
  const end = Date.now() + job.seconds * 1000;
  if (job.role === 'flood') {
    // Raw packets on the cart's own connection whenever its socket has room: no client-side queue grows.
    const topic = Buffer.from(unitTopic(job.district, job.id, 'up'));
    let sent = 0;
    const started = performance.now();
    // Until the broker closes the connection (its per-cart PUBLISH rate) or the time is up.
    while (Date.now() < end && !client.stream.destroyed) {
      if (client.stream.writableLength < 1024 * 1024) {
        const packets: Buffer[] = [];
        for (let i = 0; i < 500; i++) packets.push(publishPacket(topic, frame([{ type: 'telemetry', batteryMv: 12_000 + (sent++ % 500), soc: 80 }])));
        client.stream.write(Buffer.concat(packets));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ms = performance.now() - started;
    const closed = client.stream.destroyed;
    await client.endAsync(true);
    return { sent, ms, closed };
  }
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  client.on('message', (_topic, payload) => {
    for (const m of decodeFrame(payload, key).messages) {
      if (m.type !== 'ack') continue;
      for (const [first, last] of m.ranges) {
        for (let r = first; r <= last; r++) {
          const at = sentAt.get(r);
          if (at !== undefined) latencies.push(performance.now() - at);
          sentAt.delete(r);
        }
      }
    }
  });
  await client.subscribeAsync(unitTopic(job.district, job.id, 'down'), { qos: 1 });
  const up = unitTopic(job.district, job.id, 'up');
  // Each run of the probe numbers its records from its boot's own range.
  for (let record = job.boot * 100_000; Date.now() < end; record++) {
    sentAt.set(record, performance.now());
    client.publish(up, frame([{ type: 'event', record, at: { time: T + record, source: 'gnss' }, kind: 'button', code: 'next', detail: 'nút chuyển bài' }]), { qos: 1 });
    await sleep(200);
  }
  // Acks still on their way get 5 s; what has none by then is counted as lost.
  for (let i = 0; i < 50 && sentAt.size > 0; i++) await sleep(100);
  await client.endAsync(true);
  return { latencies, lost: sentAt.size };
}

if (process.argv.includes('--cart')) {
  process.once('message', (job: CartJob) => {
    void cart(job).then(
      (r) => process.send?.(r, () => process.exit(0)),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}

// --- the controller (this process) ----------------------------------------------------------------------------------

function runCart(job: CartJob): { child: ChildProcess; report: Promise<Report> } {
  const child = fork(fileURLToPath(import.meta.url), ['--cart'], { stdio: 'inherit' });
  const report = new Promise<Report>((resolve, reject) => {
    child.once('message', (r: Report) => resolve(r));
    child.once('exit', (code) => reject(new Error(`the ${job.role} cart exited with ${String(code)} before reporting`)));
  });
  child.send(job);
  return { child, report };
}

async function main(): Promise<void> {
  const [floodSeconds = 10, baselineSeconds = 3] = process.argv.slice(2).map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-flood-'));
  const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
  const controller = new DistrictController({ config });
  await controller.start();
  const registry = controller.registry;
  await registry.addCommune({ id: 'xa', name: 'Xã Bench' });
  await registry.addTeam({ id: 'to', commune: 'xa', name: 'Tổ Bench' });
  const job = async (role: CartJob['role'], id: string, seconds: number, boot: number): Promise<CartJob> => {
    const { unit, password } = await registry.addUnit({ id, commune: 'xa', team: 'to', profile: 'bench' });
    return { role, url: controller.brokerUrl, district: config.district.id, id, number: unit.number, key: unit.key.toString('hex'), password, origin: unit.origin, seconds, boot };
  };
  const flooderJob = await job('flood', 'xe-lu', floodSeconds, 1);
  const proberJob = await job('probe', 'xe-khac', baselineSeconds, 1);
  const counter = async (name: string): Promise<number> =>
    (await controller.db.exclusive(() => controller.db.get<{ n: number }>('SELECT coalesce(sum(count), 0) AS n FROM ingest_counters WHERE name = ?', [name])))?.n ?? 0;
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;
  const ms = (v: number[]): string => (v.length === 0 ? '—' : `p50 ${quantile(v, 0.5).toFixed(0)} ms, p99 ${quantile(v, 0.99).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms`);

  console.log(`Loa controller under a flood — one cart, live telemetry, MQTT QoS 0, ${floodSeconds} s; another cart's events every 200 ms`);
  const baseline = (await runCart(proberJob).report) as { latencies: number[]; lost: number };
  const framesBefore = await counter('frames');
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const flood = runCart(flooderJob);
  await sleep(300); // the flood is on
  const probe = runCart({ ...proberJob, boot: 2, seconds: Math.max(1, floodSeconds - 1) });
  const { sent, ms: floodMs, closed } = (await flood.report) as { sent: number; ms: number; closed: boolean };
  const under = (await probe.report) as { latencies: number[]; lost: number };
  // What the broker still had for the controller arrives, then the ingest commits it.
  await sleep(2000);
  await controller.ingest.flush();
  clearInterval(sampler);
  const stored = (await counter('frames')) - framesBefore - under.latencies.length - under.lost;
  const limited = await counter('dropped:rate-limited');
  const queueFull = await counter('dropped:queue-full');

  console.log(
    `  flood sent                ${Math.round(sent / (floodMs / 1000)).toLocaleString('en-US').padStart(9)} frames/s  (${sent.toLocaleString('en-US')} frames` +
      (closed ? `, until the broker closed the connection after ${Math.round(floodMs)} ms)` : ')'),
  );
  console.log(`  flood frames stored       ${stored.toLocaleString('en-US').padStart(9)}`);
  console.log(`  dropped: rate limit       ${limited.toLocaleString('en-US').padStart(9)}   queue full ${queueFull.toLocaleString('en-US')}   (the rest never reached the controller's client)`);
  console.log(`  controller rss            ${mb(rssBefore).padStart(9)} before, peak ${mb(rssPeak)}`);
  console.log(`  other cart's ack, no flood    ${ms(baseline.latencies)} (${baseline.latencies.length} events, ${baseline.lost} without ack)`);
  console.log(`  other cart's ack, flooding    ${ms(under.latencies)} (${under.latencies.length} events, ${under.lost} without ack)`);

  await stop(flood.child);
  await stop(probe.child);
  await controller.stop();
  await rm(dir, { recursive: true, force: true });
}

if (!process.argv.includes('--cart')) await main();
