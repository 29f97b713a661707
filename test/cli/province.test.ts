// `loa province …` in-process: registering areas, listing them, the status, what it says when the data folder or
// the broker is missing, a bad key or configuration; and the province report files it writes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvinceHub } from '../../controller/province/hub.js';
import { areaKey, daySummary, fakeParts } from '../province/hub-fakes.js';
import { runLoa } from '../support/cli.js';

let dir: string;
const a = areaKey('trieu-son');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-province-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = (): string => join(dir, 'hub');

describe('loa province', () => {
  it('registers an area, lists it and shows its status', async () => {
    const add = await runLoa(['province', 'area', 'add', a.id, '--name', 'Triệu Sơn', '--key', a.publicHex, '--province-code', '38', '--data', data()]);
    expect(add, add.stderr).toMatchObject({ code: 0 });
    expect(add.stdout).toContain('Đã đăng ký khu vực trieu-son (Triệu Sơn).');
    const list = await runLoa(['province', 'area', 'list', '--data', data()]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`trieu-son            Triệu Sơn (38)  ${a.publicHex}`);
    const json = await runLoa(['province', 'area', 'list', '--json', '--data', data()]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: 'trieu-son', name: 'Triệu Sơn', provinceCode: '38', publicKeys: [a.publicHex] }]);
    const status = await runLoa(['province', 'status', '--data', data(), '--lang', 'en']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^trieu-son\s+0\s+0\s+-/m);
  });

  it('reads the configuration LOA_PROVINCE_CONFIG names when there is no --config (the installed default)', async () => {
    const config = join(dir, 'province.json');
    await writeFile(config, JSON.stringify({ dataDir: data(), broker: null }));
    const add = await runLoa(['province', 'area', 'add', a.id, '--name', 'Triệu Sơn', '--key', a.publicHex], { LOA_PROVINCE_CONFIG: config });
    expect(add, add.stderr).toMatchObject({ code: 0 });
    const list = await runLoa(['province', 'area', 'list', '--data', data()]);
    expect(list.stdout).toContain('trieu-son');
    // --config wins over the environment.
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ dataDir: join(dir, 'other'), broker: null }));
    const none = await runLoa(['province', 'area', 'list', '--config', other], { LOA_PROVINCE_CONFIG: config });
    expect(none.stdout).not.toContain('trieu-son');
  });

  it('shows the summaries held and the refusals in its status', async () => {
    const hub = await ProvinceHub.open({ dataDir: data(), parts: fakeParts(), clock: () => Date.UTC(2025, 10, 4, 2, 30) / 1000 });
    await hub.addArea({ id: a.id, name: 'Triệu Sơn', publicKey: a.publicHex });
    const s = daySummary(a, '2025-11-03', 1, 5);
    await hub.ingest(s.topic, s.bytes);
    await hub.ingest(s.topic, s.bytes);
    await hub.ingest(s.topic, Buffer.from('junk'));
    await hub.close();
    const status = await runLoa(['province', 'status', '--data', data()]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^trieu-son\s+1\s+\d+\s+2025-11-03\s+04\/11\/2025 09:30$/m);
    expect(status.stdout).toMatch(/trieu-son\s+bad-format\s+1/);
    expect(status.stdout).toMatch(/trieu-son\s+duplicate\s+1/);
    const json = JSON.parse((await runLoa(['province', 'status', '--json', '--data', data()])).stdout) as { counters: unknown[] };
    expect(json.counters).toContainEqual({ area: 'trieu-son', outcome: 'stored', n: 1 });
  });

  it('refuses a key that is not a raw Ed25519 key and an area id that is no network name, as usage mistakes', async () => {
    const bad = await runLoa(['province', 'area', 'add', a.id, '--name', 'X', '--key', 'abcd', '--data', data()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^loa province area add: Khoá "abcd" không phải khoá công khai Ed25519/);
    const id = await runLoa(['province', 'area', 'add', 'Triệu-Sơn', '--name', 'X', '--key', a.publicHex, '--data', data()]);
    expect(id.code).toBe(2);
    expect(id.stderr).toContain('district.id');
    const missing = await runLoa(['province', 'area', 'add', a.id, '--key', a.publicHex, '--data', data(), '--lang', 'en']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --name');
  });

  it('says which folder has no hub data, and that run needs a broker', async () => {
    const none = await runLoa(['province', 'status', '--data', join(dir, 'nowhere')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('không có dữ liệu trung tâm tỉnh trong');
    expect(none.stderr).not.toMatch(/^\s+at /m);
    const run = await runLoa(['province', 'run', '--data', data(), '--lang', 'en']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the configuration has no "broker"');
  });

  it('prints every problem of a bad configuration file', async () => {
    const file = join(dir, 'hub.json');
    await writeFile(file, JSON.stringify({ broker: { url: 'http://x', username: 'hub', password: 'short' }, heading: { bogus: 1 } }));
    const r = await runLoa(['province', 'area', 'list', '--config', file, '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broker');
    expect(r.stderr).toContain('heading.bogus');
  });

  it('writes the province report as CSV and HTML files', async () => {
    await runLoa(['province', 'area', 'add', a.id, '--name', 'Triệu Sơn', '--key', a.publicHex, '--data', data()]);
    const config = join(dir, 'hub.json');
    await writeFile(config, JSON.stringify({ dataDir: data(), heading: { province: 'Thanh Hóa' } }));
    const csv = await runLoa(['province', 'report', '--period', '2025-10', '--format', 'csv', '--out', join(dir, 'r.csv'), '--config', config]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toContain('Đã ghi báo cáo toàn tỉnh 2025-10');
    expect(await readFile(join(dir, 'r.csv'), 'utf8')).toMatch(/^\uFEFFKỳ báo cáo,.*\r\n.*trieu-son,Triệu Sơn,,Cộng khu vực,0,/s);
    const html = await runLoa(['province', 'report', '--period', '2025-10', '--format', 'html', '--config', config]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('<b>TỈNH THANH HÓA</b>');
    const bad = await runLoa(['province', 'report', '--period', '2025-13', '--config', config]);
    expect(bad.code).toBe(2);
  });
});
