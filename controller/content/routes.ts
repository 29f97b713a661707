/**
 * The content routes the carts download from (the contract with the cart's downloader):
 *
 *   GET /content/manifest              the latest signed manifest (application/octet-stream, ETag "<sha256>")
 *   GET /content/manifests/<version>   that version; 404 when unknown
 *   GET /content/clips/<sha256>        the WAV bytes, Accept-Ranges: bytes; Range `bytes=N-`, `N-M` or `-N`
 *                                      → 206 + Content-Range; 416 for a range it cannot serve; 404 for a file no
 *                                      manifest lists or whose clip is no longer approved
 *   GET /content/key-rotations/<n>     the n-th signed key rotation (1 = the first), for carts with an old key
 *   GET /content/cues                  the signed spoken-cue pack (cues.ts, a ustar), ETag "<SHA-256 of its cues.json>",
 *                                      X-Loa-Cues-Version; 404 when the district has none (no espeak-ng)
 *
 * The ETag is the SHA-256 in hex, in the double quotes HTTP requires; `If-None-Match` gives 304.
 */
import type { ServerResponse } from 'node:http';
import { etagMatches, sendImmutableFile } from '../http/ranged-file.js';
import { HttpError, type HttpRequest, type HttpServer } from '../http/server.js';
import type { CuePack } from './cues.js';
import type { ContentLibrary } from './library.js';
import type { StoredManifest } from './manifests.js';

export interface ContentRoutesOptions {
  library: ContentLibrary;
  manifests: { latest(): Promise<StoredManifest | undefined>; get(version: number): Promise<StoredManifest | undefined> };
  /** The signed key rotations, oldest first (`DistrictKey.rotations`). */
  rotations?: () => Promise<Buffer[]>;
  /** The spoken-cue pack (`CuePacks.latest`); without it `/content/cues` answers 404. */
  cues?: { latest(): Promise<CuePack | undefined> };
}

export { parseRange, type ByteRange } from '../http/ranged-file.js';

function sendSigned(req: HttpRequest, res: ServerResponse, m: StoredManifest): void {
  const headers = { ETag: `"${m.sha256}"`, 'Cache-Control': 'no-cache', 'X-Loa-Manifest-Version': String(m.version) };
  if (etagMatches(req, m.sha256)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': m.signed.length });
  res.end(m.signed);
}

/** A stored clip file (WAV, named by its SHA-256, so never changed: the hash is its ETag) with `Range` honoured. */
export function sendClipFile(req: HttpRequest, res: ServerResponse, path: string, sha256: string, cacheControl: string): Promise<void> {
  return sendImmutableFile(req, res, { path, sha256, cacheControl, contentType: 'audio/wav' });
}

/** Adds the content routes to `server`. */
export function registerContentRoutes(server: HttpServer, o: ContentRoutesOptions): void {
  server.route('GET', '/content/manifest', async (req, res) => {
    const m = await o.manifests.latest();
    if (!m) throw new HttpError(404, 'no-manifest', 'no manifest has been published yet');
    sendSigned(req, res, m);
  });

  server.route('GET', '/content/manifests/:version', async (req, res) => {
    const text = req.params.version!;
    const version = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    const m = Number.isInteger(version) ? await o.manifests.get(version) : undefined;
    if (!m) throw new HttpError(404, 'unknown-manifest', `no manifest version ${JSON.stringify(text)}`);
    sendSigned(req, res, m);
  });

  server.route('GET', '/content/clips/:sha256', async (req, res) => {
    const sha256 = req.params.sha256!;
    if (!/^[0-9a-f]{64}$/.test(sha256) || !(await o.library.servable(sha256))) {
      throw new HttpError(404, 'unknown-clip', `no approved clip with SHA-256 ${JSON.stringify(sha256)}`);
    }
    await sendClipFile(req, res, o.library.clipPath(sha256), sha256, 'public, max-age=31536000, immutable');
  });

  server.route('GET', '/content/key-rotations/:n', async (req, res) => {
    const n = /^\d{1,6}$/.test(req.params.n!) ? Number(req.params.n) : 0;
    const signed = n > 0 ? (await o.rotations?.())?.[n - 1] : undefined;
    if (!signed) throw new HttpError(404, 'unknown-rotation', `no key rotation ${JSON.stringify(req.params.n)}`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': signed.length });
    res.end(signed);
  });

  server.route('GET', '/content/cues', async (req, res) => {
    const pack = await o.cues?.latest();
    if (!pack) throw new HttpError(404, 'no-cues', 'the district has no spoken-cue pack (espeak-ng missing on the controller?)');
    const headers = { ETag: `"${pack.sha256}"`, 'Cache-Control': 'no-cache', 'X-Loa-Cues-Version': String(pack.document.version) };
    if (etagMatches(req, pack.sha256)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/x-tar', 'Content-Length': pack.tar.length });
    res.end(pack.tar);
  });
}
