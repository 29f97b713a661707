/**
 * One Debian package, laid out as a Debian administrator expects and built with Debian's own dpkg-deb:
 *
 *   /usr/lib/loa/<version>/{package.json,dist,node_modules}   this release (a new version installs beside it)
 *   /usr/bin/loa                                               the installed defaults, then that release's CLI
 *   /usr/lib/systemd/system/loa-<role>.service                 Type=notify, watchdog, hardening
 *   /etc/loa/<role>.json                                       configuration (a conffile)
 *   loa-province.service, /etc/loa/province.json               loa-controller only: the province hub, disabled
 *   /usr/share/doc/loa-<role>/, /usr/share/man/man1/loa.1.gz, /usr/share/lintian/overrides/loa-<role>
 *   DEBIAN/{control,conffiles,md5sums,postinst,prerm,postrm}
 *
 * The data in /var/lib/loa is made by postinst and systemd, never shipped: upgrading, removing or purging the
 * package leaves it where it is.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DebArch } from './roots.js';
import { run } from './shell.js';

export type Role = 'unit' | 'controller';

interface RoleInfo {
  summary: string;
  description: string;
  /** Groups the `loa` user joins when they exist. */
  groups: string[];
  recommends: string[];
  suggests: string[];
  /** dist/ folders not needed by this role. */
  skipDist: string[];
  extraUnits: string[];
  /** Services shipped disabled beside the role's own: restarted on upgrade when running, stopped on removal. */
  alsoRuns: string[];
  /** Configuration files beside /etc/loa/<role>.json (conffiles too), by name: /etc/loa/<name>.json. */
  extraConfigs: string[];
  next: { vi: string; en: string };
}

const ROLES: Record<Role, RoleInfo> = {
  unit: {
    summary: 'Loa cart: approved playlist, records and link to the district',
    description:
      'The program of a commune youth propaganda team\'s loudspeaker cart ("xe loa"):\n' +
      'it plays only the playlist the district approved and signed, drives the\n' +
      'amplifier relay, volume and buttons, records what it played where and when\n' +
      '(GNSS), and reports to the district controller over MQTT or a serial link.\n' +
      'Runs as the loa-unit systemd service.',
    groups: ['gpio', 'audio', 'dialout', 'i2c', 'spi'],
    recommends: ['alsa-utils'],
    suggests: [],
    skipDist: ['web', 'bench', 'tools'],
    extraUnits: [],
    alsoRuns: [],
    extraConfigs: [],
    next: {
      vi: 'Loa: tiếp theo — loa unit provision --bundle TỆP, loa unit selftest, rồi systemctl enable --now loa-unit',
      en: 'Loa: next — loa unit provision --bundle FILE, loa unit selftest, then systemctl enable --now loa-unit',
    },
  },
  controller: {
    summary: 'Loa district controller: approval, fleet, reports and officers\' console',
    description:
      'The district controller of the Loa loudspeaker carts: content approval and\n' +
      'signed playlists, the carts\' telemetry, signed commands, the periodic\n' +
      'reports in Vietnamese and a web console for the officers. Runs as the\n' +
      'loa-controller systemd service, with its embedded MQTT broker or Mosquitto.',
    groups: ['dialout'],
    recommends: [],
    suggests: ['mosquitto', 'fonts-noto-core'],
    skipDist: ['bench', 'tools'],
    extraUnits: ['loa-mosquitto-reload.path', 'loa-mosquitto-reload.service', 'loa-province.service', 'loa-province-mosquitto-reload.path', 'loa-province-mosquitto-reload.service'],
    // The province hub runs on one machine of a province: the technician enables it there (README).
    alsoRuns: ['loa-province.service'],
    extraConfigs: ['province'],
    next: {
      vi: 'Loa: tiếp theo — sửa /etc/loa/controller.json (huyện, địa chỉ), loa controller user add, rồi systemctl enable --now loa-controller',
      en: 'Loa: next — edit /etc/loa/controller.json (district, addresses), loa controller user add, then systemctl enable --now loa-controller',
    },
  },
};

