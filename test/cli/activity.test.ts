// `loa activity …` and `loa member …` on a real controller data folder: a submitter records an activity with a
// photo, it is listed, the submitter cannot confirm it, another user (an approver) does, and `show` gives its
// fields, members, photo and audit trail with the system account that ran each step. Members and their training
// through `loa member`. And a usage mistake: one line, the usage, exit code 2, nothing recorded.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { openOffice } from '../../controller/app/office.js';
import type { ActivityRecord } from '../../controller/board/types.js';
import { runLoa } from '../support/cli.js';
import { makeControllerData } from '../support/controller-data.js';

let dir: string;
let data: string;

/** A real 1×1 PNG of one blue pixel (as test/controller/board/photos.test.ts makes them; it decodes in Chromium). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgaPgPAAIDAYAkYfWXAAAAAElFTkSuQmCC', 'base64');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-activity-'));
  data = join(dir, 'data');
  await makeControllerData(data);
  const office = await openOffice(validateControllerConfig({ dataDir: data }));
  try {
    for (const [name, role] of [['xa-dan-luc', 'submitter'], ['ca-huyen', 'approver']] as const) await office.users.add({ name, role, password: 'mat-khau-thu-nghiem' });
    await office.registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
    await office.registry.addTeam({ id: 'team-a', commune: 'dan-luc', name: 'Tổ A' });
  } finally {
    await office.close();
  }
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const loa = (...args: string[]): ReturnType<typeof runLoa> => runLoa([...args, '--data', data]);

describe('loa member and loa activity', () => {
  it('adds members and their training, records an activity, lists it, has another user confirm it and shows it', async () => {
    expect((await loa('member', 'add', '--team', 'team-a', '--name', 'Nguyễn Văn An', '--role', 'leader', '--phone', '0912345678')).stdout).toContain('Đã thêm thành viên 1 "Nguyễn Văn An" (tổ trưởng)');
    expect((await loa('member', 'add', '--team', 'team-a', '--name', 'Trần Thị Bình')).code).toBe(0);
    const members = await loa('member', 'list', '--team', 'team-a');
    expect(members.stdout).toMatch(/1\s+team-a\s+tổ trưởng\s+0912345678\s+Nguyễn Văn An\n2\s+team-a\s+thành viên\s+—\s+Trần Thị Bình/);
    const trained = await loa('member', 'training', 'add', '--member', '2', '--course', 'Kỹ năng tuyên truyền', '--date', '05/03/2022', '--as', 'xa-dan-luc');
    expect(trained.stdout, trained.stderr).toContain('Đã ghi tập huấn của Trần Thị Bình (2): "Kỹ năng tuyên truyền", ngày 05/03/2022.');
    expect((await loa('member', 'training', 'list', '--team', 'team-a', '--lang', 'en')).stdout).toMatch(/05\/03\/2022\s+Trần Thị Bình \(2\)\s+team-a\s+xa-dan-luc\s+Kỹ năng tuyên truyền/);

    const photo = join(dir, 'anh.png');
    await writeFile(photo, PNG);
    const add = await loa('activity', 'add', '--kind', 'oral', '--date', '10/05/2022', '--time', '19:30', '--commune', 'dan-luc', '--team', 'team-a', '--place', 'Thôn Đông',
      '--member', '1,2', '--people', '45', '--note', 'Phòng chống lừa đảo', '--photo', photo, '--as', 'xa-dan-luc');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('Đã ghi hoạt động HD-1 (tuyên truyền miệng, 10/05/2022 19:30, Xã Dân Lực, 1 ảnh), đang chờ Ban điều hành xác nhận.\n');
    expect(await readFile(join(data, 'photos', `${createHash('sha256').update(PNG).digest('hex')}.png`))).toEqual(PNG);

    const list = await loa('activity', 'list');
    expect(list.stdout.split('\n')[1]).toMatch(/^HD-1\s+10\/05\/2022 19:30\s+tuyên truyền miệng\s+Xã Dân Lực\s+Tổ A\s+45\s+chờ xác nhận$/);

    const self = await loa('activity', 'confirm', 'HD-1', '--as', 'xa-dan-luc');
    expect([self.code, self.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(self.stderr).toMatch(/^loa activity confirm: Người dùng "xa-dan-luc" \(vai trò submitter\) không được xác nhận hoạt động/);
    const confirm = await loa('activity', 'confirm', '1', '--as', 'ca-huyen');
    expect([confirm.code, confirm.stdout], confirm.stderr).toEqual([0, 'Đã xác nhận hoạt động HD-1.\n']);

    const json = JSON.parse((await loa('activity', 'list', '--status', 'confirmed', '--period', '2022-05', '--json')).stdout) as ActivityRecord[];
    expect(json.map((a) => [a.id, a.status, a.decidedBy, a.peopleReached, a.members.map((m) => m.name)])).toEqual([[1, 'confirmed', 'ca-huyen', 45, ['Nguyễn Văn An', 'Trần Thị Bình']]]);
    expect((await loa('activity', 'list', '--period', '2022-06')).stdout).toBe('Chưa có hoạt động nào.\n');

    const show = await loa('activity', 'show', 'HD-1', '--lang', 'en');
    const me = userInfo();
    expect(show.stdout).toContain('HD-1  oral propaganda  10/05/2022 19:30');
    expect(show.stdout).toContain('Status: confirmed — ca-huyen');
    expect(show.stdout).toContain('Members present: Nguyễn Văn An (1), Trần Thị Bình (2)');
    expect(show.stdout).toContain(`${createHash('sha256').update(PNG).digest('hex')}  image/png`);
    expect(show.stdout).toMatch(new RegExp(`xa-dan-luc \\(submitter\\)  submit  — → submitted  \\[cli: ${me.username}, uid ${me.uid}\\]`));
    expect(show.stdout).toMatch(new RegExp(`ca-huyen \\(approver\\)  confirm  submitted → confirmed  \\[cli: ${me.username}, uid ${me.uid}\\]`));
  });

  it('answers a usage mistake with one line and the usage, exit code 2, recording nothing', async () => {
    const r = await loa('activity', 'add', '--kind', 'oral', '--date', '31/02/2022', '--commune', 'dan-luc', '--team', 'team-a', '--people', '4', '--as', 'xa-dan-luc');
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^loa activity add: Trường --date: cần một ngày dạng YYYY-MM-DD hoặc dd\/mm\/yyyy, nhận "31\/02\/2022"/);
    expect(lines[1]).toBe('Cách dùng:');
    expect(lines[2]).toMatch(/^\s+loa activity add --kind/);
    const missing = await loa('activity', 'return', 'HD-1', '--as', 'ca-huyen', '--lang', 'en');
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'loa activity return: needs --reason "what to correct"']);
    const notPhoto = join(dir, 'thu.jpg');
    await writeFile(notPhoto, 'không phải ảnh');
    const bad = await loa('activity', 'add', '--kind', 'oral', '--date', '2022-05-10', '--commune', 'dan-luc', '--team', 'team-a', '--people', '4', '--photo', notPhoto, '--as', 'xa-dan-luc');
    expect([bad.code, bad.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(bad.stderr).toContain('không phải ảnh JPEG, PNG hay WebP');
    expect((await loa('activity', 'list')).stdout).toBe('Chưa có hoạt động nào.\n');
  });
});
