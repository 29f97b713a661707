/**
 * The production node_modules of one architecture: the JavaScript once with `npm ci --omit=dev --ignore-scripts`
 * (the lock file decides every version), then the native addons without a prebuilt binary for that architecture
 * compiled where they will run — on this machine for its own architecture, in the emulated Debian root of the
 * builder for the Pi's (the same Node.js headers and C library as the target Debian). Build leftovers (object
 * files, sources, other platforms' prebuilds) are removed, so the package holds only what loads at run time.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostArch, inRoot, type DebArch } from './roots.js';
import { run } from './shell.js';

/** For compiling the addons: from source (prebuild-install's download cannot work), linked with Debian's hardening. */
const BUILD_ENV = { npm_config_build_from_source: 'true', LDFLAGS: '-Wl,-z,relro -Wl,-z,now' };

/** node's `process.arch`, which names the prebuilds folders (`linux-arm64`). */
const NODE_ARCH: Record<DebArch, string> = { amd64: 'x64', arm64: 'arm64', armhf: 'arm' };

/** Folders with a `package.json` under node_modules (scoped ones included), relative names. */
async function packagesIn(modules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(modules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const sub of await readdir(join(modules, entry.name))) names.push(`${entry.name}/${sub}`);
    } else names.push(entry.name);
  }
  return names;
}

/** The packages with a binding.gyp and no prebuilt binary for `arch`: the ones to compile. */
export async function nativeToBuild(modules: string, arch: DebArch): Promise<string[]> {
  const out: string[] = [];
  for (const name of await packagesIn(modules)) {
    const dir = join(modules, name);
    if (!existsSync(join(dir, 'binding.gyp'))) continue;
    if (existsSync(join(dir, 'prebuilds', `linux-${NODE_ARCH[arch]}`))) continue;
    out.push(name);
  }
  return out;
}

/** Copies package.json, the lock file and the local addon packages (`file:` dependencies) into `app`. */
async function copySources(repo: string, app: string): Promise<void> {
  await rm(app, { recursive: true, force: true });
  await mkdir(app, { recursive: true });
  await cp(join(repo, 'package.json'), join(app, 'package.json'));
  await cp(join(repo, 'package-lock.json'), join(app, 'package-lock.json'));
  const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const spec of Object.values(pkg.dependencies ?? {})) {
    if (!spec.startsWith('file:')) continue;
    const rel = spec.slice('file:'.length);
    await cp(join(repo, rel), join(app, rel), { recursive: true, filter: (src) => !src.includes(`${rel}/build`) });
  }
}

/** The folder of the npm running this build (`npm prefix -g`/lib/node_modules/npm). */
async function hostNpm(): Promise<string> {
  const prefix = (await run('npm', ['prefix', '-g'], { capture: true })).trim();
  return join(prefix, 'lib', 'node_modules', 'npm');
}

/** A `file:` dependency is a symbolic link after npm ci: the package needs the folder itself. */
async function resolveLinks(modules: string): Promise<void> {
  for (const name of await packagesIn(modules)) {
    const path = join(modules, name);
    if (!(await lstat(path)).isSymbolicLink()) continue;
    await run('cp', ['-rL', '--remove-destination', path, `${path}.real`]);
    await rm(path);
    await run('mv', [`${path}.real`, path]);
  }
}

/** Type declarations and source maps: read by editors and compilers, never by the program (a fifth of the size). */
const NOT_RUN = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts)$/;

/** Files of a package's publishing and version control: .npmignore, .eslintrc*, .gitattributes, .gitignore, … */
const PUBLISHING = /\/\.(npmignore|eslintrc[^/]*|gitattributes|gitignore|gitmodules|travis\.yml)$/;

async function startsWithShebang(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    await file.read(head, 0, 2, 0);
    return head.toString('latin1') === '#!';
  } finally {
    await file.close();
  }
}

/** Removes what only building needed, type declarations, and other platforms' prebuilt binaries. */
async function prune(modules: string, arch: DebArch): Promise<void> {
  await run('find', [modules, '-type', 'd', '-path', '*/node_modules/@types', '-prune', '-exec', 'rm', '-rf', '{}', '+']);
  // node-gyp (with its Python) only compiles addons, which is done by now; the program never loads it, nor the
  // command links in .bin.
  await rm(join(modules, 'node-gyp'), { recursive: true, force: true });
  await rm(join(modules, '.bin'), { recursive: true, force: true });
  for (const path of (await run('find', [modules, '-type', 'f'], { capture: true })).split('\n').filter(Boolean)) {
    if (NOT_RUN.test(path) || PUBLISHING.test(path) || /\.musl\.node$/.test(path)) await rm(path);
    // Executable only what is run as a program (a #! script); a .node file is loaded with dlopen, not executed.
    else await chmod(path, (await startsWithShebang(path)) ? 0o755 : 0o644);
  }
  for (const name of await packagesIn(modules)) {
    const dir = join(modules, name);
    const release = join(dir, 'build', 'Release');
    if (existsSync(release)) {
      for (const entry of await readdir(release)) {
        if (!entry.endsWith('.node')) await rm(join(release, entry), { recursive: true, force: true });
      }
      for (const entry of await readdir(join(dir, 'build'))) {
        if (entry !== 'Release') await rm(join(dir, 'build', entry), { recursive: true, force: true });
      }
      // Sources compiled into the .node: sqlite3's amalgamation alone is 9 MB.
      for (const src of ['deps', 'src']) if (existsSync(join(dir, 'binding.gyp'))) await rm(join(dir, src), { recursive: true, force: true });
    }
    const prebuilds = join(dir, 'prebuilds');
    if (existsSync(prebuilds)) {
      for (const entry of await readdir(prebuilds)) {
        if (entry !== `linux-${NODE_ARCH[arch]}`) await rm(join(prebuilds, entry), { recursive: true, force: true });
      }
    }
  }
  // Folders that held only type declarations.
  await run('find', [modules, '-mindepth', '1', '-type', 'd', '-empty', '-delete']).catch(() => undefined);
}

