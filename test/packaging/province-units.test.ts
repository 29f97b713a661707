// The province hub's units in loa-controller: loa-province.service runs `loa province run` as the controller runs,
// with the controller's hardening, on the data folder the shipped /etc/loa/province.json names; the reload pair watches
// the very files `loa province mosquitto-setup` writes by default. systemd's own checker accepts all three without a
// warning (it exits 0 on most warnings, so its output must be empty too). The packages themselves, with these files
// in them and installed, are checked by install.slow.test.ts.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HUB_BROKER_DEFAULTS } from '../../controller/province/hub-broker-setup.js';
import { loadHubConfig } from '../../controller/province/hub-config.js';
import { missing } from '../support/tools.js';
import { unitSettings as settings } from '../support/unit-files.js';

const PACKAGING = join(import.meta.dirname, '../../packaging');
const DIR = join(PACKAGING, 'systemd');
const HUB = join(DIR, 'loa-province.service');
const PATH_UNIT = join(DIR, 'loa-province-mosquitto-reload.path');
const RELOAD = join(DIR, 'loa-province-mosquitto-reload.service');

/** What systemd-analyze said, but for what systemd 252 (bookworm) says of the back-off keys it does not know. */
function said(run: ReturnType<typeof spawnSync>): string[] {
  return `${String(run.stdout)}${String(run.stderr)}`.split('\n').filter((l) => l.trim() !== '' && !/Unknown key '(RestartSteps|RestartMaxDelaySec)'/.test(l));
}

let tree: string | undefined;
afterAll(async () => {
  if (tree) await rm(tree, { recursive: true, force: true });
});

describe('loa-province.service', () => {
  it('runs the hub as loa under Type=notify with a watchdog, on the data folder of the shipped configuration', async () => {
    const s = await settings(HUB);
    for (const pair of [
      ['Type', 'notify'],
      ['NotifyAccess', 'main'],
      ['User', 'loa'],
      ['ExecStart', '/usr/bin/loa province run --config /etc/loa/province.json'],
      ['WatchdogSec', '30'],
      ['Restart', 'on-failure'],
      ['RestartPreventExitStatus', '2'],
      ['StateDirectory', 'loa/province'],
    ] as const) {
      expect(s).toContainEqual(pair);
    }
    const config = await loadHubConfig(join(PACKAGING, 'etc', 'province.json'));
    expect(config.dataDir).toBe('/var/lib/loa/province');
    expect(config.broker, 'no broker until mosquitto-setup: the service refuses to start').toBeNull();
  });

  it("keeps every hardening setting of loa-controller.service that is not about the controller's serial ports", async () => {
    const hub = await settings(HUB);
    const controller = await settings(join(DIR, 'loa-controller.service'));
    const hardening = /^(Protect|Private|Restrict|NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|LockPersonality|RemoveIPC|SystemCall|UMask)/;
    const wanted = controller.filter(([k, v]) => hardening.test(k) && !(k === 'PrivateDevices' && v === 'no'));
    for (const pair of wanted) expect(hub).toContainEqual(pair);
    expect(hub).toContainEqual(['PrivateDevices', 'yes']);
  });

  // In a root holding stand-ins for /usr/bin/loa (verify checks that ExecStart's program exists) and sysinit.target
  // (every service is ordered after it), nothing of this machine's; `--man=no`: loa(1) is installed by the package.
  it.skipIf(missing('systemd-analyze'))('passes systemd-analyze verify without a warning', async () => {
    tree = await mkdtemp(join(tmpdir(), 'loa-province-units-'));
    await mkdir(join(tree, 'usr', 'bin'), { recursive: true });
    await mkdir(join(tree, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
    await writeFile(join(tree, 'usr', 'bin', 'loa'), '#!/bin/sh\n');
    await chmod(join(tree, 'usr', 'bin', 'loa'), 0o755);
    await writeFile(join(tree, 'usr', 'lib', 'systemd', 'system', 'sysinit.target'), '[Unit]\nDescription=stand-in\n');
    await copyFile(HUB, join(tree, 'usr', 'lib', 'systemd', 'system', 'loa-province.service'));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${tree}`, 'loa-province.service'], { encoding: 'utf8' });
    expect(said(run), said(run).join('\n')).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });
});

describe('loa-province-mosquitto-reload.path and .service', () => {
  it('watch the password and ACL files province mosquitto-setup writes, and start the reload service', async () => {
    const path = await settings(PATH_UNIT);
    const files = HUB_BROKER_DEFAULTS.filesDir;
    expect(path.filter(([k]) => k === 'PathChanged').map(([, v]) => v)).toEqual([join(files, 'passwd'), join(files, 'acl')]);
    expect(path).toContainEqual(['Unit', 'loa-province-mosquitto-reload.service']);
    const service = await settings(RELOAD);
    expect(service).toContainEqual(['Type', 'oneshot']);
    expect(service).toContainEqual(['ExecStart', '/bin/systemctl try-reload-or-restart mosquitto.service']);
  });

  it.skipIf(missing('systemd-analyze'))('pass systemd-analyze verify without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', PATH_UNIT, RELOAD], { encoding: 'utf8' });
    // Only a machine without Mosquitto may say its unit is not found; nothing else is let through.
    const lines = said(run).filter((l) => !/mosquitto\.service.*not found/i.test(l));
    expect(lines, lines.join('\n')).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });
});
