/**
 * What the systemd notification tests share: the compiled program started the way a Type=notify unit with a
 * watchdog starts it, child processes killed after each test, and a fake NOTIFY_SOCKET (socat on a unix datagram
 * socket) whose datagrams a test reads back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './wait.js';

const root = join(import.meta.dirname, '..', '..');
/** The compiled CLI, which systemd runs. */
export const loaBin = join(root, 'dist', 'cli', 'loa.js');
/** Whether the CLI and the loa-sd-notify addon are built (npm ci and npm run build make them). */
export const systemdBuilt = existsSync(loaBin) && existsSync(join(root, 'native', 'sd-notify', 'build', 'Release', 'sd_notify.node'));

/** Undo steps a test file runs (in reverse) after each test. */
export type Cleanups = (() => void | Promise<void>)[];

/** `child`, killed after the test if it is still running. */
export function track(cleanups: Cleanups, child: ChildProcess): ChildProcess {
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** A fresh folder and socat listening on `<folder>/notify`; `received()` is every datagram so far, run together. */
export async function fakeSystemd(cleanups: Cleanups, prefix: string): Promise<{ dir: string; socketPath: string; received: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = join(dir, 'notify');
  const socat = track(cleanups, spawn('socat', ['-u', `UNIX-RECV:${socketPath},unlink-early`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] }));
  let received = '';
  socat.stdout!.setEncoding('utf8').on('data', (t: string) => (received += t));
  await until(() => existsSync(socketPath), 'socat to bind the fake notification socket', 5000);
  return { dir, socketPath, received: () => received };
}

/** `node dist/cli/loa.js …args` with the environment systemd gives a Type=notify service with a watchdog. */
export function startUnderSystemd(cleanups: Cleanups, args: string[], socketPath: string, env: NodeJS.ProcessEnv = {}) {
  const child = track(
    cleanups,
    spawn(process.execPath, [loaBin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '600000', JOURNAL_STREAM: '8:12345', LOA_LANG: 'vi', ...env },
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}
