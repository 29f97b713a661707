// Releases for the update tests: built for real with buildReleaseBundle, taken apart with extractReleaseBundle, and
// served by a small real HTTP server (node:http) at `/releases/<version>/<arch>/<member>` with Range support, where
// a test can cut a response after some bytes, send endless data, ignore the range, or serve other bytes.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractReleaseBundle } from '../../../device/update/unpack.js';
import { rawPublicKey, RELEASE_MEMBERS, type ReleaseArch, type ReleaseManifest } from '../../../protocol/index.js';
import { buildReleaseBundle } from '../../../tools/package/release.js';

export interface ServedRelease {
  manifest: Buffer;
  signature: Buffer;
  payload: Buffer;
}

export interface ReleaseKeyPair {
  key: KeyObject;
  /** Raw public key, hex: what identity.json pins. */
  publicHex: string;
}

export function newReleaseKey(): ReleaseKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { key: privateKey, publicHex: rawPublicKey(publicKey).toString('hex') };
}

export interface BuildOptions {
  version: string;
  arch: ReleaseArch;
  key: KeyObject;
  replaces?: string;
  schema?: ReleaseManifest['schema'];
  /** Files of the payload beside package.json (path → content); default a tiny dist/cli/main.js. */
  files?: Record<string, string | Buffer>;
  /** A folder to take as the payload instead (package.json in it is replaced). */
  payloadDir?: string;
}

/** A release built from a tiny payload (or `payloadDir`) and taken apart into its three members. */
export async function buildRelease(o: BuildOptions): Promise<ServedRelease> {
  const work = await mkdtemp(join(tmpdir(), 'loa-release-build-'));
  try {
    const payloadDir = o.payloadDir ?? join(work, 'payload');
    const files = o.files ?? { 'dist/cli/main.js': `export async function main() { return 0; } // ${o.version}\n` };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(payloadDir, path, '..'), { recursive: true });
      await writeFile(join(payloadDir, path), content);
    }
    await writeFile(join(payloadDir, 'package.json'), JSON.stringify({ name: 'loa', version: o.version, type: 'module', private: true }));
    const built = await buildReleaseBundle({
      payloadDir,
      version: o.version,
      arch: o.arch,
      replaces: o.replaces ?? '0.0.0',
      schema: o.schema ?? { reads: [1, 2], writes: 2 },
      key: o.key,
      outDir: join(work, 'out'),
      created: 1_780_000_000,
    });
    const x = await extractReleaseBundle(built.file, join(work, RELEASE_MEMBERS.payload));
    return { manifest: x.manifest, signature: x.signature, payload: await readFile(x.payloadFile) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ReleaseServer {
  /** The district's base URL (an identity's contentUrl). */
  url: string;
  /** version/arch → its members; a test may change them. */
  releases: Map<string, ServedRelease>;
  /** Cut each payload response after this many bytes (the connection destroyed), when set. */
  cutAfter: number | null;
  /** Send this many bytes more than the payload (an endless stream). */
  extraBytes: number;
  ignoreRange: boolean;
  /** Payload bytes sent per second at most (a slow link), when set. */
  bytesPerSecond: number | null;
  /** Payload bytes sent, in total. */
  payloadBytesSent: number;
  requests: string[];
  close(): Promise<void>;
}

export async function startReleaseServer(): Promise<ReleaseServer> {
  const state: Omit<ReleaseServer, 'url' | 'close'> = { releases: new Map(), cutAfter: null, extraBytes: 0, ignoreRange: false, bytesPerSecond: null, payloadBytesSent: 0, requests: [] };
  const server: Server = createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`.trim());
    const m = /^\/releases\/([^/]+)\/([^/]+)\/([^/]+)$/u.exec(req.url ?? '');
    const release = m ? state.releases.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !release || !(Object.values(RELEASE_MEMBERS) as string[]).includes(m[3]!)) {
      res.writeHead(404).end();
      return;
    }
    if (m[3] === RELEASE_MEMBERS.manifest) return void res.writeHead(200, { 'content-length': release.manifest.length }).end(release.manifest);
    if (m[3] === RELEASE_MEMBERS.signature) return void res.writeHead(200, { 'content-length': release.signature.length }).end(release.signature);
    const body = Buffer.concat([release.payload, Buffer.alloc(state.extraBytes, 7)]);
    const range = /^bytes=(\d+)-(\d*)$/u.exec(req.headers.range ?? '');
    let from = 0;
    let to = body.length - 1;
    if (range && !state.ignoreRange) {
      from = Number(range[1]);
      if (range[2] !== '') to = Math.min(to, Number(range[2]));
      if (from >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${state.extraBytes > 0 ? '*' : body.length}` });
    } else res.writeHead(200, state.extraBytes > 0 ? {} : { 'content-length': body.length });
    let slice = body.subarray(from, to + 1);
    const cut = state.cutAfter !== null && state.cutAfter < slice.length;
    if (cut) slice = slice.subarray(0, state.cutAfter!);
    if (state.bytesPerSecond !== null && !cut) return void sendSlowly(res, slice, state.bytesPerSecond, (n) => (state.payloadBytesSent += n));
    state.payloadBytesSent += slice.length;
    if (!cut) return void res.end(slice);
    res.write(slice, () => setTimeout(() => res.socket?.destroy(), 20));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const out = state as ReleaseServer;
  out.url = `http://127.0.0.1:${port}/`;
  out.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return out;
}

/** Sends `body` in pieces of a tenth of `perSecond` every 100 ms, until done or the client goes. */
function sendSlowly(res: ServerResponse, body: Buffer, perSecond: number, sent: (n: number) => void): void {
  const piece = Math.max(1, Math.floor(perSecond / 10));
  let at = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return void clearInterval(timer);
    const part = body.subarray(at, at + piece);
    at += part.length;
    sent(part.length);
    if (at >= body.length) {
      clearInterval(timer);
      res.end(part);
    } else res.write(part);
  }, 100);
  res.on('close', () => clearInterval(timer));
}
