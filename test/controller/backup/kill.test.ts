// A backup killed (SIGKILL) at each of its steps leaves the earlier backup whole, nothing under a finished backup's
// name, and only a hidden `.partial` folder that the next scheduled run removes. The backup runs in a child process:
// compiled JavaScript from dist/ (`npm run build`, which `npm test` runs first), stopped in its progress callback.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listBackups, makeBackup, pruneBackups, restoreBackup, type BackupStep } from '../../../controller/backup/index.js';
import { makeControllerFolder } from './fixture.js';

const PASS = 'mật khẩu dài của huyện';
const ROOT = resolve(import.meta.dirname, '../../..');
const COMPILED = join(ROOT, 'dist', 'controller', 'backup', 'backup.js');
let dir: string;
let data: string;
let out: string;

beforeAll(async () => {
  const built = await stat(COMPILED).catch(() => undefined);
  const source = await stat(join(ROOT, 'controller', 'backup', 'backup.ts'));
  if (!built || built.mtimeMs < source.mtimeMs) throw new Error(`${COMPILED} is missing or older than its source: run \`npm run build\` first`);
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-backup-kill-'));
  data = join(dir, 'data');
  out = join(dir, 'backups');
  await makeControllerFolder(data);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a backup in a child that prints `step` and then sleeps at it; kills it there with SIGKILL. */
async function killAt(step: BackupStep): Promise<void> {
  const script = join(dir, 'child.mjs');
  await writeFile(
    script,
    `import { makeBackup } from ${JSON.stringify(pathToFileURL(COMPILED).href)};
await makeBackup({ dataDir: ${JSON.stringify(data)}, outDir: ${JSON.stringify(out)}, passphrase: 'x',
  clock: () => Date.UTC(2026, 11, 3, 19),
  onProgress: (step) => { if (step === ${JSON.stringify(step)}) { process.stdout.write('at ' + step + '\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); } } });
process.stdout.write('finished\\n');
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  await new Promise<void>((reached, failed) => {
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes(`at ${step}`)) reached();
    });
    child.on('exit', () => failed(new Error(`the child ended before step ${step}: ${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('a backup killed mid-way', () => {
  it.each(['databases', 'files', 'secrets', 'manifest'] as const)('at step %s leaves the previous backup whole and no finished half', async (step) => {
    const previous = await makeBackup({ dataDir: data, outDir: out, passphrase: PASS, clock: () => Date.UTC(2026, 11, 2, 19) });
    await killAt(step);
    const names = await readdir(out);
    expect(names.sort()).toEqual(['.loa-backup-20261203-190000Z.partial', 'loa-backup-20261202-190000Z']);
    expect(await listBackups(out)).toEqual(['loa-backup-20261202-190000Z']);
    // The previous one restores (every SHA-256 checked) …
    await restoreBackup({ from: previous.path, dataDir: join(dir, 'restored'), passphrase: PASS });
    // … a half one without its manifest is refused as a backup; the next run clears it away.
    if (step !== 'manifest') {
      await expect(restoreBackup({ from: join(out, '.loa-backup-20261203-190000Z.partial'), dataDir: join(dir, 'r2'), passphrase: 'x' })).rejects.toThrow(/not a finished backup/);
    }
    expect(await pruneBackups(out, 7)).toEqual(['.loa-backup-20261203-190000Z.partial']);
    expect(await readdir(out)).toEqual(['loa-backup-20261202-190000Z']);
  });
});
