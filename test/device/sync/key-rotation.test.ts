// A cart trusts a new district key only when a key it already trusts signed it: a manifest signed by a rotated key
// is accepted after the cart follows the controller's chain of signed rotations, and refused when the chain does not
// lead back to its pinned key.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../hardware/logger.js';
import { ClipCache } from '../../../device/content/cache.js';
import { ContentSync } from '../../../device/sync/sync.js';
import { keyId, rawPublicKey, signObject } from '../../../protocol/index.js';
import { until } from '../../support/wait.js';
import { ContentServer } from './content-server.js';
import { clipB, DISTRICT, districtKey, manifest, NOW, pinned, sha, signed } from './fixtures.js';

const rotation = (from: KeyObject, to: KeyObject, district = DISTRICT): Buffer =>
  signObject({ type: 'key-rotation', rotation: { district, newKey: rawPublicKey(to).toString('hex'), issued: NOW } }, from);

let server: ContentServer;
let keys: KeyObject[];
let cache: ClipCache;
let sync: ContentSync;
let events: string[];

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loa-rot-'));
  server = new ContentServer();
  await server.start();
  server.clips.set(sha(clipB), clipB);
  keys = [pinned];
  events = [];
  cache = new ClipCache({ dir, district: DISTRICT, districtKeys: () => keys, now: () => NOW, logger: silentLogger });
  await cache.open();
  sync = new ContentSync({
    cache,
    baseUrl: server.baseUrl,
    partialDir: join(dir, 'partial'),
    onEvent: (kind, code) => events.push(`${kind}/${code}`),
    retry: { initialMs: 50, maxMs: 100 },
    keyRing: { district: DISTRICT, keys: () => keys, pin: async (k) => void keys.push(k) },
    logger: silentLogger,
  });
  await sync.start();
});

afterEach(async () => {
  await sync.stop();
  await server.stop();
});

/** `until`, with the sync events in the message of a timeout: they say where the sync stopped. */
const settled = (what: string, ok: () => boolean): Promise<void> =>
  until(ok, what, 5000, 20).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; events: ${events.join(', ')}`);
  });

describe('district key rotation on the cart', () => {
  it('follows a chain of two rotations from the pinned key and accepts a manifest signed by the newest key', async () => {
    const k1 = generateKeyPairSync('ed25519').privateKey;
    const k2 = generateKeyPairSync('ed25519').privateKey;
    server.rotations.push(rotation(districtKey, k1), rotation(k1, k2));
    server.latest = signed(manifest(7, { b: clipB }), k2);
    sync.syncNow();
    await settled('manifest 7 active', () => cache.active?.manifest.version === 7);
    expect(keys.map(keyId)).toEqual([pinned, k1, k2].map(keyId));
    expect(events).toContain('manifest/key-rotated');
  });

  it('refuses a manifest whose key is vouched for only by a stranger, pinning nothing', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const forged = generateKeyPairSync('ed25519').privateKey;
    server.rotations.push(rotation(stranger, forged));
    server.latest = signed(manifest(7, { b: clipB }), forged);
    sync.syncNow();
    await settled('a refusal', () => events.includes('rejected-signature/unknown-key'));
    expect(keys).toHaveLength(1);
    expect(cache.active).toBeNull();
  });

  it('refuses a rotation for another district, even signed by the pinned key', async () => {
    const k1 = generateKeyPairSync('ed25519').privateKey;
    server.rotations.push(rotation(districtKey, k1, 'nong-cong'));
    server.latest = signed(manifest(7, { b: clipB }), k1);
    sync.syncNow();
    await settled('a refusal', () => events.includes('rejected-signature/unknown-key'));
    expect(events).toContain('rejected-signature/key-rotation');
    expect(keys).toHaveLength(1);
  });
});
