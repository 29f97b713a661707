// `loa controller mosquitto-setup`'s work on real files in a temp folder: the Mosquitto files from the registry, the
// conf.d snippet (refused over a file Loa did not write), the configuration switched with every other key kept and
// its first copy kept once, the owners when root; and one real run: a real Mosquitto started from a main file like
// Debian's that includes the snippet, the controller started from the rewritten configuration, a cart registered
// before the setup let in with its password and refused with a wrong one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import {
  CONF_MARKER,
  MosquittoSetupError,
  parseSystemAccounts,
  readSystemAccounts,
  setUpMosquitto,
  type MosquittoSetupOptions,
} from '../../../controller/broker/mosquitto-setup.js';
import { openControllerDb } from '../../../controller/db/database.js';
import { verifyMosquittoHash } from '../../../controller/fleet/passwords.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { DistrictCa } from '../../../controller/tls/district-ca.js';
import { unitTopic } from '../../../protocol/index.js';
import { runLoa } from '../../support/cli.js';
import { accepts, freePort } from '../../support/net.js';
import { missing } from '../../support/tools.js';
import { until } from '../../support/wait.js';

/** A configuration as an operator wrote it: keys in their own order, some not the defaults. */
function original(dir: string): Record<string, unknown> {
  return {
    district: { id: 'yen-dinh', name: 'Yên Định', origin: { lat: 20.0, lon: 105.6 } },
    dataDir: join(dir, 'data'),
    broker: { embedded: { port: 1883, host: '127.0.0.1' } },
    http: { port: 0, host: '127.0.0.1' },
    staleAfterSeconds: 600,
    backup: { dir: join(dir, 'backups'), keep: 3 },
  };
}

const NO_ACCOUNTS = parseSystemAccounts('', '');

interface Place {
  dir: string;
  configFile: string;
  /** The carts registered before the setup, with their plain passwords. */
  carts: { id: string; password: string }[];
  options(extra?: Partial<MosquittoSetupOptions>): MosquittoSetupOptions;
}

