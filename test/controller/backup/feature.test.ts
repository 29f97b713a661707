// The daily backup as a feature of the running controller, and a backup of a running controller's data folder.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { DistrictController } from '../../../controller/app/controller.js';
import { makeBackup, restoreBackup } from '../../../controller/backup/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-backup-feature-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function controller(env: Record<string, string>): DistrictController {
  const config = validateControllerConfig({
    dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 }, backup: { dir: join(dir, 'backups'), keep: 3, hour: 2 },
  });
  return new DistrictController({ config, env });
}

describe('the backup feature of loa controller run', () => {
  it('runs with a passphrase; a backup of the running controller restores with its key and database', async () => {
    const c = controller({ LOA_BACKUP_PASSPHRASE: 'dài và bí mật' });
    await c.start();
    const key = c.districtPublicKeyHex;
    try {
      expect(c.features.find((f) => f.name === 'backup')).toEqual({ name: 'backup', ok: true });
      const done = await makeBackup({ dataDir: join(dir, 'data'), outDir: join(dir, 'backups'), passphrase: 'dài và bí mật' });
      expect(done.secrets).toBe(2); // district-key, broker-controller.secret
      await restoreBackup({ from: done.path, dataDir: join(dir, 'restored'), passphrase: 'dài và bí mật' });
      // Empty folders (clips/, key-rotations/) are not kept: the controller makes them at start. The spoken cues'
      // pack (cues/) is kept when espeak-ng made one (a machine without it has none to keep).
      const restored = (await readdir(join(dir, 'restored'))).sort();
      expect(restored.filter((n) => n !== 'cues')).toEqual(['boot-counter', 'broker-controller.secret', 'controller.db', 'district-key']);
      expect(restored.includes('cues')).toBe(existsSync(join(dir, 'data', 'cues', 'pack.tar')));
    } finally {
      await c.stop();
    }
    // The restored folder runs a controller with the same district key.
    const config = validateControllerConfig({ dataDir: join(dir, 'restored'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
    const again = new DistrictController({ config, env: {} });
    await again.start();
    try {
      expect(again.districtPublicKeyHex).toBe(key);
    } finally {
      await again.stop();
    }
  });

  it('is listed as failed without a passphrase, and the controller runs without it', async () => {
    const c = controller({});
    await c.start();
    try {
      const f = c.features.find((x) => x.name === 'backup');
      expect(f?.ok).toBe(false);
      expect(f?.error).toContain('LOA_BACKUP_PASSPHRASE');
    } finally {
      await c.stop();
    }
  });
});
