/**
 * `npm run bench:rollout`: the time a staged rollout takes to reach 40 carts over links limited to 3G-like rates.
 *
 * Real parts: the controller's database (a temp folder), its release store holding a real bundle (a random payload of
 * `--payload-mib`, 5 MiB by default: the size of a cart release of dist/ and node_modules/ brotli-compressed, 4.6 MiB
 * for amd64), the HTTP server
 * with the release routes, the rollout runner signing `update` orders through the real CommandService. Each simulated
 * cart, on its order, downloads release.json, release.sig and the payload (`Range: bytes=N-`, resumed where a cut
 * left it) through a per-connection throttle, checks the payload's SHA-256, and answers as its updater does
 * (events installed + healthy, a hello with the version), written where the ingest writes them; the runner is told
 * at once, as the ingest's `committed` would.
 *
 * The throttle (a TCP proxy, one per connection, and each download has its own connection): `--down-kbit` (default
 * 1000 kbit/s from the controller to the cart: what a cart's 3G modem gets in a rural cell, HSPA at the edge of
 * coverage; 4G would be 5–20 times faster), `--rtt-ms` (default 200 ms added, split both ways: 3G's round trip).
 * The controller's own uplink is not limited (a district office on fibre; 40 × 1 Mbit/s = 40 Mbit/s).
 *
 * Prints the time to the canary healthy and to every cart healthy, with healthy time 0, throttled, beside a baseline:
 * the same downloads unthrottled.
 *
 *   node dist/bench/rollout.js [--carts 40] [--payload-mib 5] [--down-kbit 1000] [--rtt-ms 200]
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { TarWriter } from '../lib/tar.js';
import type { SqliteDb } from '../lib/sqlite.js';
import { rawPublicKey, RELEASE_MEMBERS, signReleaseManifest } from '../protocol/index.js';
import { openControllerDb } from '../controller/db/database.js';
import { CommandService } from '../controller/fleet/commands.js';
import { DistrictFramer } from '../controller/fleet/district-frames.js';
import { FleetRegistry } from '../controller/fleet/registry.js';
import { HttpServer } from '../controller/http/server.js';
import { Rollouts } from '../controller/releases/rollout.js';
import { registerReleaseRoutes } from '../controller/releases/routes.js';
import { RolloutRunner } from '../controller/releases/runner.js';
import { ReleaseStore } from '../controller/releases/store.js';

const { values: args } = parseArgs({
  options: {
    carts: { type: 'string', default: '40' },
    'payload-mib': { type: 'string', default: '5' },
    'down-kbit': { type: 'string', default: '1000' },
    'rtt-ms': { type: 'string', default: '200' },
  },
});
const CARTS = Number(args.carts);
const PAYLOAD = Math.round(Number(args['payload-mib']) * 1024 * 1024);
const RATE = (Number(args['down-kbit']) * 1000) / 8; // bytes per second
const HALF_RTT = Number(args['rtt-ms']) / 2;
const V = '0.2.0';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy whose every connection is one cart's link: `rate` bytes/s down, half the RTT added each way. */
function throttle(upstreamPort: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    const upstream = createConnection({ port: upstreamPort, host: '127.0.0.1' });
    delayed(client, upstream, Infinity);
    delayed(upstream, client, RATE);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // The server's close reaches the cart after the delayed bytes (delayed() ends it); only the cart's own close or
    // an error ends both at once.
    client.on('error', end).on('close', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, server })));
}

/**
 * Forwards `from` to `to` at `rate` bytes/s, each byte arriving HALF_RTT after it would leave. One queue, delivered
 * in order (timers of nearly the same instant may fire out of order, and the end must come after the last byte).
 */
function delayed(from: Socket, to: Socket, rate: number): void {
  let free = 0; // when the link is free again, ms (performance clock)
  let queued = 0;
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= performance.now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else {
        queued -= chunk.length;
        to.write(chunk);
      }
    }
    if (queued <= 64 * 1024) from.resume();
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
  };
  const push = (at: number, chunk: Buffer | null): void => {
    queue.push({ at, chunk });
    timer ??= setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (chunk: Buffer) => {
    free = Math.max(performance.now(), free) + (rate === Infinity ? 0 : (chunk.length / rate) * 1000);
    queued += chunk.length;
    if (queued > 256 * 1024) from.pause();
    push(free + HALF_RTT, chunk);
  });
  from.on('end', () => push(Math.max(performance.now(), free) + HALF_RTT, null));
}

/** One GET on a fresh connection (a cart's own link); `start` resumes from that byte. */
function get(port: number, path: string, start = 0, into?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: start > 0 || into ? { range: `bytes=${start}-` } : {} }, (res) => {
      if (res.statusCode !== 200 && res.statusCode !== 206) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => (into ? into(c) : parts.push(c)));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    });
    req.on('error', (e: Error) => reject(new Error(`${path}: ${e.message}`)));
    req.end();
  });
}

/** What a cart's updater does with an order: download, check, install, report. */
async function cartUpdates(port: number, unitId: string, expectSha: string): Promise<void> {
  const base = `/releases/${V}/arm64`;
  await get(port, `${base}/release.json`);
  await get(port, `${base}/release.sig`);
  const hash = createHash('sha256');
  let have = 0;
  for (let attempt = 0; have < PAYLOAD && attempt < 5; attempt++) {
    await get(port, `${base}/${RELEASE_MEMBERS.payload}`, have, (c) => (hash.update(c), (have += c.length))).catch(() => undefined);
  }
  const sha = hash.digest('hex');
  if (sha !== expectSha) throw new Error(`${unitId}: payload SHA-256 ${sha}, expected ${expectSha}`);
}

