/**
 * Software releases for the carts (SPEC.md "Releases"). A release bundle `loa-release-VERSION-ARCH.tar` is a ustar
 * archive of three members, in this order:
 *
 *   release.json     the manifest: version, architecture, the oldest version it may replace, the cart database
 *                    schema versions it reads and writes, the payload's size and SHA-256, and every file's path,
 *                    size, mode and SHA-256 (canonical JSON, UTF-8)
 *   release.sig      `{"keyId": "…", "signature": "…base64…"}`: Ed25519 over the bytes of release.json, by a
 *                    **release key** — not the district's key: a cart pins the release keys at provisioning, so a
 *                    stolen district key cannot push code
 *   payload.tar.br   the files themselves: a brotli-compressed (RFC 7932) ustar archive of `dist/`, `node_modules/`,
 *                    `package.json` — half the size of gzip -9, and a cart downloads it over paid cellular data
 *
 * The manifest is checked before a byte of the payload is trusted; the payload's whole hash, then every file's size
 * and hash, are checked as it is unpacked. A file that is not in the manifest, one that is missing, or one whose bytes
 * differ (a file from another release: a mix-and-match) is refused.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { keyId } from './signed.js';

export const RELEASE_ARCHES = ['arm64', 'armhf', 'amd64'] as const;
export type ReleaseArch = (typeof RELEASE_ARCHES)[number];

export function isReleaseArch(a: unknown): a is ReleaseArch {
  return (RELEASE_ARCHES as readonly unknown[]).includes(a);
}

export const RELEASE_MEMBERS = { manifest: 'release.json', signature: 'release.sig', payload: 'payload.tar.br' } as const;

/** release.json and release.sig are small; anything bigger is refused before it is parsed. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 1024;
export const MAX_RELEASE_FILES = 50_000;

export interface ReleaseFile {
  /** Relative, `/`-separated, no `.` or `..` segments. */
  path: string;
  size: number;
  /** 0o644 or 0o755. */
  mode: number;
  sha256: string;
}

export interface ReleaseManifest {
  format: 1;
  product: 'loa-unit';
  version: string;
  arch: ReleaseArch;
  /** The oldest version this release may replace: a cart older than it must take an intermediate release first. */
  replaces: string;
  /** The cart database (cart.db) schema versions this release can read, and the one it migrates to. */
  schema: { reads: [number, number]; writes: number };
  payload: { size: number; sha256: string };
  files: ReleaseFile[];
  /** Unix seconds. */
  created: number;
}

export const RELEASE_REFUSALS = [
  'bad-manifest',
  'unknown-key',
  'bad-signature',
  'wrong-product',
  'wrong-arch',
  'not-newer',
  'too-old',
  'schema',
  'too-large',
  'payload-hash',
  'unexpected-file',
  'missing-file',
  'file-hash',
  'bad-archive',
] as const;
export type ReleaseRefusal = (typeof RELEASE_REFUSALS)[number];

/** Why a cart (or the controller) will not take a release; `code` is what the district's event shows. */
export class ReleaseRefused extends Error {
  constructor(
    readonly code: ReleaseRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseRefused';
  }
}

// --- versions -----------------------------------------------------------------------------------------------------

const VERSION = /^(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:-([0-9A-Za-z.-]{1,32}))?$/u;

export function isReleaseVersion(v: unknown): v is string {
  return typeof v === 'string' && VERSION.test(v);
}

/** Semantic-version order: 0.2.0 > 0.1.9, and 0.2.0-rc.1 < 0.2.0. Throws on a malformed version. */
export function compareVersions(a: string, b: string): number {
  const pa = VERSION.exec(a);
  const pb = VERSION.exec(b);
  if (!pa || !pb) throw new ReleaseRefused('bad-manifest', `"${pa ? b : a}" is not a release version (like 1.2.3 or 1.2.3-rc.1)`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  const [ra, rb] = [pa[4], pb[4]];
  if (ra === rb) return 0;
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  const [xa, xb] = [ra.split('.'), rb.split('.')];
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const [sa, sb] = [xa[i], xb[i]];
    if (sa === undefined) return -1;
    if (sb === undefined) return 1;
    const [na, nb] = [/^\d+$/u.test(sa), /^\d+$/u.test(sb)];
    if (na && nb && Number(sa) !== Number(sb)) return Math.sign(Number(sa) - Number(sb));
    if (na !== nb) return na ? -1 : 1;
    if (sa !== sb) return sa < sb ? -1 : 1;
  }
  return 0;
}

