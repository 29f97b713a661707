/**
 * Running the build's programs (npm, dpkg-deb, mmdebstrap, chroot) for the packaging tools: each step printed with
 * its duration, its output shown as it comes, and a failure that names the command.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export class StepError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep the output to return it (and to show it only on failure) instead of passing it through. */
  capture?: boolean;
}

/** Runs `cmd args…`; resolves with its output when captured, rejects with a StepError when it fails. */
export function run(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', o.capture ? 'pipe' : 'inherit', o.capture ? 'pipe' : 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => reject(new StepError(`${cmd}: ${err.message}`, out)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new StepError(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})${o.capture ? `:\n${out.trim().split('\n').slice(-20).join('\n')}` : ''}`, out));
    });
  });
}

/** True when `cmd` is on the PATH. */
export async function have(cmd: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${cmd}`], { capture: true }).then(
    () => true,
    () => false,
  );
}

/** Runs `body`, printing `what` before and its duration after; returns the body's value and the seconds it took. */
export async function step<T>(what: string, body: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  process.stdout.write(`→ ${what}\n`);
  const start = performance.now();
  const value = await body();
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(`  ${what}: ${seconds.toFixed(1)} s\n`);
  return { value, seconds };
}
