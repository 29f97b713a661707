/**
 * Debian roots for another CPU, run under qemu-user-static: made once with mmdebstrap from the Debian registry
 * this machine reaches, kept in a cache folder, and entered with chroot (with /proc mounted for the command's
 * time). The builder's root compiles the native addons for the Pi; a clean root installs the package as a
 * technician would.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile, copyFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { have, run, StepError } from './shell.js';

export type DebArch = 'amd64' | 'arm64' | 'armhf';

/** qemu's name for each architecture, as binfmt_misc registers it. */
const QEMU: Record<DebArch, string> = { amd64: 'qemu-x86_64', arm64: 'qemu-aarch64', armhf: 'qemu-arm' };

/** Debian's name for the architecture of this machine. */
export function hostArch(): DebArch {
  const byNode: Record<string, DebArch> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf' };
  const arch = byNode[process.arch];
  if (arch === undefined) throw new StepError(`no Debian architecture for node's ${process.arch}`, '');
  return arch;
}

/**
 * Where the roots and the build folders live: `LOA_PACKAGE_CACHE`, by default /var/cache/loa-package for root and
 * ~/.cache/loa-package for anyone else (building for this machine's architecture needs no root; the emulated roots do).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOA_PACKAGE_CACHE) return env.LOA_PACKAGE_CACHE;
  return process.getuid?.() === 0 ? '/var/cache/loa-package' : join(homedir(), '.cache', 'loa-package');
}

/**
 * Checks that programs of `arch` can run here: the kernel's binfmt_misc knows qemu for it. Mounts binfmt_misc and
 * enables Debian's qemu-user-static entries when they are only missing from the kernel.
 */
export async function ensureEmulation(arch: DebArch): Promise<void> {
  if (arch === hostArch()) return;
  const entry = `/proc/sys/fs/binfmt_misc/${QEMU[arch]}`;
  if (existsSync(entry)) return;
  if (!existsSync('/proc/sys/fs/binfmt_misc/status')) await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'], { capture: true }).catch(() => undefined);
  if (await have('update-binfmts')) await run('update-binfmts', ['--enable', QEMU[arch]], { capture: true }).catch(() => undefined);
  if (!existsSync(entry)) {
    throw new StepError(`${arch} programs cannot run here: install qemu-user-static and binfmt-support (apt-get install -y qemu-user-static binfmt-support), as root`, '');
  }
}

export interface RootSpec {
  arch: DebArch;
  /** Debian suite: trixie ships Node.js 20, which the packages depend on. */
  suite: string;
  /** Packages beyond the essential set. */
  include: readonly string[];
  /** The folder's name under `<cache>/roots/`. */
  name: string;
}

/** The root's folder, made with mmdebstrap unless a finished one is already cached. */
export async function ensureRoot(spec: RootSpec, cache = cacheDir()): Promise<string> {
  const dir = join(cache, 'roots', spec.name);
  if (existsSync(join(dir, '.loa-root-ready'))) return dir;
  await ensureEmulation(spec.arch);
  if (!(await have('mmdebstrap'))) throw new StepError('mmdebstrap is missing: apt-get install -y mmdebstrap', '');
  const partial = `${dir}.partial`;
  await removeRoot(partial);
  await mkdir(join(cache, 'roots'), { recursive: true });
  await run('mmdebstrap', ['--quiet', `--arch=${spec.arch}`, '--variant=apt', `--include=${spec.include.join(',')}`, spec.suite, partial, 'http://deb.debian.org/debian']);
  await writeFile(join(partial, '.loa-root-ready'), `${JSON.stringify(spec)}\n`);
  await removeRoot(dir);
  await rename(partial, dir);
  return dir;
}

/** Removes a root folder, after unmounting the /proc a killed run may have left mounted in it. */
export async function removeRoot(dir: string): Promise<void> {
  await run('umount', ['-l', join(dir, 'proc')], { capture: true }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** A throwaway copy of a cached root, for one test that installs into it. */
export async function copyRoot(from: string, to: string): Promise<string> {
  await removeRoot(to);
  await run('cp', ['-a', from, to]);
  return to;
}

/** Mounts /proc in `root` (and the resolver of this machine, for an apt-get inside); returns the undoing. */
export async function enterRoot(root: string): Promise<() => Promise<void>> {
  const proc = join(root, 'proc');
  await run('mount', ['-t', 'proc', 'proc', proc], { capture: true });
  await copyFile('/etc/resolv.conf', join(root, 'etc', 'resolv.conf')).catch(() => undefined);
  return async () => {
    await run('umount', ['-l', proc], { capture: true }).catch(() => undefined);
  };
}

/** The environment of a command in a root: a plain PATH and nothing of this machine's but what is given. */
export function rootEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...env };
}

/** Runs `script` with /bin/sh inside `root`, /proc mounted for the time of it; output as it comes unless captured. */
export async function inRoot(root: string, script: string, o: { env?: Record<string, string>; capture?: boolean } = {}): Promise<string> {
  const leave = await enterRoot(root);
  try {
    return await run('chroot', [root, '/bin/sh', '-c', script], { env: rootEnv(o.env), ...(o.capture ? { capture: true } : {}) });
  } finally {
    await leave();
  }
}
