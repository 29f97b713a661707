// Starts a socat pseudo-terminal pair for real serial tests: two linked ptys reachable at two paths, like a cable
// between two serial ports. Killing socat is unplugging the cable; starting it again on the same paths replugs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SocatPair {
  readonly pathA: string;
  readonly pathB: string;
  /** Kills socat (the links disappear) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Fresh, unique link paths under the temp folder. */
export function socatPaths(): { pathA: string; pathB: string } {
  const id = `loa-${process.pid}-${randomBytes(4).toString('hex')}`;
  return { pathA: join(tmpdir(), `${id}-a`), pathB: join(tmpdir(), `${id}-b`) };
}

/** Starts `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and waits until both links exist. */
export async function startSocat(paths = socatPaths(), timeoutMs = 5000): Promise<SocatPair> {
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${paths.pathA}`, `pty,raw,echo=0,link=${paths.pathB}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(paths.pathA) && existsSync(paths.pathB))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not create ${paths.pathA} and ${paths.pathB}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    ...paths,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
