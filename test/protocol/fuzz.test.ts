// Random and mutated bytes: every decoder either decodes or throws a ProtocolError, never another exception, and
// returns quickly (no hang, no runaway allocation).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, Deframer, fromSerial, ProtocolError, readSigned, computeTag, TAG_LENGTH } from '../../protocol/index.js';
import { TEST_UNIT_KEY } from '../../tools/vector-cases.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
const vectors = readdirSync(dir).map((f) => {
  const hex = /^hex: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))![1]!;
  return { name: f, bytes: Buffer.from(hex, 'hex'), signed: f.startsWith('signed-') };
});

function onlyProtocolErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
}

/** Re-tags a mutated frame so the fuzzer gets past the tag and into the message parsers. */
function retag(bytes: Buffer): Buffer {
  if (bytes.length <= TAG_LENGTH) return bytes;
  const body = bytes.subarray(0, bytes.length - TAG_LENGTH);
  return Buffer.concat([body, computeTag(TEST_UNIT_KEY, body)]);
}

const mutation = fc.record({
  vector: fc.integer({ min: 0, max: vectors.length - 1 }),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

describe('fuzzing the decoders', () => {
  it('random bytes give a ProtocolError or a value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (raw) => {
        const bytes = Buffer.from(raw);
        onlyProtocolErrors(() => decodeFrame(bytes, TEST_UNIT_KEY));
        onlyProtocolErrors(() => decodeFrame(retag(bytes), TEST_UNIT_KEY));
        onlyProtocolErrors(() => readSigned(bytes));
        onlyProtocolErrors(() => fromSerial(bytes));
        new Deframer().push(bytes);
      }),
      { numRuns: 5000 },
    );
  });

  it('mutated and truncated vectors give a ProtocolError or a value', () => {
    const started = Date.now();
    fc.assert(
      fc.property(mutation, ({ vector, edits, cut }) => {
        const v = vectors[vector]!;
        const bytes = Buffer.from(v.bytes);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const sample = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        if (v.signed) onlyProtocolErrors(() => readSigned(sample));
        else onlyProtocolErrors(() => decodeFrame(retag(sample), TEST_UNIT_KEY));
      }),
      { numRuns: 20_000 },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a mutated frame without a fresh tag is always refused as bad-tag (or earlier)', () => {
    fc.assert(
      fc.property(mutation, ({ vector, edits }) => {
        const v = vectors[vector]!;
        if (v.signed) return;
        const bytes = Buffer.from(v.bytes);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        if (bytes.equals(v.bytes)) return;
        expect(() => decodeFrame(bytes, TEST_UNIT_KEY)).toThrow(ProtocolError);
      }),
      { numRuns: 5000 },
    );
  });
});
