// A real Mosquitto for a test: started on a free loopback port with the configuration the test gives, waited for
// until it accepts connections, stopped (and started again on the same port, with what it persisted) on demand.
// Skip the test with `missing('mosquitto')` (tools.ts) where it is not installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './net.js';
import { until } from './wait.js';

export interface MosquittoOptions {
  /** A folder of the test's: the configuration file goes there. */
  dir: string;
  /** The configuration's text for the port it listens on (the first listener's). */
  conf: (port: number) => string;
  /** A name for the files and messages (default `mosquitto`). */
  name?: string;
  /** The port (default: a free one). */
  port?: number;
}

export interface RunningMosquitto {
  port: number;
  url: string;
  confFile: string;
  /** What it printed (its log goes to stderr), for failure messages. */
  readonly log: string;
  /** SIGTERM, and waits for the exit (Mosquitto saves its persistence file then). */
  stop(): Promise<void>;
  /** Stops it if it runs and starts it again on the same port. */
  restart(): Promise<void>;
}

/** Mosquitto started as root drops to the user `mosquitto`, who cannot read a test's temp folder: stay this user. */
function asThisUser(text: string): string {
  return /^user /m.test(text) ? text : `user ${userInfo().username}\n${text}`;
}

export async function startMosquitto(o: MosquittoOptions): Promise<RunningMosquitto> {
  const port = o.port ?? (await freePort());
  const name = o.name ?? 'mosquitto';
  const confFile = join(o.dir, `${name}.conf`);
  await writeFile(confFile, asThisUser(o.conf(port)));
  let log = '';
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const c = spawn('mosquitto', ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const keep = (chunk: Buffer): void => {
      log += chunk.toString();
    };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    await until(async () => {
      if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}: ${log}`);
      return accepts(port);
    }, `${name} to listen on ${port} (${log})`, 5000);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    confFile,
    get log() {
      return log;
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
