/**
 * `npm run bench:device`: what the cart program costs on this machine, beside bare Node measured in the same run
 * (these machines are shared and noisy, so only same-run comparisons mean much). Prints figures; fails nothing.
 *
 *   idle RSS and CPU of `loa unit run --sim` over 60 s (10 s with --quick), beside `node -e "setInterval(…)"`;
 *   start-to-ready: spawn → the control socket answers `status`;
 *   press-to-audio: `press play` sent on the control socket → the player logs `player playing`, with
 *   `player.warmupMs` 300, subtracted, so the configured warm-up is not counted. 20 presses, median and p90; once with the
 *   simulation's small test tones and once with one clip of a real message's size (the player hashes a clip
 *   before it plays it).
 *
 * Issue goals: idle CPU under 1 % of one core, idle RSS within 25 MB of bare Node, press-to-audio under 50 ms plus
 * the warm-up.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { controlRequest } from '../device/control.js';
import { writeToneWav } from '../hardware/audio/wav.js';
import { sha256File } from '../lib/durable.js';
import { quantile, sleep, stop } from './util.js';
import { rawPublicKey, signObject, type Manifest, type ManifestClip } from '../protocol/index.js';

const LOA_JS = fileURLToPath(new URL('../cli/loa.js', import.meta.url));
const quick = process.argv.includes('--quick');
/** The configured amplifier warm-up during the latency runs; subtracted from every figure. */
const WARMUP_MS = 300;
const IDLE_S = quick ? 10 : 60;
const SETTLE_MS = 3000;
const PRESSES = 20;
const STARTS = 5;
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const temps: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loa-bench-'));
  temps.push(dir);
  return dir;
}

/** A child whose stdout lines are handed to `onLine` with the time (performance.now()) they arrived. */
function start(args: string[], onLine?: (line: string, at: number) => void): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = performance.now();
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      onLine?.(buffer.slice(0, nl), at);
      buffer = buffer.slice(nl + 1);
    }
  });
  return child;
}

function cart(dataDir: string, extra: string[] = [], onLine?: (line: string, at: number) => void): ChildProcess {
  return start([LOA_JS, 'unit', 'run', '--sim', '--data', dataDir, ...extra], onLine);
}

