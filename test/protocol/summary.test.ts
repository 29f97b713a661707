// Signed summaries (SPEC.md "Signed summaries"): the published vectors, and every way a hub refuses one.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateKeyFromSeed, publicKeyFromRaw } from '../../protocol/index.js';
import {
  decodeReceipt,
  encodeReceipt,
  MAX_SUMMARY_BYTES,
  openSummary,
  parseSummaryTopic,
  readSummaryHeader,
  receiptTopic,
  resealSummary,
  sealSummary,
  summaryTopic,
  SUMMARY_FORMAT,
  type SummaryHeader,
} from '../../protocol/summary.js';
import { receiptCase, summaryCases, TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../tools/vector-cases.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
const district = privateKeyFromSeed(TEST_DISTRICT_SEED);
const pinned = publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'));
const keysOf = (area: string) => (area === 'trieu-son' ? [pinned] : undefined);
const day = summaryCases.day!;

function vector(name: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(join(dir, `${name}.txt`), 'utf8').split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
  }
  return fields;
}

/** Everything up to the body length: the signed part. */
const signedPart = (b: Buffer) => b.subarray(0, SUMMARY_FORMAT.length + 5 + b.readUInt32BE(SUMMARY_FORMAT.length + 1));

const refusal = (code: string) => expect.objectContaining({ name: 'SummaryError', code });

describe('summary vectors', () => {
  for (const name of Object.keys(summaryCases)) {
    it(`summary-${name}.txt verifies under the published key and signs the same header`, () => {
      const v = vector(`summary-${name}`);
      const bytes = Buffer.from(v.hex!, 'hex');
      const opened = openSummary(bytes, keysOf);
      const header = JSON.parse(v.header!) as SummaryHeader;
      expect(opened).toMatchObject(header);
      expect(opened.body).toEqual(JSON.parse(v.body!));
      expect(summaryTopic(header.area, header.kind, header.day ?? undefined)).toBe(v.topic);
      // The signature covers the header (with the body's SHA-256 and size), never the brotli bytes, whose exact form
      // may change with the library: the signed part and the signature are exact.
      const again = sealSummary(header, opened.body, district);
      expect(signedPart(again).toString('hex')).toBe(signedPart(bytes).toString('hex'));
      expect(again.subarray(-64).toString('hex')).toBe(v.hex!.slice(-128));
    });
  }

  it('summary-receipt.txt decodes and encodes to the same bytes', () => {
    const v = vector('summary-receipt');
    expect(decodeReceipt(Buffer.from(v.json!, 'utf8'))).toEqual(receiptCase);
    expect(encodeReceipt(receiptCase).toString('utf8')).toBe(v.json);
    expect(encodeReceipt(receiptCase).toString('hex')).toBe(v.hex);
  });
});

