// `loa controller commune …` in-process on a temp data folder: add with a code, import the fixture, merge, rename,
// list as of a day; and the mistakes a person makes: a bad date or a missing name (usage, exit 2, nothing opened),
// a CSV with a bad line (exit 1, one line naming it, nothing stored), a file that is not there (exit 2).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../../controller/db/database.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { runLoa } from '../../support/cli.js';
import { makeControllerData } from '../../support/controller-data.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/communes');

let dir: string;
let data: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-commune-'));
  data = join(dir, 'data');
  await makeControllerData(data);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const loa = (...args: string[]) => runLoa(['controller', 'commune', ...args, '--data', data]);

async function communes(): Promise<number> {
  const db = await openControllerDb(join(data, 'controller.db'));
  try {
    return (await new FleetRegistry({ db }).listCommunes()).length;
  } finally {
    await db.close();
  }
}

describe('loa controller commune', () => {
  it('adds, imports, merges, renames and lists communes as of a day', async () => {
    let r = await loa('add', 'tan-ninh', '--name', 'Xã Tân Ninh', '--code', '99201', '--kind', 'xa', '--lat', '19.8', '--lon', '105.7', '--since', '01/07/2025');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Đã thêm xã Xã Tân Ninh (tan-ninh), mã số 99201, thành lập từ 01/07/2025.\n');
    r = await loa('import', join(FIXTURE, 'thanh-hoa-hau-loc.csv'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Đã nhập .*thanh-hoa-hau-loc\.csv: thêm 25 xã, 20 quan hệ sáp nhập; 0 dòng đã có sẵn\.\n$/);
    r = await loa('add', 'nua', '--name', 'Thị trấn Nưa', '--kind', 'thi-tran');
    r = await loa('merge', 'nua', '--into', 'tan-ninh', '--on', '1/7/2025');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Đã ghi: nua thuộc tan-ninh từ ngày 01\/07\/2025\./);
    r = await loa('rename', 'tan-ninh', '--name', 'Xã Tân Ninh Mới', '--on', '01/01/2026');
    expect(r.code, r.stderr).toBe(0);

    r = await loa('list', '--on', '30/06/2025', '--json');
    const before = JSON.parse(r.stdout) as { on: string; communes: { id: string; name: string; current: boolean; partOf: string[] }[] };
    expect(before.on).toBe('30/06/2025');
    expect(before.communes.find((c) => c.id === 'nua')).toMatchObject({ current: true, partOf: [] });
    expect(before.communes.find((c) => c.id === 'tan-ninh')).toMatchObject({ current: false, partOf: [] }); // not made yet
    r = await loa('list', '--on', '02/01/2026', '--json');
    const after = JSON.parse(r.stdout) as typeof before;
    expect(after.communes.find((c) => c.id === 'nua')).toMatchObject({ current: false, partOf: ['tan-ninh'] });
    expect(after.communes.find((c) => c.id === 'tan-ninh')).toMatchObject({ current: true, name: 'Xã Tân Ninh Mới' });
    r = await runLoa(['controller', 'commune', 'list', '--on', '02/01/2026', '--data', data, '--lang', 'en']);
    expect(r.stdout.split('\n')[0]).toMatch(/^Id\s+Code\s+Name\s+Kind\s+On 02\/01\/2026$/);
    expect(r.stdout).toMatch(/^nua\s+—\s+Thị trấn Nưa\s+town\s+part of Xã Tân Ninh Mới$/m);
    expect(r.stdout).toMatch(/^da-loc\s+99145\s+Xã Đa Lộc\s+commune\s+part of Xã Vạn Lộc$/m);
  });

  it.each([
    [['merge', 'a', '--into', 'b', '--on', '2025-07-01'], /^loa controller commune merge: --on 2025-07-01: cần một ngày dd\/mm\/yyyy/],
    [['merge', 'a,a', '--into', 'b', '--on', '01/07/2025'], /^loa controller commune merge: a,a: cần các mã xã cũ cách nhau bằng dấu phẩy, mỗi xã một lần/],
    [['merge', 'a', '--on', '01/07/2025'], /^loa controller commune merge: cần: commune merge <xã-cũ/],
    [['add', 'a', '--name', ' '], /^loa controller commune add: cần: commune add <mã-xã> --name TÊN/],
    [['add', 'a', '--name', 'Xã A', '--lat', '19'], /^loa controller commune add: cần: --lat và --lon cùng nhau/],
    [['rename', 'a', '--name', 'X', '--on', '31/02/2026'], /^loa controller commune rename: --on 31\/02\/2026: cần một ngày/],
    [['import', 'no-such-file.csv'], /^loa controller commune import: no-such-file\.csv: không đọc được tệp \(ENOENT\)/],
  ])('%j: one line and the usage, exit code 2', async (args, message) => {
    const r = await loa(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr.split('\n')[1]).toBe('Cách dùng:');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a CSV with a bad line in one line naming it, stores nothing, exit code 1', async () => {
    const r = await loa('import', join(FIXTURE, 'bad-line.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^loa controller commune import: dòng 4: from "01\/07\/2025" phải là ngày YYYY-MM-DD; không có gì được lưu \(line 4: .*\)\n$/);
    expect(await communes()).toBe(0);
    const again = await loa('add', 'x', '--name', 'Xã X', '--code', '99001');
    expect(again.code).toBe(0);
    const taken = await loa('add', 'y', '--name', 'Xã Y', '--code', '99001');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^loa controller commune add: Mã 99001 đã là của xã "x"/);
  });
});
