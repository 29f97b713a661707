/**
 * A file that never changes under its name (a clip named by its SHA-256, a stored release's member) sent with
 * `Range` honoured: 206 + Content-Range for one range, 416 for one it cannot serve, 304 for `If-None-Match` of its
 * hash (the ETag). Shared by the carts' content routes and the release routes, so both answer a resumed download
 * the same way.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HttpRequest } from './server.js';

export type ByteRange = { start: number; end: number };

/**
 * The one range of a `Range` header for a file of `size` bytes: undefined when there is no header, 'bad' when it is
 * malformed, asks for several ranges, or cannot be satisfied.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'bad' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'bad';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'bad';
  return { start, end };
}

/** Whether the request's `If-None-Match` names this SHA-256 (or `*`). */
export function etagMatches(req: HttpRequest, sha256: string): boolean {
  const header = req.raw.headers['if-none-match'];
  return header !== undefined && header.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${sha256}"` || t.trim() === '*');
}

export interface ImmutableFile {
  path: string;
  /** The file's SHA-256 in hex: its ETag. */
  sha256: string;
  cacheControl: string;
  contentType: string;
}

/** Sends `file` (HEAD: the headers only), one byte range of it when the request asks for one. */
export async function sendImmutableFile(req: HttpRequest, res: ServerResponse, file: ImmutableFile): Promise<void> {
  const size = (await stat(file.path)).size;
  const base = { 'Accept-Ranges': 'bytes', ETag: `"${file.sha256}"`, 'Cache-Control': file.cacheControl };
  if (etagMatches(req, file.sha256)) {
    res.writeHead(304, base);
    res.end();
    return;
  }
  const range = parseRange(req.raw.headers.range, size);
  if (range === 'bad') {
    res.writeHead(416, { ...base, 'Content-Range': `bytes */${size}`, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: `range ${JSON.stringify(req.raw.headers.range)} cannot be served from ${size} bytes`, code: 'bad-range' }));
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers = { ...base, 'Content-Type': file.contentType, 'Content-Length': end - start + 1 };
  if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` });
  else res.writeHead(200, headers);
  if (req.raw.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.path, { start, end }), res);
}
