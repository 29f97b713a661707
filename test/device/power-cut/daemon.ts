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

export interface DaemonOptions {
  dataDir: string;
  /** `--speed` of the simulators. */
  speed?: number;
}

export class CartDaemon {
  readonly controlPath: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  #stdoutTail = '';

  constructor(options: DaemonOptions) {
    this.controlPath = join(options.dataDir, 'control.sock');
    const args = [LOA_JS, 'unit', 'run', '--sim', '--data', options.dataDir, ...(options.speed === undefined ? [] : ['--speed', String(options.speed)])];
    this.#child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.#stdoutTail = (this.#stdoutTail + s).slice(-4000)));
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

  /** The power cut: SIGKILL, resolved once the process is gone. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.#exited;
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
