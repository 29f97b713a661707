// Every `reject-*` vector is refused by the real decoder with exactly the code the file gives (SPEC.md §8), and the
// set of them covers each fault the SPEC says a receiver refuses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVector } from '../../tools/vector-format.js';
import { refusal } from '../../tools/vector-receiver.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
const files = readdirSync(dir).filter((f) => f.startsWith('reject-') && f.endsWith('.txt'));

describe('reject vectors', () => {
  for (const file of files) {
    it(`${file} is refused with the code it states`, () => {
      const v = parseVector(readFileSync(join(dir, file), 'utf8'));
      expect(v.error, 'every reject vector names its error code').toMatch(/^[a-z-]+$/);
      const refused = refusal(v);
      expect(refused, 'the decoder accepted it').not.toBeNull();
      expect({ error: refused!.error, verdict: refused!.verdict }).toEqual({ error: v.error, verdict: v.verdict });
    });
  }

  it('cover every refusal issue 19 lists, and every error code', () => {
    const read = new Map(files.map((f) => [f.slice('reject-'.length, -'.txt'.length), parseVector(readFileSync(join(dir, f), 'utf8'))]));
    const want: Record<string, string> = {
      'frame-bad-tag': 'bad-tag',
      'frame-replayed': 'replay',
      'frame-old-boot': 'replay',
      'frame-payload-cut': 'truncated',
      'frame-trailing-bytes': 'bad-tag',
      'frame-unknown-kind': 'bad-kind',
      'frame-enum-past-table': 'bad-value',
      'frame-varint-not-shortest': 'bad-value',
      'serial-bad-crc': 'bad-crc',
      'serial-bad-cobs': 'bad-cobs',
      'serial-over-long': 'too-long',
      'signed-wrong-key': 'bad-signature',
      'command-expired': 'expired',
      'manifest-rollback': 'rollback',
    };
    for (const [name, code] of Object.entries(want)) expect(read.get(name)?.error, name).toBe(code);
    const codes = new Set([...read.values()].map((v) => v.error));
    const all = ['truncated', 'bad-version', 'bad-kind', 'bad-value', 'bad-tag', 'bad-crc', 'bad-cobs', 'too-long', 'bad-signature', 'unknown-key', 'unknown-action', 'expired', 'replay', 'rollback'];
    expect(all.filter((c) => !codes.has(c))).toEqual([]);
  });
});
