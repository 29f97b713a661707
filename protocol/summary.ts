/**
 * Signed summaries (SPEC.md "Signed summaries"): what an area controller sends its province hub, once a day per local
 * day and whenever its registry changes, signed with the area's district key (Ed25519). Layout:
 *
 *   "loa-summary-1\n" | u32 header length | header JSON | u32 body length | brotli(body JSON) | signature (64)
 *
 * The signature covers the bytes before the body length: the format line (the domain: no district-signed object,
 * cue pack or release starts with it), the header length and the header, which states the body's SHA-256 and size.
 * So the signature is checked before anything is decompressed, and decompression stops at the signed size.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { keyId, KEY_ID_LENGTH, SIGNATURE_LENGTH } from './signed.js';
import { TOPIC_NAME, TOPIC_ROOT } from './topics.js';

export const SUMMARY_FORMAT = 'loa-summary-1';
/**
 * Wire bytes of one summary at most. Measured: a day of 100 carts is ~16 KB (96 KB of JSON), of 500 carts ~80 KB
 * (500 KB): this leaves room for an area of ten thousand carts.
 */
export const MAX_SUMMARY_BYTES = 2 * 1024 * 1024;
/** Body bytes (uncompressed JSON) at most: the decompressor stops there. */
export const MAX_SUMMARY_BODY_BYTES = 32 * 1024 * 1024;
/** Days a receipt lists at most (the newest). */
export const MAX_RECEIPT_DAYS = 400;

export type SummaryKind = 'day' | 'registry';

export interface SummaryHeader {
  /** The area's network name: its config `district.id` (a topic name). */
  area: string;
  kind: SummaryKind;
  /** `YYYY-MM-DD` (local, UTC+7) for kind `day`; null for `registry`. */
  day: string | null;
  /** Whole number ≥ 1, per (area, kind, day): a new body gets version + 1. */
  version: number;
  /** Unix seconds. */
  madeAt: number;
}

export interface OpenedSummary extends SummaryHeader {
  /** protocol/signed.ts `keyId()` of the key that verified it. */
  keyId: string;
  /** Hex SHA-256 of the uncompressed body bytes: the same version with another sha256 is a conflict. */
  sha256: string;
  /** The parsed JSON body (checked further by its consumer). */
  body: unknown;
}

export type SummaryErrorCode = 'bad-format' | 'too-large' | 'unknown-area' | 'bad-signature';

/** Why a summary (or a receipt) was refused; the hub counts refusals by `code`. */
export class SummaryError extends Error {
  readonly code: SummaryErrorCode;

  constructor(code: SummaryErrorCode, message: string) {
    super(message);
    this.name = 'SummaryError';
    this.code = code;
  }
}

const MAGIC = Buffer.from(`${SUMMARY_FORMAT}\n`, 'ascii');
const MAX_HEADER = 1024;
const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const KEY_ID_HEX = HEX(KEY_ID_LENGTH * 2);
const SHA_HEX = HEX(64);

/** The signed header: the summary's header plus what the signature needs to cover the body. */
interface WireHeader extends SummaryHeader {
  keyId: string;
  size: number;
  sha256: string;
}

const fail = (message: string): never => {
  throw new SummaryError('bad-format', message);
};

function isDay(text: string): boolean {
  const m = DAY_TEXT.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) && d.getUTCFullYear() >= 1970;
}

const whole = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** Throws `bad-format` unless `h` is a valid header (the caller's own, or one read from the wire). */
function checkHeader(h: SummaryHeader): void {
  if (typeof h.area !== 'string' || !TOPIC_NAME.test(h.area)) fail(`summary area ${JSON.stringify(h.area)} is not a topic name (a-z, 0-9, -)`);
  if (h.kind !== 'day' && h.kind !== 'registry') fail(`summary kind ${JSON.stringify(h.kind)} is not day or registry`);
  if (h.kind === 'day' && (typeof h.day !== 'string' || !isDay(h.day))) fail(`a day summary needs day YYYY-MM-DD, got ${JSON.stringify(h.day)}`);
  if (h.kind === 'registry' && h.day !== null) fail(`a registry summary has day null, got ${JSON.stringify(h.day)}`);
  if (!whole(h.version, 1, 2 ** 31 - 1)) fail(`summary version must be a whole number from 1, got ${JSON.stringify(h.version)}`);
  if (!whole(h.madeAt, 0, 2 ** 40)) fail(`summary madeAt must be Unix seconds, got ${JSON.stringify(h.madeAt)}`);
}

/** The header JSON in its one canonical form (keys in this order, no spaces): the bytes that are signed. */
function headerJson(h: WireHeader): Buffer {
  const { area, kind, day, version, madeAt, keyId: id, size, sha256 } = h;
  return Buffer.from(JSON.stringify({ area, kind, day, version, madeAt, keyId: id, size, sha256 }), 'utf8');
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Signs `body` (any JSON value) under `header` with the area's district key: the wire bytes. */
export function sealSummary(header: SummaryHeader, body: unknown, privateKey: KeyObject): Buffer {
  checkHeader(header);
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError('a summary body must be a JSON value');
  const plain = Buffer.from(json, 'utf8');
  if (plain.length > MAX_SUMMARY_BODY_BYTES) throw new SummaryError('too-large', `summary body of ${plain.length} bytes is over ${MAX_SUMMARY_BODY_BYTES}`);
  const wire: WireHeader = {
    area: header.area,
    kind: header.kind,
    day: header.day,
    version: header.version,
    madeAt: header.madeAt,
    keyId: keyId(privateKey),
    size: plain.length,
    sha256: createHash('sha256').update(plain).digest('hex'),
  };
  const head = headerJson(wire);
  const signed = Buffer.concat([MAGIC, u32(head.length), head]);
  const packed = brotliCompressSync(plain, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_LGWIN]: 22, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: plain.length },
  });
  const out = Buffer.concat([signed, u32(packed.length), packed, sign(null, signed, privateKey)]);
  if (out.length > MAX_SUMMARY_BYTES) throw new SummaryError('too-large', `summary of ${out.length} bytes is over ${MAX_SUMMARY_BYTES}`);
  return out;
}