let record = 0;
async function report(db: SqliteDb, unitId: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await db.transaction(async () => {
    await db.run("INSERT INTO events (unit_id, record, time, time_source, kind, code, detail) VALUES (?, ?, ?, 'ntp', 'update', 'installed', ?)", [unitId, ++record, now, V]);
    await db.run("INSERT INTO hellos (unit_id, record, firmware, manifest_version, capabilities, boot_time, time_source) VALUES (?, ?, ?, 0, '[]', ?, 'ntp')", [unitId, ++record, V, now]);
    await db.run("INSERT INTO events (unit_id, record, time, time_source, kind, code, detail) VALUES (?, ?, ?, 'ntp', 'update', 'healthy', ?)", [unitId, ++record, now, V]);
  });
}

async function bundle(dir: string, releaseKey: ReturnType<typeof generateKeyPairSync>['privateKey']): Promise<{ file: string; sha: string }> {
  const payload = randomBytes(PAYLOAD); // random: a link's compression would not shrink a real payload.tar.br either
  const sha = createHash('sha256').update(payload).digest('hex');
  const files = [{ path: 'dist/cli/loa.js', size: 1, mode: 0o755, sha256: createHash('sha256').update('x').digest('hex') }];
  const signed = signReleaseManifest({ format: 1, product: 'loa-unit', version: V, arch: 'arm64', replaces: '0.1.0', schema: { reads: [1, 9], writes: 9 }, payload: { size: PAYLOAD, sha256: sha }, files, created: 0 }, releaseKey);
  const file = join(dir, `loa-release-${V}-arm64.tar`);
  const out = createWriteStream(file);
  const tar = new TarWriter(out);
  await tar.file('release.json', signed.manifest);
  await tar.file('release.sig', signed.signature);
  await tar.file(RELEASE_MEMBERS.payload, payload);
  await tar.finish();
  out.end();
  await finished(out);
  return { file, sha };
}

/** One rollout of the stored release to every cart through `port`; the seconds to the canary healthy and to all. */
async function rollOut(dir: string, name: string, store: (db: SqliteDb) => ReleaseStore, port: (serverPort: number) => Promise<number>, sha: string, file: string): Promise<{ canary: number; all: number }> {
  const db = await openControllerDb(join(dir, `${name}.db`));
  const registry = new FleetRegistry({ db });
  await registry.addCommune({ id: 'xa-1', name: 'Xã 1' });
  await registry.addTeam({ id: 'to-1', commune: 'xa-1', name: 'Tổ 1' });
  for (let i = 1; i <= CARTS; i++) await registry.addUnit({ id: `xe-${String(i).padStart(2, '0')}`, commune: 'xa-1', team: 'to-1', profile: 'pi-zero-2w', firmware: '0.1.0' });
  const releases = store(db);
  await releases.start();
  await releases.add(file, 'bench');
  const http = new HttpServer({ port: 0 });
  registerReleaseRoutes(http, { store: releases });
  await http.start();
  const via = await port(Number(new URL(http.url).port));
  const healthy = new Map<string, number>();
  const failures: string[] = [];
  let runner: RolloutRunner | undefined;
  const commands = new CommandService({
    db, registry, framer: new DistrictFramer({ boot: 1 }), districtKey: generateKeyPairSync('ed25519').privateKey,
    downlink: {
      send: (unit) => {
        void cartUpdates(via, unit.id, sha).then(
          async () => (await report(db, unit.id), healthy.set(unit.id, performance.now()), void runner?.kick()),
          (err: Error) => failures.push(err.message),
        );
        return Promise.resolve();
      },
    },
  });
  const rollouts = new Rollouts({ db, registry, releases });
  runner = new RolloutRunner({ rollouts, registry, commands, intervalMs: 500 });
  const t0 = performance.now();
  await rollouts.start({ version: V, canary: ['xe-01'], then: 'all', healthyMinutes: 0 }, 'bench');
  await runner.start();
  while (healthy.size < CARTS && failures.length === 0) await sleep(100);
  await runner.stop();
  await http.stop();
  await db.close();
  if (failures.length > 0) throw new Error(failures.join('; '));
  return { canary: (healthy.get('xe-01')! - t0) / 1000, all: (Math.max(...healthy.values()) - t0) / 1000 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-rollout-'));
  let proxy: Server | undefined;
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { file, sha } = await bundle(dir, privateKey);
    const keys = [rawPublicKey(publicKey).toString('hex')];
    const store = (sub: string) => (db: SqliteDb): ReleaseStore => new ReleaseStore({ db, dataDir: join(dir, sub), keys, maxPayloadBytes: PAYLOAD + 1 });
    console.log(`Rollout of a ${(PAYLOAD / 1024 / 1024).toFixed(1)} MiB release to ${CARTS} carts (canary 1, then the rest), healthy time 0:`);
    const base = await rollOut(dir, 'baseline', store('baseline'), (p) => Promise.resolve(p), sha, file);
    console.log(`  unthrottled (baseline):                        canary ${base.canary.toFixed(1)} s, every cart ${base.all.toFixed(1)} s`);
    const slow = await rollOut(dir, 'throttled', store('throttled'), async (p) => {
      const t = await throttle(p);
      proxy = t.server;
      return t.port;
    }, sha, file);
    console.log(`  ${args['down-kbit']} kbit/s down per cart, +${args['rtt-ms']} ms RTT: canary ${slow.canary.toFixed(1)} s, every cart ${slow.all.toFixed(1)} s`);
    console.log(`  (one cart's payload alone at that rate: ${(PAYLOAD / RATE).toFixed(1)} s)`);
  } finally {
    proxy?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
