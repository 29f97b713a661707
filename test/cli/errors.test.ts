// What `loa` prints when something goes wrong that is not a usage mistake: one line, never a stack unless
// LOA_DEBUG=1, in the chosen language; and --lang in any position, also before the group.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLoa } from '../support/cli.js';
import { makeControllerData } from '../support/controller-data.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-err-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STACK = /^\s+at /m;

/** Exactly one line on standard error, nothing on standard output. */
function oneLine(r: { stdout: string; stderr: string }): string {
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

describe('--lang', () => {
  it('works before the group, alone or with --help, and after it', async () => {
    const alone = await runLoa(['--lang', 'en']);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/^Usage: loa <group> <command>/);
    const help = await runLoa(['--lang', 'en', 'unit', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}loa unit run /);
    const joined = await runLoa(['unit', '--help', '--lang=en']);
    expect(joined.stdout).toBe(help.stdout);
    expect((await runLoa(['--help'], { LOA_LANG: 'en' })).stdout).toBe(alone.stdout);
    expect((await runLoa(['--lang', 'vi', '--help'], { LOA_LANG: 'en' })).stdout).toMatch(/^Cách dùng: loa <nhóm>/);
  });
});

describe('an unexpected error', () => {
  it('is one line saying so, exit code 1; the stack only with LOA_DEBUG=1', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'controller.db'), 'this is not an SQLite database, but much longer than its header would be');
    const r = await runLoa(['content', 'list', '--data', data]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/^loa content: lỗi không mong đợi: .+ \(LOA_DEBUG=1 để xem chi tiết\)$/);
    const en = await runLoa(['content', 'list', '--data', data, '--lang', 'en']);
    expect(oneLine(en)).toMatch(/^loa content: unexpected error: .+ \(LOA_DEBUG=1 for the details\)$/);
    const debug = await runLoa(['content', 'list', '--data', data], { LOA_DEBUG: '1' });
    expect(debug.code).toBe(1);
    // The error's stack as node has it (sqlite3's errors carry no frames: the name and message).
    expect(debug.stderr.trimEnd().split('\n').slice(1).join('\n')).toMatch(/^Error: SQLITE_NOTADB/);
  });
});

describe('a file or folder that is not there', () => {
  it('loa content add missing.wav: one line naming the file, before any database is opened', async () => {
    const r = await runLoa(['content', 'add', join(dir, 'missing.wav'), '--title', 'T', '--as', 'phong-vh', '--data', join(dir, 'data')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(`loa content add: ${join(dir, 'missing.wav')}: không có tệp này`);
    const en = await runLoa(['content', 'add', dir, '--title', 'T', '--as', 'phong-vh', '--lang', 'en']);
    expect(oneLine(en)).toBe(`loa content add: ${dir}: is not a file`);
  });

  it('loa report --out into a missing folder: one line, nothing built', async () => {
    const data = join(dir, 'data');
    await makeControllerData(data);
    const out = join(dir, 'missing-folder', 'x.csv');
    const r = await runLoa(['report', '--period', '2026-11', '--format', 'csv', '--out', out, '--data', data]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(`loa report: --out ${out}: không có thư mục ${join(dir, 'missing-folder')} (tạo nó trước, hoặc chọn nơi khác)`);
  });

  it('loa unit run --data FILE: one line saying it is a file', async () => {
    const file = join(dir, 'some-file');
    await writeFile(file, 'x');
    const r = await runLoa(['unit', 'run', '--sim', '--data', file, '--lang', 'en']);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(`loa unit run: ${file} is a file, not a data folder (--data DIR)`);
  });
});

describe('an office command on a folder with no controller database', () => {
  it.each([
    [['report', '--period', '2026-11']],
    [['controller', 'unit', 'list']],
    [['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--allow-loopback']],
    [['controller', 'user', 'add', 'ca-huyen', '--role', 'approver', '--password', 'mat-khau-dai']],
    [['content', 'list']],
    [['content', 'show', 'c-0001']],
    [['manifest', 'publish', '--as', 'ca-huyen', '--no-announce']],
  ])('loa %j refuses it in one line, exit code 2, and makes nothing', async (argv) => {
    const data = join(dir, 'not-the-data');
    const r = await runLoa([...argv, '--data', data]);
    expect(r.code).toBe(2);
    const line = oneLine(r);
    expect(line).toMatch(/^loa [a-z ]+: không có cơ sở dữ liệu của bộ điều khiển trong /);
    expect(line).toContain(join(data, 'controller.db'));
    expect(line).toContain('--data');
    expect(line).toContain('loa controller run');
    expect(existsSync(data)).toBe(false);
    const en = await runLoa([...argv, '--data', data, '--lang', 'en']);
    expect(oneLine(en)).toContain(`there is no controller database in ${data}`);
  });
});
