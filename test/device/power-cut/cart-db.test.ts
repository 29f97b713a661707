// The power-cut test's checker must catch what it looks for: a real cart database, damaged on purpose.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CartStore } from '../../../device/store/index.js';
import { SqliteDb } from '../../../lib/sqlite.js';
import { cutProblems, readCartDb } from './cart-db.js';

const at = { time: 1_780_000_000, source: 'gnss' } as const;
let dir: string | null = null;

async function storeWithEvents(n: number): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'loa-cart-db-'));
  const path = join(dir, 'cart.db');
  const store = await CartStore.open({ path });
  await store.appendDurable(Array.from({ length: n }, (_, i) => ({ type: 'event' as const, at, kind: 'info' as const, code: `e${i}`, detail: '' })));
  await store.acknowledge([[1, 2]]);
  await store.close();
  return path;
}

async function tamper(path: string, sql: string): Promise<void> {
  const db = await SqliteDb.open(path);
  await db.exclusive(() => db.exec(sql));
  await db.close();
}

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe('cutProblems on a real cart database', () => {
  it('finds nothing wrong with an untouched database', async () => {
    const path = await storeWithEvents(5);
    const before = await readCartDb(path, { integrity: false });
    const after = await readCartDb(path, { integrity: true });
    expect(after.integrity).toBe('ok');
    expect(after.records.size).toBe(5);
    expect(cutProblems(before, after)).toEqual([]);
  });

  it('reports a committed record that is gone, and the gap it leaves', async () => {
    const path = await storeWithEvents(5);
    const before = await readCartDb(path, { integrity: false });
    await tamper(path, 'DELETE FROM outbox WHERE record = 4');
    const problems = cutProblems(before, await readCartDb(path, { integrity: true }));
    expect(problems).toContain('record 4 (event) was committed before the cut and is gone');
    expect(problems).toContain('record 4 is below next_record (6) but not in the outbox');
    expect(problems).toContain('events row 4 has no event record in the outbox');
  });

  it('reports a record number that would be given again, or carries other bytes', async () => {
    const path = await storeWithEvents(5);
    const before = await readCartDb(path, { integrity: false });
    await tamper(path, "UPDATE counters SET value = 4 WHERE name = 'next_record'; UPDATE outbox SET bytes = x'00' WHERE record = 3");
    const problems = cutProblems(before, await readCartDb(path, { integrity: true }));
    expect(problems).toContain('next_record went back from 6 to 4');
    expect(problems).toContain('record 5 is in the outbox but next_record is 4: the number would be given again');
    expect(problems).toContain('record 3 changed across the cut (event → event)');
  });

  it('reports an acknowledgement that was undone', async () => {
    const path = await storeWithEvents(3);
    const before = await readCartDb(path, { integrity: false });
    await tamper(path, 'UPDATE outbox SET acked_ms = NULL WHERE record = 2');
    expect(cutProblems(before, await readCartDb(path, { integrity: true }))).toEqual(['record 2 was acknowledged before the cut and is unacknowledged after it']);
  });
});
