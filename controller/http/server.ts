/**
 * The controller's small HTTP server (node:http, no framework). Modules register routes as `(method, pattern,
 * handler)`; a pattern is a path whose `:name` segments capture one segment each (`/content/manifests/:version`).
 * A handler throws {@link HttpError} for an answer other than success; the client then gets the status and the JSON
 * body `{ error, code }`. Anything else thrown is logged and answered 500. HEAD is answered by the GET route
 * (node:http drops the body). Limits: URL length, header size, request body size, request time.
 *
 * Every answer, whoever writes it (a route, the fallback, an error), carries {@link SECURITY_HEADERS}: they are set
 * on the response before anything else runs, and node:http merges them into whatever `writeHead` adds.
 */
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { silentLogger, type Logger } from '../logger.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: Method;
  /** The path, percent-decoded per segment. */
  path: string;
  /** The `:name` segments of the pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
  raw: IncomingMessage;
  /** The request body, up to the server's limit (413 beyond it). */
  body(): Promise<Buffer>;
  /**
   * Streams the body into a new file at `path` instead (an upload larger than the server's limit, never held in
   * memory), up to `maxBytes`: 413 beyond it, the file removed. Resolves with the bytes written.
   */
  bodyToFile(path: string, maxBytes: number): Promise<number>;
}

export type Handler = (req: HttpRequest, res: ServerResponse) => Promise<void> | void;

/** An answer other than success: the status, a machine code, a message for people, and headers (`Retry-After`). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * A value as an error message repeats it: its JSON form, cut to `max` characters and "…" (an answer must not
 * echo a megabyte back). Never throws.
 */
export function excerpt(value: unknown, max = 60): string {
  let text: string;
  try {
    // A long string is cut before it is turned into JSON, not after.
    text = JSON.stringify(typeof value === 'string' ? value.slice(0, max + 1) : value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export interface HttpServerOptions {
  /** 0 = any free port. */
  port: number;
  /** Default 127.0.0.1; `0.0.0.0` for carts on the network. */
  host?: string;
  /** Largest request body, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Longest URL, characters (default 2048). */
  maxUrlLength?: number;
  /** Longest time for a whole request, ms (default 30 s). */
  requestTimeoutMs?: number;
  /** HTTPS with this certificate and key (PEM), from the district CA; plain HTTP when absent. */
  tls?: { cert: string; key: string };
  logger?: Logger;
}

export interface HttpServerEvents {
  /** A handler threw something that is not an HttpError (answered 500). */
  failure: [{ method: string; path: string; error: unknown }];
}

interface Route {
  method: Method;
  pattern: string;
  parts: string[];
  handler: Handler;
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The headers of every response (docs/console.md, "Sessions in the browser"): the console loads nothing from another
 * host and runs no inline script or style; no page may frame it; no URL leaks to another site.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; " +
    "worker-src 'self' blob:; child-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Sends a JSON body with a status (and `headers`). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const json = Buffer.from(JSON.stringify(value));
  // The fleet list of a district is ~100 KB of JSON and compresses ten to one: gzip it for a client that takes it.
  const gzip = json.length >= GZIP_FROM_BYTES && acceptsGzip(res.req?.headers['accept-encoding']);
  const body = gzip ? gzipSync(json, { level: 6 }) : json;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    Vary: 'Accept-Encoding',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  res.end(body);
}

/** JSON answers from this size on are compressed (smaller ones gain nothing worth the time). */
const GZIP_FROM_BYTES = 1024;

/** Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0). */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    return (name === 'gzip' || name === '*') && !params.some((p) => /^\s*q=0(\.0+)?\s*$/.test(p));
  });
}

export class HttpServer extends EventEmitter<HttpServerEvents> {
  readonly #o: HttpServerOptions;
  readonly #routes: Route[] = [];
  #fallback: Handler | undefined;
  readonly #log: Logger;
  #server: Server | undefined;
  #port = 0;

  constructor(options: HttpServerOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `${this.#o.tls ? 'https' : 'http'}://${this.#o.host ?? '127.0.0.1'}:${this.#port}`;
  }

  /** True when the server speaks HTTPS (cookies are then marked `Secure`). */
  get secure(): boolean {
    return this.#o.tls !== undefined;
  }

  /** The routes added, in the order they were added (the OpenAPI document is checked against them). */
  get routes(): { method: Method; pattern: string }[] {
    return this.#routes.map(({ method, pattern }) => ({ method, pattern }));
  }

