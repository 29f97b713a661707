// `loa demo --data DIR` starts afresh, but deletes only a folder it made: `--data data` or `--data /var/lib/loa`
// must never wipe a real district.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MARKER, prepareDemoFolder } from '../../cli/demo/data-folder.js';
import { UsageError } from '../../cli/io.js';
import { runLoa } from '../support/cli.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'loa-demo-data-'));

describe('the demo’s data folder', () => {
  it('refuses a folder holding anything it did not make, in one line that says what to do, and deletes nothing', async () => {
    const district = fresh();
    writeFileSync(join(district, 'controller.db'), 'a real district');
    mkdirSync(join(district, 'content'));
    const r = await runLoa(['demo', '--data', district, '--carts', '1', '--duration', '1']);
    expect(r.code).toBe(2);
    // One line says what is wrong and what to do (the usage of `loa demo` may follow it).
    expect(r.stderr.split('\n')[0]).toMatch(/^loa demo: .* demo không xoá thứ nó không tạo: hãy chọn một thư mục trống hoặc chưa có \(--data THƯ_MỤC\)$/);
    expect(readdirSync(district).sort()).toEqual(['content', 'controller.db']);

    const en = await runLoa(['demo', '--data', district, '--carts', '1', '--duration', '1', '--lang', 'en']);
    expect(en.code).toBe(2);
    expect(en.stderr).toMatch(/holds files the demo did not make.*give it an empty or new folder/);
  });

  it('refuses a file, and a folder whose marker is not a plain file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    await expect(prepareDemoFolder(join(dir, 'notes.txt'), 'vi')).rejects.toBeInstanceOf(UsageError);
    const odd = join(dir, 'odd');
    mkdirSync(join(odd, DEMO_MARKER), { recursive: true });
    writeFileSync(join(odd, 'keep.txt'), 'x');
    await expect(prepareDemoFolder(odd, 'en')).rejects.toThrow(/did not make/);
    expect(existsSync(join(odd, 'keep.txt'))).toBe(true);
  });

  it('makes a new folder or adopts an empty one with its marker, and clears only a folder that carries it', async () => {
    const created = join(fresh(), 'a', 'demo');
    await prepareDemoFolder(created, 'vi');
    expect(readdirSync(created)).toEqual([DEMO_MARKER]);

    const empty = fresh();
    await prepareDemoFolder(empty, 'vi');
    expect(readdirSync(empty)).toEqual([DEMO_MARKER]);

    // A later run clears what an earlier one left.
    mkdirSync(join(empty, 'carts', 'x-01'), { recursive: true });
    writeFileSync(join(empty, 'cart-config.json'), '{}');
    await prepareDemoFolder(empty, 'vi');
    expect(readdirSync(empty)).toEqual([DEMO_MARKER]);
  });
});
