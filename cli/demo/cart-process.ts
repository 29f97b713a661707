/**
 * One demo cart as its own process (`loa unit run --sim`), as on a real cart: it has its own data folder, its own
 * identity from the district's bundle, and talks to the district only over MQTT and HTTP. The demo reaches it
 * through its control socket (status, simulated button presses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CartStatus } from '../../device/cart-status.js';
import { controlRequest } from '../../device/control.js';

export interface CartProcessOptions {
  name: string;
  dataDir: string;
  configFile: string;
  speed: number;
  /** The compiled `loa` entry point. */
  loaBin: string;
  /** The language of what the cart says. Default Vietnamese. */
  lang?: 'vi' | 'en';
  /** Each line the cart logs (JSON). */
  onLog?: (name: string, line: string) => void;
}

export class CartProcess {
  #child: ChildProcess | null = null;
  #exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly options: CartProcessOptions) {}

  get controlPath(): string {
    return join(this.options.dataDir, 'control.sock');
  }

  async start(): Promise<void> {
    const o = this.options;
    const child = spawn(process.execPath, [o.loaBin, 'unit', 'run', '--sim', '--data', o.dataDir, '--config', o.configFile, '--speed', String(o.speed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOA_LANG: o.lang ?? 'vi' },
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        o.onLog?.(o.name, buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    child.stderr?.resume();
    const until = Date.now() + 20_000;
    for (;;) {
      const ok = await controlRequest(this.controlPath, { cmd: 'status' }, 1000).then(
        (a) => a.ok,
        () => false,
      );
      if (ok) return;
      if (child.exitCode !== null) throw new Error(`cart ${o.name} exited with code ${child.exitCode} at start`);
      if (Date.now() > until) throw new Error(`cart ${o.name} did not start within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async status(): Promise<CartStatus | null> {
    const a = await controlRequest(this.controlPath, { cmd: 'status' }, 2000).catch(() => null);
    return a?.ok ? (a.result as CartStatus) : null;
  }

  async press(button: 'play' | 'next' | 'stop', long = false): Promise<void> {
    await controlRequest(this.controlPath, { cmd: 'press', button, long }, 2000).catch(() => undefined);
  }

  /**
   * Ends the cart: SIGTERM, on which it stops its session, switches the relay off and closes its database; SIGKILL
   * if it has not exited 15 s later. A cart already stopping (Ctrl-C in a terminal reaches the whole process
   * group, the carts too; a stopping cart closes its control socket first) is given that time to finish instead of
   * a second signal, which would cut its shutdown short.
   */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const stopping = (await this.status()) === null;
    if (!stopping || (await this.#exitWithin(5000)) === 'timeout') {
      child.kill('SIGTERM');
      if ((await this.#exitWithin(15_000)) === 'timeout') child.kill('SIGKILL');
    }
    return this.#exited;
  }

  /** The exit code, or 'timeout'; the timer never outlives the wait (it would hold the demo's process open). */
  async #exitWithin(ms: number): Promise<number | null | 'timeout'> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([this.#exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }
}