/** A temp folder with a configuration file, a controller database holding `units` carts, and Mosquitto's conf.d. */
async function place(units = 2, config?: (dir: string) => Record<string, unknown>): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-msetup-'));
  const json = (config ?? original)(dir);
  const configFile = join(dir, 'controller.json');
  await writeFile(configFile, JSON.stringify(json, null, 2) + '\n', { mode: 0o644 });
  await mkdir(join(dir, 'conf.d'));
  await mkdir(json.dataDir as string, { recursive: true });
  const db = await openControllerDb(join(json.dataDir as string, 'controller.db'));
  const carts: { id: string; password: string }[] = [];
  try {
    const registry = new FleetRegistry({ db });
    await registry.addCommune({ id: 'dinh-tan', name: 'Xã Định Tân' });
    await registry.addTeam({ id: 'dinh-tan-ttt', commune: 'dinh-tan', name: 'Tổ tuyên truyền Định Tân' });
    for (let i = 1; i <= units; i++) {
      const id = `dinh-tan-${String(i).padStart(2, '0')}`;
      carts.push({ id, password: (await registry.addUnit({ id, commune: 'dinh-tan', team: 'dinh-tan-ttt', profile: 'pi-zero-2w' })).password });
    }
  } finally {
    await db.close();
  }
  return {
    dir,
    configFile,
    carts,
    options: (extra = {}) => ({ configFile, confDir: join(dir, 'conf.d'), filesDir: join(dir, 'mosquitto'), accounts: NO_ACCOUNTS, root: false, ...extra }),
  };
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;
const readJson = async (path: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

describe('loa controller mosquitto-setup, on files', () => {
  let p: Place;
  beforeEach(async () => {
    p = await place();
  });
  afterEach(async () => {
    await rm(p.dir, { recursive: true, force: true });
  });

  it('writes the files from the registry, its conf.d snippet, and switches the configuration keeping every other key', async () => {
    const before = await readJson(p.configFile);
    const done = await setUpMosquitto(p.options({ port: 18_830 }));

    const after = await readJson(p.configFile);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect({ ...after, broker: null }).toEqual({ ...before, broker: null });
    const broker = after.broker as { url: string; username: string; password: string; files: unknown };
    expect(broker).toEqual({
      url: 'mqtt://127.0.0.1:18830',
      username: 'loa_controller',
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      files: { passwordFile: join(p.dir, 'mosquitto', 'passwd'), aclFile: join(p.dir, 'mosquitto', 'acl'), tlsDir: null },
    });
    expect(await modeOf(p.configFile)).toBe(0o640);
    expect(await loadControllerConfig(p.configFile)).toMatchObject({ staleAfterSeconds: 600, broker });

    const lines = (await readFile(done.passwordFile, 'utf8')).trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['loa_controller', 'dinh-tan-01', 'dinh-tan-02']);
    expect(verifyMosquittoHash(broker.password, lines[0]!.slice('loa_controller:'.length))).toBe(true);
    expect(await readFile(done.aclFile, 'utf8')).toContain(`user dinh-tan-02\ntopic write ${unitTopic('yen-dinh', 'dinh-tan-02', 'up')}\n`);
    expect(await modeOf(join(p.dir, 'mosquitto'))).toBe(0o2750);
    expect(await modeOf(done.passwordFile)).toBe(0o640);
    expect(await modeOf(done.aclFile)).toBe(0o640);

    const conf = await readFile(join(p.dir, 'conf.d', 'loa.conf'), 'utf8');
    expect(conf.split('\n')[0]).toBe(CONF_MARKER);
    expect(conf).toContain('listener 18830 127.0.0.1\nallow_anonymous false\n');
    expect(conf).toContain(`password_file ${done.passwordFile}\nacl_file ${done.aclFile}\n`);
    // Debian's main file says `persistence true`: a snippet saying otherwise would silently win over it.
    expect(conf).not.toMatch(/persistence|user |pid_file|log_dest/);
    expect(done).toMatchObject({ units: 2, tlsDir: null, tlsListener: null, ownership: { done: false, reason: 'not-root' }, savedCopy: { made: true } });
    expect(await readJson(`${p.configFile}.before-mosquitto`)).toEqual(before);
  });

  it("refuses to overwrite a conf.d file Loa did not write, and writes nothing at all", async () => {
    const theirs = join(p.dir, 'conf.d', 'loa.conf');
    await writeFile(theirs, 'listener 1883\nallow_anonymous true\n');
    const before = await readFile(p.configFile, 'utf8');
    const refused = await setUpMosquitto(p.options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MosquittoSetupError);
    expect(refused).toMatchObject({ code: 'conf-not-ours', vi: expect.stringContaining(theirs) });
    expect(await readFile(theirs, 'utf8')).toBe('listener 1883\nallow_anonymous true\n');
    expect(await readFile(p.configFile, 'utf8')).toBe(before);
    expect(await stat(join(p.dir, 'mosquitto')).catch(() => null)).toBeNull();
    expect(await stat(`${p.configFile}.before-mosquitto`).catch(() => null)).toBeNull();
  });

  it('keeps the first .before-mosquitto copy on a second run, rewrites its own conf.d file, and makes a new password', async () => {
    const first = await readFile(p.configFile, 'utf8');
    await setUpMosquitto(p.options({ port: 18_831 }));
    const password1 = ((await readJson(p.configFile)).broker as { password: string }).password;
    const again = await setUpMosquitto(p.options({ port: 18_832 }));
    const password2 = ((await readJson(p.configFile)).broker as { password: string }).password;
    expect(again.savedCopy).toEqual({ path: `${p.configFile}.before-mosquitto`, made: false });
    expect(await readFile(`${p.configFile}.before-mosquitto`, 'utf8')).toBe(first);
    expect(password2).not.toBe(password1);
    expect(await readFile(join(p.dir, 'conf.d', 'loa.conf'), 'utf8')).toContain('listener 18832 127.0.0.1');
  });

  it('refuses a configuration that already names an external broker with other files', async () => {
    const other = { ...original(p.dir), broker: { url: 'mqtt://127.0.0.1:1883', username: 'x', password: 'long-enough', files: { passwordFile: '/etc/mosquitto/theirs.pw', aclFile: '/etc/mosquitto/theirs.acl' } } };
    await writeFile(p.configFile, JSON.stringify(other));
    await expect(setUpMosquitto(p.options())).rejects.toMatchObject({ code: 'other-broker', en: expect.stringContaining('/etc/mosquitto/theirs.pw') });
    expect(await readJson(p.configFile)).toEqual(other);
  });

  it('refuses a missing conf.d folder, naming the package to install', async () => {
    await expect(setUpMosquitto(p.options({ confDir: join(p.dir, 'no-such') }))).rejects.toMatchObject({ code: 'no-conf-dir', vi: expect.stringContaining('apt install mosquitto') });
  });

  it('says which accounts are missing instead of giving owners', async () => {
    const done = await setUpMosquitto(p.options({ root: true, accounts: parseSystemAccounts('root:x:0:0::/root:/bin/sh\n', 'root:x:0:\nmosquitto:x:105:\n') }));
    expect(done.ownership).toEqual({ done: false, reason: 'no-account', missing: ['user loa', 'group loa'] });
  });

  it.skipIf(process.getuid?.() !== 0)('gives loa:mosquitto the folder and files, and root:loa the configuration (as root)', async () => {
    const files = join(p.dir, 'etc');
    await mkdir(files);
    await writeFile(join(files, 'passwd'), 'root:x:0:0::/root:/bin/sh\nloa:x:4242:4242::/var/lib/loa:/usr/sbin/nologin\n');
    await writeFile(join(files, 'group'), 'root:x:0:\nloa:x:4242:\nmosquitto:x:4343:\n');
    const accounts = await readSystemAccounts({ passwd: join(files, 'passwd'), group: join(files, 'group') });
    const done = await setUpMosquitto(p.options({ root: true, accounts }));
    expect(done.ownership).toEqual({ done: true });
    for (const path of [join(p.dir, 'mosquitto'), done.passwordFile, done.aclFile]) expect(await stat(path), path).toMatchObject({ uid: 4242, gid: 4343 });
    expect(await stat(p.configFile)).toMatchObject({ uid: 0, gid: 4242 });
    // The database the setup read keeps its owner (root opened it: no -wal/-shm of root's left behind).
    const data = (original(p.dir).dataDir as string);
    for (const f of ['controller.db-wal', 'controller.db-shm']) {
      const s = await stat(join(data, f)).catch(() => null);
      if (s) expect(s.uid, f).toBe((await stat(join(data, 'controller.db'))).uid);
    }
  });
});

