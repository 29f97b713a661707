// Durable file writes and the boot counter, on real files.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_COUNTER_FILE, nextBootCounter, readJsonFile } from '../../../device/store/index.js';
import { writeFileDurably } from '../../../lib/durable.js';
import { tempDir } from './fixtures.js';

describe('writeFileDurably', () => {
  it('replaces the file whole and leaves no temporary file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    await writeFileDurably(path, '{"a":1}');
    await writeFileDurably(path, Buffer.from('{"a":2}'));
    expect(await readFile(path, 'utf8')).toBe('{"a":2}');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('fails without touching the old file when the folder does not exist', async () => {
    const dir = await tempDir();
    await expect(writeFileDurably(join(dir, 'missing', 'x.json'), '1')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(writeFileDurably('', '1')).rejects.toThrow(/path must be a file path, got ""/);
  });
});

describe('readJsonFile', () => {
  it('reads JSON, gives undefined for a missing file and a StoreError for garbage', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ok.json'), '{"volume": 70}');
    await writeFile(join(dir, 'bad.json'), '{"volu');
    expect(await readJsonFile(join(dir, 'ok.json'))).toEqual({ volume: 70 });
    expect(await readJsonFile(join(dir, 'none.json'))).toBeUndefined();
    await expect(readJsonFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'bad-file' });
  });
});

describe('nextBootCounter', () => {
  it('starts at 1, raises by one per call and has it on disk before resolving', async () => {
    const dir = join(await tempDir(), 'data'); // created when missing
    expect(await nextBootCounter(dir)).toBe(1);
    expect(await nextBootCounter(dir)).toBe(2);
    expect(JSON.parse(await readFile(join(dir, BOOT_COUNTER_FILE), 'utf8'))).toEqual({ boot: 2 });
    expect(await nextBootCounter(dir)).toBe(3);
  });

  it('refuses to guess when the counter file is damaged', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, BOOT_COUNTER_FILE), '{"boot": "seven"}');
    await expect(nextBootCounter(dir)).rejects.toMatchObject({ code: 'bad-boot-counter', message: expect.stringMatching(/holds \{"boot":"seven"\}/) });
    await writeFile(join(dir, BOOT_COUNTER_FILE), '');
    await expect(nextBootCounter(dir)).rejects.toMatchObject({ code: 'bad-boot-counter' });
    expect(await readFile(join(dir, BOOT_COUNTER_FILE), 'utf8')).toBe(''); // left for a technician to look at
  });
});
