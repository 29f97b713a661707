/**
 * District-signed objects (SPEC.md "Signed objects"): commands, manifests, manifest announcements and key
 * rotations, signed with the district's Ed25519 key (node:crypto). Layout:
 *
 *   0x12 | key id (4 bytes) | object type (u8) | body… | signature (64 bytes)
 *
 * The key id is the first 4 bytes of SHA-256 of the raw 32-byte public key; it says which pinned key to try.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ByteReader, ByteWriter } from './bytes.js';
import { ProtocolError } from './errors.js';
import { frameKind, versionByte } from './frame.js';
import {
  MAX_NAME,
  readCommand,
  readCommandStart,
  readManifest,
  sha256Bytes,
  writeCommand,
  writeManifest,
  type Command,
  type CommandHead,
  type Manifest,
} from './signed-bodies.js';

export const SIGNATURE_LENGTH = 64;
export const KEY_ID_LENGTH = 4;
/** A manifest for a few hundred clips fits comfortably. */
export const MAX_SIGNED = 262_144;

export const SIGNED_TYPES = ['command', 'manifest', 'announcement', 'key-rotation'] as const;
export type SignedType = (typeof SIGNED_TYPES)[number];

/** Tells carts that a new manifest exists; they fetch it and verify it on its own. */
export interface Announcement {
  district: string;
  version: number;
  /** SHA-256 of the signed manifest's bytes, hex. */
  sha256: string;
  size: number;
}

/** The old district key vouches for the new one. */
export interface KeyRotation {
  district: string;
  /** The new raw Ed25519 public key, hex (32 bytes). */
  newKey: string;
  issued: number;
}

export type SignedBody =
  | { type: 'command'; command: Command }
  | { type: 'manifest'; manifest: Manifest }
  | { type: 'announcement'; announcement: Announcement }
  | { type: 'key-rotation'; rotation: KeyRotation };

export interface OpenedObject {
  keyId: string;
  body: SignedBody;
}

