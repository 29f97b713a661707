// The health check of a version on trial, on a real store and a real releases folder: this boot's hello is found in
// the outbox and counts only once the district's ack covers it; a healthy version keeps an event, then clears its
// trial (and drops the database backup); one that runs out of time marks its trial failed and stops the program.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheck, HelloWatch } from '../../../device/update/health.js';
import { readState, updateState } from '../../../device/update/releases.js';
import { CartStore } from '../../../device/store/index.js';
import { until } from '../../support/wait.js';

const dirs: string[] = [];
const stores: CartStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-health-'));
  dirs.push(dir);
  return dir;
}

const hello = (firmware: string) => ({ type: 'hello' as const, firmware, manifestVersion: 0, capabilities: [], bootTime: { time: 1000, source: 'system' as const } });

describe('HelloWatch', () => {
  it("knows this boot's hello, not an older one still waiting, and sees it acknowledged", async () => {
    const store = await CartStore.open({ path: join(await folder(), 'cart.db') });
    stores.push(store);
    await store.appendDurable([hello('0.1.0')]); // record 1: the last boot's, never acknowledged
    const { next } = await store.numberRecordsAbove(0);
    const watch = new HelloWatch(store, next);
    await store.appendDurable([{ type: 'event', at: { time: 1, source: 'system' }, kind: 'info', code: 'x', detail: '' }, hello('0.2.0')]); // 2, 3
    expect((await watch.pending(10_000)).map((e) => e.record)).toEqual([1, 2, 3]);
    await watch.acknowledge([[1, 2]]);
    expect(watch.acked).toBe(false);
    await watch.acknowledge([[3, 3]]);
    expect(watch.acked).toBe(true);
    expect(await watch.depth()).toBe(0);
  });
});

describe('HealthCheck', () => {
  it('keeps the event first, then clears the trial and removes the database backup', async () => {
    const dir = await folder();
    const backup = join(dir, 'cart-before-0.2.0.db');
    await writeFile(backup, 'x');
    await updateState(dir, (s) => (s.trial = { version: '0.2.0', previous: null, attempts: 1, database: { path: join(dir, 'cart.db'), backup, backedUp: true } }));
    const events: string[] = [];
    let acked = false;
    let trialAtEvent: unknown = 'unset';
    const check = new HealthCheck({
      releasesDir: dir,
      version: '0.2.0',
      healthSeconds: 10,
      pollMs: 10,
      helloAcked: () => acked,
      event: async (code, detail) => {
        trialAtEvent = (await readState(dir)).trial?.version;
        events.push(`${code} ${detail}`);
      },
      stopProgram: () => events.push('stopped'),
    });
    check.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(check.outcome).toBe('pending');
    acked = true;
    await until(() => check.outcome === 'healthy', 'healthy', 2000, 10);
    check.stop();
    expect(events).toEqual(['healthy 0.2.0']);
    expect(trialAtEvent).toBe('0.2.0');
    expect((await readState(dir)).trial).toBeNull();
    expect(existsSync(backup)).toBe(false);
  });

  it('marks the trial failed and stops the program when the hello is not acknowledged in time', async () => {
    const dir = await folder();
    await updateState(dir, (s) => (s.trial = { version: '0.2.2', previous: '0.2.0', attempts: 1 }));
    let stopped = 0;
    const check = new HealthCheck({ releasesDir: dir, version: '0.2.2', healthSeconds: 0.2, pollMs: 10, helloAcked: () => false, event: async () => undefined, stopProgram: () => stopped++ });
    check.start();
    await until(() => stopped === 1, 'stopped', 2000, 10);
    check.stop();
    expect(check.outcome).toBe('failed');
    expect((await readState(dir)).trial).toMatchObject({ version: '0.2.2', failed: 'health-timeout' });
  });
});
