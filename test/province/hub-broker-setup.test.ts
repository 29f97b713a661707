// The hub's Mosquitto written by Loa (issue 17): `loa province area add` / `area password` print an area's password
// once and keep only its hash; `loa province mosquitto-setup` writes the password file, ACL and conf.d/loa-hub.conf
// into temp folders and switches the configuration's broker, keeping its other keys; a foreign loa-hub.conf is
// refused; an existing hub database migrates. Then a real Mosquitto started from the written snippet: each area
// writes only its own summaries, the hub's account reads them, a wrong password is refused, and a password made by
// `area add` or `area password` after the setup works (and the old one stops) once Mosquitto got SIGHUP.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HUB_USER, hubAclText } from '../../controller/province/bridge-conf.js';
import { HUB_CONF_MARKER, setUpHubBroker } from '../../controller/province/hub-broker-setup.js';
import { areaAccountRows, brokerRow, openHubDb, PROVINCE_MIGRATIONS } from '../../controller/province/hub-db.js';
import { migrateArea, areaVersion } from '../../controller/db/database.js';
import { verifyMosquittoHash } from '../../controller/fleet/passwords.js';
import { SqliteDb } from '../../lib/sqlite.js';
import { runLoa } from '../support/cli.js';
import { startMosquitto, type RunningMosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';
import { districtTls } from '../support/district-tls.js';
import { missing } from '../support/tools.js';
import { until } from '../support/wait.js';
import { client } from './brokers.js';
import { areaKey } from './hub-fakes.js';

let dir: string;
const paths = () => ({ data: join(dir, 'hub'), confDir: join(dir, 'conf.d'), files: join(dir, 'files'), config: join(dir, 'province.json') });
const CONFIG = { dataDir: '', http: null, heading: { province: 'Thanh Hóa' } };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-hub-broker-'));
  await mkdir(paths().confDir);
  await writeFile(paths().config, JSON.stringify({ ...CONFIG, dataDir: paths().data }, null, 2) + '\n', { mode: 0o644 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const addArea = (id: string, extra: string[] = []) => runLoa(['province', 'area', 'add', id, '--name', `Khu ${id}`, '--key', areaKey(id).publicHex, '--config', paths().config, ...extra]);
const setup = (extra: string[] = []) =>
  runLoa(['province', 'mosquitto-setup', '--config', paths().config, '--files', paths().files, '--conf-d', paths().confDir, '--host', '127.0.0.1', ...extra]);

/** The password a command printed: the line made of it alone. */
function printedPassword(stdout: string): string {
  const m = /^ {2}([A-Za-z0-9_-]{32})$/m.exec(stdout);
  if (!m) throw new Error(`no password printed in:\n${stdout}`);
  return m[1]!;
}

async function hashes(): Promise<Map<string, string>> {
  const db = await openHubDb(join(paths().data, 'province.db'));
  try {
    return new Map((await areaAccountRows(db)).map((r) => [r.id, r.mosquittoHash]));
  } finally {
    await db.close();
  }
}

describe('loa province area add / area password', () => {
  it('prints the password once with the bridge-setup line, and keeps only its hash', async () => {
    const add = await addArea('trieu-son');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const password = printedPassword(add.stdout);
    expect(add.stdout).toContain('Đã đăng ký khu vực trieu-son (Khu trieu-son).');
    expect(add.stdout).toContain('chỉ in lần này');
    expect(add.stdout).toContain('sudo loa controller bridge-setup --hub-host TÊN_MÁY_TRUNG_TÂM --hub-port 8883 --user trieu-son --password-file /root/hub-password --ca /etc/loa/hub-ca.crt');
    expect(add.stdout).toContain('sudo loa province mosquitto-setup');
    const hash = (await hashes()).get('trieu-son')!;
    expect(verifyMosquittoHash(password, hash)).toBe(true);
    const db = await readFile(join(paths().data, 'province.db'));
    expect(db.includes(password)).toBe(false);

    // Again (a key rotation): the account is kept, no password printed.
    const again = await addArea('trieu-son', ['--lang', 'en']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('keeps its password (a new one: loa province area password trieu-son)');
    expect(again.stdout).not.toMatch(/^ {2}[A-Za-z0-9_-]{32}$/m);
    expect((await hashes()).get('trieu-son')).toBe(hash);

    const renewed = await runLoa(['province', 'area', 'password', 'trieu-son', '--config', paths().config, '--lang', 'en']);
    expect(renewed.code, renewed.stderr).toBe(0);
    const next = printedPassword(renewed.stdout);
    expect(next).not.toBe(password);
    expect(renewed.stdout).toContain('The new MQTT password of area trieu-son at the hub (printed only now');
    expect(verifyMosquittoHash(next, (await hashes()).get('trieu-son')!)).toBe(true);
  });

  it('refuses a new password for an area it does not know, in one line (exit 2)', async () => {
    await addArea('trieu-son');
    const r = await runLoa(['province', 'area', 'password', 'nga-son', '--config', paths().config, '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('loa province area password: area nga-son is not registered: loa province area add nga-son … first\n');
  });
});

describe('loa province mosquitto-setup', () => {
  it('writes the three files, records them, and switches the broker keeping every other key', async () => {
    const before = await readFile(paths().config, 'utf8');
    const add = await addArea('trieu-son');
    const port = await freePort();
    const r = await setup(['--port', String(port), '--lang', 'en']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${join(paths().confDir, 'loa-hub.conf')}: port ${port} (127.0.0.1)`);
    expect(r.stdout).toContain('1 area(s) and the account loa_hub');
    expect(r.stdout).toContain('Next: systemctl restart mosquitto, then restart the hub');

    const conf = await readFile(join(paths().confDir, 'loa-hub.conf'), 'utf8');
    expect(conf.split('\n')[0]).toBe(HUB_CONF_MARKER);
    expect(conf).toContain(`listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${join(paths().files, 'passwd')}\nacl_file ${join(paths().files, 'acl')}\n`);
    expect(conf).not.toMatch(/^persistence/m);
    const passwd = await readFile(join(paths().files, 'passwd'), 'utf8');
    const hash = (await hashes()).get('trieu-son')!;
    expect(passwd.split('\n')).toEqual([expect.stringMatching(/^loa_hub:\$7\$/), `trieu-son:${hash}`, '']);
    expect(await readFile(join(paths().files, 'acl'), 'utf8')).toBe(hubAclText([{ id: 'trieu-son' }]));
    for (const f of ['passwd', 'acl']) expect((await stat(join(paths().files, f))).mode & 0o777).toBe(0o640);
    expect((await stat(paths().files)).mode & 0o7777).toBe(0o2750);

    const config = JSON.parse(await readFile(paths().config, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(['dataDir', 'http', 'heading', 'broker']);
    expect(config).toMatchObject({ ...CONFIG, dataDir: paths().data, broker: { url: `mqtt://127.0.0.1:${port}`, username: HUB_USER, caFile: null } });
    const hubPassword = (config.broker as { password: string }).password;
    expect(verifyMosquittoHash(hubPassword, passwd.split('\n')[0]!.slice('loa_hub:'.length))).toBe(true);
    expect((await stat(paths().config)).mode & 0o777).toBe(0o640);
    expect(await readFile(`${paths().config}.before-mosquitto`, 'utf8')).toBe(before);
    expect(add.stdout).not.toContain(hubPassword);

    // Again: a new hub password, the first copy of the configuration kept as it was.
    const again = await setup(['--port', String(port), '--lang', 'en']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('(kept from an earlier run)');
    expect(await readFile(`${paths().config}.before-mosquitto`, 'utf8')).toBe(before);
    const db = await openHubDb(join(paths().data, 'province.db'));
    try {
      expect(await brokerRow(db)).toMatchObject({ password_file: join(paths().files, 'passwd'), port, public_host: '127.0.0.1', tls_ca: null });
    } finally {
      await db.close();
    }

    // After the setup, area add rewrites both files and says a reload is enough.
    const second = await addArea('nga-son', ['--lang', 'en']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`--hub-host 127.0.0.1 --hub-port ${port} --user nga-son --password-file /root/hub-password\n`);
    expect(second.stdout).toContain('systemctl reload mosquitto is enough');
    expect(await readFile(join(paths().files, 'acl'), 'utf8')).toBe(hubAclText([{ id: 'nga-son' }, { id: 'trieu-son' }]));
  });

  it('refuses to write over a loa-hub.conf it did not write, changing nothing (exit 2)', async () => {
    const foreign = 'listener 8883\n# the technician\'s own\n';
    await writeFile(join(paths().confDir, 'loa-hub.conf'), foreign);
    const before = await readFile(paths().config, 'utf8');
    const r = await setup(['--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^loa province mosquitto-setup: .*loa-hub\.conf was not written by Loa .*not overwritten/)]);
    expect(await readFile(join(paths().confDir, 'loa-hub.conf'), 'utf8')).toBe(foreign);
    expect(await readFile(paths().config, 'utf8')).toBe(before);
    await expect(stat(paths().files)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a conf.d where the controller already set up this Mosquitto (two password files stop it)', async () => {
    await writeFile(join(paths().confDir, 'loa.conf'), '# Written by Loa (loa controller mosquitto-setup), which rewrites it; remove this line to keep your own edits.\n');
    const r = await setup();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^loa province mosquitto-setup: Mosquitto này đã phục vụ một bộ điều khiển/);
  });

  it('makes a missing configuration file, and names a TLS listener by its certificate', async () => {
    const tls = await districtTls('unused');
    try {
      const f = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') };
      await writeFile(f.cert, tls.server.cert);
      await writeFile(f.key, tls.server.key, { mode: 0o600 });
      await writeFile(f.ca, tls.ca.certPem);
      const configFile = join(dir, 'etc', 'province.json');
      const done = await setUpHubBroker({ configFile, dataDir: paths().data, confDir: paths().confDir, filesDir: paths().files, port: 8883, host: '0.0.0.0', tls: f, now: 1_764_000_000, root: false, accounts: { uid: () => undefined, gid: () => 105 } });
      expect(done).toMatchObject({ brokerUrl: 'mqtts://localhost:8883', savedCopy: null, grouped: 'not-root', place: { port: 8883, host: 'localhost', tlsCa: f.ca } });
      expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({ dataDir: paths().data, broker: { url: 'mqtts://localhost:8883', username: HUB_USER, password: expect.any(String), caFile: f.ca } });
      expect(await readFile(join(paths().confDir, 'loa-hub.conf'), 'utf8')).toContain(`listener 8883 0.0.0.0\nallow_anonymous false\npassword_file ${join(paths().files, 'passwd')}\nacl_file ${join(paths().files, 'acl')}\ncafile ${f.ca}\ncertfile ${f.cert}\nkeyfile ${f.key}\n`);
      const missingKey = await setup(['--tls-cert', f.cert, '--tls-key', join(dir, 'none.key'), '--tls-ca', f.ca, '--lang', 'en']);
      expect(missingKey.code).toBe(2);
      expect(missingKey.stderr).toBe(`loa province mosquitto-setup: --tls-key ${join(dir, 'none.key')}: the file cannot be read: check the path\n`);
    } finally {
      await tls.remove();
    }
  });
});

describe('a configuration file the setup makes, as root', () => {
  const root = process.getuid?.() === 0;
  if (!root) console.warn('[skip] not root: the owner of a configuration file made by mosquitto-setup is not tested');
  it.skipIf(!root)('is root:loa 0640, so that the loa-province service (user loa) can read it', async () => {
    const configFile = join(dir, 'etc', 'province.json');
    const accounts = { uid: () => undefined, gid: (g: string) => (g === 'loa' ? 4242 : 4343) };
    await setUpHubBroker({ configFile, dataDir: paths().data, confDir: paths().confDir, filesDir: paths().files, port: 1883, host: '127.0.0.1', tls: null, now: 1_764_000_000, root: true, accounts });
    const s = await stat(configFile);
    expect([s.uid, s.gid, s.mode & 0o777]).toEqual([0, 4242, 0o640]);
  });
});

describe('the hub database', () => {
  it('migrates a database made before the Mosquitto accounts, keeping its areas', async () => {
    await mkdir(paths().data);
    const file = join(paths().data, 'province.db');
    const old = await SqliteDb.open(file);
    await migrateArea(old, 'province', PROVINCE_MIGRATIONS.slice(0, 1));
    await old.exclusive(() => old.run("INSERT INTO hub_areas (id, name, province_code, added_at) VALUES ('trieu-son', 'Triệu Sơn', '38', 1)"));
    await old.close();
    const r = await runLoa(['province', 'area', 'password', 'trieu-son', '--config', paths().config, '--lang', 'en']);
    expect(r.code, r.stderr).toBe(0);
    const db = await openHubDb(file);
    try {
      expect(await areaVersion(db, 'province')).toBe(PROVINCE_MIGRATIONS.length);
      expect([...(await areaAccountRows(db)).map((a) => a.id)]).toEqual(['trieu-son']);
    } finally {
      await db.close();
    }
  });
});

/** The pid of the test's own Mosquitto, found by its configuration file (to send it SIGHUP as `systemctl reload` does). */
async function pidOf(confFile: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === `mosquitto\0-c\0${confFile}\0`) return Number(entry);
  }
  throw new Error(`no mosquitto running with ${confFile}`);
}

const refused = (url: string, username: string, password: string): Promise<boolean> =>
  client(url, { username, password, clientId: `probe-${username}-${Math.random()}` }).then(
    async (c) => {
      await c.endAsync(true);
      return false;
    },
    (err: Error) => /Not authorized|Bad user/i.test(err.message),
  );

describe.skipIf(missing('mosquitto'))('a real Mosquitto from the written snippet', () => {
  let broker: RunningMosquitto;
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await broker?.stop();
  });

  it('lets each area write only its own summaries, the hub read them, and takes new passwords on SIGHUP', async () => {
    const a1 = printedPassword((await addArea('a1')).stdout);
    await addArea('a2');
    const port = await freePort();
    expect((await setup(['--port', String(port)])).code).toBe(0);
    const snippet = await readFile(join(paths().confDir, 'loa-hub.conf'), 'utf8');
    broker = await startMosquitto({ dir, name: 'hub', port, conf: () => snippet });
    const hubPassword = (JSON.parse(await readFile(paths().config, 'utf8')) as { broker: { password: string } }).broker.password;

    const reader = await client(broker.url, { username: HUB_USER, password: hubPassword, clientId: 'loa-hub' });
    clients.push(reader);
    const seen: string[] = [];
    reader.on('message', (_t, payload) => seen.push(payload.toString()));
    await reader.subscribeAsync('loa/v1/+/summary/#', { qos: 1 });

    const area = await client(broker.url, { username: 'a1', password: a1, clientId: 'loa-area-a1' });
    clients.push(area);
    await area.publishAsync('loa/v1/a2/summary/day/2025-11-01', 'forged', { qos: 1 });
    await area.publishAsync('loa/v1/a1/summary/day/2025-11-01', 'own', { qos: 1 });
    await until(() => seen.includes('own'), `a1's own summary at the hub (${broker.log})`, 5000);
    expect(seen).not.toContain('forged');
    expect(await refused(broker.url, 'a1', 'wrong-password')).toBe(true);

    // A new password and a new area after the setup: the files are rewritten, a SIGHUP makes them count.
    const renewed = printedPassword((await runLoa(['province', 'area', 'password', 'a1', '--config', paths().config])).stdout);
    const a3 = printedPassword((await addArea('a3')).stdout);
    expect(await refused(broker.url, 'a3', a3)).toBe(true);
    process.kill(await pidOf(broker.confFile), 'SIGHUP');
    await until(() => refused(broker.url, 'a1', a1), `a1's old password refused after the reload (${broker.log})`, 5000);
    expect(await refused(broker.url, 'a1', renewed)).toBe(false);
    const third = await client(broker.url, { username: 'a3', password: a3, clientId: 'loa-area-a3' });
    clients.push(third);
    await third.publishAsync('loa/v1/a1/summary/day/2025-11-02', 'forged-by-a3', { qos: 1 });
    await third.publishAsync('loa/v1/a3/summary/day/2025-11-02', 'own-a3', { qos: 1 });
    await until(() => seen.includes('own-a3'), "a3's own summary at the hub", 5000);
    expect(seen).not.toContain('forged-by-a3');
  });
});