/** Polls the control socket until it answers `status`; resolves the time it took from `since`. */
async function ready(child: ChildProcess, dataDir: string, since: number): Promise<number> {
  const path = join(dataDir, 'control.sock');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the cart exited (code ${child.exitCode}) before it was ready`);
    const answer = await controlRequest(path, { cmd: 'status' }, 1000).catch(() => null);
    if (answer?.ok) return performance.now() - since;
    await sleep(5);
  }
}

/** CPU ticks (user + system) and RSS of a process, from /proc. */
function sample(pid: number): { ticks: number; rssKb: number } {
  // Fields after the command name (which may hold spaces) start at field 3: utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ticks, rssKb: Number(rss?.[1] ?? NaN) };
}

interface IdleFigures {
  cpuPercent: number;
  rssMeanMb: number;
  rssMaxMb: number;
}

/** Samples both processes once a second over `seconds`, in the same window. */
async function idle(pids: readonly number[], seconds: number): Promise<IdleFigures[]> {
  const first = pids.map(sample);
  const t0 = performance.now();
  const rss = pids.map(() => [] as number[]);
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    pids.forEach((pid, i) => rss[i]!.push(sample(pid).rssKb));
  }
  const elapsedS = (performance.now() - t0) / 1000;
  return pids.map((pid, i) => {
    const cpuS = (sample(pid).ticks - first[i]!.ticks) / CLK_TCK;
    const kb = rss[i]!;
    return { cpuPercent: (cpuS / elapsedS) * 100, rssMeanMb: kb.reduce((a, b) => a + b, 0) / kb.length / 1024, rssMaxMb: Math.max(...kb) / 1024 };
  });
}

const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;

async function startTimes(): Promise<void> {
  const dataDir = tempDir();
  const times: number[] = [];
  for (let i = 0; i <= STARTS; i++) {
    const t0 = performance.now();
    const child = cart(dataDir);
    times.push(await ready(child, dataDir, t0));
    await stop(child);
  }
  const [first, ...rest] = times;
  console.log('Start-to-ready (spawn → control socket answers status)');
  console.log(`  first start (makes the simulation identity and content)  ${ms(first!)}`);
  console.log(`  later starts, median of ${STARTS}                            ${ms(quantile(rest, 0.5))}   (min ${rest.length ? Math.min(...rest).toFixed(1) : '-'}, max ${Math.max(...rest).toFixed(1)})`);
}

async function idleCost(): Promise<void> {
  const dataDir = tempDir();
  const bare = start(['-e', 'setInterval(()=>{},1000)']);
  const t0 = performance.now();
  const child = cart(dataDir);
  await ready(child, dataDir, t0);
  await sleep(SETTLE_MS);
  console.log(`\nIdle over ${IDLE_S} s (after ${SETTLE_MS / 1000} s to settle; /proc, CLK_TCK ${CLK_TCK})`);
  const [b, c] = await idle([bare.pid!, child.pid!], IDLE_S);
  const line = (label: string, f: IdleFigures) =>
    console.log(`  ${label.padEnd(34)} CPU ${f.cpuPercent.toFixed(2).padStart(6)} % of one core   RSS mean ${f.rssMeanMb.toFixed(1).padStart(6)} MB, max ${f.rssMaxMb.toFixed(1).padStart(6)} MB`);
  line('bare node -e "setInterval(…)"', b!);
  line('loa unit run --sim (no link)', c!);
  console.log(`  cart − bare node                   RSS mean ${(c!.rssMeanMb - b!.rssMeanMb).toFixed(1)} MB   (goals: CPU < 1 %, RSS within 25 MB)`);
  await Promise.all([stop(bare), stop(child)]);
}

/**
 * A simulation data folder holding one long clip (`seconds` of 44.1 kHz stereo, the size of a real message), signed
 * with a throwaway key, as `loa unit run --sim` makes its own test tones.
 */
async function longClipFolder(seconds: number): Promise<{ dataDir: string; bytes: number }> {
  const dataDir = tempDir();
  const incoming = join(dataDir, 'content', 'incoming');
  mkdirSync(incoming, { recursive: true });
  const district = generateKeyPairSync('ed25519').privateKey;
  const identity = { district: 'sim', unitName: 'sim-01', unitNumber: 1, commune: 'sim', team: 'sim', unitKey: randomBytes(32).toString('hex'), districtKeys: [rawPublicKey(district).toString('hex')], broker: null, profile: 'pi-4', simulation: true };
  writeFileSync(join(dataDir, 'identity.json'), JSON.stringify(identity), { mode: 0o600 });
  const file = join(incoming, 'long-clip.wav');
  const info = await writeToneWav(file, { seconds, sampleRate: 44_100, channels: 2, amplitude: 0.3 });
  const bytes = statSync(file).size;
  const issued = Math.floor(Date.now() / 1000);
  const clip: ManifestClip = { id: 'long-clip', sha256: await sha256File(file), size: bytes, durationMs: Math.round(info.durationMs), priority: 'ordinary', title: 'long clip', validFrom: 0, validUntil: 0, targets: [] };
  const manifest: Manifest = { district: 'sim', version: 1, issued, expires: issued + 86_400, targets: [{ kind: 'district', id: 'sim' }], clips: [clip] };
  writeFileSync(join(incoming, 'manifest.bin'), signObject({ type: 'manifest', manifest }, district));
  return { dataDir, bytes };
}

async function pressToAudio(label: string, dataDir: string): Promise<void> {
  const configFile = join(dataDir, 'bench-config.json');
  // A 300 ms warm-up (subtracted below: the issue counts press-to-audio without the configured warm-up, and the
  // cart checks the first clip's hash during it); no tail; broadcasting allowed all day; a short long-press to stop.
  const config = { player: { warmupMs: WARMUP_MS, tailMs: 0 }, policy: { allowedHours: [{ from: '00:00', to: '24:00' }] }, hardware: { buttons: { longPressMs: 150 } } };
  writeFileSync(configFile, JSON.stringify(config));
  const waiters: { state: string; resolve: (at: number) => void }[] = [];
  const child = cart(dataDir, ['--config', configFile], (line, at) => {
    let msg: unknown;
    try {
      msg = (JSON.parse(line) as { msg?: unknown }).msg;
    } catch {
      return;
    }
    const state = typeof msg === 'string' ? /^player (\w+)/.exec(msg)?.[1] : undefined;
    if (state === undefined) return;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.state !== state) continue;
      waiters[i]!.resolve(at);
      waiters.splice(i, 1);
    }
  });
  const next = (state: string) => new Promise<number>((resolve) => waiters.push({ state, resolve }));
  const path = join(dataDir, 'control.sock');
  await ready(child, dataDir, performance.now());
  await sleep(1000);
  const raw: number[] = [];
  const afterPress: number[] = [];
  const warmingToPlaying: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    const warming = next('warming');
    const playing = next('playing');
    const t0 = performance.now();
    const answer = await controlRequest(path, { cmd: 'press', button: 'play', long: false });
    const answered = performance.now();
    if (!answer.ok) throw new Error(`press refused: ${answer.error}`);
    const [w, p] = await Promise.race([Promise.all([warming, playing]), sleep(5000).then(() => null)]).then((r) => r ?? [NaN, NaN]);
    if (Number.isNaN(p)) throw new Error('the player did not reach `playing` within 5 s of a press (is a clip playable?)');
    raw.push(p - t0 - WARMUP_MS);
    afterPress.push(p - answered - WARMUP_MS);
    warmingToPlaying.push(p - w - WARMUP_MS);
    const idleAgain = next('idle');
    await controlRequest(path, { cmd: 'press', button: 'stop', long: true });
    await Promise.race([idleAgain, sleep(5000)]);
    await sleep(150 + Math.random() * 200);
  }
  await stop(child);
  const row = (text: string, v: number[]) => console.log(`  ${text.padEnd(58)} median ${ms(quantile(v, 0.5))}   p90 ${ms(quantile(v, 0.9))}`);
  console.log(`\nPress-to-audio, ${label}, warm-up ${WARMUP_MS} ms not counted, ${PRESSES} presses (times taken in this process)`);
  row('press sent → `player playing` (incl. simulated 80 ms hold)', raw);
  row('press answered (release debounced) → `player playing`', afterPress);
  row('of which `player warming` → `player playing`', warmingToPlaying);
}

try {
  console.log(`Loa cart program — ${process.version}, ${quick ? 'quick run' : 'full run'}\n`);
  await startTimes();
  await idleCost();
  await pressToAudio('simulation test tones (125–250 kB)', tempDir());
  const long = await longClipFolder(180);
  await pressToAudio(`one 3-minute clip (${(long.bytes / 1e6).toFixed(1)} MB, hashed before each play)`, long.dataDir);
  console.log('\n  (goal: press-to-audio < 50 ms plus the warm-up, counted from the debounced press)');
} finally {
  await Promise.all(children.map((c) => stop(c, 'SIGKILL')));
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}
