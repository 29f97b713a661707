// A controller data folder as a running controller leaves it: a database with a few days of fleet data, the district
// key, the broker password and a provisioning bundle (0600), a boot counter, a key rotation, two clip files and an
// activity photo (0600 in a 0700 folder, as the activity log keeps them).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openControllerDb } from '../../../controller/db/database.js';
import { generateFleet, parsePeriod } from '../../../controller/reports/index.js';

export const PERIOD = '2026-11';
/** Reports are computed "now" = 1 December 2026 00:00 Vietnam time, so that they never depend on the clock. */
export const NOW = parsePeriod('2026-12').start;

export async function makeControllerFolder(data: string, units = 8, days = 5): Promise<void> {
  await mkdir(join(data, 'clips'), { recursive: true });
  await mkdir(join(data, 'key-rotations'), { recursive: true });
  await mkdir(join(data, 'bundles'), { recursive: true });
  const db = await openControllerDb(join(data, 'controller.db'));
  try {
    const nov = parsePeriod(PERIOD);
    await generateFleet(db, { units, start: nov.start, end: nov.start + days * 86_400, seed: 3 });
  } finally {
    await db.close();
  }
  await writeFile(join(data, 'district-key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
  await writeFile(join(data, 'broker-controller.secret'), 'mat-khau-broker-123\n', { mode: 0o600 });
  await writeFile(join(data, 'bundles', 'dan-luc-01.json'), '{"unit":"dan-luc-01","key":"bí mật"}\n', { mode: 0o600 });
  await writeFile(join(data, 'boot-counter'), '12\n');
  await writeFile(join(data, 'key-rotations', '0001.signed'), Buffer.from([1, 2, 3, 4]));
  await writeFile(join(data, 'clips', 'a'.repeat(64)), Buffer.alloc(50_000, 7));
  await writeFile(join(data, 'clips', 'b'.repeat(64)), Buffer.alloc(20_000, 9));
  await writeFile(join(data, 'clips', '.incoming-x.wav'), 'half a clip');
  await mkdir(join(data, 'photos'), { mode: 0o700 });
  await writeFile(join(data, 'photos', `${'c'.repeat(64)}.jpg`), Buffer.alloc(30_000, 5), { mode: 0o600 });
}