// --- the manifest -------------------------------------------------------------------------------------------------

const SHA256 = /^[0-9a-f]{64}$/u;
// A space inside a name is allowed (node_modules/help-me ships fixture/"hello world.txt"), not at either end.
const SEGMENT = /^[A-Za-z0-9@+_~.-](?:[A-Za-z0-9@+_~. -]{0,198}[A-Za-z0-9@+_~.-])?$/u;

/** A path a release may carry: relative, plain characters, no `.`/`..` segment, so it cannot leave its folder. */
export function isReleasePath(p: unknown): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1000) return false;
  return p.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

function bad(message: string): never {
  throw new ReleaseRefused('bad-manifest', message);
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Checks the shape of a parsed release.json; every field, every file. */
export function parseReleaseManifest(input: unknown): ReleaseManifest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad('release.json is not a JSON object');
  const m = input as Record<string, unknown>;
  if (m.format !== 1) bad(`release.json format ${JSON.stringify(m.format)} is not 1: this cart is too old to read it`);
  if (m.product !== 'loa-unit') throw new ReleaseRefused('wrong-product', `the release is for ${JSON.stringify(m.product)}, not loa-unit`);
  if (!isReleaseVersion(m.version)) bad(`version ${JSON.stringify(m.version)} is not like 1.2.3`);
  if (!isReleaseVersion(m.replaces)) bad(`replaces ${JSON.stringify(m.replaces)} is not like 1.2.3`);
  if (!isReleaseArch(m.arch)) bad(`arch ${JSON.stringify(m.arch)} is not one of ${RELEASE_ARCHES.join(', ')}`);
  const schema = m.schema as { reads?: unknown; writes?: unknown } | undefined;
  const reads = schema?.reads;
  if (!Array.isArray(reads) || reads.length !== 2 || !isCount(reads[0]) || !isCount(reads[1]) || reads[0] > reads[1] || !isCount(schema?.writes)) {
    bad('schema must be { "reads": [lowest, highest], "writes": n }');
  }
  const payload = m.payload as { size?: unknown; sha256?: unknown } | undefined;
  if (!isCount(payload?.size) || typeof payload?.sha256 !== 'string' || !SHA256.test(payload.sha256)) bad('payload must be { "size": bytes, "sha256": hex }');
  if (!isCount(m.created)) bad('created must be Unix seconds');
  if (!Array.isArray(m.files) || m.files.length === 0 || m.files.length > MAX_RELEASE_FILES) bad(`files must list 1 to ${MAX_RELEASE_FILES} files`);
  const seen = new Set<string>();
  const files: ReleaseFile[] = [];
  for (const f of m.files as unknown[]) {
    const e = f as Record<string, unknown>;
    if (!isReleasePath(e.path)) bad(`file path ${JSON.stringify(e.path)} is not a plain relative path`);
    if (seen.has(e.path)) bad(`file ${e.path} is listed twice`);
    seen.add(e.path);
    if (!isCount(e.size) || (e.mode !== 0o644 && e.mode !== 0o755) || typeof e.sha256 !== 'string' || !SHA256.test(e.sha256)) {
      bad(`file ${e.path} needs a size, a mode of 0o644 or 0o755 and a SHA-256`);
    }
    files.push({ path: e.path, size: e.size, mode: e.mode, sha256: e.sha256 });
  }
  return {
    format: 1,
    product: 'loa-unit',
    version: m.version,
    arch: m.arch as ReleaseArch,
    replaces: m.replaces,
    schema: { reads: [reads[0], reads[1]], writes: schema!.writes as number },
    payload: { size: payload.size, sha256: payload.sha256 },
    files,
    created: m.created,
  };
}

