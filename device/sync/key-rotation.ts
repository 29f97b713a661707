/**
 * District key rotation, cart side (issue 5): a cart trusts a new district key only when a key it already trusts
 * signed it. When a manifest arrives signed by a key the cart does not know, the sync asks the controller for its
 * rotations (`GET /content/key-rotations/<n>`, n = 1, 2, …, until 404) and follows the chain: each rotation must
 * verify under a key already pinned (the first under the provisioned one) and be for this district. Every key so
 * vouched for is pinned and saved; anything else is refused and the manifest stays refused.
 */
import type { KeyObject } from 'node:crypto';
import { keyId, openSigned, ProtocolError, publicKeyFromRaw } from '../../protocol/index.js';
import { SyncError } from './errors.js';
import { fetchBytes, type HttpGetOptions } from './http-get.js';

export interface KeyRing {
  district: string;
  /** The pinned keys, oldest first. */
  keys(): readonly KeyObject[];
  /** Pins and saves a key vouched for by a pinned one. */
  pin(key: KeyObject): Promise<void>;
}

const MAX_ROTATIONS = 64;

/** Follows the controller's rotation chain (`http`: timeouts and TLS); returns how many new keys were pinned. */
export async function followRotations(
  baseUrl: URL,
  ring: KeyRing,
  http: Omit<HttpGetOptions, 'headers' | 'signal'>,
  signal: AbortSignal,
  onRefused: (detail: string) => void,
): Promise<number> {
  let pinned = 0;
  for (let n = 1; n <= MAX_ROTATIONS; n++) {
    let bytes: Buffer;
    try {
      bytes = await fetchBytes(new URL(`content/key-rotations/${n}`, baseUrl), 4096, () => new SyncError('rejected-signature', 'rotation-too-long', `key rotation ${n} is over 4 KiB: refused`, false), { ...http, signal });
    } catch {
      break; // 404 (the end of the chain) or the controller gone: nothing more to learn now
    }
    try {
      const opened = openSigned(bytes, ring.keys());
      if (opened.body.type !== 'key-rotation') throw new ProtocolError('bad-kind', `rotation ${n} is a signed ${opened.body.type}`);
      const r = opened.body.rotation;
      if (r.district !== ring.district) throw new ProtocolError('bad-value', `rotation ${n} is for district "${r.district}"`);
      const next = publicKeyFromRaw(Buffer.from(r.newKey, 'hex'));
      if (!ring.keys().some((k) => keyId(k) === keyId(next))) {
        await ring.pin(next);
        pinned++;
      }
    } catch (err) {
      // Not vouched for by a key the cart trusts (yet): a later rotation may chain from one it pins meanwhile.
      if (err instanceof ProtocolError && err.code === 'unknown-key') continue;
      onRefused(`key rotation ${n}: ${(err as Error).message}`);
    }
  }
  return pinned;
}