// --- keys ---------------------------------------------------------------------------------------------------------

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new ProtocolError('bad-value', `an Ed25519 public key is 32 bytes, this one is ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new ProtocolError('bad-value', `an Ed25519 secret seed is 32 bytes, this one is ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function keyId(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest().subarray(0, KEY_ID_LENGTH).toString('hex');
}

// --- bodies -------------------------------------------------------------------------------------------------------

function writeBody(w: ByteWriter, body: SignedBody): void {
  switch (body.type) {
    case 'command':
      writeCommand(w, body.command);
      return;
    case 'manifest':
      writeManifest(w, body.manifest);
      return;
    case 'announcement': {
      const a = body.announcement;
      w.str(a.district, MAX_NAME, 'district').varint(a.version).bytes(sha256Bytes(a.sha256)).varint(a.size);
      return;
    }
    case 'key-rotation': {
      const k = body.rotation;
      const raw = Buffer.from(k.newKey, 'hex');
      if (raw.length !== 32) throw new ProtocolError('bad-value', `new key must be 32 bytes of hex, got ${k.newKey.length / 2}`);
      w.str(k.district, MAX_NAME, 'district').bytes(raw).u32(k.issued);
      return;
    }
  }
}

function readBody(type: SignedType, r: ByteReader): SignedBody {
  switch (type) {
    case 'command':
      return { type, command: readCommand(r) };
    case 'manifest':
      return { type, manifest: readManifest(r) };
    case 'announcement':
      return {
        type,
        announcement: { district: r.str('district', MAX_NAME), version: r.varint('version'), sha256: r.bytes(32, 'sha256').toString('hex'), size: r.varint('size') },
      };
    case 'key-rotation':
      return { type, rotation: { district: r.str('district', MAX_NAME), newKey: r.bytes(32, 'new key').toString('hex'), issued: r.u32('issued') } };
  }
}

// --- sign and open ------------------------------------------------------------------------------------------------

export function signObject(body: SignedBody, privateKey: KeyObject): Buffer {
  const w = new ByteWriter(256);
  w.u8(versionByte('signed')).bytes(Buffer.from(keyId(privateKey), 'hex')).u8(SIGNED_TYPES.indexOf(body.type));
  writeBody(w, body);
  const unsigned = w.finish();
  if (unsigned.length + SIGNATURE_LENGTH > MAX_SIGNED) throw new ProtocolError('too-long', `signed ${body.type} of ${unsigned.length} bytes is over ${MAX_SIGNED}`);
  return Buffer.concat([unsigned, sign(null, unsigned, privateKey)]);
}

/** The parts of a signed object found without reading its body: size, version/kind byte, key id, signature. */
function envelope(bytes: Uint8Array): { keyId: string; signature: Buffer; body: ByteReader } {
  if (bytes.length > MAX_SIGNED) throw new ProtocolError('too-long', `signed object of ${bytes.length} bytes is over ${MAX_SIGNED}`);
  if (bytes.length < 1 + KEY_ID_LENGTH + 1 + SIGNATURE_LENGTH) throw new ProtocolError('truncated', `signed object of ${bytes.length} bytes is too short`);
  if (frameKind(bytes) !== 'signed') throw new ProtocolError('bad-kind', `byte 0x${bytes[0]!.toString(16)} does not start a signed object`);
  const r = new ByteReader(bytes, 1, bytes.length - SIGNATURE_LENGTH);
  const id = r.bytes(KEY_ID_LENGTH, 'key id').toString('hex');
  return { keyId: id, signature: Buffer.from(bytes.subarray(bytes.length - SIGNATURE_LENGTH)), body: r };
}

/** The object type and body, from a reader just past the key id. */
function readTyped(r: ByteReader): SignedBody {
  const typeCode = r.u8('object type');
  const type = SIGNED_TYPES[typeCode];
  if (type === undefined) throw new ProtocolError('bad-kind', `signed object type ${typeCode} is not known`);
  return readBody(type, r);
}

/** Reads the object WITHOUT checking the signature: for display and for finding the key. */
export function readSigned(bytes: Uint8Array): OpenedObject & { signature: Buffer } {
  const e = envelope(bytes);
  return { keyId: e.keyId, body: readTyped(e.body), signature: e.signature };
}

/**
 * Verifies the signature against the trusted keys (the one whose id matches), then reads the body: nothing of an
 * unverified body is interpreted, so a well-signed command with an action this code does not know comes out as
 * `unknown-action` (which the cart can answer), never as a parse error. Throws `unknown-key` when no trusted key has
 * that id, `bad-signature` when it does not verify.
 */
export function openSigned(bytes: Uint8Array, trusted: readonly KeyObject[]): OpenedObject {
  const e = envelope(bytes);
  const key = trusted.find((k) => keyId(k) === e.keyId);
  if (key === undefined) {
    throw new ProtocolError('unknown-key', `signed by key ${e.keyId}, which is not the pinned district key`);
  }
  if (!verify(null, bytes.subarray(0, bytes.length - SIGNATURE_LENGTH), key, e.signature)) {
    const what = SIGNED_TYPES[bytes[1 + KEY_ID_LENGTH]!] ?? 'signed object';
    throw new ProtocolError('bad-signature', `the ${what} does not verify under key ${e.keyId} (altered or forged)`);
  }
  return { keyId: e.keyId, body: readTyped(e.body) };
}

/**
 * The unit, counter, times and action number of a signed command, read without its arguments and WITHOUT checking
 * the signature: what a cart puts in the `command-result` of a command it could not read whole (`unknown-action`).
 */
export function readCommandHead(bytes: Uint8Array): CommandHead {
  const r = envelope(bytes).body;
  const type = r.u8('object type');
  if (SIGNED_TYPES[type] !== 'command') throw new ProtocolError('bad-kind', `signed object type ${type} is not a command`);
  return readCommandStart(r);
}