export interface ModulesResult {
  /** The folder holding node_modules (and package.json). */
  app: string;
  /** The addons compiled, and where. */
  compiled: string[];
  where: 'host' | 'emulated' | 'reused';
}

/**
 * Makes `<work>/app/node_modules` for `arch`. `builderRoot` is the emulated root to compile in when `arch` is not
 * this machine's.
 */
export async function productionModules(o: { repo: string; work: string; arch: DebArch; builderRoot?: string; reuse?: boolean }): Promise<ModulesResult> {
  const app = join(o.work, 'app');
  const stamp = await modulesStamp(o.repo, o.arch);
  // --reuse-modules: the node_modules a previous build made from the same lock file for the same architecture.
  if (o.reuse && (await readFile(join(app, STAMP), 'utf8').catch(() => '')) === stamp) {
    await prune(join(app, 'node_modules'), o.arch);
    return { app, compiled: [], where: 'reused' };
  }
  // Without a builder root another architecture cannot be compiled: say so before the cached modules (a quarter of an
  // hour of emulated compiling) are removed to make new ones.
  if (o.reuse && o.builderRoot === undefined && o.arch !== hostArch()) {
    throw new Error(`--reuse-modules: the ${o.arch} modules in ${app} were not made from this lock file (or are missing): build ${o.arch} without --reuse-modules`);
  }
  const result = await buildModules(o, app);
  await writeFile(join(app, STAMP), stamp);
  return result;
}

const STAMP = '.loa-modules-stamp';

/** What the node_modules are made from: the lock file, the local addons' sources and the architecture. */
async function modulesStamp(repo: string, arch: DebArch): Promise<string> {
  const hash = createHash('sha256').update(arch).update(await readFile(join(repo, 'package-lock.json')));
  for (const file of ['sd_notify.c', 'binding.gyp', 'package.json']) hash.update(await readFile(join(repo, 'native', 'sd-notify', file)).catch(() => Buffer.alloc(0)));
  return hash.digest('hex');
}

async function buildModules(o: { repo: string; arch: DebArch; builderRoot?: string }, app: string): Promise<ModulesResult> {
  await copySources(o.repo, app);
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
  const modules = join(app, 'node_modules');
  const compiled = await nativeToBuild(modules, o.arch);
  // prebuild-install (sqlite3) would try to download a binary first; from source is the only way that works here.
  // Stripped by the strip of the machine that compiled them (the root's own for the Pi); -L: the local addon is a link.
  const strip = `find -L node_modules -path '*/build/Release/*.node' -exec strip --strip-unneeded --remove-section=.comment {} +`;
  const rebuild = `npm rebuild --build-from-source --loglevel=error ${compiled.join(' ')} && ${strip}`;
  if (o.arch === hostArch()) {
    if (compiled.length) await run('sh', ['-c', rebuild], { cwd: app, env: { ...process.env, ...BUILD_ENV } });
    await resolveLinks(modules);
    await prune(modules, o.arch);
    return { app, compiled, where: 'host' };
  }
  if (o.builderRoot === undefined) throw new Error(`productionModules: ${o.arch} needs an emulated builder root`);
  // The cached builder root is used as it is (a copy of it is ~1 GB); only its /loa-app folder changes.
  const root = o.builderRoot;
  await rm(join(root, 'loa-app'), { recursive: true, force: true });
  await run('cp', ['-a', app, join(root, 'loa-app')]);
  // This machine's npm (plain JavaScript, with its node-gyp) runs on the root's Node.js: Debian's npm 9 cannot
  // read the lock file's `overrides` (`npm:` aliases), and the lock file is what decides the versions.
  await rm(join(root, 'opt', 'loa-npm'), { recursive: true, force: true });
  await run('cp', ['-a', await hostNpm(), join(root, 'opt', 'loa-npm')]);
  // The Node.js 20 headers of this machine (the same for every CPU): the root's own Node.js may be older.
  await rm(join(root, 'opt', 'loa-node'), { recursive: true, force: true });
  await mkdir(join(root, 'opt', 'loa-node', 'include'), { recursive: true });
  await run('cp', ['-a', join(dirname(dirname(process.execPath)), 'include', 'node'), join(root, 'opt', 'loa-node', 'include', 'node')]);
  if (compiled.length) {
    await inRoot(root, `cd /loa-app && node /opt/loa-npm/bin/npm-cli.js ${rebuild.slice('npm '.length)}`, {
      env: { ...BUILD_ENV, npm_config_nodedir: '/opt/loa-node', npm_config_update_notifier: 'false' },
    });
  }
  await rm(app, { recursive: true, force: true });
  await run('mv', [join(root, 'loa-app'), app]);
  await resolveLinks(modules);
  await prune(modules, o.arch);
  return { app, compiled, where: 'emulated' };
}
