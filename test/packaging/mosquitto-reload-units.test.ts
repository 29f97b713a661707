// The two units that reload Mosquitto when Loa rewrites its files: systemd's own checker accepts them without a
// warning (it exits 0 on most warnings, so its output must be empty too), and they watch the very files
// `loa controller mosquitto-setup` writes by default.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOSQUITTO_DEFAULTS } from '../../cli/controller-mosquitto.js';
import { mosquittoTlsPaths } from '../../controller/broker/mosquitto-files.js';
import { setupPaths } from '../../controller/broker/mosquitto-setup.js';
import { missing } from '../support/tools.js';
import { unitSettings as settings } from '../support/unit-files.js';

const DIR = join(import.meta.dirname, '../../packaging/systemd');
const PATH_UNIT = join(DIR, 'loa-mosquitto-reload.path');
const SERVICE = join(DIR, 'loa-mosquitto-reload.service');

describe('loa-mosquitto-reload.path and .service', () => {
  it('watch the password, ACL and revocation files mosquitto-setup writes, and start the reload service', async () => {
    const path = await settings(PATH_UNIT);
    const p = setupPaths(MOSQUITTO_DEFAULTS.filesDir, MOSQUITTO_DEFAULTS.confDir);
    expect(path.filter(([k]) => k === 'PathChanged').map(([, v]) => v)).toEqual([p.passwordFile, p.aclFile, mosquittoTlsPaths(p.tlsDir).crl]);
    expect(path).toContainEqual(['Unit', 'loa-mosquitto-reload.service']);
    const service = await settings(SERVICE);
    expect(service).toContainEqual(['Type', 'oneshot']);
    expect(service).toContainEqual(['ExecStart', '/bin/systemctl try-reload-or-restart mosquitto.service']);
  });

  // Debian's systemd-analyze; `--man=no`: loa(1) is installed by the package, not on the machine running the tests.
  it.skipIf(missing('systemd-analyze'))('pass systemd-analyze verify without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', PATH_UNIT, SERVICE], { encoding: 'utf8' });
    // Only a machine without Mosquitto may say its unit is not found; nothing else is let through.
    const said = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '' && !/mosquitto\.service.*not found/i.test(l));
    expect(said, said.join('\n')).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });
});
