/**
 * `npm run bench:ready`: cold start to READY, as systemd sees it — from spawning `loa unit run --sim` (a fresh data
 * folder) or `loa controller run` (a fresh controller on free ports) to `READY=1` on a NOTIFY_SOCKET (a socat
 * listener standing in for systemd) — beside the same machine's bare `node -e 0` in the same run. Five runs each.
 * Needs socat.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const loa = join(import.meta.dirname, '..', 'cli', 'loa.js');
const RUNS = 5;

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (${sorted.map((m) => m.toFixed(0)).join(', ')})`;
}

/** Spawns `loa args…` with a NOTIFY_SOCKET and resolves with the ms until READY=1, then stops it. */
async function untilReady(dir: string, args: string[]): Promise<number> {
  const socket = join(dir, 'notify');
  const socat = spawn('socat', ['-u', `UNIX-RECV:${socket},unlink-early`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((r) => setTimeout(r, 200));
  const start = performance.now();
  const child = spawn(process.execPath, [loa, ...args], { env: { ...process.env, NOTIFY_SOCKET: socket }, stdio: 'ignore' });
  const ready = await new Promise<number>((resolve, reject) => {
    socat.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('READY=1')) resolve(performance.now() - start);
    });
    child.on('exit', (code) => reject(new Error(`loa ${args.join(' ')} exited with ${code} before READY`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  socat.kill();
  return ready;
}

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' }).status !== 0) {
    console.error('bench:ready needs socat (apt-get install socat)');
    process.exit(1);
  }
  const bare: number[] = [];
  const unit: number[] = [];
  const controller: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t);
    const dir = mkdtempSync(join(tmpdir(), 'loa-ready-'));
    try {
      unit.push(await untilReady(dir, ['unit', 'run', '--sim', '--data', join(dir, 'unit')]));
      const config = join(dir, 'controller.json');
      writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'controller'), broker: { embedded: { port: 0, host: '127.0.0.1' } }, http: { port: 0, host: '127.0.0.1' } }));
      controller.push(await untilReady(dir, ['controller', 'run', '--config', config]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`bare node -e 0:                       ${stats(bare)}`);
  console.log(`loa unit run --sim → READY:           ${stats(unit)}`);
  console.log(`loa controller run (fresh) → READY:   ${stats(controller)}`);
}

await main();
