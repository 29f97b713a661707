// The cart program as the device runs it: `node dist/cli/loa.js unit run --sim`, a child process the test starts,
// talks to over its control socket and kills without warning (SIGKILL: nothing of the cart's own shutdown runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest, type ControlRequest } from '../../../device/control.js';

export const LOA_JS = fileURLToPath(new URL('../../../dist/cli/loa.js', import.meta.url));

/** Why the daemon tests cannot run here, or null when they can. */
export function distMissing(): string | null {
  return existsSync(LOA_JS) ? null : `${LOA_JS} is missing: run \`npm run build\` first (these tests run the compiled cart)`;
}

/** A state the cart's player entered, from the cart's log: the time it logged it (its clock, ms) and the clip. */
export interface PlayerLogLine {
  t: number;
  state: string;
  clip: string | null;
}

export interface DaemonOptions {
  dataDir: string;
  /** `--speed` of the simulators. */
  speed?: number;
}

export class CartDaemon {
  readonly controlPath: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #stdoutEnded: Promise<void>;
  /** Every player state the cart logged (`player playing (clip)`), in order. */
  readonly player: PlayerLogLine[] = [];
  /** When `kill()` sent SIGKILL (this process's clock, ms), or null. */
  killedAt: number | null = null;
  #stderr = '';
  #stdoutTail = '';
  #partial = '';

  constructor(options: DaemonOptions) {
    this.controlPath = join(options.dataDir, 'control.sock');
    const args = [LOA_JS, 'unit', 'run', '--sim', '--data', options.dataDir, ...(options.speed === undefined ? [] : ['--speed', String(options.speed)])];
    this.#child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.#stdoutTail = (this.#stdoutTail + s).slice(-4000);
      this.#lines(s);
    });
    this.#stdoutEnded = new Promise((resolve) => this.#child.stdout!.once('close', () => resolve()));
    this.#child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.#stderr += s));
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** What the cart printed lately, for a failure message. */
  get output(): string {
    return `stderr:\n${this.#stderr}\nstdout (tail):\n${this.#stdoutTail}`;
  }

  /** Resolves once the control socket answers a status request. */
  async ready(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.#exited.then(() => (exited = true));
    for (;;) {
      if (exited) throw new Error(`the cart exited before its control socket answered\n${this.output}`);
      const answer = await controlRequest(this.controlPath, { cmd: 'status' }, 1000).catch(() => null);
      if (answer?.ok) return;
      if (Date.now() > deadline) throw new Error(`the cart's control socket did not answer within ${timeoutMs} ms\n${this.output}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /** One control request; rejects when the cart answers with an error. */
  async request(request: ControlRequest): Promise<unknown> {
    const answer = await controlRequest(this.controlPath, request);
    if (!answer.ok) throw new Error(`the cart refused ${JSON.stringify(request)}: ${answer.error}`);
    return answer.result;
  }

  /** An orderly stop (SIGTERM, as systemd does); resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.#child.kill('SIGTERM');
    return (await this.#exited).code;
  }

  /** The power cut: SIGKILL, resolved once the process is gone and all it wrote to its log has been read. */
  async kill(): Promise<void> {
    this.killedAt ??= Date.now();
    this.#child.kill('SIGKILL');
    await this.#exited;
    await this.#stdoutEnded;
  }

  /** Picks the player's state lines out of the cart's JSON log (device/cart.ts logs `player <state> (<clip>)`). */
  #lines(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (!line.includes('"player ')) continue;
      let entry: { t: string; msg: string };
      try {
        entry = JSON.parse(line) as { t: string; msg: string };
      } catch {
        continue; // not a log line of the cart's (the test reports the raw output when it fails)
      }
      const m = /^player (\w+)(?: \((.+)\))?$/.exec(entry.msg);
      if (m) this.player.push({ t: Date.parse(entry.t), state: m[1]!, clip: m[2] ?? null });
    }
  }
}

/** A small seeded random generator (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
