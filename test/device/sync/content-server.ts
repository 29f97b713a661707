// A small district controller for the sync tests: the content part of its HTTP contract on a loopback port, with
// Range support, and a hook that lets a test misbehave on any clip request (drop, stall, truncate, lie).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ClipRequest {
  sha256: string;
  /** The clip's real bytes. */
  bytes: Buffer;
  /** First byte asked for (0 without a Range header). */
  start: number;
  req: IncomingMessage;
  res: ServerResponse;
}

/** Answers a clip request itself and returns true, or returns false for the normal answer. */
export type ClipHook = (r: ClipRequest) => boolean;

export class ContentServer {
  readonly manifests = new Map<number, Buffer>();
  /** What `GET /content/manifest` answers; null = 404. */
  latest: Buffer | null = null;
  readonly clips = new Map<string, Buffer>();
  /** `GET /content/key-rotations/<n>` answers rotations[n - 1]; past the end, 404. */
  readonly rotations: Buffer[] = [];
  /** Every request: path and Range header. */
  readonly requests: { path: string; range: string | undefined }[] = [];
  clipHook: ClipHook | null = null;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => this.#answer(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  clipRequests(sha256: string): (string | undefined)[] {
    return this.requests.filter((r) => r.path === `/content/clips/${sha256}`).map((r) => r.range);
  }

  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the content server has no TCP address');
    this.#port = address.port;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    this.requests.push({ path, range: req.headers.range });
    const version = /^\/content\/manifests\/(\d+)$/.exec(path);
    const clip = /^\/content\/clips\/([0-9a-f]{64})$/.exec(path);
    if (path === '/content/manifest') return send(res, this.latest);
    const rotation = /^\/content\/key-rotations\/(\d+)$/.exec(path);
    if (rotation) return send(res, this.rotations[Number(rotation[1]) - 1] ?? null);
    if (version) return send(res, this.manifests.get(Number(version[1])) ?? null);
    const bytes = clip ? this.clips.get(clip[1]!) : undefined;
    if (!clip || bytes === undefined) return send(res, null);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (this.clipHook?.({ sha256: clip[1]!, bytes, start, req, res })) return;
    if (start === 0) return send(res, bytes);
    if (start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
      return;
    }
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'Content-Length': bytes.length - start });
    res.end(bytes.subarray(start));
  }
}

function send(res: ServerResponse, bytes: Buffer | null): void {
  if (bytes === null) res.writeHead(404).end();
  else res.writeHead(200, { 'Content-Length': bytes.length }).end(bytes);
}

/** Hook answer: sends `bytes[start..cut)` under headers for the whole rest, then breaks the connection. */
export function dropAfter(r: ClipRequest, cut: number): true {
  const total = r.bytes.length;
  if (r.start > 0) r.res.writeHead(206, { 'Content-Range': `bytes ${r.start}-${total - 1}/${total}`, 'Content-Length': total - r.start });
  else r.res.writeHead(200, { 'Content-Length': total });
  r.res.write(r.bytes.subarray(r.start, cut), () => setTimeout(() => r.res.socket?.destroy(), 20));
  return true;
}

/** Hook answer: sends `bytes[start..cut)` and then nothing more, keeping the connection open. */
export function stallAfter(r: ClipRequest, cut: number): true {
  r.res.writeHead(200, { 'Content-Length': r.bytes.length });
  r.res.write(r.bytes.subarray(0, cut));
  return true;
}

/** Hook answer: `status`, `headers` and `body`, whatever was asked. */
export function answer(r: ClipRequest, status: number, headers: Record<string, string | number>, body: Buffer): true {
  r.res.writeHead(status, headers).end(body);
  return true;
}