  /** Adds a route. Patterns are matched in the order they were added. */
  route(method: Method, pattern: string, handler: Handler): void {
    if (!METHODS.includes(method)) throw new RangeError(`method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    if (!pattern.startsWith('/')) throw new RangeError(`pattern must start with /, got ${JSON.stringify(pattern)}`);
    this.#routes.push({ method, pattern, parts: pattern.split('/').slice(1), handler });
  }

  /**
   * What answers a GET (or HEAD) whose path no route matches (the console's files); without one, such a request is
   * answered 404. One fallback; a second call replaces it.
   */
  fallback(handler: Handler): void {
    this.#fallback = handler;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const o = this.#o;
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new RangeError(`port must be 0..65535, got ${String(o.port)}`);
    const options = { maxHeaderSize: 16 * 1024, requestTimeout: o.requestTimeoutMs ?? 30_000 };
    const handle = (req: IncomingMessage, res: ServerResponse): void => void this.#handle(req, res);
    // A TLS handshake not finished in 10 s is dropped: a half-open handshake must not hold a connection for minutes.
    const server: Server = o.tls ? createHttpsServer({ ...options, ...o.tls, handshakeTimeout: 10_000 }, handle) : createServer(options, handle);
    server.maxHeadersCount = 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.#log.info(`HTTP server listening on ${this.url}`);
  }

  /** Stops listening and closes every open connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let path = rawUrl;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    try {
      if (rawUrl.length > (this.#o.maxUrlLength ?? 2048)) throw new HttpError(414, 'url-too-long', `URL longer than ${this.#o.maxUrlLength ?? 2048} characters`);
      const url = new URL(rawUrl, 'http://localhost');
      path = url.pathname;
      const segments = path.split('/').slice(1).map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new HttpError(400, 'bad-url', `bad percent-encoding in ${excerpt(path, 120)}`);
        }
      });
      let pathMatched = false;
      for (const route of this.#routes) {
        const params = match(route.parts, segments);
        if (!params) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        const request: HttpRequest = { method: route.method, path, params, query: url.searchParams, raw: req, body: () => this.#readBody(req), bodyToFile: (file, max) => bodyToFile(req, file, max) };
        await route.handler(request, res);
        return;
      }
      if (pathMatched) throw new HttpError(405, 'method-not-allowed', `${req.method ?? ''} is not allowed on ${excerpt(path, 120)}`);
      if (this.#fallback && method === 'GET') {
        await this.#fallback({ method: 'GET', path, params: {}, query: url.searchParams, raw: req, body: () => this.#readBody(req), bodyToFile: (file, max) => bodyToFile(req, file, max) }, res);
        return;
      }
      throw new HttpError(404, 'not-found', `nothing at ${excerpt(path, 120)}`);
    } catch (err) {
      this.#fail(req, res, path, err);
    }
  }

  #fail(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): void {
    let status = 500;
    let body = { error: 'internal error', code: 'internal' };
    let headers: Record<string, string> = {};
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: err.message, code: err.code };
      headers = { ...err.headers };
    } else {
      this.#log.error(`${req.method ?? '?'} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.emit('failure', { method: req.method ?? '?', path, error: err });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, body, headers);
  }

  #readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.#o.maxBodyBytes ?? 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return Promise.reject(new HttpError(413, 'body-too-large', `request body of ${declared} bytes is over the ${limit}-byte limit`));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const collect = (chunk: Buffer): void => {
        size += chunk.length;
        if (size <= limit) {
          chunks.push(chunk);
          return;
        }
        // Discard the rest rather than destroy the request: that would reset the connection before the 413 is
        // written. The request timeout bounds a body that never ends.
        req.off('data', collect);
        req.resume();
        reject(new HttpError(413, 'body-too-large', `request body is over the ${limit}-byte limit`));
      };
      req.on('data', collect);
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}

/** See {@link HttpRequest.bodyToFile}. */
async function bodyToFile(req: IncomingMessage, path: string, limit: number): Promise<number> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'body-too-large', `request body of ${declared} bytes is over the ${limit}-byte limit`);
  let size = 0;
  // Past the limit the rest is read and dropped, as #readBody does: destroying the request would reset the
  // connection before the 413 is written. The request timeout bounds a body that never ends.
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(null, size <= limit ? chunk : undefined);
    },
  });
  try {
    await pipeline(req, cap, createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  if (size > limit) {
    await rm(path, { force: true });
    throw new HttpError(413, 'body-too-large', `request body is over the ${limit}-byte limit`);
  }
  return size;
}

function match(parts: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}
