/**
 * `npm run bench:schema`: what checking a configuration through its schema (lib/schema.ts) costs, beside parsing the
 * same document as JSON in the same run (these machines are shared and noisy, so only same-run comparisons mean much).
 * Prints figures; fails nothing.
 */
import { performance } from 'node:perf_hooks';
import { validateControllerConfig } from '../controller/app/config.js';
import { validateCartConfig } from '../device/config.js';
import { ConfigError } from '../lib/config-error.js';

const RUNS = 10_000;

/** Microseconds per call of `fn`, the median of three rounds of {@link RUNS} after a warm-up. */
function perCall(label: string, fn: () => unknown): number {
  for (let i = 0; i < 1000; i++) fn();
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (let i = 0; i < RUNS; i++) fn();
    rounds.push(((performance.now() - start) * 1000) / RUNS);
  }
  const median = rounds.sort((a, b) => a - b)[1]!;
  console.log(`  ${label.padEnd(66)} ${median.toFixed(1).padStart(8)} µs`);
  return median;
}

function refused(fn: () => unknown): () => unknown {
  return () => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
  };
}

const cart = JSON.stringify(validateCartConfig({}, { simulate: false }));
const written = JSON.stringify({ hardware: { profile: 'pi-3', relay: { pin: 23 } }, policy: { allowedHours: [{ from: '07:00', to: '11:00' }], quietZones: [{ name: 'Trường', lat: 19.9, lon: 105.5, radiusM: 150, action: 'block' }] }, link: { telemetryPeriodMs: 60_000 } });
const bad = JSON.stringify({ hardware: { relay: { pin: 41 }, relais: 1 }, player: { warmupMs: -1 }, policy: { maxSesionMinutes: 30 } });

console.log(`Loa configuration schemas — ${RUNS.toLocaleString('en-US')} calls a round, median of 3 (Node ${process.version})`);
const parse = perCall(`JSON.parse of the full default cart configuration (${cart.length} B)`, () => JSON.parse(cart));
const full = perCall('JSON.parse + validateCartConfig, the full default configuration', () => validateCartConfig(JSON.parse(cart), { simulate: false }));
perCall('JSON.parse + validateCartConfig, {} (all defaults)', () => validateCartConfig(JSON.parse('{}'), { simulate: false }));
perCall(`JSON.parse + validateCartConfig, a typical file (${written.length} B)`, () => validateCartConfig(JSON.parse(written), { simulate: false }));
perCall('JSON.parse + validateCartConfig refusing a file with 4 problems', refused(() => validateCartConfig(JSON.parse(bad), { simulate: false })));
perCall('validateControllerConfig, {} (all defaults)', () => validateControllerConfig({}));
console.log(`  checking costs ${(full / parse).toFixed(0)}× parsing; at start-up, once, that is ${full.toFixed(0)} µs`);