describe('opening a summary', () => {
  const bytes = sealSummary(day.header, day.body, district);

  it('gives the header, the key id and the SHA-256 of the body', () => {
    const opened = openSummary(bytes, keysOf);
    expect(readSummaryHeader(bytes)).toEqual({ ...day.header, keyId: opened.keyId, sha256: opened.sha256 });
    expect(opened.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a summary signed by another key as bad-signature', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => openSummary(sealSummary(day.header, day.body, other), keysOf)).toThrow(refusal('bad-signature'));
    // Also when the other key is given the area's key id slot: the signature itself fails.
    const forged = Buffer.from(bytes);
    forged.set(sealSummary(day.header, day.body, other).subarray(-64), forged.length - 64);
    expect(() => openSummary(forged, keysOf)).toThrow(refusal('bad-signature'));
  });

  it('refuses an area it has no key for as unknown-area', () => {
    expect(() => openSummary(sealSummary({ ...day.header, area: 'nong-cong' }, day.body, district), keysOf)).toThrow(refusal('unknown-area'));
    expect(() => openSummary(bytes, () => [])).toThrow(refusal('unknown-area'));
  });

  it('refuses a summary altered anywhere, or opens it to the very summary that was signed', () => {
    // The signature covers the header and the body's SHA-256, not the brotli bytes: a change that brotli ignores
    // (a few bits of its stream do not affect the output) still opens to the signed body, never to another one.
    const signed = openSummary(bytes, keysOf);
    for (let i = 0; i < bytes.length; i++) {
      const t = Buffer.from(bytes);
      t[i] ^= 0x04;
      let opened;
      try {
        opened = openSummary(t, keysOf);
      } catch (err) {
        // unknown-area: the change made the area name another one.
        expect(err, `byte ${i}`).toEqual(expect.objectContaining({ code: expect.stringMatching(/^(bad-signature|bad-format|unknown-area)$/) }));
        continue;
      }
      expect(opened, `byte ${i}`).toEqual(signed);
    }
    expect(() => openSummary(bytes.subarray(0, -1), keysOf)).toThrow(refusal('bad-format'));
    expect(() => openSummary(Buffer.concat([bytes, Buffer.from([0])]), keysOf)).toThrow(refusal('bad-format'));
  });

  it('refuses a body swapped for another one signed by the same key', () => {
    const other = sealSummary(day.header, { ...(day.body as object), plays: 4 }, district);
    const otherBody = other.subarray(signedPart(other).length, other.length - 64);
    const mixed = Buffer.concat([signedPart(bytes), otherBody, bytes.subarray(-64)]);
    expect(() => openSummary(mixed, keysOf)).toThrow(refusal('bad-signature'));
  });

  it('refuses more than MAX_SUMMARY_BYTES as too-large before reading it', () => {
    const big = Buffer.alloc(MAX_SUMMARY_BYTES + 1);
    bytes.copy(big);
    expect(() => openSummary(big, keysOf)).toThrow(refusal('too-large'));
  });

  it('refuses a header in any but its canonical form', () => {
    const start = SUMMARY_FORMAT.length + 1;
    const head = bytes.subarray(start + 4, start + 4 + bytes.readUInt32BE(start)).toString('utf8');
    const spaced = Buffer.from(head.replace('"kind":', '"kind": '), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(spaced.length);
    const t = Buffer.concat([bytes.subarray(0, start), len, spaced, bytes.subarray(start + 4 + bytes.readUInt32BE(start))]);
    expect(() => openSummary(t, keysOf)).toThrow(refusal('bad-format'));
  });

  it('does not seal a header it would refuse', () => {
    expect(() => sealSummary({ ...day.header, version: 0 }, {}, district)).toThrow(refusal('bad-format'));
    expect(() => sealSummary({ ...day.header, day: '2026-02-30' }, {}, district)).toThrow(refusal('bad-format'));
    expect(() => sealSummary({ ...day.header, kind: 'registry' }, {}, district)).toThrow(refusal('bad-format'));
    expect(() => sealSummary({ ...day.header, area: 'Triệu Sơn' }, {}, district)).toThrow(refusal('bad-format'));
  });

  it('signs the same summary again with a new key', () => {
    const next = generateKeyPairSync('ed25519');
    const again = openSummary(resealSummary(bytes, next.privateKey), () => [next.publicKey]);
    const first = openSummary(bytes, keysOf);
    expect({ ...again, keyId: '' }).toEqual({ ...first, keyId: '' });
    expect(again.keyId).not.toBe(first.keyId);
  });
});

describe('summary topics and receipts', () => {
  it('names and parses the topics', () => {
    expect(summaryTopic('trieu-son', 'day', '2026-11-28')).toBe('loa/v1/trieu-son/summary/day/2026-11-28');
    expect(summaryTopic('trieu-son', 'registry')).toBe('loa/v1/trieu-son/summary/registry');
    expect(receiptTopic('trieu-son')).toBe('loa/v1/trieu-son/summary/receipt');
    expect(parseSummaryTopic('loa/v1/trieu-son/summary/day/2026-11-28')).toEqual({ area: 'trieu-son', kind: 'day', day: '2026-11-28' });
    expect(parseSummaryTopic('loa/v1/trieu-son/summary/registry')).toEqual({ area: 'trieu-son', kind: 'registry', day: null });
    expect(parseSummaryTopic('loa/v1/trieu-son/summary/receipt')).toEqual({ area: 'trieu-son', kind: 'receipt', day: null });
    for (const t of ['loa/v1/trieu-son/summary/day/2026-13-01', 'loa/v1/trieu-son/summary/day', 'loa/v1/Trieu/summary/registry', 'loa/v1/trieu-son/unit/a/up', 'loa/v1/trieu-son/summary/registry/x']) {
      expect(parseSummaryTopic(t), t).toBeUndefined();
    }
    expect(() => summaryTopic('trieu-son', 'day')).toThrow(refusal('bad-format'));
  });

  it('keeps a receipt to the newest 400 days and refuses a malformed one', () => {
    const days = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10), 1]));
    const r = decodeReceipt(encodeReceipt({ area: 'trieu-son', registry: 3, days }));
    expect(Object.keys(r.days)).toHaveLength(400);
    expect(Object.keys(r.days)[0]).toBe('2025-02-20');
    for (const bad of ['{', '[]', '{"area":"trieu-son","registry":-1,"days":{}}', '{"area":"trieu-son","registry":1,"days":{"2025-02-30":1}}', '{"area":"trieu-son","registry":1,"days":{"2025-02-01":0}}']) {
      expect(() => decodeReceipt(Buffer.from(bad)), bad).toThrow(refusal('bad-format'));
    }
  });
});
