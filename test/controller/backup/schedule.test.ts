// The daily backup: when it runs (Vietnam time), what it keeps, and its configuration.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { BackupSchedule, listBackups, msUntilHour } from '../../../controller/backup/index.js';
import { makeControllerFolder } from './fixture.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-backup-schedule-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('msUntilHour', () => {
  it('counts to the next hour:00 in Vietnam (UTC+7)', () => {
    const at = (iso: string): number => Date.parse(iso);
    // 01:30 in Hà Nội (18:30 UTC the day before) → 02:00 is 30 minutes away.
    expect(msUntilHour(at('2026-12-01T18:30:00Z'), 2)).toBe(30 * 60_000);
    // 02:00 exactly → tomorrow's.
    expect(msUntilHour(at('2026-12-01T19:00:00Z'), 2)).toBe(86_400_000);
    // 03:00 → 23 hours.
    expect(msUntilHour(at('2026-12-01T20:00:00Z'), 2)).toBe(23 * 3600_000);
  });
});

describe('BackupSchedule.runOnce', () => {
  it('makes a backup and keeps the newest `keep`', async () => {
    const data = join(dir, 'data');
    const out = join(dir, 'backups');
    await makeControllerFolder(data, 2, 1);
    let now = Date.UTC(2026, 11, 1, 19);
    const schedule = new BackupSchedule({ dataDir: data, dir: out, keep: 2, hour: 2, passphrase: 'p', clock: () => now });
    for (let day = 0; day < 3; day++) {
      await schedule.runOnce();
      now += 86_400_000;
    }
    expect(await listBackups(out)).toEqual(['loa-backup-20261202-190000Z', 'loa-backup-20261203-190000Z']);
  });
});

describe('configuration backup', () => {
  it('is off by default, and checks its keys', () => {
    expect(validateControllerConfig({}).backup).toEqual({ dir: null, keep: 7, hour: 2, passphraseEnv: 'LOA_BACKUP_PASSPHRASE' });
    expect(validateControllerConfig({ backup: { dir: '/var/backups/loa', keep: 14 } }).backup).toEqual({ dir: '/var/backups/loa', keep: 14, hour: 2, passphraseEnv: 'LOA_BACKUP_PASSPHRASE' });
    expect(() => validateControllerConfig({ backup: { hour: 24, keep: 0, passphraseEnv: 'a b', when: 1 } })).toThrow(/backup\.hour[\s\S]*backup\.keep|backup\.keep[\s\S]*backup\.hour/);
  });
});
