// The strict ustar writer and reader of lib/tar.ts: what the writer writes reads back (and GNU tar reads it too),
// and the reader refuses every archive that is damaged or carries something other than files and folders.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BLOCK, readTar, tarHeader, TarWriter, type TarLimits } from '../../lib/tar.js';
import { missing } from '../support/tools.js';

interface Item {
  name: string;
  data?: Buffer;
  mode?: number;
}

/** An archive of `items` (a folder when `data` is absent) as TarWriter writes it. */
async function archive(items: readonly Item[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const tar = new TarWriter(out);
  for (const it of items) {
    if (it.data === undefined) await tar.dir(it.name, it.mode ?? 0o755, 1_700_000_000);
    else await tar.file(it.name, it.data, it.mode ?? 0o644, 1_700_000_000);
  }
  await tar.finish();
  out.end();
  return Buffer.concat(chunks);
}

/** Every entry with its bytes; `chunk` cuts the input into pieces of that size, as a slow stream would. */
async function readAll(bytes: Buffer, limits?: TarLimits, chunk = 1000): Promise<{ name: string; type: string; mode: number; data: Buffer }[]> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const out: { name: string; type: string; mode: number; data: Buffer }[] = [];
  for await (const e of readTar(Readable.from(pieces), limits)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    out.push({ name: e.name, type: e.type, mode: e.mode, data: Buffer.concat(parts) });
  }
  return out;
}

const LONG = 'node_modules/@serialport/bindings-cpp/node_modules/debug/node_modules/ms/some/deeply/nested/folder/with/a/long/file-name-that-is-long.js';

/** Re-writes a header's checksum after a change to it, so that only the change is what the reader sees. */
function fixChecksum(block: Buffer): void {
  block.write('        ', 148, 'ascii');
  let sum = 0;
  for (const b of block.subarray(0, BLOCK)) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
}

describe('TarWriter and readTar', () => {
  it('round-trips files and folders, a node_modules path longer than 100 bytes split into prefix and name, any chunking', async () => {
    expect(LONG.length).toBeGreaterThan(100);
    const items: Item[] = [
      { name: 'dist', mode: 0o755 },
      { name: 'dist/cli/loa.js', data: Buffer.from('#!/usr/bin/env node\n'), mode: 0o755 },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'exact-block', data: Buffer.alloc(BLOCK, 7) },
      { name: LONG, data: Buffer.from('module.exports = 1;\n') },
      { name: 'big.bin', data: Buffer.from(Array.from({ length: 70_001 }, (_, i) => i % 251)) },
    ];
    const bytes = await archive(items);
    expect(bytes.length % BLOCK).toBe(0);
    for (const chunk of [1, 511, 4096, bytes.length]) {
      const back = await readAll(bytes, {}, chunk);
      expect(back.map((e) => e.name)).toEqual(items.map((i) => i.name));
      for (const [i, e] of back.entries()) {
        expect(e.type).toBe(items[i]!.data === undefined ? 'dir' : 'file');
        expect(e.data.equals(items[i]!.data ?? Buffer.alloc(0))).toBe(true);
        expect(e.mode).toBe(items[i]!.mode ?? 0o644);
      }
    }
    // The long name really went into the prefix field: its first 100 bytes are not the whole path.
    const header = bytes.subarray(BLOCK * 6, BLOCK * 7); // dist, loa.js + body, empty.txt, exact-block + body, then it
    expect(header.toString('utf8', 345, 345 + 20)).toBe(LONG.slice(0, 20));
  });

  it('skips what a caller does not read of a body', async () => {
    const bytes = await archive([{ name: 'a', data: Buffer.alloc(3000, 1) }, { name: 'b', data: Buffer.from('bee') }]);
    const names: string[] = [];
    for await (const e of readTar(Readable.from([bytes]))) names.push(e.name);
    expect(names).toEqual(['a', 'b']);
  });

  it.skipIf(missing('tar'))('writes what GNU tar reads: names, sizes, modes, contents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-tar-'));
    const file = join(dir, 't.tar');
    writeFileSync(file, await archive([{ name: 'dist', mode: 0o755 }, { name: 'dist/x.js', data: Buffer.from('hello\n'), mode: 0o755 }, { name: LONG, data: Buffer.from('long\n') }]));
    const list = spawnSync('tar', ['tvf', file], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^drwxr-xr-x root\/root +0 .* dist\/$/);
    expect(lines[1]).toMatch(/^-rwxr-xr-x root\/root +6 .* dist\/x\.js$/);
    expect(lines[2]).toMatch(new RegExp(`^-rw-r--r-- root/root +5 .* ${LONG.replace(/[.@/]/g, '\\$&')}$`));
    const content = spawnSync('tar', ['xOf', file, LONG], { encoding: 'utf8' });
    expect(content.stdout).toBe('long\n');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('readTar refuses', () => {
  const good = (): Promise<Buffer> => archive([{ name: 'a.txt', data: Buffer.from('first\n') }, { name: 'b.txt', data: Buffer.from('second\n') }]);

  it('a header whose checksum does not match (one flipped byte)', async () => {
    const bytes = await good();
    bytes[BLOCK * 2 + 3] ^= 0x01; // the second header's name
    await expect(readAll(bytes)).rejects.toMatchObject({ name: 'TarError', code: 'checksum' });
  });

  it.each([
    ['symbolic link', '2'],
    ['hard link', '1'],
    ['character device', '3'],
    ['block device', '4'],
    ['fifo', '6'],
    ['pax extended header', 'x'],
  ])('a %s entry', async (_what, flag) => {
    const bytes = await good();
    const header = bytes.subarray(0, BLOCK);
    header.write(flag, 156, 'ascii');
    header.write('../../etc/passwd', 157, 'ascii'); // the link target field
    fixChecksum(header);
    await expect(readAll(bytes)).rejects.toMatchObject({ code: 'entry-type' });
  });

  it('an archive cut anywhere: inside a body, inside a header, before the closing blocks', async () => {
    const bytes = await good();
    for (const cut of [BLOCK + 3, BLOCK * 2 + 100, BLOCK * 4, BLOCK * 4 + BLOCK, bytes.length - 1]) {
      await expect(readAll(bytes.subarray(0, cut)), `cut at ${cut}`).rejects.toMatchObject({ code: 'truncated' });
    }
  });

  it('bytes after the end of the archive', async () => {
    const bytes = Buffer.concat([await good(), Buffer.alloc(BLOCK, 0), tarHeader({ name: 'smuggled', type: 'file', mode: 0o644, size: 0, mtime: 0 })]);
    await expect(readAll(bytes)).rejects.toMatchObject({ code: 'trailing' });
  });

  it('but not zeros padding the archive to a 10 KiB record, as GNU tar writes', async () => {
    const bytes = Buffer.concat([await good(), Buffer.alloc(BLOCK * 14, 0)]);
    expect((await readAll(bytes)).map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
  });

  it('more entries than allowed', async () => {
    const bytes = await archive(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
    expect(await readAll(bytes, { maxEntries: 11 })).toHaveLength(11);
    await expect(readAll(bytes, { maxEntries: 10 })).rejects.toMatchObject({ code: 'too-many' });
  });

  it('an entry larger than allowed, before reading its body', async () => {
    // A header announcing 8 GiB followed by nothing: refused from the header alone.
    const header = tarHeader({ name: 'endless', type: 'file', mode: 0o644, size: 8 * 1024 ** 3, mtime: 0 });
    await expect(readAll(header, { maxEntryBytes: 1024 ** 3 })).rejects.toMatchObject({ code: 'too-large' });
  });
});
