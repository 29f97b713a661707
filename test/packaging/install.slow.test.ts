// The Debian packages, built for this machine's architecture and followed along the technician's path in throwaway
// Debian trixie roots (Node.js 20 from Debian, nothing of this machine's): install, configure, provision, self-test,
// start as the installed unit file says, the cart online at the district, stop, upgrade, remove, purge — and the
// data in /var/lib/loa untouched through all of it. systemd itself cannot run here, so each service is started as
// its unit file says (User=, Environment=, ExecStartPre=, ExecStart=) with a NOTIFY_SOCKET that this test reads.
//
// Slow (minutes: the packages' native addons are compiled, a root is made once with mmdebstrap and cached in
// /var/cache/loa-package): not in `npm test`; `npm run test:package` runs it, and .ci/run does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRoot, enterRoot, ensureRoot, removeRoot, rootEnv } from '../../tools/package/roots.js';
import { freePort } from '../support/net.js';
import { missing } from '../support/tools.js';

const repo = join(import.meta.dirname, '..', '..');
/** The province hub's units, shipped in loa-controller and enabled by nobody but the technician. */
const PROVINCE_UNITS = ['loa-province.service', 'loa-province-mosquitto-reload.path', 'loa-province-mosquitto-reload.service'];
const isRoot = process.getuid?.() === 0;
const lacking = !isRoot || ['dpkg-deb', 'mmdebstrap', 'socat', 'systemd-analyze', 'chroot'].some((t) => missing(t));
if (!isRoot) console.warn('[skip] the package tests install into chroot roots and need root (CI runs as root).');
if (!existsSync(join(repo, 'dist', 'tools', 'package', 'main.js'))) console.warn('[skip] run `npm run build` first: the package is made from dist/.');
const skip = lacking || !existsSync(join(repo, 'dist', 'tools', 'package', 'main.js'));

let work: string;
let packages: string;
const deb = (role: string): string => join(packages, spawnSync('sh', ['-c', `ls ${packages} | grep '^loa-${role}_'`], { encoding: 'utf8' }).stdout.trim());

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A command inside `root` (/proc mounted for it), its exit code and output. */
async function inRoot(root: string, script: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const leave = await enterRoot(root);
  try {
    return sh('chroot', [root, '/bin/sh', '-c', script], rootEnv(env));
  } finally {
    await leave();
  }
}

/** What the installed unit file says: its Environment= pairs, ExecStartPre= and ExecStart= lines, User=. */
async function unitFile(root: string, name: string): Promise<{ env: Record<string, string>; pre: string[]; start: string; user: string }> {
  const text = await readFile(join(root, 'usr', 'lib', 'systemd', 'system', name), 'utf8');
  const values = (key: string): string[] => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
  const env = Object.fromEntries(values('Environment').flatMap((l) => l.split(' ')).map((kv) => kv.split('=') as [string, string]));
  return { env, pre: values('ExecStartPre'), start: values('ExecStart')[0]!, user: values('User')[0]! };
}

