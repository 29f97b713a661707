// `loa controller key show`: the area's public key as the province hub registers it, read from the key file alone.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId, rawPublicKey } from '../../protocol/signed.js';
import { runLoa } from '../support/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-key-show-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loa controller key show', () => {
  it('prints the public key, its id and the hub command, in Vietnamese and as JSON', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const seed = privateKey.export({ format: 'jwk' }).d!;
    await writeFile(join(dir, 'district-key'), `${Buffer.from(seed, 'base64url').toString('hex')}\n`, { mode: 0o600 });
    const hex = rawPublicKey(privateKey).toString('hex');

    const vi = await runLoa(['controller', 'key', 'show', '--data', dir]);
    expect(vi.code).toBe(0);
    expect(vi.stdout).toContain(`Khoá công khai: ${hex}`);
    expect(vi.stdout).toContain(`mã khoá ${keyId(privateKey)}`);
    expect(vi.stdout).toContain(`loa province area add trieu-son --name "Triệu Sơn" --key ${hex}`);

    const json = await runLoa(['controller', 'key', 'show', '--data', dir, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ area: 'trieu-son', name: 'Triệu Sơn', keyId: keyId(privateKey), publicKey: hex });
  });

  it('makes no key where there is none: one line, exit 2, the folder left as it was', async () => {
    const r = await runLoa(['controller', 'key', 'show', '--data', dir, '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('there is no area key');
    expect(await readdir(dir)).toEqual([]);
  });
});
