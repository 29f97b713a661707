// Real cart releases for the over-the-air tests, made from this repository's built dist/ (npm run build) with
// buildReleaseBundle: the cart's folders of dist/ (cli, device, hardware, lib, protocol, tools; no source maps, no
// console, no controller) and a package.json of the release's version.
//
// Without node_modules: a release carries its own on a cart, but 37 MiB packed, hashed and unpacked per release
// would make these tests minutes long. Here the releases folder sits beside a `node_modules` link to the
// repository's, which Node finds walking up from a release's files; everything else of the release is real.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyObject } from 'node:crypto';
import type { ReleaseArch } from '../../../protocol/index.js';
import { cartSchema } from '../../../tools/package/release.js';
import { buildRelease, type ServedRelease } from './release-server.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const LOA_JS = join(REPO, 'dist', 'cli', 'loa.js');
const CART_FOLDERS = ['cli', 'device', 'hardware', 'lib', 'protocol', 'tools'];

/** Why these tests cannot run here, or null. */
export function cannotRun(): string | null {
  if (!existsSync(join(REPO, 'dist', 'device', 'update', 'launcher.js'))) return 'dist/ is not built with the launcher: run `npm run build` first (these tests run the compiled cart)';
  if (!existsSync(join(REPO, 'native', 'sd-notify', 'build', 'Release', 'sd_notify.node'))) return 'the loa-sd-notify addon is not built (npm ci builds it)';
  return null;
}

/** A folder for a cart's releases, beside a link to the repository's node_modules. */
export async function releasesRoot(): Promise<{ root: string; releases: string }> {
  const root = await mkdtemp(join(tmpdir(), 'loa-ota-'));
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return { root, releases: join(root, 'releases') };
}

export interface RealReleaseOptions {
  version: string;
  arch: ReleaseArch;
  key: KeyObject;
  /** Changes the release's dist/ before it is packed (a deliberately bad release). */
  patch?: (dist: string) => Promise<void>;
}

export async function realRelease(o: RealReleaseOptions): Promise<ServedRelease> {
  const payloadDir = await mkdtemp(join(tmpdir(), 'loa-ota-payload-'));
  try {
    for (const folder of CART_FOLDERS) await cp(join(REPO, 'dist', folder), join(payloadDir, 'dist', folder), { recursive: true, filter: (src) => !src.endsWith('.map') });
    await o.patch?.(join(payloadDir, 'dist'));
    return await buildRelease({ version: o.version, arch: o.arch, key: o.key, payloadDir, files: {}, schema: cartSchema() });
  } finally {
    await rm(payloadDir, { recursive: true, force: true });
  }
}

/** Replaces `from` by `to` in a file of a release's dist/, failing when `from` is not there (the build changed). */
export async function patchFile(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}: the deliberately bad release cannot be made`);
  await writeFile(file, text.replace(from, to));
}

/** 0.2.1-crash: its program throws as soon as it is loaded. */
export const crashAtStart = (dist: string): Promise<void> =>
  patchFile(join(dist, 'cli', 'main.js'), 'import ', "throw new Error('release 0.2.1-crash is deliberately broken: it crashes at start');\nimport ");

/** 0.2.2-unhealthy: starts, but dials a broker that is not there, so its hello is never acknowledged. */
export const neverConnects = (dist: string): Promise<void> => patchFile(join(dist, 'device', 'cart-run.js'), 'url: identity.broker.url,', "url: 'mqtt://127.0.0.1:9',");

/** 0.2.3-hang: starts and says READY, then its event loop hangs for good (no more watchdog pings). */
export const hangsAfterReady = (dist: string): Promise<void> =>
  patchFile(join(dist, 'cli', 'unit.js'), 'systemd.startWatchdog();', 'systemd.startWatchdog();\n    setTimeout(() => { for (;;) { /* deliberately hung */ } }, 500);');
