// `loa controller backup` and `loa controller restore` in-process: the passphrase only from the environment, a round
// trip, and the refusals (no passphrase, a non-empty folder, a wrong passphrase) as one line each.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLoa } from '../support/cli.js';
import { makeControllerFolder } from '../controller/backup/fixture.js';

let dir: string;
let data: string;
let out: string;
const ENV = { LOA_BACKUP_PASSPHRASE: 'một mật khẩu dài' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-backup-'));
  data = join(dir, 'data');
  out = join(dir, 'backups');
  await makeControllerFolder(data, 2, 1);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loa controller backup / restore', () => {
  it('backs up and restores with the passphrase from the environment', async () => {
    const b = await runLoa(['controller', 'backup', '--data', data, '--out', out], ENV);
    expect(b.code, b.stderr).toBe(0);
    const [name] = await readdir(out);
    expect(name).toMatch(/^loa-backup-\d{8}-\d{6}Z$/);
    expect(b.stdout).toContain(`Đã sao lưu vào ${join(out, name!)}`);
    const target = join(dir, 'restored');
    const r = await runLoa(['controller', 'restore', join(out, name!), '--data', target, '--lang', 'en'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Restored ${join(out, name!)} into ${target}`);
    expect(await readFile(join(target, 'district-key'), 'utf8')).toBe(await readFile(join(data, 'district-key'), 'utf8'));
  });

  it('takes the passphrase from the variable --passphrase-env names, and needs one', async () => {
    const none = await runLoa(['controller', 'backup', '--data', data, '--out', out], {});
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toContain('LOA_BACKUP_PASSPHRASE');
    const other = await runLoa(['controller', 'backup', '--data', data, '--out', out, '--passphrase-env', 'MY_PASS', '--lang', 'en'], { MY_PASS: 'khác' });
    expect(other.code, other.stderr).toBe(0);
    const noOut = await runLoa(['controller', 'backup', '--data', data, '--lang', 'en'], ENV);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr.split('\n')[0]).toContain('needs --out DIR');
  });

  it('refuses a non-empty folder (exit 2) and a wrong passphrase (exit 1), one line each, writing nothing', async () => {
    expect((await runLoa(['controller', 'backup', '--data', data, '--out', out], ENV)).code).toBe(0);
    const [name] = await readdir(out);
    const busy = join(dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'x'), 'x');
    const full = await runLoa(['controller', 'restore', join(out, name!), '--data', busy, '--lang', 'en'], ENV);
    expect(full.code).toBe(2);
    expect(full.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(full.stderr).toContain('is not empty');
    expect(await readdir(busy)).toEqual(['x']);
    const wrong = await runLoa(['controller', 'restore', join(out, name!), '--data', join(dir, 'new')], { LOA_BACKUP_PASSPHRASE: 'sai' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('Sai mật khẩu sao lưu');
    expect((await readdir(dir)).sort()).toEqual(['backups', 'busy', 'data']);
  });
});