describe('loa controller mosquitto-setup with TLS for carts', () => {
  let p: Place;
  const tlsConfig = (dir: string): Record<string, unknown> => ({
    ...original(dir),
    broker: { embedded: { port: 8883, host: '0.0.0.0', tls: true } },
    publicUrls: { broker: 'mqtts://10.0.0.5:8883' },
  });
  beforeEach(async () => {
    p = await place(1, tlsConfig);
  });
  afterEach(async () => {
    await rm(p.dir, { recursive: true, force: true });
  });

  it('refuses while the district CA is not made yet', async () => {
    await expect(setUpMosquitto(p.options())).rejects.toMatchObject({ code: 'no-district-ca', en: expect.stringContaining('systemctl start loa-controller') });
  });

  it('writes the TLS folder and a TLS listener on the port carts already dial', async () => {
    const ca = await DistrictCa.open({ dataDir: tlsConfig(p.dir).dataDir as string, district: 'yen-dinh' });
    const done = await setUpMosquitto(p.options());
    expect(done.tlsListener).toEqual({ port: 8883, host: '0.0.0.0' });
    const tls = join(p.dir, 'mosquitto', 'tls');
    expect(await readFile(join(tls, 'ca.crt'), 'utf8')).toBe(ca.certPem);
    expect(await readFile(join(tls, 'crl.pem'), 'utf8')).toContain('BEGIN X509 CRL');
    expect(await modeOf(join(tls, 'server.key'))).toBe(0o640);
    expect(await modeOf(tls)).toBe(0o2750);
    const conf = await readFile(join(p.dir, 'conf.d', 'loa.conf'), 'utf8');
    expect(conf).toContain(`listener 8883 0.0.0.0\ncafile ${join(tls, 'ca.crt')}`);
    expect(conf).toContain('require_certificate true');
    expect(((await readJson(p.configFile)).broker as { files: { tlsDir: string } }).files.tlsDir).toBe(tls);
    expect((await readJson(p.configFile)).publicUrls).toEqual({ broker: 'mqtts://10.0.0.5:8883' });
  });

  it('refuses a TLS port that is the controller port too', async () => {
    await DistrictCa.open({ dataDir: tlsConfig(p.dir).dataDir as string, district: 'yen-dinh' });
    await expect(setUpMosquitto(p.options({ port: 8883 }))).rejects.toMatchObject({ code: 'port-clash' });
  });
});

/** Connects once, no retries: the CONNACK or the refusal. */
async function dial(url: string, username: string, password: string): Promise<'connected' | string> {
  try {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, username, password, reconnectPeriod: 0, connectTimeout: 3000 });
    await client.endAsync();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

