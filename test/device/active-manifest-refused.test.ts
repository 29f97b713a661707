// An active manifest that no longer verifies when the cart starts (a damaged file, a key no longer pinned) is not
// played, and the refusal is an event record for the district, as the sync's refusals are.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCart } from '../../device/cart-run.js';
import { createLoggerFactory } from '../../device/logger.js';
import { CartStore } from '../../device/store/index.js';

const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

describe('the active manifest refused at start', () => {
  it('leaves an event record saying why', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'loa-cart-refused-'));
    const first = await runCart({ dataDir, simulate: true, logger: quiet });
    await first.stop();
    // Its signature no longer matches its bytes.
    const file = join(dataDir, 'content', 'manifest.active');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(file, bytes);

    const second = await runCart({ dataDir, simulate: true, logger: quiet });
    await second.stop();
    const store = await CartStore.open({ path: join(dataDir, 'cart.db') });
    const events = await store.eventsSince(0);
    await store.close();
    expect(events.filter((e) => e.code === 'activated')).toHaveLength(1); // the first start's, from incoming/
    expect(events.filter((e) => e.kind === 'rejected-signature')).toEqual([
      expect.objectContaining({ code: 'bad-signature', detail: expect.stringMatching(/^active manifest refused at start: /) }),
    ]);
  });
});
