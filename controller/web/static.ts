/**
 * The officers' console as files (docs/console.md): the built single-page application (`dist/web`, from `npm run
 * build`) at `/`, and the operator's base map and glyphs (`<dataDir>/map/`) at `/map/…`. It is the HTTP server's
 * fallback: it answers only GET/HEAD paths that no API or cart route matched.
 *
 * - `/assets/…` (names carry a content hash): cached for a year, `immutable`.
 * - Any other path that is not a file (a client-side route such as `/xe/abc`): `index.html`, `no-cache`, so that a
 *   new build is seen at once. `/api/…`, `/content/…`, `/assets/…` and `/map/…` that are not files are 404: a missing
 *   script or tile must fail as such, not arrive as a page.
 * - Text (html, js, css, json, svg…) is compressed once per file version, brotli or gzip as the client accepts, and
 *   kept in memory; ETag and Last-Modified let browsers revalidate; other files stream with `Range` (PMTiles reads
 *   the base map by ranges).
 * - A path is joined to its folder segment by segment, refusing `..`, hidden names and encoded separators, and
 *   checked to stay inside: no request reads outside the two folders.
 */
import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { HttpError, type HttpRequest, type HttpServer } from '../http/server.js';
import { silentLogger, type Logger } from '../logger.js';

export interface StaticFilesOptions {
  /** The built console (default {@link defaultWebRoot}). */
  root?: string;
  /** The operator's map files, served at `/map/…` (the controller passes `<dataDir>/map`); none when absent. */
  mapDir?: string;
  /** Largest text file compressed and kept in memory, bytes (default 8 MiB); larger ones stream as they are. */
  maxCachedFileBytes?: number;
  /** Bytes kept in memory in all, originals and compressed forms (default 64 MiB); beyond, files stream. */
  maxCacheBytes?: number;
  logger?: Logger;
}

/**
 * `dist/web` of this installation: beside the compiled controller (`dist/controller/web/static.js` → `dist/web`), or,
 * when the controller runs from its TypeScript sources (tests), the repository's `dist/web`.
 */
export function defaultWebRoot(moduleUrl: string = import.meta.url): string {
  const fromSource = fileURLToPath(moduleUrl).endsWith('.ts');
  return resolve(fileURLToPath(new URL(fromSource ? '../../dist/web/' : '../../web/', moduleUrl)));
}