describe.skipIf(missing('mosquitto'))('loa controller mosquitto-setup with a real Mosquitto', () => {
  let p: Place;
  let mosquitto: ChildProcess | undefined;
  let controller: DistrictController | undefined;
  let log = '';

  afterEach(async () => {
    await controller?.stop();
    if (mosquitto && mosquitto.exitCode === null) {
      const exited = new Promise((r) => mosquitto!.once('exit', r));
      mosquitto.kill('SIGTERM');
      await exited;
    }
    await rm(p.dir, { recursive: true, force: true });
  });

  it("lets the controller and a cart registered before in, and refuses a wrong password", async () => {
    p = await place(2);
    const port = await freePort();
    const done = await setUpMosquitto(p.options({ port }));
    // Debian's /etc/mosquitto/mosquitto.conf, in the temp folder; `user` only because the test may run as root and
    // Mosquitto would then drop to the user `mosquitto`, who cannot read a test's temp folder.
    const main = join(p.dir, 'mosquitto.conf');
    await mkdir(join(p.dir, 'persist'));
    await writeFile(
      main,
      [`user ${userInfo().username}`, `pid_file ${join(p.dir, 'mosquitto.pid')}`, 'persistence true', `persistence_location ${join(p.dir, 'persist')}/`, 'log_dest stderr', `include_dir ${join(p.dir, 'conf.d')}`, ''].join('\n'),
    );
    mosquitto = spawn('mosquitto', ['-c', main], { stdio: ['ignore', 'pipe', 'pipe'] });
    mosquitto.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    mosquitto.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await until(() => accepts(port), `mosquitto to listen on ${port} (${log})`, 5000);
    expect(log).toContain(`Loading config file ${done.confFile}`);

    const config = await loadControllerConfig(p.configFile);
    controller = new DistrictController({ config });
    await controller.start();
    expect(controller.brokerUrl).toBe(`mqtt://127.0.0.1:${port}`);
    expect(controller.features.find((f) => f.name === 'mosquitto-files')).toEqual({ name: 'mosquitto-files', ok: true });

    const url = `mqtt://127.0.0.1:${port}`;
    const cart = p.carts[1]!;
    expect(await dial(url, cart.id, cart.password)).toBe('connected');
    expect(await dial(url, cart.id, `${cart.password}x`)).toMatch(/Not authorized|Bad user name or password/i);
    expect(await dial(url, 'loa_controller', 'not-the-password')).toMatch(/Not authorized|Bad user name or password/i);
    expect(log).not.toMatch(/Error/);
  });
});

describe('loa controller mosquitto-setup, the command', () => {
  let p: Place;
  beforeEach(async () => {
    p = await place(1);
  });
  afterEach(async () => {
    await rm(p.dir, { recursive: true, force: true });
  });
  const argv = (): string[] => ['controller', 'mosquitto-setup', '--config', p.configFile, '--conf-d', join(p.dir, 'conf.d'), '--files', join(p.dir, 'mosquitto'), '--port', '18834'];

  it('says in Vietnamese what it wrote and the next step', async () => {
    const r = await runLoa(argv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${join(p.dir, 'conf.d', 'loa.conf')}: cổng 18834 (127.0.0.1) cho bộ điều khiển`);
    expect(r.stdout).toContain('1 xe loa và tài khoản loa_controller');
    expect(r.stdout).toContain(`Bản cũ: ${p.configFile}.before-mosquitto`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Bước tiếp theo: systemctl enable --now loa-mosquitto-reload.path && systemctl restart mosquitto loa-controller');
  });

  it('refuses in one English line with --lang en, exit code 1', async () => {
    await writeFile(join(p.dir, 'conf.d', 'loa.conf'), '# mine\n');
    const r = await runLoa([...argv(), '--lang', 'en']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`loa controller mosquitto-setup: ${join(p.dir, 'conf.d', 'loa.conf')} was not written by Loa (its first line lacks Loa's marker): not overwritten. Rename or move it, then run again\n`);
  });

  it('needs the configuration file: --config or LOA_CONTROLLER_CONFIG', async () => {
    const r = await runLoa(['controller', 'mosquitto-setup', '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain('--config FILE');
    const viaEnv = await runLoa(argv().filter((a, i, all) => a !== '--config' && all[i - 1] !== '--config'), { LOA_CONTROLLER_CONFIG: p.configFile });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
  });
});
