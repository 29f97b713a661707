// `loa unit run` and `loa controller run` as systemd runs them (Type=notify, WatchdogSec=, stdout to the journal):
// the compiled program in a child process, a fake NOTIFY_SOCKET (socat on a unix datagram socket) and JOURNAL_STREAM
// set. READY=1 comes once the program can work (the cart answers on its control socket, the controller's HTTP
// server answers), the watchdog pings, STOPPING=1 comes on SIGTERM, and every log line starts with its syslog
// priority.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeSystemd, startUnderSystemd, systemdBuilt, type Cleanups } from '../support/fake-systemd.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';

if (!systemdBuilt) console.warn('[skip] dist/ or the loa-sd-notify addon is not built (npm ci and npm run build make them): the systemd notification tests of loa unit run and loa controller run are skipped.');

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!systemdBuilt || missing('socat'))('loa controller run under systemd', () => {
  it('says READY once HTTP answers, with LOA_CONTROLLER_CONFIG as its configuration, then STOPPING on SIGTERM', async () => {
    const { dir, socketPath, received } = await fakeSystemd(cleanups, 'loa-systemd-');
    const config = join(dir, 'controller.json');
    writeFileSync(config, JSON.stringify({ district: { id: 'hau-loc', name: 'Hậu Lộc' }, dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } }));
    const ctl = startUnderSystemd(cleanups, ['controller', 'run'], socketPath, { LOA_CONTROLLER_CONFIG: config });
    await until(() => received().includes('READY=1'), 'READY=1 from the controller', 20_000);
    const url = /HTTP (http:\/\/127\.0\.0\.1:\d+)/.exec(received())?.[1];
    expect(received()).toMatch(/^READY=1\nSTATUS=Bộ điều khiển Hậu Lộc đang chạy, HTTP http:/);
    expect((await fetch(`${url}/api/openapi.json`)).status).toBe(200);
    await sleep(500);
    expect(received().match(/WATCHDOG=1/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    ctl.child.kill('SIGTERM');
    expect(await ctl.exited, ctl.stderr()).toBe(0);
    await until(() => received().includes('STOPPING=1'), 'STOPPING=1', 2000);
    for (const line of ctl.stdout().trimEnd().split('\n')) expect(line).toMatch(/^<[3467]>\{"t":/);
  });
});

describe.skipIf(!systemdBuilt || missing('socat'))('loa unit run under systemd', () => {
  it('says READY once the cart answers, pings the watchdog, says STOPPING on SIGTERM, and prefixes log lines', async () => {
    const { dir, socketPath, received } = await fakeSystemd(cleanups, 'loa-systemd-');
    const data = join(dir, 'data');
    const cart = startUnderSystemd(cleanups, ['unit', 'run', '--sim', '--data', data], socketPath);
    await until(() => received().includes('READY=1'), 'READY=1 from the cart', 15_000);
    // READY only after runCart resolved: the control socket is there already.
    expect(existsSync(join(data, 'control.sock'))).toBe(true);
    expect(received()).toMatch(/^READY=1\nSTATUS=Xe .+ đang chạy \(mô phỏng\)/);
    await sleep(700);
    expect(received().match(/WATCHDOG=1/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(received()).not.toContain('STOPPING=1');

    cart.child.kill('SIGTERM');
    expect(await cart.exited, cart.stderr()).toBe(0);
    await until(() => received().includes('STOPPING=1'), 'STOPPING=1', 2000);
    const lines = cart.stdout().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(/^<[3467]>\{"t":/);
  });
});
