/**
 * Writes protocol/vectors/*.txt from tools/vector-cases.ts. Every vector is deterministic (HMAC and Ed25519 both
 * are), so running this again gives the same files; the tests decode and re-encode every one of them.
 *
 *   npm run vectors
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame, messageToJson, privateKeyFromSeed, signObject, toSerial, type Message } from '../protocol/index.js';
import { encodeReceipt, sealSummary, summaryTopic } from '../protocol/summary.js';
import { frameCases, receiptCase, signedCases, summaryCases, TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from './vector-cases.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
mkdirSync(dir, { recursive: true });

function write(name: string, lines: Record<string, string>): void {
  const text = Object.entries(lines).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
  writeFileSync(join(dir, `${name}.txt`), text);
}

const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
const commandInFrame = signObject(signedCases['command-set-volume']!, districtKey);

const frames = { ...frameCases, 'command-down': { kind: 'district' as const, unit: 7, boot: 3, seq: 78, messages: [{ type: 'command' as const, signed: commandInFrame }] } };

for (const [name, frame] of Object.entries(frames)) {
  const bytes = encodeFrame(frame, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
  const fixes = (frame.messages as readonly Message[]).some((m) => m.type === 'fix');
  write(`frame-${name}`, {
    what: 'tagged frame',
    'unit-key': TEST_UNIT_KEY.toString('hex'),
    ...(fixes ? { origin: `${TEST_FIX_CONTEXT.origin.lat},${TEST_FIX_CONTEXT.origin.lon}`, now: String(TEST_FIX_CONTEXT.now) } : {}),
    header: JSON.stringify({ kind: frame.kind, unit: frame.unit, boot: frame.boot, seq: frame.seq }),
    messages: JSON.stringify(frame.messages.map(messageToJson)),
    hex: bytes.toString('hex'),
    serial: toSerial(bytes).toString('hex'),
  });
}

for (const [name, body] of Object.entries(signedCases)) {
  write(`signed-${name}`, {
    what: 'district-signed object',
    'district-public-key': TEST_DISTRICT_PUBLIC,
    body: JSON.stringify(body),
    hex: signObject(body, districtKey).toString('hex'),
  });
}
for (const [name, { header, body }] of Object.entries(summaryCases)) {
  write(`summary-${name}`, {
    what: 'signed summary (area to province hub)',
    'district-public-key': TEST_DISTRICT_PUBLIC,
    topic: summaryTopic(header.area, header.kind, header.day ?? undefined),
    header: JSON.stringify(header),
    body: JSON.stringify(body),
    hex: sealSummary(header, body, districtKey).toString('hex'),
  });
}
const receipt = encodeReceipt(receiptCase);
write('summary-receipt', { what: 'summary receipt (hub to area, unsigned)', json: receipt.toString('utf8'), hex: receipt.toString('hex') });

console.log(`vectors written to ${dir}`);
