/**
 * The local control socket (`control.sock` in the data folder): how `loa unit status` and, on the simulators,
 * `loa unit press` talk to the running cart. One JSON request a line, one JSON answer a line. The socket is made
 * readable by its owner only; nothing on it can change what the cart is allowed to play.
 */
import { chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../hardware/logger.js';

export type ControlRequest = { cmd: 'status' } | { cmd: 'press'; button: string; long: boolean };
export type ControlAnswer = { ok: true; result: unknown } | { ok: false; error: string };

export interface ControlHandlers {
  status: () => Promise<unknown>;
  /** Only on the simulators; absent on a real cart. */
  press?: (button: string, long: boolean) => Promise<void>;
}

const MAX_LINE = 4096;

export class ControlServer {
  #server: Server | null = null;

  constructor(
    private readonly path: string,
    private readonly handlers: ControlHandlers,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await rm(this.path, { force: true });
    const server = createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    await chmod(this.path, 0o600);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.path, { force: true });
  }

  #serve(socket: Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) {
        socket.end(JSON.stringify({ ok: false, error: 'request too long' }) + '\n');
        return;
      }
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      void this.#answer(line).then((answer) => socket.end(JSON.stringify(answer) + '\n'));
    });
  }

  async #answer(line: string): Promise<ControlAnswer> {
    try {
      const req = JSON.parse(line) as Partial<ControlRequest>;
      if (req.cmd === 'status') return { ok: true, result: await this.handlers.status() };
      if (req.cmd === 'press') {
        if (this.handlers.press === undefined) return { ok: false, error: 'buttons can be pressed from here only on the simulators (--sim)' };
        if (typeof req.button !== 'string') return { ok: false, error: 'press needs a button' };
        await this.handlers.press(req.button, req.long === true);
        return { ok: true, result: null };
      }
      return { ok: false, error: `unknown command ${JSON.stringify(req.cmd)}` };
    } catch (err) {
      this.log.warn(`control request failed: ${(err as Error).message}`);
      return { ok: false, error: (err as Error).message };
    }
  }
}

/** Sends one request to a running cart. Rejects with a clear error when no cart is running there. */
export function controlRequest(path: string, request: ControlRequest, timeoutMs = 5000): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the cart at ${path} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? Object.assign(new Error(`no cart is running with the data folder of ${path}`), { code: 'LOA_NOT_RUNNING' }) : err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as ControlAnswer);
      } catch {
        reject(new Error(`the cart answered something that is not JSON: ${data.slice(0, 80)}`));
      }
    });
  });
}
