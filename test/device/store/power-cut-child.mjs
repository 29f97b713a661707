// The program the power-cut test kills with SIGKILL at random moments. Plain JavaScript on the COMPILED store
// (dist/), as the cart runs it. Usage: node power-cut-child.mjs <data folder>
//
// It prints a line only after the promise behind it resolved, so every line is a promise the store made:
//   B <boot>     nextBootCounter resolved
//   R <record>   appendDurable resolved with this record
//   A <record>   acknowledge([[record, record]]) resolved
// Every batch also stores the count of records appended so far (as lastCommandCounter), in the same transaction.
import { join } from 'node:path';
import { CartStore, nextBootCounter } from '../../../dist/device/store/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: power-cut-child.mjs <data folder>');
const out = (line) => process.stdout.write(`${line}\n`); // synchronous on a pipe on Linux

out(`B ${await nextBootCounter(dir)}`);
const store = await CartStore.open({ path: join(dir, 'cart.db'), batch: { rows: 25, delayMs: 20 } });
out('ready');

const T0 = 1_750_000_000;
// Records appended by every run so far, committed with them: on reopening it must equal the outbox's row count.
let appended = (await store.getSetting('lastCommandCounter')) ?? 0;
for (let i = 0; ; i++) {
  const size = 1 + (i % 5);
  const records = Array.from({ length: size }, (_, k) =>
    k % 2 === 0
      ? { type: 'event', at: { time: T0 + i, source: 'system' }, kind: 'info', code: 'power-cut-test', detail: `batch ${i}` }
      : {
          type: 'play',
          start: { time: T0 + i, source: 'gnss' },
          clip: 'clip-a',
          manifestVersion: 1,
          seconds: 12.5,
          outcome: 'completed',
          trigger: 'schedule',
          volume: 70,
        },
  );
  appended += records.length;
  const kept = await store.appendDurable(records, { settings: { lastCommandCounter: appended } });
  out(kept.map((r) => `R ${r.record}`).join('\n'));
  for (let p = 0; p < 3; p++) store.addTrackPoint({ time: T0 + i * 3 + p, lat: 21 + p / 1e5, lon: 105.85 });
  if (i % 4 === 3) {
    const record = kept[0].record;
    await store.acknowledge([[record, record]]);
    out(`A ${record}`);
  }
}
