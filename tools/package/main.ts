/**
 * `npm run package`: the Debian packages of this tree.
 *
 *   npm run package                              both roles for this machine's architecture
 *   npm run package -- --arch arm64,armhf        the Pi's (compiled in an emulated Debian root, qemu-user-static)
 *   npm run package -- --all                     the set that is released: loa-unit for arm64 and armhf,
 *                                                loa-controller for amd64 and arm64
 *   npm run package -- --role unit --out DIR     one role; packages go to DIR (default build/packages)
 *   npm run package -- --reuse-modules           keep the node_modules an earlier build made from the same lock file
 *                                                (the packaging changed, not the dependencies): minutes, not half an hour
 *   npm run package -- --release-key FILE        sign the release bundles with this release key (or LOA_RELEASE_KEY);
 *                                                without either, with the development key build/release-key.pem
 *   LOA_RELEASE_QUALITY=5 npm run package          a quicker, larger release bundle (brotli quality 0–11, default 11)
 *   npm run package -- --version 0.2.0 --replaces 0.1.0
 *                                                the release bundles' version (a test release; the .deb keeps
 *                                                package.json's) and the oldest version they replace (default 0.1.0)
 *
 * Beside each loa-unit .deb goes its over-the-air release bundle, loa-release-VERSION-ARCH.tar (./release.ts), made
 * from the same release folder.
 *
 * Needs dpkg-deb (and for another architecture mmdebstrap and qemu-user-static); runs `npm run build` first through
 * the npm script. Prints each package's size and installed size, and how long each step took.
 */
import { execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDeb, type Role } from './deb.js';
import { productionModules } from './modules.js';
import { buildReleaseBundle, cartSchema, developmentKeyWarning, releaseKeyFor, type ReleaseBundleBuilt } from './release.js';
import { isReleaseVersion } from '../../protocol/release.js';
import { cacheDir, ensureRoot, hostArch, type DebArch } from './roots.js';
import { have, step, StepError } from './shell.js';

const ARCHES: readonly DebArch[] = ['amd64', 'arm64', 'armhf'];
const RELEASED: Record<DebArch, Role[]> = { amd64: ['controller'], arm64: ['unit', 'controller'], armhf: ['unit'] };

/**
 * The emulated root that compiles the native addons for `arch`: bookworm, the oldest Debian the packages are for,
 * so the addons need no newer C library than its 2.36 (compiled on trixie, sqlite3 needed fmod@GLIBC_2.38 on arm64
 * and would not load on Raspberry Pi OS bookworm). Its own Node.js (18) only runs npm and node-gyp; the headers the
 * addons are compiled against are this machine's Node.js 20's, copied in.
 */
export function builderRoot(arch: DebArch): Promise<string> {
  return ensureRoot({ arch, suite: 'bookworm', include: ['nodejs', 'build-essential', 'python3'], name: `bookworm-${arch}-builder` });
}

