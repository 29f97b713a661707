/**
 * `npm run bench:proto`: sizes and speed of the protocol, beside JSON measured in the same run (these machines are
 * shared and noisy, so only same-run comparisons mean much). Prints figures; fails nothing.
 */
import { performance } from 'node:perf_hooks';
import { decodeFrame, Deframer, encodeFrame, messageToJson, toSerial, type Frame } from '../protocol/index.js';
import { frameCases, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from '../tools/vector-cases.js';
import { measureLiveFrames } from './live-frames.js';
import { quantile } from './util.js';

const SIGNED_MAVLINK2_GLOBAL_POSITION_INT = 55; // 10 header + 28 payload + 2 CRC + 13 signature + 2 (v2 ext), MAVLink 2 spec

function rate(label: string, fn: (i: number) => unknown, ms = 700): number {
  for (let i = 0; i < 20_000; i++) fn(i); // warm up the JIT
  const runs: number[] = [];
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 1000; i++) fn(n++);
      now = performance.now();
    }
    runs.push((n / (now - start)) * 1000);
  }
  runs.sort((a, b) => a - b);
  const median = runs[1]!;
  console.log(`  ${label.padEnd(44)} ${Math.round(median).toLocaleString('en-US').padStart(12)} /s`);
  return median;
}

const live = frameCases['telemetry-and-fix']!;
const batch = frameCases['telemetry-batch-10']!;
const ctx = TEST_FIX_CONTEXT;
const liveBytes = encodeFrame(live, TEST_UNIT_KEY, ctx);
const json = (f: Frame) => JSON.stringify({ ...f, messages: f.messages.map(messageToJson) });
const liveJson = json(live);

console.log('Loa protocol v1 — sizes (bytes)');
console.log(`  telemetry (power, state, volume) + fix, serial      ${toSerial(liveBytes).length}   (goal ≤ 40; MQTT payload ${liveBytes.length})`);
console.log(`  same content as JSON                                ${Buffer.byteLength(liveJson)}`);
console.log(`  signed MAVLink 2 GLOBAL_POSITION_INT alone          ${SIGNED_MAVLINK2_GLOBAL_POSITION_INT}   (from the MAVLink 2 spec, position only)`);
console.log(`  10 telemetry records batched, one MQTT msg          ${encodeFrame(batch, TEST_UNIT_KEY, ctx).length}   (goal ≤ 200; JSON ${Buffer.byteLength(json(batch))})`);
const delta: Frame = { ...live, messages: [{ type: 'telemetry', batteryMv: 12_640, batteryMa: -860 }, live.messages[1]!] };
console.log(`  battery-only telemetry + fix, serial                ${toSerial(encodeFrame(delta, TEST_UNIT_KEY, ctx)).length}   (a delta: what a cart sends between refreshes)`);
console.log('\nSpeed on one core (median of 3 rounds), same content');
const frames = Array.from({ length: 1024 }, (_, i) => ({ ...live, seq: i }));
const encoded = frames.map((f) => encodeFrame(f, TEST_UNIT_KEY, ctx));
const jsons = frames.map(json);
const enc = rate('tag + encode (HMAC-SHA256/64)', (i) => encodeFrame(frames[i & 1023]!, TEST_UNIT_KEY, ctx));
const dec = rate('verify + decode', (i) => decodeFrame(encoded[i & 1023]!, TEST_UNIT_KEY, ctx));
const js = rate('JSON.stringify (no authentication)', (i) => json(frames[i & 1023]!));
const jp = rate('JSON.parse (no authentication)', (i) => JSON.parse(jsons[i & 1023]!));
const wire = Buffer.concat(encoded.map((b) => toSerial(b)));
const deframer = new Deframer();
let at = 0;
const step = toSerial(encoded[0]!).length;
rate('serial deframe (COBS + CRC-16), per frame', () => {
  if (at >= wire.length) at = 0;
  deframer.push(wire.subarray(at, (at += step)));
});
console.log(`\n  encode ${(enc / js).toFixed(2)}× JSON.stringify, decode ${(dec / jp).toFixed(2)}× JSON.parse (goal: ≥ 100,000 /s each)`);

// --- what a simulated cart really sent --------------------------------------------------------------------------
const LIVE_SECONDS = process.argv.includes('--quick') ? 20 : 90;
console.log(`\nWhat \`loa unit run --sim --autoplay\` sent on a serial pty in ${LIVE_SECONDS} s (one frame a second = one per 30 simulated s)`);
const seen = await measureLiveFrames(LIVE_SECONDS);
if (seen === null) console.log('  skipped: socat is not installed (apt-get install socat)');
else {
  const within = seen.live.filter((n) => n <= 40).length;
  console.log(`  frames ${seen.frames}: ${seen.live.length} live only (telemetry + fix), ${seen.withRecords} also carrying records`);
  console.log(`  live frames on serial: median ${quantile(seen.live, 0.5)}, p90 ${quantile(seen.live, 0.9)}, max ${Math.max(...seen.live)} bytes; ${within} of ${seen.live.length} (${((within / seen.live.length) * 100).toFixed(0)} %) ≤ 40`);
  console.log(`  of which full refreshes (every field and the runtime counters): ${seen.full.length}, ${Math.min(...seen.full)}–${Math.max(...seen.full)} bytes`);
}
