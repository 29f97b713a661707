// The district key on a real folder: made once with mode 0600, loaded again, refused when others can read it, and
// rotated with a key-rotation object that verifies under the OLD key; a rotation cut short is finished or dropped.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSigned, publicKeyFromRaw } from '../../../protocol/index.js';
import { DistrictKey } from '../../../controller/content/district-key.js';
import { ContentError } from '../../../controller/content/errors.js';
import { DISTRICT, T0 } from './harness.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-key-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const make = (): DistrictKey => new DistrictKey({ dir, district: DISTRICT, clock: () => T0 });

describe('DistrictKey', () => {
  it('is made on the first start in a 0600 file, and the same key is loaded after', async () => {
    const key = make();
    await key.start();
    const info = await stat(key.path);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(key.path, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(key.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const again = make();
    await again.start();
    expect(again.publicKeyHex).toBe(key.publicKeyHex);
    expect(again.keyId).toBe(key.keyId);
  });

  it('refuses a key file the group or others can read, saying the chmod to run', async () => {
    const key = make();
    await key.start();
    await chmod(key.path, 0o640);
    const err = await make().start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as ContentError).code).toBe('key-permissions');
    expect((err as ContentError).message).toContain(`chmod 600 ${key.path}`);
  });

  it('refuses a damaged key file', async () => {
    await writeFile(join(dir, 'district-key'), 'not a key\n', { mode: 0o600 });
    await expect(make().start()).rejects.toMatchObject({ code: 'key-corrupt' });
  });

  it('rotates: the key-rotation verifies under the old key and names the new one, which is used after', async () => {
    const key = make();
    await key.start();
    const oldPublic = key.publicKeyHex;
    const r = await key.rotate();
    expect(r.oldPublicKey).toBe(oldPublic);
    expect(key.publicKeyHex).toBe(r.newPublicKey);
    expect(r.newPublicKey).not.toBe(oldPublic);
    const opened = openSigned(r.signed, [publicKeyFromRaw(Buffer.from(oldPublic, 'hex'))]);
    expect(opened.body).toEqual({ type: 'key-rotation', rotation: { district: DISTRICT, newKey: r.newPublicKey, issued: T0 } });
    expect(() => openSigned(r.signed, [publicKeyFromRaw(Buffer.from(r.newPublicKey, 'hex'))])).toThrow(/not the pinned/);
    expect((await stat(key.path)).mode & 0o777).toBe(0o600);
    const reloaded = make();
    await reloaded.start();
    expect(reloaded.publicKeyHex).toBe(r.newPublicKey);
    expect(await reloaded.rotations()).toEqual([r.signed]);
  });

  it('drops a half-made key without a signed rotation, and finishes one that has it', async () => {
    const key = make();
    await key.start();
    const original = key.publicKeyHex;
    await writeFile(join(dir, 'district-key.next'), `${'11'.repeat(32)}\n`, { mode: 0o600 });
    const dropped = make();
    await dropped.start();
    expect(dropped.publicKeyHex).toBe(original);
    // A rotation whose signed object reached the disk but not the final rename.
    const r = await dropped.rotate();
    await writeFile(join(dir, 'district-key.next'), await readFile(join(dir, 'district-key')), { mode: 0o600 });
    await writeFile(join(dir, 'district-key'), `${'22'.repeat(32)}\n`, { mode: 0o600 });
    const finished = make();
    await finished.start();
    expect(finished.publicKeyHex).toBe(r.newPublicKey);
  });
});
