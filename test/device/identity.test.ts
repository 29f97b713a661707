import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityFromJson, IdentityError, loadIdentity } from '../../device/identity.js';
import { rawPublicKey } from '../../protocol/index.js';
import { dataDirWithIdentity } from '../support/identity.js';

describe('identityFromJson', () => {
  it('reads what provisioning wrote, keeping keys it does not name for other readers', async () => {
    const dir = await dataDirWithIdentity('loa-identity-', { laterKey: 'kept' } as never);
    const identity = await loadIdentity(dir);
    expect(identity!.releaseKeys).toEqual([]);
    expect(identity).toMatchObject({ district: 'sim', unitNumber: 1, broker: null, contentUrl: null, origin: { lat: 0, lon: 0 }, tls: null, simulation: true });
    expect(identity!.unitKey).toHaveLength(32);
    expect(identity!.districtKeys).toHaveLength(1);
  });

  it('pins the release keys provisioning wrote, and refuses one that is not a key', async () => {
    const key = rawPublicKey(generateKeyPairSync('ed25519').publicKey).toString('hex');
    const identity = await loadIdentity(await dataDirWithIdentity('loa-identity-', { releaseKeys: [key] }));
    expect(identity!.releaseKeys.map((k) => rawPublicKey(k).toString('hex'))).toEqual([key]);
    const bad = await dataDirWithIdentity('loa-identity-', { releaseKeys: ['ab'] });
    await expect(loadIdentity(bad)).rejects.toThrow(/releaseKeys\[0\]: "ab" must be 64 hex digits/);
  });

  it('lists every bad key with its path, and never repeats the secret key', async () => {
    const dir = await dataDirWithIdentity('loa-identity-');
    const json = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')) as Record<string, unknown>;
    const bad = { ...json, unitName: 'Xe 01', unitNumber: 0, unitKey: 'secret-but-not-hex', districtKeys: ['x'], origin: { lat: 95, lon: 0 }, tls: 'none' };
    let message = '';
    try {
      identityFromJson(bad, 'identity.json');
    } catch (err) {
      expect(err).toBeInstanceOf(IdentityError);
      message = (err as Error).message;
    }
    expect(message.split('; ')).toEqual([
      'identity.json: unitName: "Xe 01" must be a-z, 0-9 and - (1–32)',
      'unitNumber: 0 must be a whole number ≥ 1',
      'unitKey: a secret of 18 characters must be 64 hex digits (32 bytes)',
      'districtKeys[0]: "x" must be 64 hex digits',
      'origin.lat: 95 must be a number of degrees from -90 to 90',
      'tls: "none" must be null or { "ca", "cert", "key" } (PEM)',
    ]);
    expect(message).not.toContain('secret-but-not-hex');
  });
});
