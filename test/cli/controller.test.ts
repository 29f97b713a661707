// The controller's commands in-process, on a temp data folder: provisioning bundles (0600, checked SHA-256), users,
// the unit list, the report as CSV for Excel, configuration problems, and the content commands.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { checkBundle } from '../../controller/app/bundle.js';
import { openControllerDb } from '../../controller/db/database.js';
import { FleetRegistry } from '../../controller/fleet/registry.js';
import { generateFleet, parsePeriod } from '../../controller/reports/index.js';
import { UserStore } from '../../controller/users/users.js';
import { rawPublicKey, privateKeyFromSeed } from '../../protocol/index.js';
import { runLoa } from '../support/cli.js';
import { makeControllerData } from '../support/controller-data.js';
import { missing } from '../support/tools.js';
import { zipText } from '../support/zip.js';

let dir: string;
let data: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-ctl-'));
  data = join(dir, 'data');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loa controller unit add', () => {
  it('registers commune, team and unit, and writes a 0600 bundle whose sha256 checks', async () => {
    await makeControllerData(data);
    const r = await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--commune-name', 'Xã Dân Lực', '--team', 'dan-luc-ttt', '--data', data, '--allow-loopback']);
    expect(r.code, r.stderr).toBe(0);
    const path = join(data, 'bundles', 'dan-luc-01.json');
    expect(r.stdout).toContain(path);
    expect(r.stdout).toMatch(/Đã đăng ký xe loa dan-luc-01 \(số 1\), xã dan-luc \(mới\), tổ dan-luc-ttt \(mới\)/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    const bundle = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(bundle)).toEqual(['format', 'district', 'unitName', 'unitNumber', 'commune', 'team', 'unitKey', 'districtKeys', 'broker', 'contentUrl', 'profile', 'origin', 'highWater', 'sha256']);
    const { sha256, ...rest } = bundle;
    expect(createHash('sha256').update(JSON.stringify(rest)).digest('hex')).toBe(sha256);
    expect(bundle).toMatchObject({
      format: 'loa-bundle-1', district: 'trieu-son', unitName: 'dan-luc-01', unitNumber: 1, commune: 'dan-luc', team: 'dan-luc-ttt',
      unitKey: expect.stringMatching(/^[0-9a-f]{64}$/), broker: { url: 'mqtt://127.0.0.1:1883', username: 'dan-luc-01' }, contentUrl: 'http://127.0.0.1:8080', profile: 'pi-zero-2w',
      // The configuration's district origin (here the embedded default), as the registry stored it for the unit.
      origin: { lat: 19.82, lon: 105.6 },
      // A new unit: nothing stored yet, the cart keeps its own counters.
      highWater: { boot: 0, record: 0 },
    });
    const seed = Buffer.from((await readFile(join(data, 'district-key'), 'utf8')).trim(), 'hex');
    expect(bundle.districtKeys).toEqual([rawPublicKey(privateKeyFromSeed(seed)).toString('hex')]);
    const password = (bundle.broker as { password: string }).password;
    expect(r.stdout).not.toContain(password);
    expect(r.stdout).not.toContain(bundle.unitKey as string);
    expect(checkBundle(bundle).sha256).toBe(sha256);
    expect(() => checkBundle({ ...bundle, unitNumber: 2 })).toThrow(/SHA-256/);
    const db = await openControllerDb(join(data, 'controller.db'));
    try {
      const registry = new FleetRegistry({ db });
      expect(await registry.verifyUnitPassword('dan-luc-01', password)).toBe(true);
      expect((await registry.unitById('dan-luc-01'))!.key.toString('hex')).toBe(bundle.unitKey);
      expect((await registry.unitById('dan-luc-01'))!.origin).toEqual(bundle.origin);
      expect((await registry.listCommunes())[0]).toMatchObject({ id: 'dan-luc', name: 'Xã Dân Lực' });
    } finally {
      await db.close();
    }
  });

  it('reuses the commune and team, writes --out, lists the units, and refuses a team of another commune', async () => {
    await makeControllerData(data);
    expect((await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc-ttt', '--data', data, '--allow-loopback'])).code).toBe(0);
    const out = join(dir, 'cart-2.json');
    const second = await runLoa(['controller', 'unit', 'add', 'dan-luc-02', '--commune', 'dan-luc', '--team', 'dan-luc-ttt', '--profile', 'pi-4', '--out', out, '--data', data, '--lang', 'en', '--allow-loopback']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/Registered cart dan-luc-02 \(number 2\), commune dan-luc, team dan-luc-ttt\./);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(checkBundle(JSON.parse(await readFile(out, 'utf8')))).toMatchObject({ unitNumber: 2, profile: 'pi-4' });
    const wrong = await runLoa(['controller', 'unit', 'add', 'x-01', '--commune', 'dinh-tan', '--team', 'dan-luc-ttt', '--data', data, '--allow-loopback']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/thuộc xã "dan-luc"/);
    const list = await runLoa(['controller', 'unit', 'list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^Số\s+Xe\s+Xã\s+Tổ/);
    expect(list.stdout).toMatch(/2\s+dan-luc-02\s+dan-luc\s+dan-luc-ttt\s+pi-4\s+không/);
  });

  it('lists every configuration problem with its key and value', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify({ district: { id: 'Triệu Sơn', origin: { lat: 95, north: 1 } }, http: { port: 70000 }, broker: { url: 'http://x' }, colour: 'red' }));
    const vi = await runLoa(['controller', 'unit', 'list', '--config', config]);
    expect(vi.code).toBe(2);
    expect(vi.stderr).toContain('Cấu hình không hợp lệ, sửa các mục sau rồi chạy lại:\n');
    expect(vi.stderr).toContain('  district.origin.lat: 95 không hợp lệ, cần một số độ từ -90 đến 90\n');
    expect(vi.stderr).toContain('  district.origin.lon: thiếu, cần một số độ từ -180 đến 180\n');
    expect(vi.stderr).toContain('  (file).colour: không phải một mục cấu hình (các mục có: district, dataDir,');
    expect(vi.stderr).not.toContain(' must be ');
    const r = await runLoa(['controller', 'unit', 'list', '--config', config, '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('district.id: "Triệu Sơn" must be a-z');
    expect(r.stderr).toContain('district.origin.lat: 95 must be a number of degrees from -90 to 90');
    expect(r.stderr).toContain('district.origin.lon: nothing must be a number of degrees from -180 to 180');
    expect(r.stderr).toContain('district.origin.north: is not a known setting (known: lat, lon)');
    expect(r.stderr).toContain('http.port: 70000 must be a whole number from 0 to 65535');
    expect(r.stderr).toContain('broker.url: "http://x" must be a URL starting with mqtt://');
    expect(r.stderr).toContain('broker.username');
    expect(r.stderr).toContain('colour: is not a known setting');
  });
});

describe('loa controller run', () => {
  it('prints the broker and HTTP addresses and where data lives, and stops cleanly on SIGINT', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify({ district: { id: 'hau-loc', name: 'Hậu Lộc' }, dataDir: data, broker: { embedded: { port: 0 } }, http: { port: 0 } }));
    const before = process.listenerCount('SIGINT');
    const running = runLoa(['controller', 'run', '--config', config]);
    const deadline = Date.now() + 10_000;
    while (process.listenerCount('SIGINT') === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGINT');
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Bộ điều khiển khu vực Hậu Lộc \(hau-loc\) đang chạy\.\n  MQTT: mqtt:\/\/127\.0\.0\.1:\d+\n  HTTP: http:\/\/127\.0\.0\.1:\d+ /);
    expect(r.stderr).toContain(`Dữ liệu: ${data}`);
    expect(r.stderr).toContain('Đã dừng.');
    const logs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ns: string; msg: string });
    expect(logs.some((l) => l.ns === 'loa:ctl:app' && l.msg.includes('controller running'))).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('says why it cannot start when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    try {
      const config = join(dir, 'controller.json');
      await writeFile(config, JSON.stringify({ dataDir: data, broker: { embedded: { port: 0 } }, http: { port } }));
      const r = await runLoa(['controller', 'run', '--config', config, '--lang', 'en']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot start \(listen EADDRINUSE.*Is a port taken/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('loa controller user add', () => {
  it('takes the password from LOA_PASSWORD and never prints it', async () => {
    await makeControllerData(data);
    const r = await runLoa(['controller', 'user', 'add', 'ca-huyen', '--role', 'approver', '--display-name', 'Công an huyện', '--data', data], { LOA_PASSWORD: 'mat-khau-bi-mat' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ca-huyen (vai trò approver)');
    expect(r.stdout + r.stderr).not.toContain('mat-khau-bi-mat');
    const again = await runLoa(['controller', 'user', 'add', 'ca-huyen', '--role', 'viewer', '--password', 'mot-mat-khau-khac', '--data', data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('đã có');
    expect((await runLoa(['controller', 'user', 'add', 'x', '--role', 'boss', '--password', '12345678', '--data', data])).code).toBe(2);
    const db = await openControllerDb(join(data, 'controller.db'));
    try {
      const users = new UserStore({ db });
      await users.start();
      expect(await users.authenticate('ca-huyen', 'mat-khau-bi-mat')).toMatchObject({ role: 'approver', displayName: 'Công an huyện' });
    } finally {
      await db.close();
    }
  });
});

describe('loa report', () => {
  it('writes the CSV for Excel, byte-order mark first, from the controller database', async () => {
    await mkdir(data, { recursive: true });
    const fleetDb = await openControllerDb(join(data, 'controller.db'));
    const nov = parsePeriod('2026-11');
    try {
      await generateFleet(fleetDb, { units: 4, start: nov.start, end: nov.start + 3 * 86_400, seed: 7 });
    } finally {
      await fleetDb.close();
    }
    const r = await runLoa(['report', '--period', '2026-11', '--format', 'csv', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('\uFEFFKỳ báo cáo,Mã xã,Xã,')).toBe(true);
    expect(r.stdout).toContain('Tháng 11 năm 2026');
    expect(r.stdout).toContain('Tổng cộng');
    const out = join(dir, 'bao-cao.csv');
    const toFile = await runLoa(['report', '--period', '2026-11', '--format', 'csv', '--out', out, '--data', data, '--lang', 'en']);
    expect(toFile.code, toFile.stderr).toBe(0);
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('Period,Commune id');
    const html = await runLoa(['report', '--period', '2026-11', '--format', 'html', '--data', data]);
    expect(html.stdout).toContain('TRIỆU SƠN');
    const bad = await runLoa(['report', '--period', '2026-13', '--format', 'csv', '--data', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('2026-13');
    expect((await runLoa(['report', '--period', '2026-11', '--format', 'pdf', '--data', data])).code).toBe(2);
  });

  it('writes the DOCX to --out or to a redirected output, and refuses to print it on a terminal', async () => {
    await mkdir(data, { recursive: true });
    const fleetDb = await openControllerDb(join(data, 'controller.db'));
    const nov = parsePeriod('2026-11');
    try {
      await generateFleet(fleetDb, { units: 4, start: nov.start, end: nov.start + 3 * 86_400, seed: 7, unitsPerCommune: 2 });
    } finally {
      await fleetDb.close();
    }
    const out = join(dir, 'bao-cao-2026-11.docx');
    const toFile = await runLoa(['report', '--period', '2026-11', '--format', 'docx', '--out', out, '--data', data]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stdout).toBe('');
    const xml = zipText(await readFile(out), 'word/document.xml');
    const text = [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('|');
    for (const s of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'HUYỆN TRIỆU SƠN', 'BÁO CÁO', 'tháng 11/2026']) expect(text).toContain(s);
    // Each commune's plays, as the JSON report counts them, in the last column of its table (its total).
    const json = JSON.parse((await runLoa(['report', '--period', '2026-11', '--format', 'json', '--data', data])).stdout) as { communes: { name: string; totals: { plays: number } }[] };
    expect(json.communes).toHaveLength(2);
    for (const [i, c] of json.communes.entries()) {
      const after = text.slice(text.indexOf(`|${i + 1}. ${c.name}|`));
      expect(after).toMatch(new RegExp(`\\|Số lượt phát\\|\\d+\\|\\d+\\|${c.totals.plays.toLocaleString('vi-VN')}\\|`));
    }

    const run = async (tty: boolean): Promise<{ code: number; stdout: Buffer; stderr: string }> => {
      const stdout = Object.assign(new PassThrough(), tty ? { isTTY: true } : {});
      const stderr = new PassThrough();
      const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
      stdout.on('data', (c: Buffer) => chunks.out.push(c));
      stderr.on('data', (c: Buffer) => chunks.err.push(c));
      const code = await main(['report', '--period', '2026-11', '--format', 'docx', '--data', data], { stdout, stderr, stdin: new PassThrough(), env: {} });
      return { code, stdout: Buffer.concat(chunks.out), stderr: Buffer.concat(chunks.err).toString('utf8') };
    };
    const piped = await run(false);
    expect(piped.code, piped.stderr).toBe(0);
    expect(zipText(piped.stdout, 'word/document.xml')).toContain('BÁO CÁO');
    const terminal = await run(true);
    expect(terminal.code).toBe(2);
    expect(terminal.stdout.length).toBe(0);
    expect(terminal.stderr).toContain('--out bao-cao-2026-11.docx');
  });
});

describe.skipIf(missing('espeak-ng') || missing('sox'))('loa content and loa manifest', () => {
  it('submits a spoken clip, approves it and publishes the signed manifest', async () => {
    await makeControllerData(data);
    for (const [name, role] of [['phong-vh', 'submitter'], ['ca-huyen', 'approver']]) {
      expect((await runLoa(['controller', 'user', 'add', name!, '--role', role!, '--data', data], { LOA_PASSWORD: 'mat-khau-thu-nghiem' })).code).toBe(0);
    }
    const add = await runLoa(['content', 'add', '--tts', 'Xin chào bà con', '--title', 'Chào bà con', '--as', 'phong-vh', '--data', data]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Đã gửi bản tin c-0001 "Chào bà con"/);
    const refused = await runLoa(['content', 'approve', 'c-0001', '--as', 'phong-vh', '--data', data, '--no-announce']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('phong-vh');
    const ok = await runLoa(['content', 'approve', 'c-0001', '--as', 'ca-huyen', '--data', data, '--no-announce']);
    expect(ok.code, ok.stderr).toBe(0);
    const published = await runLoa(['manifest', 'publish', '--as', 'ca-huyen', '--data', data, '--no-announce']);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/phiên bản 1: 1 bản tin, .*CHƯA báo được qua MQTT/);
    const list = await runLoa(['content', 'list', '--data', data, '--lang', 'en']);
    expect(list.stdout).toMatch(/c-0001\s+approved/);
  });
});
