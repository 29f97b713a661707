import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ByteWriter,
  checkCommand,
  checkManifest,
  keyId,
  openSigned,
  privateKeyFromSeed,
  publicKeyFromRaw,
  rawPublicKey,
  readCommandHead,
  readSigned,
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

describe('signature before body (SPEC §5, issue 19 point 9)', () => {
  /** A command signed like signObject would, with an action byte and arguments of our choosing. */
  function rawCommand(action: number, args: Buffer, key = district): Buffer {
    const w = new ByteWriter().u8(0x12).bytes(Buffer.from(keyId(key), 'hex')).u8(0);
    w.varint(7).varint(42).u32(1_760_000_000).u32(1_760_003_600).u8(action).bytes(args);
    const unsigned = w.finish();
    return Buffer.concat([unsigned, sign(null, unsigned, key)]);
  }
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  };

  it('answers a well-signed command with an action it does not know as unknown-action, its head still readable', () => {
    const bytes = rawCommand(7, Buffer.from('0102', 'hex'));
    expect(code(() => openSigned(bytes, [pinned]))).toBe('unknown-action');
    expect(readCommandHead(bytes)).toEqual({ unit: 7, counter: 42, issued: 1_760_000_000, expires: 1_760_003_600, action: 7 });
  });

  it('checks the signature before it looks at the body', () => {
    const forged = rawCommand(7, Buffer.alloc(0));
    forged[forged.length - 1]! ^= 1;
    expect(code(() => openSigned(forged, [pinned]))).toBe('bad-signature');
    // A body that does not even parse, signed by a key the cart does not pin: the key is what is wrong.
    const stranger = generateKeyPairSync('ed25519').privateKey;
    expect(code(() => openSigned(rawCommand(0, Buffer.alloc(0), stranger), [pinned]))).toBe('unknown-key');
    expect(code(() => openSigned(rawCommand(0, Buffer.alloc(0)), [pinned]))).toBe('truncated');
  });

  it('refuses a set-volume over 100 and a play-clip id outside the manifest rule, on both sides', () => {
    expect(code(() => openSigned(rawCommand(0, Buffer.from([101])), [pinned]))).toBe('bad-value');
    expect(openSigned(rawCommand(0, Buffer.from([100])), [pinned]).body).toMatchObject({ command: { action: 'set-volume', volume: 100 } });
    const clip = (id: string) => new ByteWriter().str(id).finish();
    expect(code(() => openSigned(rawCommand(2, clip('../x')), [pinned]))).toBe('bad-value');
    expect(code(() => openSigned(rawCommand(2, clip('c'.repeat(49))), [pinned]))).toBe('bad-value');
    expect(openSigned(rawCommand(2, clip('c-0042')), [pinned]).body).toMatchObject({ command: { action: 'play-clip', clip: 'c-0042' } });
    const command = { unit: 7, counter: 1, issued: 1, expires: 2, action: 'play-clip' as const, clip: 'a/b' };
    expect(code(() => signObject({ type: 'command', command }, district))).toBe('bad-value');
  });

  it('checks the head of a command it cannot read whole like any command', () => {
    const head = readCommandHead(rawCommand(7, Buffer.alloc(0)));
    expect(() => checkCommand(head, { unit: 7, now: head.issued, lastCounter: 41 })).not.toThrow();
    expect(code(() => checkCommand(head, { unit: 7, now: head.issued, lastCounter: 42 }))).toBe('replay');
    expect(code(() => readCommandHead(signObject(manifestBody, district)))).toBe('bad-kind');
  });

  it('still reads an unverified object for display, and says which action it did not know', () => {
    expect(code(() => readSigned(rawCommand(9, Buffer.alloc(0))))).toBe('unknown-action');
  });
});
