/**
 * Byte-level building blocks of the wire format: unsigned LEB128 varints, zigzag for signed values, fixed-width
 * big-endian integers and length-prefixed UTF-8 strings and byte strings. See SPEC.md "Primitive types".
 */
import { ProtocolError } from './errors.js';

/** Varints longer than this many bytes are refused: 5 bytes carry 35 bits, enough for every field (max 2^32-1). */
const MAX_VARINT_BYTES = 5;
export const MAX_VARINT = 0xffff_ffff;

export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Appends bytes to a growing buffer. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    checkRange('u8', v, 0, 0xff);
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    checkRange('u16', v, 0, 0xffff);
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    checkRange('u32', v, 0, 0xffff_ffff);
    this.room(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    checkRange('i32', v, -0x8000_0000, 0x7fff_ffff);
    this.room(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  varint(v: number): this {
    checkRange('varint', v, 0, MAX_VARINT);
    this.room(MAX_VARINT_BYTES);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  svarint(v: number): this {
    checkRange('svarint', v, -0x8000_0000, 0x7fff_ffff);
    return this.varint(zigzag(v));
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A varint length, then the bytes. */
  blob(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /**
   * A varint length, then UTF-8. `max` is in bytes, not characters (a Vietnamese letter takes 2–3): a string the
   * receiver would refuse is refused here, so it never reaches an outbox.
   */
  str(s: string, max = Infinity, what = 'string'): this {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > max) throw new ProtocolError('too-long', `${what} is ${bytes.length} bytes of UTF-8, over the maximum of ${max}`);
    return this.blob(bytes);
  }

  /** The bytes written so far (a copy, safe to keep). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function checkRange(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError('bad-value', `${what} value ${String(v)} is not an integer in ${min}..${max}`);
  }
}

/** Strict: refuses malformed UTF-8 (so a stored text is the bytes that came), keeps a leading BOM as a character. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads the primitives back; every read past the end throws `ProtocolError('truncated')`. */
export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new ProtocolError('truncated', `${what} needs ${n} byte(s) at offset ${this.pos}, only ${this.end - this.pos} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  i32(what = 'i32'): number {
    const v = this.u32(what);
    return v >= 0x8000_0000 ? v - 0x1_0000_0000 : v;
  }

  varint(what = 'varint'): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      this.need(1, what);
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        // One value, one spelling: a last group of 0 after a continuation byte is a longer form of a shorter varint.
        if (byte === 0 && i > 0) throw new ProtocolError('bad-value', `${what} at offset ${this.pos - i - 1} is not in its shortest form`);
        if (result > MAX_VARINT) throw new ProtocolError('bad-value', `${what} ${result} is over ${MAX_VARINT}`);
        return result;
      }
      scale *= 128;
    }
    throw new ProtocolError('bad-value', `${what} at offset ${this.pos} is longer than ${MAX_VARINT_BYTES} bytes`);
  }

  svarint(what = 'svarint'): number {
    return unzigzag(this.varint(what));
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return Buffer.from(out);
  }

  blob(what = 'bytes', max = 0xffff): Buffer {
    const n = this.varint(`${what} length`);
    if (n > max) throw new ProtocolError('too-long', `${what} is ${n} bytes, over the maximum of ${max}`);
    return this.bytes(n, what);
  }

  /** A string of at most `max` bytes; bytes that are not UTF-8 are refused, never replaced with U+FFFD. */
  str(what = 'string', max = 255): string {
    const bytes = this.blob(what, max);
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new ProtocolError('bad-value', `${what} is not valid UTF-8`);
    }
  }

  /** A sub-reader over the next `n` bytes; this reader moves past them. */
  sub(n: number, what: string): ByteReader {
    this.need(n, what);
    const r = new ByteReader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

/** The wire index of an enumeration value; a value not in the table is refused, naming the field. */
export function enumIndex<T extends string>(table: readonly T[], value: T, what: string): number {
  const i = table.indexOf(value);
  if (i < 0) throw new ProtocolError('bad-value', `${what} "${String(value)}" is not one of ${table.join(', ')}`);
  return i;
}

/** The value of a wire index; an index past the table is refused (adding a value is a protocol change). */
export function enumValue<T extends string>(table: readonly T[], index: number, what: string): T {
  const v = table[index];
  if (v === undefined) throw new ProtocolError('bad-value', `${what} ${index} is not a known value (0..${table.length - 1})`);
  return v;
}

/** A `u8` percentage read: a peer that writes over 100 breaks the contract, like an index past its table. */
export function readPercent(r: ByteReader, what: string): number {
  const v = r.u8(what);
  if (v > 100) throw new ProtocolError('bad-value', `${what} ${v} % is over 100`);
  return v;
}

/** A percentage about to be written as a `u8`: a whole number 0..100, or refused here. */
export function checkPercent(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 100) throw new ProtocolError('bad-value', `${what} ${String(v)} is not an integer 0..100`);
  return v;
}