/** SOURCE_DATE_EPOCH, else the last commit's time, else now. */
function releaseDate(repo: string): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH ?? (() => {
    try {
      return execFileSync('git', ['-C', repo, 'log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();
  return epoch ? new Date(Number(epoch) * 1000) : new Date();
}

export interface Built {
  role: Role;
  arch: DebArch;
  path: string;
  bytes: number;
  installedKiB: number;
}

/** What the release bundle beside a loa-unit .deb is signed with and says it is. */
export interface ReleaseOptions {
  key: KeyObject;
  /** Brotli quality of the payload (default 11: the smallest download; LOA_RELEASE_QUALITY for a quick test build). */
  quality?: number;
  /** The bundle's version; package.json's by default. */
  version?: string;
  replaces: string;
}

/**
 * Builds the packages of `roles` for `arch`; the node_modules are made once for both roles. With `release`, each
 * loa-unit .deb gets its release bundle beside it.
 */
export async function packageArch(o: {
  repo: string;
  arch: DebArch;
  roles: readonly Role[];
  outDir: string;
  reuseModules?: boolean;
  release?: ReleaseOptions;
}): Promise<{ built: Built[]; bundles: ReleaseBundleBuilt[]; modulesSeconds: number }> {
  const version = (JSON.parse(await readFile(join(o.repo, 'package.json'), 'utf8')) as { version: string }).version;
  const work = join(cacheDir(), 'work', o.arch);
  const root = o.arch === hostArch() || o.reuseModules ? undefined : (await step(`the ${o.arch} builder root (made once, then cached)`, () => builderRoot(o.arch))).value;
  const modules = await step(`production node_modules for ${o.arch}${root ? ' (native addons compiled under emulation)' : ''}`, () =>
    productionModules({ repo: o.repo, work, arch: o.arch, ...(root ? { builderRoot: root } : {}), reuse: o.reuseModules === true }),
  );
  const built: Built[] = [];
  const bundles: ReleaseBundleBuilt[] = [];
  for (const role of o.roles) {
    const { value: path } = await step(`loa-${role} ${version} ${o.arch}`, () =>
      buildDeb({ role, arch: o.arch, version, repo: o.repo, app: modules.value.app, staging: join(work, `staging-${role}`), outDir: o.outDir, date: releaseDate(o.repo) }),
    );
    const info = execFileSync('dpkg-deb', ['--field', path, 'Installed-Size'], { encoding: 'utf8' }).trim();
    built.push({ role, arch: o.arch, path, bytes: (await stat(path)).size, installedKiB: Number(info) });
    const release = o.release;
    if (role === 'unit' && release !== undefined) {
      const bundleVersion = release.version ?? version;
      const bundle = await step(`loa-release ${bundleVersion} ${o.arch}`, () =>
        buildReleaseBundle({
          payloadDir: join(work, `staging-${role}`, 'usr', 'lib', 'loa', version),
          version: bundleVersion,
          arch: o.arch,
          replaces: release.replaces,
          schema: cartSchema(),
          key: release.key,
          outDir: o.outDir,
          ...(release.quality === undefined ? {} : { quality: release.quality }),
          created: Math.floor(releaseDate(o.repo).getTime() / 1000),
        }),
      );
      bundles.push(bundle.value);
    }
  }
  return { built, bundles, modulesSeconds: modules.seconds };
}

function parseArches(value: string): DebArch[] {
  return value.split(',').map((a) => {
    if (!(ARCHES as readonly string[]).includes(a)) throw new StepError(`--arch ${a}: one of ${ARCHES.join(', ')}`, '');
    return a as DebArch;
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string' },
      all: { type: 'boolean' },
      role: { type: 'string' },
      out: { type: 'string' },
      'reuse-modules': { type: 'boolean' },
      version: { type: 'string' },
      replaces: { type: 'string', default: '0.1.0' },
      'release-key': { type: 'string' },
    },
  });
  const repo = resolve(import.meta.dirname, '..', '..', '..');
  const outDir = resolve(values.out ?? join(repo, 'build', 'packages'));
  if (values.role !== undefined && values.role !== 'unit' && values.role !== 'controller') throw new StepError('--role: unit or controller', '');
  if (!(await have('dpkg-deb'))) throw new StepError('dpkg-deb is missing: apt-get install -y dpkg-dev', '');
  for (const name of ['version', 'replaces'] as const) {
    const v = values[name];
    if (v !== undefined && !isReleaseVersion(v)) throw new StepError(`--${name} ${v}: a release version like 1.2.3 or 1.2.3-rc.1`, '');
  }
  const arches = values.all ? ARCHES : values.arch ? parseArches(values.arch) : [hostArch()];
  const all: Built[] = [];
  const bundles: ReleaseBundleBuilt[] = [];
  let release: ReleaseOptions | undefined;
  for (const arch of arches) {
    const roles = (values.all ? RELEASED[arch] : ['unit', 'controller']).filter((r) => values.role === undefined || r === values.role) as Role[];
    if (roles.includes('unit') && release === undefined) {
      const k = await releaseKeyFor({ option: values['release-key'], env: process.env, repo });
      if (k.development) console.log(developmentKeyWarning(k));
      const quality = process.env.LOA_RELEASE_QUALITY ? Number(process.env.LOA_RELEASE_QUALITY) : undefined;
      release = { key: k.key, replaces: values.replaces, ...(values.version === undefined ? {} : { version: values.version }), ...(quality === undefined ? {} : { quality }) };
    }
    if (!roles.length) continue;
    const done = await packageArch({ repo, arch, roles, outDir, reuseModules: values['reuse-modules'] === true, ...(release ? { release } : {}) });
    all.push(...done.built);
    bundles.push(...done.bundles);
  }
  for (const b of all) console.log(`${b.path}: ${(b.bytes / 1024 / 1024).toFixed(1)} MiB, installed ${(b.installedKiB / 1024).toFixed(1)} MiB`);
  for (const b of bundles) console.log(`${b.file}: ${(b.bytes / 1024 / 1024).toFixed(1)} MiB, ${b.files} files, ${(b.payloadBytes / 1024 / 1024).toFixed(1)} MiB unpacked, compressed in ${b.compressSeconds.toFixed(0)} s`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`npm run package: ${err instanceof StepError || !process.env.LOA_DEBUG ? (err as Error).message : (err as Error).stack}`);
      process.exit(err instanceof StepError && /^--/.test((err as Error).message) ? 2 : 1);
    },
  );
}