interface ReadSummary {
  header: WireHeader;
  signed: Buffer;
  packed: Buffer;
  signature: Buffer;
}

/** Splits the wire bytes and checks the header, WITHOUT checking the signature or the body. */
function split(bytes: Uint8Array): ReadSummary {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > MAX_SUMMARY_BYTES) throw new SummaryError('too-large', `summary of ${b.length} bytes is over ${MAX_SUMMARY_BYTES}`);
  if (b.length < MAGIC.length + 8 + SIGNATURE_LENGTH || !b.subarray(0, MAGIC.length).equals(MAGIC)) fail(`not a ${SUMMARY_FORMAT} summary`);
  const headLength = b.readUInt32BE(MAGIC.length);
  const headEnd = MAGIC.length + 4 + headLength;
  if (headLength > MAX_HEADER || headEnd + 4 + SIGNATURE_LENGTH > b.length) fail(`summary header length ${headLength} does not fit`);
  const packedLength = b.readUInt32BE(headEnd);
  if (headEnd + 4 + packedLength + SIGNATURE_LENGTH !== b.length) fail(`summary body length ${packedLength} does not match the ${b.length} bytes`);
  const head = b.subarray(MAGIC.length + 4, headEnd);
  const header = parseHeader(head);
  return { header, signed: b.subarray(0, headEnd), packed: b.subarray(headEnd + 4, b.length - SIGNATURE_LENGTH), signature: b.subarray(b.length - SIGNATURE_LENGTH) };
}

