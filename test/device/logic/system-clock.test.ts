import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClockSynchronised, TIMESYNC_SYNCHRONIZED_PATH } from '../../../device/logic/system-clock.js';

describe('systemClockSynchronised', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is true once the flag file exists (a real file in a temp dir)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-timesync-'));
    dirs.push(dir);
    const flag = join(dir, 'synchronized');
    expect(systemClockSynchronised(undefined, flag)).toBe(false);
    writeFileSync(flag, '');
    expect(systemClockSynchronised(undefined, flag)).toBe(true);
  });

  it('asks the given file system about systemd-timesyncd’s path by default', () => {
    const asked: string[] = [];
    expect(systemClockSynchronised({ existsSync: (p) => (asked.push(p), true) })).toBe(true);
    expect(asked).toEqual(['/run/systemd/timesync/synchronized']);
    expect(TIMESYNC_SYNCHRONIZED_PATH).toBe('/run/systemd/timesync/synchronized');
  });
});
