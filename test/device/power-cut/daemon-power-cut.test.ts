// Power cuts on the real cart program: `loa unit run --sim` (compiled, as on a cart) is killed with SIGKILL at
// random moments while it plays, records and sends its records to a district over a real MQTT broker (aedes on a
// loopback port) where a fake district acknowledges everything. After every cut the database is opened and checked;
// at the end the cart runs undisturbed until its outbox is empty and the district must hold every record once.
//
// SIGKILL ends the process but not the kernel: what the cart had written but not yet fsynced still reaches the
// disk. This test therefore checks the program's ordering (commit before send, numbers never reused, the boot
// counter before the first frame), not the storage stack under a real power loss.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../link/broker.js';
import { cutProblems, readCartDb, type CartDbState } from './cart-db.js';
import { CartDaemon, distMissing, seededRandom } from './daemon.js';
import { AckingDistrict } from './district.js';

const CUTS = Number(process.env.LOA_POWER_CUT_CYCLES ?? 30);
const SEED = Number(process.env.LOA_POWER_CUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Simulated audio and GNSS run this much faster: clips of 4–8 s end in a fraction of a second, so plays pile up. */
const SPEED = 20;
/** Broadcast allowed all day (the test runs at any hour), a short warm-up and tail. */
const CONFIG = { player: { warmupMs: 100, tailMs: 100 }, policy: { allowedHours: [{ from: '00:00', to: '24:00' }] } };

const skipReason = distMissing();
if (skipReason) console.warn(`[skip] daemon power-cut test: ${skipReason}`);

interface CartStatus {
  state: string;
  relay: boolean | null;
  outbox: { depth: number; lost: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the cart daemon under power cuts (SIGKILL)', () => {
  it.skipIf(skipReason !== null)(
    `loses no committed record, reuses no number and delivers every record once (${CUTS + 1} cuts)`,
    async () => {
      console.log(`[power-cut] seed ${SEED} (repeat with LOA_POWER_CUT_SEED=${SEED})`);
      const random = seededRandom(SEED);
      const started = Date.now();
      const dataDir = await mkdtemp(join(tmpdir(), 'loa-power-cut-'));
      const dbPath = join(dataDir, 'cart.db');
      await writeFile(join(dataDir, 'config.json'), JSON.stringify(CONFIG));
      let broker: TestBroker | null = null;
      let district: AckingDistrict | null = null;
      let cart: CartDaemon | null = null;
      let starts = 0;
      let last: CartDbState | null = null;

      /** Starts the cart; checks the boot counter and that the relay is off before anything is pressed. */
      const start = async (label: string): Promise<CartDaemon> => {
        cart = new CartDaemon({ dataDir, speed: SPEED });
        await cart.ready();
        starts++;
        const status = (await cart.request({ cmd: 'status' })) as CartStatus;
        expect({ relay: status.relay, state: status.state }, `${label}: status right after the start`).toEqual({ relay: false, state: 'idle' });
        const boot = JSON.parse(await readFile(join(dataDir, 'boot-counter.json'), 'utf8')) as { boot: number };
        expect(boot.boot, `${label}: boot counter after ${starts} starts`).toBe(starts);
        return cart;
      };

      /** Kills the cart and checks the database against what it held just before, and against the district. */
      const cut = async (label: string, c: CartDaemon): Promise<CartDbState> => {
        const before = await readCartDb(dbPath, { integrity: false });
        await c.kill();
        cart = null;
        const after = await readCartDb(dbPath, { integrity: true });
        const problems = [...cutProblems(before, after), ...cutProblems(last, after)];
        if (district) {
          for (const n of district.acked) if (!after.records.has(n)) problems.push(`record ${n} was acknowledged by the district and is gone`);
          for (const [n, bytes] of district.received) {
            const stored = after.records.get(n);
            if (stored === undefined) problems.push(`record ${n} reached the district but is not in the database`);
            else if (!stored.bytes.equals(bytes)) problems.push(`record ${n} in the database is not what the district received under that number`);
          }
          problems.push(...district.problems);
        }
        expect(problems, `${label} (seed ${SEED})\n${c.output}`).toEqual([]);
        last = after;
        return after;
      };

      const cycle = async (label: string): Promise<void> => {
        const c = await start(label);
        const pressed = Date.now();
        await c.request({ cmd: 'press', button: 'play', long: false });
        await sleep(Math.max(0, pressed + 300 + random() * 2700 - Date.now()));
        await cut(label, c);
      };

      try {
        // The first start makes the simulation identity (no broker); then the cart is given the test broker.
        await cycle('cut 1 (no link yet)');
        broker = await startBroker();
        const identityPath = join(dataDir, 'identity.json');
        const identity = JSON.parse(await readFile(identityPath, 'utf8')) as { district: string; unitName: string; unitNumber: number; unitKey: string };
        await writeFile(identityPath, JSON.stringify({ ...identity, broker: { url: broker.url, username: identity.unitName, password: 'power-cut' } }), { mode: 0o600 });
        district = new AckingDistrict({ url: broker.url, district: identity.district, unitName: identity.unitName, unitNumber: identity.unitNumber, unitKey: Buffer.from(identity.unitKey, 'hex') });
        await district.start();
        for (let i = 2; i <= CUTS + 1; i++) await cycle(`cut ${i}`);

        // Undisturbed: run until the outbox is empty (a record written meanwhile means one more round).
        let final: CartDbState | null = null;
        for (let round = 1; round <= 3 && final === null; round++) {
          const c = await start(`drain ${round}`);
          const deadline = Date.now() + 30_000;
          while (((await c.request({ cmd: 'status' })) as CartStatus).outbox.depth > 0) {
            if (Date.now() > deadline) throw new Error(`the outbox did not drain within 30 s (seed ${SEED})\n${c.output}`);
            await sleep(50);
          }
          const state = await cut(`drain ${round}`, c);
          if ([...state.records.values()].every((r) => r.acked)) final = state;
        }
        expect(final, 'an outbox that stays empty long enough to stop the cart').not.toBeNull();
        const max = final!.nextRecord - 1;
        const all = Array.from({ length: max }, (_, i) => i + 1);
        expect([...district.received.keys()].sort((a, b) => a - b), 'record numbers at the district').toEqual(all);
        expect(district.maxBoot).toBeLessThanOrEqual(starts);
        const duplicates = [...district.copies.values()].reduce((n, k) => n + k - 1, 0);
        const types = new Map<string, number>();
        for (const r of final!.records.values()) types.set(r.type, (types.get(r.type) ?? 0) + 1);
        console.log(
          `[power-cut] ${CUTS + 1} cuts + drain, ${starts} starts, ${max} records (${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}) all delivered; ` +
            `${duplicates} duplicate copies after cuts; ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        await (cart as CartDaemon | null)?.kill();
        await district?.stop();
        await broker?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
