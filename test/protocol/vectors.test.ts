// Every published vector is what the generator writes today, and reads back through the real decoder: a frame or a
// signed object decodes to the JSON it states and re-encodes to the same bytes, plain and on serial.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_ACTIONS,
  decodeFrame,
  encodeFrame,
  fromSerial,
  messageToJson,
  privateKeyFromSeed,
  readSigned,
  signObject,
  TARGET_KINDS,
  toSerial,
  type SignedBody,
} from '../../protocol/index.js';
import { TEST_DISTRICT_SEED } from '../../tools/vector-cases.js';
import { vectorFiles } from '../../tools/vector-files.js';
import { parseVector, readFixContext, type VectorFields } from '../../tools/vector-format.js';
import { deframe, receiveFrame, receiveSigned } from '../../tools/vector-receiver.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
const read = (file: string): VectorFields => parseVector(readFileSync(join(dir, file), 'utf8'));
const named = (prefix: string): string[] => files.filter((f) => f.startsWith(prefix));

describe('protocol vectors', () => {
  it('are exactly what `npm run vectors` writes (never edited by hand, none left over)', () => {
    const made = vectorFiles();
    expect(files.map((f) => f.slice(0, -'.txt'.length)).sort()).toEqual([...made.keys()].sort());
    for (const [name, text] of made) expect(readFileSync(join(dir, `${name}.txt`), 'utf8'), `${name}.txt: run npm run vectors`).toBe(text);
  });

  it('cover every message type, signed object type, command action and target kind', () => {
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const type of ['hello', 'telemetry', 'fix', 'play', 'event', 'track', 'ack', 'command', 'command-result', 'unknown']) {
      expect(text, type).toContain(`"type":"${type}"`);
    }
    for (const type of ['command', 'manifest', 'announcement', 'key-rotation']) expect(text, type).toContain(`{"type":"${type}"`);
    for (const action of COMMAND_ACTIONS) expect(text, action).toContain(`"action":"${action}"`);
    for (const kind of TARGET_KINDS) expect(text, kind).toContain(`{"kind":"${kind}"`);
  });

  for (const file of named('frame-')) {
    it(`${file} decodes, verifies and re-encodes byte for byte`, () => {
      const v = read(file);
      const key = Buffer.from(v['unit-key']!, 'hex');
      // A fix is read with the district origin and a receiver clock (SPEC 0x03); the vector states both.
      const ctx = readFixContext(v);
      const frame = receiveFrame(v);
      const { messages, ...header } = frame;
      expect(header).toEqual(JSON.parse(v.header!));
      expect(JSON.parse(JSON.stringify(messages.map(messageToJson)))).toEqual(JSON.parse(v.messages!));
      // A frame with fields this decoder does not know re-encodes without them: `reencoded` says to what.
      expect(encodeFrame(frame, key, ctx).toString('hex')).toBe(v.reencoded ?? v.hex);
      if (v.reencoded !== undefined) expect(decodeFrame(Buffer.from(v.reencoded, 'hex'), key, ctx)).toEqual(frame);
      expect(toSerial(Buffer.from(v.hex!, 'hex')).toString('hex')).toBe(v.serial);
      expect(fromSerial(Buffer.from(v.serial!, 'hex').subarray(0, -1)).toString('hex')).toBe(v.hex);
      if (v.stream !== undefined) {
        const { frames, dropped } = deframe(Buffer.from(v.stream, 'hex'));
        expect(frames.map((f) => f.toString('hex'))).toEqual(Array.from({ length: Number(v.found) }, () => v.hex));
        expect(dropped.badCrc + dropped.badCobs + dropped.tooLong).toBe(Number(v.dropped));
      }
    });
  }

  for (const file of named('signed-')) {
    it(`${file} verifies under the published key and re-signs byte for byte`, () => {
      const v = read(file);
      const opened = receiveSigned(v);
      expect(opened.body).toEqual(JSON.parse(v.body!) as SignedBody);
      expect(signObject(readSigned(Buffer.from(v.hex!, 'hex')).body, privateKeyFromSeed(TEST_DISTRICT_SEED)).toString('hex')).toBe(v.hex);
    });
  }

  it('announces the manifest vector: its SHA-256 and size are those of signed-manifest', () => {
    const manifest = Buffer.from(read('signed-manifest.txt').hex!, 'hex');
    const body = JSON.parse(read('signed-announcement.txt').body!) as Extract<SignedBody, { type: 'announcement' }>;
    expect(body.announcement).toMatchObject({ sha256: createHash('sha256').update(manifest).digest('hex'), size: manifest.length });
  });
});
