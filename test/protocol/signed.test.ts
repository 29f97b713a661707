import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkCommand,
  checkManifest,
  keyId,
  openSigned,
  privateKeyFromSeed,
  publicKeyFromRaw,
  rawPublicKey,
  signObject,
  type Manifest,
} from '../../protocol/index.js';
import { signedCases, TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../tools/vector-cases.js';

const district = privateKeyFromSeed(TEST_DISTRICT_SEED);
const pinned = publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'));
const manifestBody = signedCases.manifest!;
const manifest = (manifestBody as { manifest: Manifest }).manifest;

describe('district signatures', () => {
  it('derives the RFC 8032 public key from its seed', () => {
    expect(rawPublicKey(district).toString('hex')).toBe(TEST_DISTRICT_PUBLIC);
    expect(keyId(pinned)).toHaveLength(8);
  });

  it('refuses a manifest signed by another key', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => openSigned(signObject(manifestBody, other), [pinned])).toThrow(expect.objectContaining({ code: 'unknown-key' }));
  });

  it('refuses a tampered manifest, whichever byte was changed', () => {
    const bytes = signObject(manifestBody, district);
    for (let i = 0; i < bytes.length; i += 7) {
      const t = Buffer.from(bytes);
      t[i] ^= 0x20;
      expect(() => openSigned(t, [pinned]), `byte ${i}`).toThrow(expect.objectContaining({ code: expect.stringMatching(/bad-signature|unknown-key|bad-version|bad-kind|bad-value|truncated|too-long/) }));
    }
  });

  it('refuses an unsigned manifest (signature cut off or zeroed)', () => {
    const bytes = signObject(manifestBody, district);
    expect(() => openSigned(bytes.subarray(0, -64), [pinned])).toThrow();
    const zeroed = Buffer.from(bytes);
    zeroed.fill(0, zeroed.length - 64);
    expect(() => openSigned(zeroed, [pinned])).toThrow(expect.objectContaining({ code: 'bad-signature' }));
  });

  it('accepts a key rotation only through the old key', () => {
    const next = generateKeyPairSync('ed25519').privateKey;
    const rotation = signObject({ type: 'key-rotation', rotation: { district: 'trieu-son', newKey: rawPublicKey(next).toString('hex'), issued: 1 } }, district);
    const opened = openSigned(rotation, [pinned]);
    expect(opened.body.type).toBe('key-rotation');
    const forged = signObject({ type: 'key-rotation', rotation: { district: 'trieu-son', newKey: rawPublicKey(next).toString('hex'), issued: 1 } }, next);
    expect(() => openSigned(forged, [pinned])).toThrow(expect.objectContaining({ code: 'unknown-key' }));
  });
});

describe('what a cart checks', () => {
  const cart = { district: 'trieu-son', now: manifest.issued + 10, activeVersion: 11 };

  it('accepts a current manifest for its district', () => {
    expect(() => checkManifest(manifest, cart)).not.toThrow();
    expect(() => checkManifest(manifest, { ...cart, activeVersion: 12 })).not.toThrow();
  });

  it('refuses an expired manifest, an older one, and one for another district', () => {
    expect(() => checkManifest(manifest, { ...cart, now: manifest.expires + 1 })).toThrow(expect.objectContaining({ code: 'expired' }));
    expect(() => checkManifest(manifest, { ...cart, activeVersion: 13 })).toThrow(expect.objectContaining({ code: 'rollback' }));
    expect(() => checkManifest(manifest, { ...cart, district: 'nong-cong' })).toThrow(/trieu-son/);
  });

  it('refuses a command for another unit, expired, or replayed', () => {
    const body = signedCases['command-set-volume']!;
    if (body.type !== 'command') throw new Error('vector changed');
    const c = body.command;
    const ok = { unit: 7, now: c.issued, lastCounter: 16 };
    expect(() => checkCommand(c, ok)).not.toThrow();
    expect(() => checkCommand(c, { ...ok, unit: 8 })).toThrow(/unit 7/);
    expect(() => checkCommand(c, { ...ok, now: c.expires + 1 })).toThrow(expect.objectContaining({ code: 'expired' }));
    expect(() => checkCommand(c, { ...ok, lastCounter: 17 })).toThrow(expect.objectContaining({ code: 'replay' }));
  });
});
