// A cart loses power at any instant. This test runs the compiled store in a child process that appends records,
// acknowledges some and queues track points as fast as it can, kills it with SIGKILL at random moments, reopens the
// database after each kill and checks that every promise the store made still holds.
//
// SIGKILL ends the process, not the machine: what reached the kernel survives it even without fsync. The fsyncs of
// synchronous=FULL are what protects against a real power cut, and the schema test checks that they are set.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../lib/sqlite.js';
import { tempDir } from './fixtures.js';

const root = resolve(import.meta.dirname, '../../..');
const compiled = join(root, 'dist/device/store/index.js');
const child = join(import.meta.dirname, 'power-cut-child.mjs');
const noBuild = !existsSync(compiled);
if (noBuild) console.warn(`[skip] power-cut test: ${compiled} is missing; run \`npm run build\` (npm test does) to run it.`);

const RUNS = 32;

interface RunOutput {
  boots: number[];
  records: number[];
  acked: number[];
  ready: boolean;
}

/** Starts the child, kills it at a random moment, resolves what it printed. */
function runAndKill(dir: string, random: () => number): Promise<RunOutput> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: RunOutput = { boots: [], records: [], acked: [], ready: false };
    let text = '';
    let stderr = '';
    const kill = (): void => void proc.kill('SIGKILL');
    // One run in five dies while starting (boot counter, opening, migrating); the others while writing.
    const early = random() < 0.2;
    if (early) setTimeout(kill, Math.floor(random() * 150));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (!output.ready && text.includes('ready\n')) {
        output.ready = true;
        if (!early) setTimeout(kill, 5 + Math.floor(random() * 250));
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', fail);
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return fail(new Error(`child ended by itself (code ${code}): ${stderr}`));
      // The text after the last newline is a line cut short by the kill: not a promise.
      for (const line of text.split('\n').slice(0, -1)) {
        const [tag, value] = line.split(' ');
        if (tag === 'B') output.boots.push(Number(value));
        if (tag === 'R') output.records.push(Number(value));
        if (tag === 'A') output.acked.push(Number(value));
      }
      done(output);
    });
  });
}

/** A small deterministic generator, so a failing run can be repeated with the seed printed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('power cut', () => {
  it.skipIf(noBuild)(`keeps every promised record across ${RUNS} SIGKILLs`, async () => {
    const seed = Number(process.env.LOA_POWER_CUT_SEED ?? Date.now() % 1_000_000);
    console.info(`power-cut seed ${seed} (LOA_POWER_CUT_SEED=${seed} repeats it)`);
    const random = mulberry32(seed);
    const dir = await tempDir();
    const printed = new Set<number>();
    const acked = new Set<number>();
    let lastBoot = 0;
    let writingRuns = 0;

    for (let run = 0; run < RUNS; run++) {
      const out = await runAndKill(dir, random);
      const where = `run ${run} (seed ${seed})`;
      for (const boot of out.boots) {
        expect(boot, `${where}: boot counter reused`).toBeGreaterThan(lastBoot);
        lastBoot = boot;
      }
      for (const record of out.records) {
        expect(printed.has(record), `${where}: record ${record} reused`).toBe(false);
        printed.add(record);
      }
      for (const record of out.acked) acked.add(record);
      if (out.records.length > 0) writingRuns++;
      if (!existsSync(join(dir, 'cart.db'))) continue;

      const db = await SqliteDb.open(join(dir, 'cart.db'));
      try {
        expect(await db.get('PRAGMA integrity_check'), where).toEqual({ integrity_check: 'ok' });
        const version = await db.get<{ user_version: number }>('PRAGMA user_version');
        if (version?.user_version === 0) continue; // killed before the schema was committed
        const rows = await db.all<{ record: number; acked: number }>('SELECT record, acked_ms IS NOT NULL AS acked FROM outbox');
        const inDb = new Map(rows.map((r) => [r.record, r.acked === 1]));
        const missing = [...printed].filter((r) => !inDb.has(r));
        expect(missing, `${where}: printed records missing after the kill`).toEqual([]);
        const unacked = [...acked].filter((r) => inDb.get(r) !== true);
        expect(unacked, `${where}: acknowledged records no longer acknowledged`).toEqual([]);
        const next = await db.get<{ value: number }>("SELECT value FROM counters WHERE name = 'next_record'");
        expect(next!.value - 1, `${where}: record counter behind the outbox`).toBe(Math.max(0, ...inDb.keys()));
        const count = await db.get<{ value: string }>("SELECT value FROM settings WHERE key = 'lastCommandCounter'");
        expect(Number(count?.value ?? 0), `${where}: setting not committed with its records`).toBe(rows.length);
      } finally {
        await db.close();
      }
    }
    console.info(`power-cut: ${RUNS} kills, ${writingRuns} while writing, ${printed.size} records and ${acked.size} acknowledgements checked`);
    expect(writingRuns).toBeGreaterThan(RUNS / 4); // not a vacuous test: most runs die while writing
    expect(printed.size).toBeGreaterThan(100);
  }, 60_000);
});