export interface DebSpec {
  role: Role;
  arch: DebArch;
  version: string;
  /** The repository (packaging/ and dist/ are read from it). */
  repo: string;
  /** The folder holding this architecture's node_modules. */
  app: string;
  /** A fresh folder to lay the package out in. */
  staging: string;
  outDir: string;
  /** The release's date (the commit's), for the changelog: the same tree gives the same package. */
  date: Date;
}

export function debName(role: Role, version: string, arch: DebArch): string {
  return `loa-${role}_${version}_${arch}.deb`;
}

async function writeText(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, mode);
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (whole, key: string) => values[key] ?? whole);
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

function md5(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Installed-Size: KiB of the tree, counting each file rounded up to a KiB as dpkg-gencontrol does. */
async function installedKiB(root: string): Promise<number> {
  let kib = 0;
  for await (const path of files(root)) if (!relative(root, path).startsWith('DEBIAN')) kib += Math.ceil((await stat(path)).size / 1024);
  return kib;
}

/** The release folder: dist/ without the role's unneeded parts and without source maps, and node_modules. */
async function layRelease(s: DebSpec, info: RoleInfo, release: string): Promise<void> {
  await mkdir(release, { recursive: true });
  const pkg = JSON.parse(await readFile(join(s.repo, 'package.json'), 'utf8')) as { name: string; version: string; type: string };
  await writeText(join(release, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: pkg.type, private: true }, null, 2)}\n`);
  for (const entry of await readdir(join(s.repo, 'dist'))) {
    if (info.skipDist.includes(entry)) continue;
    await cp(join(s.repo, 'dist', entry), join(release, 'dist', entry), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  await cp(join(s.app, 'node_modules'), join(release, 'node_modules'), { recursive: true });
  await run('chmod', ['-R', 'u=rwX,go=rX', release]);
  // A #! script, run by /usr/bin/loa through node but executable as it says.
  await chmod(join(release, 'dist', 'cli', 'loa.js'), 0o755);
}

/** libstdc++6's first Debian version with each GLIBCXX_ symbol version (GCC 12 = bookworm, 14 = trixie). */
const GLIBCXX_PACKAGE: Record<string, string> = { '3.4.30': '12', '3.4.31': '13', '3.4.32': '13.2', '3.4.33': '14' };

const newer = (a: string, b: string): boolean => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

/**
 * What the compiled addons need of the C library and libstdc++ (the highest symbol versions readelf finds), for
 * Depends: an addon compiled on a newer Debian than the target's would not load there, and dpkg should say so
 * before the cart starts.
 */
export async function sharedLibraryNeeds(release: string): Promise<{ libc6: string; libstdcxx6: string | null }> {
  let glibc = '2.17';
  let glibcxx: string | null = null;
  for await (const path of files(release)) {
    if (!path.endsWith('.node')) continue;
    const symbols = await run('readelf', ['--dyn-syms', '--wide', path], { capture: true });
    for (const m of symbols.matchAll(/@(GLIBC|GLIBCXX)_([\d.]+)/g)) {
      if (m[1] === 'GLIBC' && newer(m[2]!, glibc)) glibc = m[2]!;
      if (m[1] === 'GLIBCXX' && (glibcxx === null || newer(m[2]!, glibcxx))) glibcxx = m[2]!;
    }
  }
  const libstdcxx6 = glibcxx === null ? null : (GLIBCXX_PACKAGE[glibcxx] ?? (newer(glibcxx, '3.4.33') ? '15' : '5'));
  return { libc6: glibc, libstdcxx6 };
}

function controlText(s: DebSpec, info: RoleInfo, kib: number, needs: { libc6: string; libstdcxx6: string | null }): string {
  const other = s.role === 'unit' ? 'loa-controller' : 'loa-unit';
  const lines = [
    `Package: loa-${s.role}`,
    `Version: ${s.version}`,
    `Architecture: ${s.arch}`,
    'Maintainer: Loa developers <loa@loa.invalid>',
    `Installed-Size: ${kib}`,
    // node >= 20.17 for the program; the C library and libstdc++ the compiled addons were linked against.
    `Depends: nodejs (>= 20.17), adduser, libc6 (>= ${needs.libc6})${needs.libstdcxx6 ? `, libstdc++6 (>= ${needs.libstdcxx6})` : ''}`,
    ...(info.recommends.length ? [`Recommends: ${info.recommends.join(', ')}`] : []),
    ...(info.suggests.length ? [`Suggests: ${info.suggests.join(', ')}`] : []),
    // Both ship /usr/bin/loa; the controller's package holds every command a technician's laptop needs.
    `Conflicts: ${other}`,
    'Section: misc',
    'Priority: optional',
    `Description: ${info.summary}`,
    ...info.description.split('\n').map((l) => ` ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Builds the package into `outDir`; returns its path. */
export async function buildDeb(s: DebSpec): Promise<string> {
  const info = ROLES[s.role];
  const p = (rel: string): string => join(s.repo, 'packaging', rel);
  const root = s.staging;
  await rm(root, { recursive: true, force: true });
  await layRelease(s, info, join(root, 'usr', 'lib', 'loa', s.version));

  const service = `loa-${s.role}.service`;
  const configs = [s.role, ...info.extraConfigs];
  const conffiles = configs.map((name) => `/etc/loa/${name}.json`);
  const values = {
    PACKAGE: `loa-${s.role}`,
    VERSION: s.version,
    ROLE: s.role,
    SERVICE: service,
    ALSO_RUNS: info.alsoRuns.join(' '),
    EXTRA_CONFIGS: conffiles.slice(1).join(' '),
    GROUPS: info.groups.join(' '),
    NEXT_VI: info.next.vi,
    NEXT_EN: info.next.en,
  };
  await writeText(join(root, 'usr', 'bin', 'loa'), fill(await readFile(p('debian/loa'), 'utf8'), values), 0o755);
  for (const unit of [service, ...info.extraUnits]) {
    if (existsSync(p(`systemd/${unit}`))) await writeText(join(root, 'usr', 'lib', 'systemd', 'system', unit), await readFile(p(`systemd/${unit}`), 'utf8'));
  }
  for (const name of configs) await writeText(join(root, 'etc', 'loa', `${name}.json`), await readFile(p(`etc/${name}.json`), 'utf8'));
  const doc = join(root, 'usr', 'share', 'doc', `loa-${s.role}`);
  await writeText(join(doc, 'copyright'), await readFile(p('debian/copyright'), 'utf8'));
  const changelog = `loa (${s.version}) unstable; urgency=medium\n\n  * Release ${s.version}; see the project's history for what changed.\n\n -- Loa developers <loa@loa.invalid>  ${s.date.toUTCString().replace('GMT', '+0000')}\n`;
  await writeText(join(doc, 'changelog.gz'), '');
  await writeFile(join(doc, 'changelog.gz'), gzipSync(changelog, { level: 9 }));
  await writeText(join(root, 'usr', 'share', 'lintian', 'overrides', `loa-${s.role}`), fill(await readFile(p('debian/lintian-overrides'), 'utf8'), { ...values, PACKAGE: `loa-${s.role}` }));
  await mkdir(join(root, 'usr', 'share', 'man', 'man1'), { recursive: true });
  await writeFile(join(root, 'usr', 'share', 'man', 'man1', 'loa.1.gz'), gzipSync(await readFile(p('loa.1')), { level: 9 }));

  const debian = join(root, 'DEBIAN');
  for (const script of ['postinst', 'prerm', 'postrm']) await writeText(join(debian, script), fill(await readFile(p(`debian/${script}`), 'utf8'), values), 0o755);
  await writeText(join(debian, 'conffiles'), `${conffiles.join('\n')}\n`);
  const sums: string[] = [];
  for await (const path of files(root)) {
    const rel = relative(root, path);
    if (rel.startsWith('DEBIAN') || rel.startsWith('etc/')) continue;
    sums.push(`${await md5(path)}  ${rel}`);
  }
  await writeText(join(debian, 'md5sums'), `${sums.sort().join('\n')}\n`);
  const needs = await sharedLibraryNeeds(join(root, 'usr', 'lib', 'loa', s.version));
  await writeText(join(debian, 'control'), controlText(s, info, await installedKiB(root), needs));

  await mkdir(s.outDir, { recursive: true });
  const out = join(s.outDir, debName(s.role, s.version, s.arch));
  await run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { capture: true });
  return out;
}
