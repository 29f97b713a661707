/**
 * `loa unit run --sim` on an empty data folder: a throwaway simulation identity (its own unit key and its own
 * district key, never the district's) and a small playlist of generated test tones, signed with that throwaway key
 * and placed in `incoming/` — so the cart then plays them through the very same verification path as real content.
 * The identity is marked `simulation: true`, and a cart refuses such an identity without `--sim`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeToneWav } from '../../hardware/audio/wav.js';
import { rawPublicKey, signObject, type ManifestClip, type Priority } from '../../protocol/index.js';
import { sha256File, writeFileDurably } from '../../lib/durable.js';
import { IDENTITY_FILE, saveIdentity } from '../identity.js';
import { TRIEU_SON_ORIGIN } from './places.js';

const TONES: { id: string; title: string; frequency: number; seconds: number; priority: Priority }[] = [
  { id: 'sim-tone-1', title: 'Âm thử 1 (440 Hz)', frequency: 440, seconds: 8, priority: 'ordinary' },
  { id: 'sim-tone-2', title: 'Âm thử 2 (660 Hz)', frequency: 660, seconds: 6, priority: 'ordinary' },
  { id: 'sim-tone-3', title: 'Âm thử ưu tiên (880 Hz)', frequency: 880, seconds: 4, priority: 'priority' },
];

/** Creates the simulation identity and content if the data folder has no identity yet. Returns true if it did. */
export async function ensureSimulationSetup(dataDir: string, now: number): Promise<boolean> {
  if (await stat(join(dataDir, IDENTITY_FILE)).then(() => true, () => false)) return false;
  await mkdir(join(dataDir, 'content', 'incoming'), { recursive: true });
  const district = generateKeyPairSync('ed25519').privateKey;
  await saveIdentity(dataDir, {
    district: 'sim',
    unitName: 'sim-01',
    unitNumber: 1,
    commune: 'sim',
    team: 'sim',
    unitKey: randomBytes(32).toString('hex'),
    districtKeys: [rawPublicKey(district).toString('hex')],
    broker: null,
    profile: 'pi-4',
    // The simulated routes go round Triệu Sơn's communes: offsets from its origin are the short ones.
    origin: { ...TRIEU_SON_ORIGIN },
    simulation: true,
  });
  const incoming = join(dataDir, 'content', 'incoming');
  const clips: ManifestClip[] = [];
  for (const t of TONES) {
    const file = join(incoming, `${t.id}.wav`);
    const info = await writeToneWav(file, { frequency: t.frequency, seconds: t.seconds, amplitude: 0.3 });
    const size = (await readFile(file)).length;
    clips.push({ id: t.id, sha256: await sha256File(file), size, durationMs: Math.round(info.durationMs), priority: t.priority, title: t.title, validFrom: 0, validUntil: 0, targets: [] });
  }
  const issued = Math.floor(now / 1000);
  const manifest = signObject(
    { type: 'manifest', manifest: { district: 'sim', version: 1, issued, expires: issued + 365 * 86_400, targets: [{ kind: 'district', id: 'sim' }], clips } },
    district,
  );
  await writeFileDurably(join(incoming, 'manifest.bin'), manifest);
  return true;
}