const TEXT = true;
/** Content type and whether it is worth compressing, by extension. */
const TYPES: Record<string, [string, boolean]> = {
  '.html': ['text/html; charset=utf-8', TEXT],
  '.js': ['text/javascript; charset=utf-8', TEXT],
  '.mjs': ['text/javascript; charset=utf-8', TEXT],
  '.css': ['text/css; charset=utf-8', TEXT],
  '.json': ['application/json; charset=utf-8', TEXT],
  '.geojson': ['application/geo+json; charset=utf-8', TEXT],
  '.map': ['application/json; charset=utf-8', TEXT],
  '.webmanifest': ['application/manifest+json; charset=utf-8', TEXT],
  '.svg': ['image/svg+xml; charset=utf-8', TEXT],
  '.txt': ['text/plain; charset=utf-8', TEXT],
  '.png': ['image/png', false],
  '.jpg': ['image/jpeg', false],
  '.jpeg': ['image/jpeg', false],
  '.webp': ['image/webp', false],
  '.gif': ['image/gif', false],
  '.ico': ['image/x-icon', false],
  '.woff2': ['font/woff2', false],
  '.woff': ['font/woff', false],
  '.ttf': ['font/ttf', false],
  '.wasm': ['application/wasm', false],
  '.pmtiles': ['application/octet-stream', false],
  '.pbf': ['application/x-protobuf', false],
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

type Encoding = 'br' | 'gzip' | 'identity';

interface Cached {
  /** Size and mtime of the file the entry was made from. */
  version: string;
  bytes: number;
  body: Buffer;
  compressed: Partial<Record<'br' | 'gzip', Promise<Buffer>>>;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const MISSING_BUILD = Buffer.from(
  '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8"><title>Loa — chưa có trang điều khiển</title></head><body>\n' +
    '<h1>Chưa có trang điều khiển</h1>\n<p>Trang điều khiển chưa được dựng: hãy chạy <code>npm run build</code> (tạo thư mục <code>dist/web</code>) rồi khởi động lại bộ điều khiển.</p>\n' +
    '<p lang="en">The console is not built: run <code>npm run build</code> (it makes <code>dist/web</code>), then restart the controller.</p>\n' +
    '<p>API: <a href="/api/openapi.json">/api/openapi.json</a></p>\n</body></html>\n',
);

export class StaticFiles {
  readonly #o: StaticFilesOptions;
  readonly #root: string;
  readonly #log: Logger;
  readonly #cache = new Map<string, Cached>();
  #cacheBytes = 0;
  #warnedMissing = false;

  constructor(options: StaticFilesOptions) {
    this.#o = options;
    this.#root = resolve(options.root ?? defaultWebRoot());
    this.#log = options.logger ?? silentLogger;
  }

  /** The folder of the built console. */
  get root(): string {
    return this.#root;
  }

  /** Answers one GET/HEAD that no route matched. */
  async handle(req: HttpRequest, res: ServerResponse): Promise<void> {
    const segments = req.path.split('/').slice(1).map((s) => decodeURIComponent(s));
    const top = segments[0];
    if (top === 'api' || top === 'content') throw notFound(req.path);
    if (top === 'map') {
      const file = this.#o.mapDir === undefined ? undefined : inside(this.#o.mapDir, segments.slice(1));
      if (file === undefined || !(await this.#send(req, res, file, REVALIDATE))) throw notFound(req.path);
      return;
    }
    if (top === 'assets') {
      const file = inside(this.#root, segments);
      if (file === undefined || !(await this.#send(req, res, file, IMMUTABLE))) throw notFound(req.path);
      return;
    }
    const file = req.path === '/' ? undefined : inside(this.#root, segments);
    if (file !== undefined && (await this.#send(req, res, file, REVALIDATE))) return;
    if (await this.#send(req, res, resolve(this.#root, 'index.html'), REVALIDATE)) return;
    this.#missingBuild(req, res);
  }

  #missingBuild(req: HttpRequest, res: ServerResponse): void {
    if (!this.#warnedMissing) {
      this.#warnedMissing = true;
      this.#log.warn(`the console is not built (no ${resolve(this.#root, 'index.html')}): run npm run build`);
    }
    res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': MISSING_BUILD.length, 'Cache-Control': 'no-store' });
    res.end(req.raw.method === 'HEAD' ? undefined : MISSING_BUILD);
  }

  /** Sends `file` when it is a regular file; false when it is not there. */
  async #send(req: HttpRequest, res: ServerResponse, file: string, cacheControl: string): Promise<boolean> {
    let st: Stats;
    try {
      st = await stat(file);
    } catch {
      return false;
    }
    if (!st.isFile()) return false;
    const [type, text] = TYPES[extname(file).toLowerCase()] ?? ['application/octet-stream', false];
    const version = `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`;
    const headers: Record<string, string | number> = { 'Content-Type': type, 'Cache-Control': cacheControl, 'Last-Modified': st.mtime.toUTCString() };
    const h = req.raw.headers;
    const cacheable = text && h.range === undefined && st.size <= (this.#o.maxCachedFileBytes ?? 8 * 1024 * 1024);
    const cached = cacheable ? await this.#cached(file, version, st.size) : undefined;
    const encoding: Encoding = cached ? chooseEncoding(h['accept-encoding']) : 'identity';
    if (text) headers.Vary = 'Accept-Encoding';
    // Each encoding is its own representation, with its own strong ETag.
    headers.ETag = `"${version}${encoding === 'identity' ? '' : `-${encoding}`}"`;
    if (notModified(h['if-none-match'], h['if-modified-since'], String(headers.ETag), st.mtime)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    if (cached) {
      const body = encoding === 'identity' ? cached.body : await this.#compressed(cached, encoding);
      res.writeHead(200, { ...headers, ...(encoding === 'identity' ? {} : { 'Content-Encoding': encoding }), 'Content-Length': body.length });
      res.end(req.raw.method === 'HEAD' ? undefined : body);
      return true;
    }
    await streamFile(req, res, file, st, headers);
    return true;
  }

  /** The file's bytes from memory, read once per version; undefined when the memory budget is spent. */
  async #cached(file: string, version: string, size: number): Promise<Cached | undefined> {
    const known = this.#cache.get(file);
    if (known?.version === version) return known;
    if (known) {
      this.#cache.delete(file);
      this.#cacheBytes -= known.bytes;
    }
    if (this.#cacheBytes + size * 2 > (this.#o.maxCacheBytes ?? 64 * 1024 * 1024)) return undefined;
    const body = await readFile(file);
    const entry: Cached = { version, bytes: body.length * 2, body, compressed: {} };
    this.#cache.set(file, entry);
    this.#cacheBytes += entry.bytes;
    return entry;
  }

  /** The compressed form, made on first demand (brotli at quality 9: within a few % of 11, several times faster). */
  #compressed(entry: Cached, encoding: 'br' | 'gzip'): Promise<Buffer> {
    return (entry.compressed[encoding] ??=
      encoding === 'br'
        ? brotli(entry.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: entry.body.length } })
        : gzipAsync(entry.body, { level: 9 }));
  }
}

/** Sends the whole file or the one byte range asked for (206; 416 when outside it), streamed from disk. */
async function streamFile(req: HttpRequest, res: ServerResponse, file: string, st: Stats, headers: Record<string, string | number>): Promise<void> {
  const h = req.raw.headers;
  const ifRange = h['if-range'];
  const rangeApplies = ifRange === undefined || ifRange === headers.ETag || ifRange === headers['Last-Modified'];
  const range = rangeApplies ? byteRange(h.range, st.size) : undefined;
  headers['Accept-Ranges'] = 'bytes';
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const [start, end] = range ?? [0, st.size - 1];
  const length = st.size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': length, ...(range ? { 'Content-Range': `bytes ${start}-${end}/${st.size}` } : {}) });
  if (req.raw.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file, { start, end }), res);
  } catch {
    // The client went away mid-file, or the file went away: nothing more can be said on this response.
    res.destroy();
  }
}

/**
 * The one range of a `Range: bytes=…` header as [first, last]; undefined for no header, several ranges or one that
 * cannot be read (the whole file is sent); 'unsatisfiable' for a range outside the file.
 */
export function byteRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size - 1];
  }
  const first = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < first) return undefined;
  return first >= size ? 'unsatisfiable' : [first, Math.min(m[2] === '' ? size - 1 : Number(m[2]), size - 1)];
}

/** br when the client takes it, else gzip, else none (a `;q=0` refuses one). */
function chooseEncoding(header: string | undefined): Encoding {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find((x) => x !== null);
    if (q === undefined || Number(q[1]) > 0) accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  return accepted.has('gzip') ? 'gzip' : 'identity';
}

/** Whether the client's copy is current: by ETag when it sent one, else by date. */
function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etag: string, mtime: Date): boolean {
  if (ifNoneMatch !== undefined) return ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

/**
 * `segments` joined under `dir`, or undefined when one is empty, `.`/`..`, hidden (`.env`), holds a separator or a
 * NUL (from `%2F`, `%5C`, `%00`), or the result is not inside `dir`.
 */
export function inside(dir: string, segments: readonly string[]): string | undefined {
  if (segments.length === 0) return undefined;
  for (const s of segments) if (s === '' || s.startsWith('.') || /[/\\\0]/.test(s)) return undefined;
  const base = resolve(dir);
  const full = resolve(base, ...segments);
  return full.startsWith(base + sep) ? full : undefined;
}

function notFound(path: string): HttpError {
  return new HttpError(404, 'not-found', `Không có ${path.slice(0, 120)} (nothing at ${path.slice(0, 120)})`);
}

/** Makes the console's files the fallback of `server`. */
export function registerStaticFiles(server: HttpServer, options: StaticFilesOptions): StaticFiles {
  const files = new StaticFiles(options);
  server.fallback((req, res) => files.handle(req, res));
  return files;
}
