// The cart program in-process on the simulators: an empty data folder becomes a working cart that verifies and
// plays its own signed test playlist, records every play, answers on its control socket, and refuses to run a
// simulation identity without --sim.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartStartError, runCart } from '../../device/cart-run.js';
import { controlRequest } from '../../device/control.js';
import { createLoggerFactory } from '../../device/logger.js';
import { CartStore } from '../../device/store/index.js';
import { sleep, until } from '../support/wait.js';

const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

describe('loa unit run --sim', () => {
  it('plays its own signed test playlist, records the plays, and stops with the relay off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loa-cart-'));
    // Allowed all day, so the test does not depend on the hour it runs at (the hours have their own tests).
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ policy: { allowedHours: [{ from: '00:00', to: '24:00' }] } }));
    const running = await runCart({ dataDir, simulate: true, speed: 40, logger: quiet, configFile });
    try {
      const status = async () => ((await controlRequest(running.controlPath, { cmd: 'status' })) as { ok: true; result: Record<string, unknown> }).result;
      expect(await status()).toMatchObject({ unit: 'sim-01', state: 'idle', relay: false, manifest: { version: 1, clips: 3 } });
      await controlRequest(running.controlPath, { cmd: 'press', button: 'play', long: false });
      await until(async () => (await status()).state === 'playing', 'playing', 10_000, 50);
      expect((await status()).relay).toBe(true);
      await sleep(1500);
    } finally {
      await running.stop();
    }
    const store = await CartStore.open({ path: join(dataDir, 'cart.db') });
    const events = await store.eventsSince(0);
    const plays = await store.playsSince(0);
    await store.close();
    expect(events.map((e) => e.code)).toContain('activated');
    expect(events.filter((e) => e.kind === 'button')).toHaveLength(1);
    expect(plays[0]).toMatchObject({ manifestVersion: 1, trigger: 'button' });
    expect(plays.some((p) => p.outcome === 'completed')).toBe(true);
  });

  it('refuses a simulation identity without --sim, and an unprovisioned cart, saying what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loa-cart-'));
    await expect(runCart({ dataDir, simulate: false, logger: quiet })).rejects.toThrow(/provision the cart first/);
    const sim = await runCart({ dataDir, simulate: true, logger: quiet });
    await sim.stop();
    await expect(runCart({ dataDir, simulate: false, logger: quiet })).rejects.toSatisfy(
      (e) => e instanceof CartStartError && e.code === 'simulation-identity',
    );
  });
});
