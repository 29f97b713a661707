// A stand-in for systemd's part in the cart's life (loa-unit.service: Type=notify, WatchdogSec, Restart=always,
// RestartSec): it starts the program with a NOTIFY_SOCKET of its own (socat listening on a unix datagram socket, as
// test/lib/systemd-notify.test.ts does), starts it again after every exit, kills it with SIGKILL when it stops
// pinging the watchdog (or is not READY in time), and records every start and exit. A test may also SIGKILL it at
// any moment (a power cut) and have it started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SupervisorOptions {
  /** The program and its arguments, e.g. [process.execPath, 'dist/cli/loa.js', 'unit', 'run', '--sim', '--data', dir]. */
  command: string[];
  env?: NodeJS.ProcessEnv;
  /** RestartSec, ms (default 200). */
  restartMs?: number;
  /** WatchdogSec, ms (default 5000). */
  watchdogMs?: number;
  /** TimeoutStartSec, ms: READY must come within it (default 30,000). */
  startTimeoutMs?: number;
}

export interface Start {
  pid: number;
  at: number;
  ready: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number; by: 'watchdog' | 'start-timeout' | 'cut' | null } | null;
}

export class Supervisor {
  readonly starts: Start[] = [];
  readonly #o: Required<Omit<SupervisorOptions, 'env'>> & { env: NodeJS.ProcessEnv };
  readonly #dir = mkdtempSync(join(tmpdir(), 'loa-supervisor-'));
  readonly #socket = join(this.#dir, 'notify.sock');
  #socat: ChildProcess | null = null;
  #child: ChildProcess | null = null;
  #current: Start | null = null;
  #lastPing = 0;
  #timer: NodeJS.Timeout | undefined;
  #restart: NodeJS.Timeout | undefined;
  #stopping = false;
  #killReason: 'watchdog' | 'start-timeout' | 'cut' | null = null;
  #output = '';
  /** Called with every line the program prints (stdout and stderr). */
  onLine: (line: string) => void = () => undefined;

  constructor(options: SupervisorOptions) {
    this.#o = { restartMs: 200, watchdogMs: 5000, startTimeoutMs: 30_000, env: {}, ...options };
  }

  /** The last lines the program printed, for a failure message. */
  get output(): string {
    return this.#output.slice(-6000);
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  async start(): Promise<void> {
    const socat = spawn('socat', ['-u', `UNIX-RECV:${this.#socket}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#socat = socat;
    socat.stdout!.setEncoding('utf8').on('data', (text: string) => this.#notified(text));
    await new Promise((r) => setTimeout(r, 150));
    if (socat.exitCode !== null) throw new Error(`socat could not listen on ${this.#socket}`);
    this.#timer = setInterval(() => this.#watch(), 100);
    this.#spawn();
  }

  /** A power cut: SIGKILL now; the program is started again after RestartSec. */
  cut(): void {
    if (this.#child === null) return;
    this.#killReason = 'cut';
    this.#child.kill('SIGKILL');
  }

  /** Stops the program (SIGTERM, as `systemctl stop`) and the supervision. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    clearInterval(this.#timer);
    const child = this.#child;
    if (child !== null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.#socat?.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #spawn(): void {
    const [program, ...args] = this.#o.command;
    const child = spawn(program!, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.#o.env, NOTIFY_SOCKET: this.#socket, WATCHDOG_USEC: String(this.#o.watchdogMs * 1000) },
    });
    this.#child = child;
    const start: Start = { pid: child.pid ?? -1, at: Date.now(), ready: false, exit: null };
    this.#current = start;
    this.starts.push(start);
    this.#lastPing = Date.now();
    let partial = '';
    const lines = (s: string): void => {
      this.#output = (this.#output + s).slice(-20_000);
      partial += s;
      const all = partial.split('\n');
      partial = all.pop()!;
      for (const l of all) this.onLine(l);
    };
    child.stdout!.setEncoding('utf8').on('data', lines);
    child.stderr!.setEncoding('utf8').on('data', lines);
    child.once('exit', (code, signal) => {
      start.exit = { code, signal, at: Date.now(), by: this.#killReason };
      this.#killReason = null;
      this.#child = null;
      this.#current = null;
      if (!this.#stopping) this.#restart = setTimeout(() => this.#spawn(), this.#o.restartMs);
    });
  }

  #notified(text: string): void {
    const start = this.#current;
    if (start === null) return;
    if (text.includes('READY=1')) start.ready = true;
    if (text.includes('WATCHDOG=1') || text.includes('READY=1')) this.#lastPing = Date.now();
  }

  #watch(): void {
    const start = this.#current;
    const child = this.#child;
    if (start === null || child === null || this.#killReason !== null) return;
    const now = Date.now();
    if (!start.ready && now - start.at > this.#o.startTimeoutMs) this.#kill(child, 'start-timeout');
    else if (start.ready && now - this.#lastPing > this.#o.watchdogMs) this.#kill(child, 'watchdog');
  }

  #kill(child: ChildProcess, why: 'watchdog' | 'start-timeout'): void {
    this.#killReason = why;
    child.kill('SIGKILL');
  }
}
