// `loa release …` on the office machine, in-process on a real data folder (a controller database with carts and
// users): add verifies and stores a bundle or refuses it in one line; rollout, stop and status write and read the
// rollout as the named person, who must be an approver; usage mistakes change nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReleaseController } from '../../cli/release-controller.js';
import { UsageError } from '../../cli/io.js';
import type { Lang } from '../../cli/i18n.js';
import { openControllerDb } from '../../controller/db/database.js';
import { FleetRegistry } from '../../controller/fleet/registry.js';
import { UserStore } from '../../controller/users/users.js';
import { makeBundle, releaseKeyPair } from '../controller/releases/harness.js';

let dir: string;
let data: string;
const key = releaseKeyPair();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-release-cli-'));
  data = join(dir, 'data');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(data);
  const db = await openControllerDb(join(data, 'controller.db'));
  const users = new UserStore({ db });
  await users.start();
  await users.add({ name: 'truong-ban', role: 'approver', password: 'mat-khau-dai-du-12' });
  await users.add({ name: 'xem', role: 'viewer', password: 'mat-khau-dai-du-12' });
  const registry = new FleetRegistry({ db });
  await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
  await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ Dân Lực' });
  await registry.addUnit({ id: 'xe-01', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w', firmware: '0.1.0' });
  await registry.addUnit({ id: 'xe-02', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w', firmware: '0.1.0' });
  await db.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loa(args: string[], lang: Lang = 'vi', keys: string[] = [key.hex]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const code = await runReleaseController([...args, '--data', data], { stdout: out, stderr: err, stdin: new PassThrough(), env: {} }, lang, { releaseKeys: keys });
  return { code, ...chunks, out: chunks.out, err: chunks.err };
}

async function bundle(version: string, signer = key.privateKey): Promise<string> {
  const path = join(dir, `loa-release-${version}-arm64.tar`);
  await writeFile(path, await makeBundle({ version, key: signer }));
  return path;
}

describe('loa release add / list', () => {
  it('stores a signed bundle, says so in Vietnamese, and lists it', async () => {
    const added = await loa(['add', await bundle('0.2.0'), '--as', 'truong-ban']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^Đã lưu bản phát hành 0\.2\.0 \(arm64/);
    const again = await loa(['add', await bundle('0.2.0'), '--as', 'truong-ban'], 'en');
    expect(again.out).toContain('already there');
    const listed = await loa(['list'], 'en');
    expect(listed.out).toMatch(/0\.2\.0\s+arm64/);
  });

  it('refuses a bundle signed by another key in one line, exit 1, and stores nothing', async () => {
    const r = await loa(['add', await bundle('0.2.0', releaseKeyPair().privateKey), '--as', 'truong-ban'], 'en');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^loa release add: the release bundle is refused: .*not a release key/);
    expect((await loa(['list'], 'en')).out).toContain('No release yet');
  });

  it('refuses without a configured release key, saying where to add one', async () => {
    const r = await loa(['add', await bundle('0.2.0'), '--as', 'truong-ban'], 'vi', []);
    expect(r.code).toBe(1);
    expect(r.err).toContain('releases');
  });
});

describe('loa release rollout / stop / status', () => {
  it('starts a rollout as an approver, refuses a viewer, stops it, and shows each cart', async () => {
    await loa(['add', await bundle('0.2.0'), '--as', 'truong-ban']);
    const viewer = await loa(['rollout', '0.2.0', '--canary', 'xe-01', '--then', 'all', '--as', 'xem'], 'en');
    expect(viewer.code).toBe(1);
    expect(viewer.err).toContain('may not');
    const started = await loa(['rollout', '0.2.0', '--canary', 'xe-01', '--then', 'commune:dan-luc', '--healthy-minutes', '5', '--as', 'truong-ban']);
    expect(started.code).toBe(0);
    expect(started.out).toContain('Đã bắt đầu cập nhật 0.2.0');
    const shown = await loa(['status', '0.2.0'], 'en');
    expect(shown.out).toContain('Rollout 0.2.0: canary');
    expect(shown.out).toMatch(/xe-01\s+0\.1\.0\s+canary: pending/);
    expect((await loa(['stop', '0.2.0', '--as', 'truong-ban'], 'en')).out).toContain('state stopped');
    const json = JSON.parse((await loa(['status', '--json'])).out) as { rollout: { rollout: { state: string; updatedBy: string } } };
    expect(json.rollout.rollout).toMatchObject({ state: 'stopped', updatedBy: 'truong-ban' });
  });

  it('usage mistakes are UsageErrors (exit 2 from loa) before anything is opened', async () => {
    await expect(loa(['rollout', '0.2.0', '--as', 'truong-ban'])).rejects.toBeInstanceOf(UsageError);
    await expect(loa(['rollout', 'latest', '--canary', 'xe-01', '--as', 'truong-ban'])).rejects.toBeInstanceOf(UsageError);
    await expect(loa(['rollout', '0.2.0', '--canary', 'xe-01', '--then', 'village:x', '--as', 'truong-ban'])).rejects.toBeInstanceOf(UsageError);
    await expect(loa(['stop', '0.2.0'])).rejects.toBeInstanceOf(UsageError);
    await expect(loa(['rollout', '0.2.0', '--canary', 'xe-01', '--healthy-minutes', '-3', '--as', 'truong-ban'])).rejects.toBeInstanceOf(UsageError);
  });
});
