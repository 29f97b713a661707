/**
 * One HTTP(S) GET to the district controller, with the two timeouts a cart on a weak cellular link needs: a
 * connect timeout, and an idle timeout (no byte for that long, before or during the body). Failures come out as
 * `SyncError`s of kind `link` (`unreachable`, `timeout`, `controller-gone`); an abort by the caller's signal comes
 * out as the signal's own abort error, so a caller can tell "stopped" from "failed".
 *
 * An `https:` URL is dialled with `tls` when given (the district CA pinned instead of the system's roots, and the
 * cart's client certificate); a certificate the cart does not accept, or one the controller refuses, comes out as a
 * `SyncError` of kind `link` with a `tls-…` code and a message that says what the technician should do (../tls.ts).
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { controllerTlsError, tlsOptions, type ControllerTls } from '../tls.js';
import { SyncError } from './errors.js';

export interface HttpTimeouts {
  /** No TCP connection within this long, ms. */
  connectMs: number;
  /** No byte received for this long (waiting for the answer or during the body), ms. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 15_000, idleMs: 30_000 };

export interface HttpGetOptions {
  headers?: Record<string, string>;
  timeouts: HttpTimeouts;
  signal: AbortSignal;
  /** For an `https:` URL: the pinned district CA and the cart's certificate (default: the system's roots). */
  tls?: ControllerTls;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body's chunks; a broken connection or an idle timeout throws a `SyncError` (kind `link`). */
  chunks(): AsyncGenerator<Buffer>;
  /** Drops the rest of the body and the connection. */
  cancel(): void;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENETDOWN']);

/** Starts a GET and resolves when the status line and headers have arrived. */
export function httpGet(url: URL, o: HttpGetOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let failure: SyncError | null = null;
    /** The TLS handshake completed (https), and the response began: a reset between the two is a refused certificate. */
    let handshook = false;
    let answered = false;
    const mapped = (err: unknown): Error => {
      if (o.signal.aborted) return o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted');
      if (failure !== null) return failure;
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const tls = url.protocol === 'https:' ? controllerTlsError(err, { host: url.host, pinned: o.tls !== undefined, handshakeDone: handshook && !answered }) : null;
      if (tls !== null) return new SyncError('link', tls.code, tls.message, true);
      if (UNREACHABLE.has(code)) return new SyncError('link', 'unreachable', `the controller at ${url.host} cannot be reached (${code}); the sync tries again later`, true);
      return new SyncError('link', 'controller-gone', `the connection to ${url.host} broke during ${url.pathname} (${code || (err as Error).message}); the sync resumes later`, true);
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { method: 'GET', headers: o.headers ?? {}, agent: false, signal: o.signal, ...tlsOptions(o.tls) })
        : httpRequest(url, { method: 'GET', headers: o.headers ?? {}, agent: false, signal: o.signal });
    const fail = (e: SyncError): void => {
      failure ??= e;
      req.destroy(e);
    };
    const connectTimer = setTimeout(
      () => fail(new SyncError('link', 'timeout', `no connection to ${url.host} within ${o.timeouts.connectMs} ms: the controller is down or the link too weak`, true)),
      o.timeouts.connectMs,
    );
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => clearTimeout(connectTimer));
      else clearTimeout(connectTimer);
      socket.once('secureConnect', () => (handshook = true));
    });
    req.setTimeout(o.timeouts.idleMs, () => fail(new SyncError('link', 'timeout', `${url.pathname}: nothing received from ${url.host} for ${o.timeouts.idleMs} ms`, true)));
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      reject(mapped(err));
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(connectTimer);
      answered = true;
      res.on('error', () => undefined); // the error is thrown by chunks()
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        async *chunks() {
          try {
            for await (const chunk of res) yield chunk as Buffer;
          } catch (err) {
            throw mapped(err);
          }
          if (failure !== null) throw failure;
        },
        cancel() {
          res.destroy();
          req.destroy();
        },
      });
    });
    req.end();
  });
}

/**
 * GETs a whole body of at most `maxBytes` into memory (a signed manifest). A status other than 200 is a link
 * fault; a body over the limit is cut off and refused with `tooLong()`.
 */
export async function fetchBytes(url: URL, maxBytes: number, tooLong: () => SyncError, o: Omit<HttpGetOptions, 'headers'>): Promise<Buffer> {
  const res = await httpGet(url, o);
  if (res.status !== 200) {
    res.cancel();
    throw new SyncError('link', 'http-status', `GET ${url.pathname} answered HTTP ${res.status}; the sync tries again later`, true);
  }
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    res.cancel();
    throw tooLong();
  }
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of res.chunks()) {
    length += chunk.length;
    if (length > maxBytes) {
      res.cancel();
      throw tooLong();
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, length);
}