function parseHeader(head: Buffer): WireHeader {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head));
  } catch {
    return fail('summary header is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('summary header is not a JSON object');
  const h = value as WireHeader;
  checkHeader(h);
  if (typeof h.keyId !== 'string' || !KEY_ID_HEX.test(h.keyId)) fail(`summary keyId ${JSON.stringify(h.keyId)} is not ${KEY_ID_LENGTH * 2} hex digits`);
  if (!whole(h.size, 0, MAX_SUMMARY_BODY_BYTES)) fail(`summary body size ${JSON.stringify(h.size)} is out of range`);
  if (typeof h.sha256 !== 'string' || !SHA_HEX.test(h.sha256)) fail('summary sha256 is not 64 hex digits');
  // One form only: a header with other keys, spaces or key order is refused (no two byte strings for one header).
  if (!headerJson(h).equals(head)) fail('summary header is not in its canonical form');
  return h;
}

/** The header and key id of a summary, WITHOUT checking the signature: for display and for re-sending. */
export function readSummaryHeader(bytes: Uint8Array): SummaryHeader & { keyId: string; sha256: string } {
  const { area, kind, day, version, madeAt, keyId: id, sha256 } = split(bytes).header;
  return { area, kind, day, version, madeAt, keyId: id, sha256 };
}

/**
 * The same summary (header and body) signed again with another key: for an area whose key changed after it sealed
 * summaries that a hub still asks for. It checks neither the old signature nor the body: pass only bytes you made.
 */
export function resealSummary(bytes: Uint8Array, privateKey: KeyObject): Buffer {
  const { header: h, packed } = split(bytes);
  let plain: Buffer;
  try {
    plain = brotliDecompressSync(packed, { maxOutputLength: Math.max(1, h.size) });
  } catch {
    return fail(`summary body of ${h.area} does not decompress to its ${h.size} bytes`);
  }
  return sealSummary({ area: h.area, kind: h.kind, day: h.day, version: h.version, madeAt: h.madeAt }, JSON.parse(plain.toString('utf8')), privateKey);
}

/**
 * Verifies a summary with the keys registered for its area and returns it. Refuses with a {@link SummaryError}:
 * `too-large` over {@link MAX_SUMMARY_BYTES}; `bad-format` when the layout, header or JSON is broken; `unknown-area`
 * when `keysOf` knows no key for the area; `bad-signature` when no key of the area has its key id, the signature
 * fails, or the body is not the one signed.
 */
export function openSummary(bytes: Uint8Array, keysOf: (area: string) => readonly KeyObject[] | undefined): OpenedSummary {
  const { header: h, signed, packed, signature } = split(bytes);
  const keys = keysOf(h.area);
  if (keys === undefined || keys.length === 0) throw new SummaryError('unknown-area', `area ${h.area} is not registered here`);
  const key = keys.find((k) => keyId(k) === h.keyId);
  if (key === undefined) throw new SummaryError('bad-signature', `summary of ${h.area} signed by key ${h.keyId}, which is not a key of that area`);
  if (!verify(null, signed, key, signature)) throw new SummaryError('bad-signature', `summary of ${h.area} does not verify under key ${h.keyId} (altered or forged)`);
  let plain: Buffer;
  try {
    plain = brotliDecompressSync(packed, { maxOutputLength: Math.max(1, h.size) });
  } catch {
    return fail(`summary body of ${h.area} does not decompress to its ${h.size} bytes`);
  }
  if (plain.length !== h.size || createHash('sha256').update(plain).digest('hex') !== h.sha256) {
    throw new SummaryError('bad-signature', `summary body of ${h.area} is not the body that was signed`);
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
  } catch {
    return fail(`summary body of ${h.area} is not JSON`);
  }
  return { area: h.area, kind: h.kind, day: h.day, version: h.version, madeAt: h.madeAt, keyId: h.keyId, sha256: h.sha256, body };
}

// --- topics -------------------------------------------------------------------------------------------------------

function checkArea(area: string): string {
  if (!TOPIC_NAME.test(area)) throw new SummaryError('bad-format', `area "${area}" may only use a-z, 0-9 and - (1–32, not starting with -)`);
  return area;
}

/**
 * `loa/v1/<area>/summary/day/<YYYY-MM-DD>` (QoS 1, not retained) or `loa/v1/<area>/summary/registry` (QoS 1,
 * retained).
 */
export function summaryTopic(area: string, kind: SummaryKind, day?: string): string {
  const base = `${TOPIC_ROOT}/${checkArea(area)}/summary`;
  if (kind === 'registry') return `${base}/registry`;
  if (day === undefined || !isDay(day)) throw new SummaryError('bad-format', `a day summary topic needs a day YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return `${base}/day/${day}`;
}

/** `loa/v1/<area>/summary/receipt`: hub → area, QoS 1, retained. */
export function receiptTopic(area: string): string {
  return `${TOPIC_ROOT}/${checkArea(area)}/summary/receipt`;
}

/** The area, kind and day of a summary or receipt topic; undefined for any other topic. */
export function parseSummaryTopic(topic: string): { area: string; kind: SummaryKind | 'receipt'; day: string | null } | undefined {
  const p = topic.split('/');
  if (p.length < 5 || p[0] !== 'loa' || p[1] !== 'v1' || !TOPIC_NAME.test(p[2]!) || p[3] !== 'summary') return undefined;
  const area = p[2]!;
  if (p.length === 5 && (p[4] === 'registry' || p[4] === 'receipt')) return { area, kind: p[4], day: null };
  if (p.length === 6 && p[4] === 'day' && isDay(p[5]!)) return { area, kind: 'day', day: p[5]! };
  return undefined;
}

// --- receipts -----------------------------------------------------------------------------------------------------

/** What the hub holds of an area: the highest version of its registry (0: none) and of each day (the newest days). */
export interface SummaryReceipt {
  area: string;
  registry: number;
  days: Record<string, number>;
}

/** A receipt as JSON (unsigned: a false receipt can only make the area send again). */
export function encodeReceipt(r: SummaryReceipt): Buffer {
  const days = Object.keys(r.days).sort().slice(-MAX_RECEIPT_DAYS);
  return Buffer.from(JSON.stringify({ area: r.area, registry: r.registry, days: Object.fromEntries(days.map((d) => [d, r.days[d]!])) }), 'utf8');
}

/** Reads a receipt; `bad-format` for anything but {@link encodeReceipt}'s shape. */
export function decodeReceipt(b: Uint8Array): SummaryReceipt {
  if (b.length > 64 * 1024) throw new SummaryError('too-large', `receipt of ${b.length} bytes is over 65536`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b));
  } catch {
    return fail('receipt is not JSON');
  }
  const r = v as SummaryReceipt;
  if (typeof v !== 'object' || v === null || typeof r.area !== 'string' || !TOPIC_NAME.test(r.area)) return fail('receipt needs an area');
  if (!whole(r.registry, 0, 2 ** 31 - 1)) fail(`receipt registry version ${JSON.stringify(r.registry)} is not a whole number`);
  if (typeof r.days !== 'object' || r.days === null || Array.isArray(r.days)) return fail('receipt days must be an object');
  const entries = Object.entries(r.days);
  if (entries.length > MAX_RECEIPT_DAYS) fail(`receipt lists ${entries.length} days, at most ${MAX_RECEIPT_DAYS}`);
  for (const [d, n] of entries) if (!isDay(d) || !whole(n, 1, 2 ** 31 - 1)) fail(`receipt day ${JSON.stringify(d)}: ${JSON.stringify(n)} is not a day and a version`);
  return { area: r.area, registry: r.registry, days: Object.fromEntries(entries) as Record<string, number> };
}