/** The bytes that are signed: fields in a fixed order, files sorted by path. */
export function encodeReleaseManifest(m: ReleaseManifest): Buffer {
  const files = [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ path: f.path, size: f.size, mode: f.mode, sha256: f.sha256 }));
  const ordered = {
    format: m.format,
    product: m.product,
    version: m.version,
    arch: m.arch,
    replaces: m.replaces,
    schema: { reads: m.schema.reads, writes: m.schema.writes },
    payload: { size: m.payload.size, sha256: m.payload.sha256 },
    created: m.created,
    files,
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 1)}\n`, 'utf8');
}

export interface SignedRelease {
  manifest: Buffer;
  signature: Buffer;
}

export function signReleaseManifest(m: ReleaseManifest, releaseKey: KeyObject): SignedRelease {
  const manifest = encodeReleaseManifest(parseReleaseManifest(m));
  const signature = Buffer.from(`${JSON.stringify({ keyId: keyId(releaseKey), signature: sign(null, manifest, releaseKey).toString('base64') })}\n`, 'utf8');
  return { manifest, signature };
}

/**
 * Verifies release.json against the pinned release keys and parses it. Throws ReleaseRefused: `unknown-key` when no
 * pinned key has the signature's key id (a district key is not a release key), `bad-signature`, `bad-manifest`.
 */
export function openReleaseManifest(manifest: Uint8Array, signature: Uint8Array, releaseKeys: readonly KeyObject[]): ReleaseManifest {
  if (manifest.length > MAX_MANIFEST_BYTES) throw new ReleaseRefused('too-large', `release.json of ${manifest.length} bytes is over ${MAX_MANIFEST_BYTES}`);
  if (signature.length > MAX_SIGNATURE_BYTES) throw new ReleaseRefused('too-large', `release.sig of ${signature.length} bytes is over ${MAX_SIGNATURE_BYTES}`);
  let sig: { keyId?: unknown; signature?: unknown };
  try {
    sig = JSON.parse(Buffer.from(signature).toString('utf8')) as typeof sig;
  } catch {
    throw new ReleaseRefused('bad-signature', 'release.sig is not JSON');
  }
  if (typeof sig.keyId !== 'string' || typeof sig.signature !== 'string') throw new ReleaseRefused('bad-signature', 'release.sig needs "keyId" and "signature"');
  const key = releaseKeys.find((k) => keyId(k) === sig.keyId);
  if (key === undefined) {
    throw new ReleaseRefused('unknown-key', `the release is signed by key ${sig.keyId}, which is not a release key this cart trusts (${releaseKeys.map((k) => keyId(k)).join(', ') || 'none pinned'})`);
  }
  if (!verify(null, manifest, key, Buffer.from(sig.signature, 'base64'))) {
    throw new ReleaseRefused('bad-signature', `release.json does not verify under release key ${sig.keyId} (altered or forged)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(manifest).toString('utf8'));
  } catch {
    bad('release.json is not valid JSON');
  }
  return parseReleaseManifest(parsed);
}

export interface CartSoftware {
  arch: ReleaseArch;
  /** The version running now. */
  version: string;
  /** The schema version of the cart's database now. */
  schemaVersion: number;
  /** A signed rollback order allows an older (never the same) version. */
  allowDowngrade?: boolean;
}

/** Refuses a release for another architecture, not newer (unless a rollback order), too new to replace this one, or unable to read this cart's database. */
export function checkReleaseFits(m: ReleaseManifest, cart: CartSoftware): void {
  if (m.arch !== cart.arch) throw new ReleaseRefused('wrong-arch', `release ${m.version} is for ${m.arch}, this cart is ${cart.arch}`);
  const order = compareVersions(m.version, cart.version);
  if (order === 0) throw new ReleaseRefused('not-newer', `release ${m.version} is the version running now`);
  if (order < 0 && !cart.allowDowngrade) throw new ReleaseRefused('not-newer', `release ${m.version} is older than ${cart.version}: only a signed rollback order may go back`);
  if (order > 0 && compareVersions(cart.version, m.replaces) < 0) {
    throw new ReleaseRefused('too-old', `release ${m.version} replaces ${m.replaces} or later; this cart runs ${cart.version}: install an intermediate release first`);
  }
  if (cart.schemaVersion < m.schema.reads[0] || cart.schemaVersion > m.schema.reads[1]) {
    throw new ReleaseRefused('schema', `release ${m.version} reads database schema ${m.schema.reads[0]}–${m.schema.reads[1]}, this cart's is ${cart.schemaVersion}`);
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The release bundle's file name, as `npm run package` writes it and `loa release add` expects it. */
export function releaseBundleName(version: string, arch: ReleaseArch): string {
  return `loa-release-${version}-${arch}.tar`;
}
