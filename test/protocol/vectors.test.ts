// Every published vector decodes to the JSON it states and re-encodes to the same bytes, plain and on serial.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  fromSerial,
  messageToJson,
  openSigned,
  publicKeyFromRaw,
  readSigned,
  signObject,
  privateKeyFromSeed,
  toSerial,
  type SignedBody,
} from '../../protocol/index.js';
import { TEST_DISTRICT_SEED } from '../../tools/vector-cases.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));

function parse(file: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
  }
  return fields;
}

describe('protocol vectors', () => {
  it('has a vector for every message type and every signed object type', () => {
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const type of ['hello', 'telemetry', 'fix', 'play', 'event', 'track', 'ack', 'command', 'command-result', 'unknown']) {
      expect(text, type).toContain(`"type":"${type}"`);
    }
    for (const type of ['command', 'manifest', 'announcement', 'key-rotation']) expect(text, type).toContain(`{"type":"${type}"`);
  });

  for (const file of files.filter((f) => f.startsWith('frame-'))) {
    it(`${file} decodes, verifies and re-encodes byte for byte`, () => {
      const v = parse(file);
      const key = Buffer.from(v['unit-key']!, 'hex');
      const bytes = Buffer.from(v.hex!, 'hex');
      // A fix is read with the district origin and a receiver clock (SPEC 0x03); the vector states both.
      const [lat, lon] = (v.origin ?? '0,0').split(',').map(Number) as [number, number];
      const ctx = { origin: { lat, lon }, now: Number(v.now ?? 0) };
      const frame = decodeFrame(bytes, key, ctx);
      const { messages, ...header } = frame;
      expect(header).toEqual(JSON.parse(v.header!));
      expect(JSON.parse(JSON.stringify(messages.map(messageToJson)))).toEqual(JSON.parse(v.messages!));
      expect(encodeFrame(frame, key, ctx).toString('hex')).toBe(v.hex);
      expect(toSerial(bytes).toString('hex')).toBe(v.serial);
      expect(fromSerial(Buffer.from(v.serial!, 'hex').subarray(0, -1)).toString('hex')).toBe(v.hex);
    });
  }

  for (const file of files.filter((f) => f.startsWith('signed-'))) {
    it(`${file} verifies under the published key and re-signs byte for byte`, () => {
      const v = parse(file);
      const bytes = Buffer.from(v.hex!, 'hex');
      const opened = openSigned(bytes, [publicKeyFromRaw(Buffer.from(v['district-public-key']!, 'hex'))]);
      expect(opened.body).toEqual(JSON.parse(v.body!) as SignedBody);
      expect(signObject(readSigned(bytes).body, privateKeyFromSeed(TEST_DISTRICT_SEED)).toString('hex')).toBe(v.hex);
    });
  }
});
