/**
 * The local control socket (`control.sock` in the data folder): how `loa unit status` and, on the simulators,
 * `loa unit press` talk to the running cart. One JSON request a line, one JSON answer a line. The socket is made
 * readable by its owner only; nothing on it can change what the cart is allowed to play.
 */
import { chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../hardware/logger.js';
import type { Text } from './text.js';

export type ControlRequest = { cmd: 'status' } | { cmd: 'press'; button: string; long: boolean };
/**
 * A refusal carries a stable `code` and its words in both languages (`text`), for the CLI to print in the
 * person's language; `error` is the English, for older clients.
 */
export type ControlAnswer = { ok: true; result: unknown } | { ok: false; code: string; error: string; text: Text };

/** A refusal a handler throws: its code and its words reach the client as they are. */
export class ControlError extends Error {
  constructor(
    readonly code: string,
    readonly text: Text,
  ) {
    super(text.en);
    this.name = 'ControlError';
  }
}

const refuse = (code: string, text: Text): ControlAnswer => ({ ok: false, code, error: text.en, text });

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
        socket.end(JSON.stringify(refuse('too-long', { vi: 'yêu cầu quá dài', en: 'request too long' })) + '\n');
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
        if (this.handlers.press === undefined) {
          return refuse('not-simulated', { vi: 'chỉ bấm nút từ đây được trên xe mô phỏng (--sim)', en: 'buttons can be pressed from here only on the simulators (--sim)' });
        }
        if (typeof req.button !== 'string') return refuse('no-button', { vi: 'cần tên nút: play, next, vol-up, vol-down, stop', en: 'press needs a button: play, next, vol-up, vol-down, stop' });
        await this.handlers.press(req.button, req.long === true);
        return { ok: true, result: null };
      }
      const cmd = JSON.stringify(req.cmd);
      return refuse('unknown-command', { vi: `không có lệnh ${cmd}`, en: `unknown command ${cmd}` });
    } catch (err) {
      if (err instanceof ControlError) return refuse(err.code, err.text);
      if (err instanceof SyntaxError) return refuse('bad-request', { vi: 'yêu cầu không phải một dòng JSON', en: 'the request is not one line of JSON' });
      const m = (err as Error).message;
      this.log.warn(`control request failed: ${m}`);
      return refuse('failed', { vi: `xe không làm được yêu cầu: ${m}`, en: m });
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
