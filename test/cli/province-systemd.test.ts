// `loa province run` as loa-province.service runs it (Type=notify, WatchdogSec=, stdout to the journal): the compiled
// program in a child process, a real Mosquitto as the hub's broker, a fake NOTIFY_SOCKET (socat on a unix datagram
// socket). READY=1 comes once the hub is connected and its province view answers, the watchdog pings, STOPPING=1
// comes on SIGTERM; a missing configuration file stops it before READY with the hub's own message and exit code 2
// (the unit's RestartPreventExitStatus=2: starting again cannot fix it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto } from '../support/mosquitto.js';
import { fakeSystemd, startUnderSystemd, systemdBuilt, type Cleanups } from '../support/fake-systemd.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';

if (!systemdBuilt) console.warn('[skip] dist/ or the loa-sd-notify addon is not built (npm ci and npm run build make them): the systemd notification tests of loa province run are skipped.');

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!systemdBuilt || missing('socat'))('loa province run under systemd', () => {
  it.skipIf(missing('mosquitto'))('says READY once connected and its view answers, pings the watchdog, then STOPPING on SIGTERM', async () => {
    const { dir, socketPath, received } = await fakeSystemd(cleanups, 'loa-province-systemd-');
    const broker = await startMosquitto({ dir, conf: (port) => `listener ${port} 127.0.0.1\nallow_anonymous true\n` });
    cleanups.push(() => broker.stop());
    const config = join(dir, 'province.json');
    writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'province'), broker: { url: broker.url, username: 'loa_hub', password: 'hub-password-1' }, http: { host: '127.0.0.1', port: 0 } }));
    const hub = startUnderSystemd(cleanups, ['province', 'run', '--config', config], socketPath);
    await until(() => received().includes('READY=1') || hub.child.exitCode !== null, 'READY=1 from the hub', 20_000);
    expect(received(), hub.stderr()).toMatch(/^READY=1\nSTATUS=Trung tâm tỉnh đang chạy, 0 khu vực, trang http:\/\/127\.0\.0\.1:\d+\//);
    const page = /trang (http:\/\/127\.0\.0\.1:\d+\/)/.exec(received())![1]!;
    expect((await fetch(page)).status).toBe(200);
    await sleep(500);
    expect(received().match(/WATCHDOG=1/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(received()).not.toContain('STOPPING=1');

    hub.child.kill('SIGTERM');
    expect(await hub.exited, hub.stderr()).toBe(0);
    await until(() => received().includes('STOPPING=1'), 'STOPPING=1', 2000);
    for (const line of hub.stdout().trimEnd().split('\n').filter(Boolean)) expect(line).toMatch(/^<[3467]>\{"t":/);
  });

  it('stops before READY with exit code 2 and the configuration file it could not read when the file is missing', async () => {
    const { dir, socketPath, received } = await fakeSystemd(cleanups, 'loa-province-systemd-');
    const config = join(dir, 'province.json');
    const hub = startUnderSystemd(cleanups, ['province', 'run', '--config', config], socketPath);
    expect(await hub.exited).toBe(2);
    expect(hub.stderr()).toContain(`không đọc được ${config} (ENOENT)`);
    expect(hub.stderr()).not.toMatch(/\n\s+at /);
    await sleep(100);
    expect(received()).toBe('');
  });
});