/** A datagram listener standing in for systemd's notify socket, at `path` inside a root. */
function notifySocket(path: string): { lines: string[]; stop(): void; until(line: string, ms: number): Promise<void> } {
  const lines: string[] = [];
  const socat = spawn('socat', ['-u', `UNIX-RECV:${path},unlink-early,mode=777`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
  socat.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return {
    lines,
    stop: () => socat.kill(),
    until: async (line, ms) => {
      const end = Date.now() + ms;
      while (!lines.includes(line)) {
        if (Date.now() > end) throw new Error(`no ${line} on the notify socket within ${ms} ms (got ${lines.join(', ') || 'nothing'})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Starts a service's ExecStart as its user in `root`, as systemd would (Environment=, NOTIFY_SOCKET). */
async function startService(root: string, unit: Awaited<ReturnType<typeof unitFile>>, extraArgs: string[]): Promise<{ child: ChildProcess; output: () => string; stop(): Promise<number | null> }> {
  const leave = await enterRoot(root);
  const env = rootEnv({ ...unit.env, NOTIFY_SOCKET: '/run/loa-notify', WATCHDOG_USEC: '30000000' });
  const child = spawn('chroot', [root, 'setpriv', `--reuid=${unit.user}`, `--regid=${unit.user}`, '--init-groups', ...unit.start.split(' '), ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      await leave();
      return code;
    },
  };
}

/** A hash of every file under `dir`, by path: what "untouched" is checked against. */
async function treeHash(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

/** The hub's process exit code and output, started as loa-province.service says (it stops before READY here). */
async function provinceRun(root: string): Promise<{ code: number | null; out: string }> {
  const hub = await startService(root, await unitFile(root, 'loa-province.service'), []);
  const code = await new Promise<number | null>((resolve) => hub.child.once('exit', resolve));
  await hub.stop();
  return { code, out: hub.output() };
}

/**
 * Just installed, the province hub is enabled by nothing, its configuration is readable by loa and nobody else, and
 * started as its unit file says it stops with its own message and exit code 2 (no restart: RestartPreventExitStatus)
 * when that configuration has no broker yet or is missing. Its commands, run by root, give its data back to loa.
 */
async function checkProvinceHub(root: string): Promise<void> {
  // Enabling makes links under /etc (deb-systemd-helper makes them even where systemd does not run, as here).
  const enabled = await inRoot(root, "find /etc -name 'loa-*'");
  expect(enabled.code, enabled.out).toBe(0);
  expect(enabled.out, 'postinst enables nothing').toBe('');
  expect((await inRoot(root, 'stat -c "%U:%G %a" /etc/loa/province.json')).out.trim()).toBe('root:loa 640');
  const noBroker = await provinceRun(root);
  expect(noBroker.code, noBroker.out).toBe(2);
  expect(noBroker.out).toContain('cấu hình chưa có "broker"');
  expect((await inRoot(root, 'mv /etc/loa/province.json /etc/loa/province.json.kept')).code).toBe(0);
  const noFile = await provinceRun(root);
  expect((await inRoot(root, 'mv /etc/loa/province.json.kept /etc/loa/province.json')).code).toBe(0);
  expect(noFile.code, noFile.out).toBe(2);
  expect(noFile.out).toContain('không đọc được /etc/loa/province.json (ENOENT)');
  const key = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  const added = await inRoot(root, `loa province area add trieu-son --name "Triệu Sơn" --key ${key} --config /etc/loa/province.json`);
  expect(added.code, added.out).toBe(0);
  expect(existsSync(join(root, 'var', 'lib', 'loa', 'province', 'province.db'))).toBe(true);
  expect((await inRoot(root, 'find /var/lib/loa/province ! -user loa')).out, 'files left to root').toBe('');
}

describe.skipIf(skip)('the Debian packages on a throwaway Debian trixie root', () => {
  let controllerRoot: string;
  let unitRoot: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'loa-package-'));
    packages = join(work, 'packages');
    // The release bundle at brotli quality 5: the packaging is under test here, not the compression (55 s at 11).
    const built = sh('node', [join(repo, 'dist', 'tools', 'package', 'main.js'), '--out', packages], { ...process.env, LOA_RELEASE_QUALITY: '5' });
    if (built.code !== 0) throw new Error(`npm run package failed:\n${built.out}`);
    console.log(built.out.split('\n').filter((l) => l.includes('MiB') || l.includes(': ')).join('\n'));
    const clean = await ensureRoot({ arch: 'amd64', suite: 'trixie', include: ['nodejs', 'adduser', 'alsa-utils'], name: 'trixie-amd64-clean' });
    controllerRoot = await copyRoot(clean, join(work, 'controller-root'));
    unitRoot = await copyRoot(clean, join(work, 'unit-root'));
  }, 900_000);

  afterAll(async () => {
    if (controllerRoot) await removeRoot(controllerRoot);
    if (unitRoot) await removeRoot(unitRoot);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('have the fields, files and permissions a Debian administrator expects', () => {
    for (const role of ['unit', 'controller']) {
      const info = sh('dpkg-deb', ['--info', deb(role)]).out;
      expect(info).toContain(`Package: loa-${role}`);
      expect(info).toMatch(/Depends: nodejs \(>= 20\.17\)/);
      const contents = sh('dpkg-deb', ['--contents', deb(role)]).out;
      for (const path of ['./usr/bin/loa', `./usr/lib/systemd/system/loa-${role}.service`, `./etc/loa/${role}.json`, './usr/lib/loa/0.1.0/dist/cli/loa.js', './usr/share/man/man1/loa.1.gz', `./usr/share/doc/loa-${role}/copyright`]) {
        expect(contents, path).toContain(path);
      }
      expect(contents).not.toContain('./var/lib/loa');
      expect(contents).not.toMatch(/\.map\n|\.d\.ts\n|node-gyp\//);
      expect(contents).toMatch(/-rw-r--r-- root\/root .*sqlite3\/build\/Release\/node_sqlite3\.node/);
      expect(sh('dpkg-deb', ['--field', deb(role), 'Conffiles']).out + sh('sh', ['-c', `dpkg-deb --ctrl-tarfile ${deb(role)} | tar -xO ./conffiles`]).out).toContain(`/etc/loa/${role}.json`);
    }
    // The province hub beside the controller: its units and its configuration (a conffile), none of it on a cart.
    const controller = sh('dpkg-deb', ['--contents', deb('controller')]).out;
    for (const path of [...PROVINCE_UNITS.map((u) => `usr/lib/systemd/system/${u}`), 'etc/loa/province.json']) {
      expect(controller, path).toMatch(new RegExp(`^-rw-r--r-- root/root .* \\./${path.replace(/\./g, '\\.')}$`, 'm'));
    }
    expect(sh('sh', ['-c', `dpkg-deb --ctrl-tarfile ${deb('controller')} | tar -xO ./conffiles`]).out.split('\n')).toContain('/etc/loa/province.json');
    expect(sh('dpkg-deb', ['--contents', deb('unit')]).out).not.toMatch(/loa-province|etc\/loa\/province/);
  });

  it.skipIf(missing('lintian'))('are lintian clean: no error, no warning', () => {
    for (const role of ['unit', 'controller']) {
      const r = sh('lintian', ['--tag-display-limit', '0', deb(role)]);
      const tags = r.out.split('\n').filter((l) => /^[EW]: /.test(l));
      expect(tags, r.out).toEqual([]);
    }
  });

  it('hold unit files that systemd-analyze verifies, and says how exposed they are', async () => {
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
    // The targets the units refer to, as systemd-analyze --root looks them up.
    sh('sh', ['-c', `cp /lib/systemd/system/*.target ${tree}/usr/lib/systemd/system/`]);
    for (const role of ['unit', 'controller']) expect(sh('dpkg-deb', ['-x', deb(role), tree]).code).toBe(0);
    for (const service of ['loa-unit.service', 'loa-controller.service', 'loa-province.service']) {
      const r = sh('systemd-analyze', ['verify', '--man=no', `--root=${tree}`, service]);
      // systemd before 254 (bookworm's 252) does not know the back-off keys and says so; nothing else may be said.
      const other = r.out.split('\n').filter((l) => l && !/Unknown key '(RestartSteps|RestartMaxDelaySec)'/.test(l));
      expect(other, r.out).toEqual([]);
      expect(r.code).toBe(0);
      const security = sh('systemd-analyze', ['security', '--offline=true', join(tree, 'usr', 'lib', 'systemd', 'system', service)]).out;
      const score = Number(/Overall exposure level for [^:]+: ([\d.]+)/.exec(security)?.[1]);
      console.log(`systemd-analyze security ${service}: ${score}`);
      expect(score).toBeLessThanOrEqual(3);
    }
  });

  it('follow the technician\'s path: install, provision, self-test, start, online at the district, stop, upgrade, remove, purge', async () => {
    // The district PC: the controller package, its configuration edited for this test's free ports.
    await cp(deb('controller'), join(controllerRoot, 'tmp', 'loa-controller.deb'));
    const installed = await inRoot(controllerRoot, 'dpkg -i /tmp/loa-controller.deb');
    expect(installed.code, installed.out).toBe(0);
    expect(installed.out).toContain('loa controller user add');
    expect((await inRoot(controllerRoot, 'id loa')).out).toMatch(/uid=\d+\(loa\)/);
    await checkProvinceHub(controllerRoot);
    const [mqtt, http] = [await freePort(), await freePort()];
    const config = JSON.parse(await readFile(join(controllerRoot, 'etc', 'loa', 'controller.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(controllerRoot, 'etc', 'loa', 'controller.json'), JSON.stringify({ ...config, broker: { embedded: { port: mqtt, host: '127.0.0.1' } }, http: { port: http, host: '127.0.0.1' } }, null, 2));
    const controllerUnit = await unitFile(controllerRoot, 'loa-controller.service');
    const controllerNotify = notifySocket(join(controllerRoot, 'run', 'loa-notify'));
    const controller = await startService(controllerRoot, controllerUnit, []);
    try {
      await controllerNotify.until('READY=1', 120_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${controller.output()}`);
      });
      // The technician registers the cart at the district (as root, with sudo) and carries its bundle over.
      const add = await inRoot(controllerRoot, 'loa controller unit add dan-luc-01 --commune dan-luc --team dan-luc-ttt --out /tmp/dan-luc-01.loa --allow-loopback');
      expect(add.code, add.out).toBe(0);
      await cp(join(controllerRoot, 'tmp', 'dan-luc-01.loa'), join(unitRoot, 'tmp', 'dan-luc-01.loa'));

      // The cart: the unit package, provisioned, self-tested, started as its unit file says.
      await cp(deb('unit'), join(unitRoot, 'tmp', 'loa-unit.deb'));
      const unitInstalled = await inRoot(unitRoot, 'dpkg -i /tmp/loa-unit.deb');
      expect(unitInstalled.code, unitInstalled.out).toBe(0);
      expect((await inRoot(unitRoot, 'id -nG loa')).out).toMatch(/audio/);
      const provisioned = await inRoot(unitRoot, 'loa unit provision --bundle /tmp/dan-luc-01.loa');
      expect(provisioned.code, provisioned.out).toBe(0);
      expect(existsSync(join(unitRoot, 'var', 'lib', 'loa', 'unit'))).toBe(true);
      const selftest = await inRoot(unitRoot, 'loa unit selftest --sim');
      expect(selftest.code, selftest.out).toBe(0);
      // What systemd does before the start: StateDirectory= gives files the technician made as root to loa.
      expect((await inRoot(unitRoot, 'chown -R loa:loa /var/lib/loa/unit')).code).toBe(0);
      const unitUnit = await unitFile(unitRoot, 'loa-unit.service');
      expect(unitUnit.pre).toEqual(['-/usr/bin/loa unit relay off']);
      const unitNotify = notifySocket(join(unitRoot, 'run', 'loa-notify'));
      // There is no Pi here: the cart runs its simulated hardware, with the real bundle and the real link.
      const cart = await startService(unitRoot, unitUnit, ['--sim']);
      try {
        await unitNotify.until('READY=1', 120_000).catch((err: Error) => {
          throw new Error(`${err.message}\n${cart.output()}`);
        });
        let online = false;
        for (let i = 0; i < 60 && !online; i++) {
          const list = await inRoot(controllerRoot, 'loa controller unit list --json');
          online = (JSON.parse(list.out) as { id: string; online: boolean }[]).some((u) => u.id === 'dan-luc-01' && u.online);
          if (!online) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(online, 'the cart shows up online at the district').toBe(true);
        const status = await inRoot(unitRoot, 'loa unit status --json');
        expect(status.code, status.out).toBe(0);
        expect(JSON.parse(status.out)).toMatchObject({ unit: 'dan-luc-01' });
      } finally {
        expect(await cart.stop()).toBe(0);
        unitNotify.stop();
      }
      expect(unitNotify.lines).toContain('STOPPING=1');
    } finally {
      expect(await controller.stop()).toBe(0);
      controllerNotify.stop();
    }
    expect(controllerNotify.lines).toContain('STOPPING=1');

    // Upgrade (the same version again), remove and purge: the cart's records stay exactly as they were.
    const data = join(unitRoot, 'var', 'lib', 'loa', 'unit');
    const before = await treeHash(data);
    expect(Object.keys(before)).toContain('/cart.db');
    expect((await inRoot(unitRoot, 'dpkg -i /tmp/loa-unit.deb')).code).toBe(0);
    expect((await inRoot(unitRoot, 'dpkg -r loa-unit')).code).toBe(0);
    expect(await treeHash(data)).toEqual(before);
    expect(existsSync(join(unitRoot, 'etc', 'loa', 'unit.json')), 'a removed package keeps its configuration').toBe(true);
    const purged = await inRoot(unitRoot, 'dpkg -P loa-unit < /dev/null');
    expect(purged.code, purged.out).toBe(0);
    expect(purged.out).toContain('/var/lib/loa');
    expect(await treeHash(data)).toEqual(before);
    expect(existsSync(join(unitRoot, 'etc', 'loa', 'unit.json'))).toBe(false);
    expect(existsSync(join(unitRoot, 'usr', 'bin', 'loa'))).toBe(false);
  }, 600_000);
});
