// A cart that restarts (an orderly stop, or a power cut) must still play the manifest it had activated: the team
// presses play after every power-up. Runs the compiled cart program, like the power-cut test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartDaemon, distMissing } from './daemon.js';

const skipReason = distMissing();
if (skipReason) console.warn(`[skip] daemon restart test: ${skipReason}`);

interface Status {
  state: string;
  manifest: { version: number; clips: number; playable: number } | null;
}

describe('the cart daemon after a restart', () => {
  it.skipIf(skipReason !== null)('still has every clip of its active manifest playable, and plays on a press', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'loa-restart-'));
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ player: { warmupMs: 0 }, policy: { allowedHours: [{ from: '00:00', to: '24:00' }] } }));
    let cart: CartDaemon | null = null;
    try {
      cart = new CartDaemon({ dataDir });
      await cart.ready();
      const first = (await cart.request({ cmd: 'status' })) as Status;
      expect(first.manifest, 'the simulation manifest on the first start').toEqual({ version: 1, clips: 3, playable: 3 });
      expect(await cart.stop(), 'exit code of an orderly stop').toBe(0);

      cart = new CartDaemon({ dataDir });
      await cart.ready();
      const again = (await cart.request({ cmd: 'status' })) as Status;
      expect(again.manifest, 'the same manifest after a restart, every clip still playable').toEqual({ version: 1, clips: 3, playable: 3 });
      await cart.request({ cmd: 'press', button: 'play', long: false });
      const deadline = Date.now() + 3000;
      let state = '';
      while (Date.now() < deadline && (state = ((await cart.request({ cmd: 'status' })) as Status).state) !== 'playing') await new Promise((r) => setTimeout(r, 20));
      expect(state, 'player state after pressing play on the restarted cart').toBe('playing');
    } finally {
      await cart?.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
