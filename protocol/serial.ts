/**
 * Serial framing (SPEC.md "Serial framing"): a frame plus its CRC-16/CCITT-FALSE (big-endian), COBS-encoded, then a
 * 0x00 delimiter. The deframer resynchronises on the next 0x00 after garbage, drops and counts frames with a bad
 * CRC, broken COBS or over the maximum length, and never holds more than one maximum frame of bytes.
 */
import { ProtocolError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';

/** The longest frame (before CRC and COBS) carried on a serial link. */
export const MAX_SERIAL_FRAME = 2048;

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function cobsEncode(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length + Math.ceil(input.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

export function cobsDecode(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  let i = 0;
  while (i < input.length) {
    const code = input[i++]!;
    if (code === 0) throw new ProtocolError('bad-cobs', `zero byte inside a COBS block at offset ${i - 1}`);
    const end = i + code - 1;
    if (end > input.length) throw new ProtocolError('bad-cobs', `COBS block at offset ${i - 1} runs past the end`);
    while (i < end) {
      const b = input[i++]!;
      if (b === 0) throw new ProtocolError('bad-cobs', `zero byte inside a COBS block at offset ${i - 1}`);
      out[o++] = b;
    }
    if (code < 0xff && i < input.length) out[o++] = 0;
  }
  return Buffer.from(out.subarray(0, o));
}

/** Bytes to put on the wire for one frame, delimiter included. */
export function toSerial(frame: Uint8Array): Buffer {
  if (frame.length > MAX_SERIAL_FRAME) {
    throw new ProtocolError('too-long', `frame of ${frame.length} bytes is over the serial maximum of ${MAX_SERIAL_FRAME}`);
  }
  const withCrc = Buffer.allocUnsafe(frame.length + 2);
  withCrc.set(frame, 0);
  withCrc.writeUInt16BE(crc16(frame), frame.length);
  const encoded = cobsEncode(withCrc);
  return Buffer.concat([encoded, Buffer.from([0])]);
}

/** One delimited chunk (without the 0x00) back to a frame: COBS, then length, then CRC. */
export function fromSerial(chunk: Uint8Array): Buffer {
  const raw = cobsDecode(chunk);
  if (raw.length > MAX_SERIAL_FRAME + 2) {
    throw new ProtocolError('too-long', `serial frame of ${raw.length - 2} bytes is over the serial maximum of ${MAX_SERIAL_FRAME}`);
  }
  if (raw.length < 2) throw new ProtocolError('truncated', `serial frame of ${raw.length} bytes has no room for a CRC`);
  const body = raw.subarray(0, raw.length - 2);
  const got = raw.readUInt16BE(raw.length - 2);
  const want = crc16(body);
  if (got !== want) throw new ProtocolError('bad-crc', `CRC 0x${got.toString(16).padStart(4, '0')} should be 0x${want.toString(16).padStart(4, '0')}`);
  return Buffer.from(body);
}

export interface DeframerStats {
  frames: number;
  badCrc: number;
  badCobs: number;
  tooLong: number;
  /** Bytes thrown away while out of sync or in dropped frames. */
  droppedBytes: number;
}

/** COBS adds one code byte, and one more after every 254 data bytes (the last block included: `FF …254… 01`). */
export function cobsMaxLength(n: number): number {
  return n + 1 + Math.floor(n / 254);
}

/** The longest chunk between delimiters that can hold a frame: COBS of a maximum frame and its CRC (2,059 bytes). */
export const MAX_SERIAL_CHUNK = cobsMaxLength(MAX_SERIAL_FRAME + 2);

/**
 * Splits a byte stream into frames. Feed it whatever the port delivers; it returns the whole frames found so far.
 */
export class Deframer {
  readonly stats: DeframerStats = { frames: 0, badCrc: 0, badCobs: 0, tooLong: 0, droppedBytes: 0 };
  private buf = Buffer.allocUnsafe(MAX_SERIAL_CHUNK);
  private len = 0;
  /** True while skipping an over-long frame up to the next delimiter. */
  private discarding = false;

  constructor(private readonly log: Logger = silentLogger) {}

  /** Bytes held, waiting for a delimiter: never more than one maximum encoded frame. */
  get pending(): number {
    return this.len;
  }

  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0) {
        if (this.discarding) this.discarding = false;
        else if (this.len > 0) this.finishFrame(frames);
        this.len = 0;
        continue;
      }
      if (this.discarding) {
        this.stats.droppedBytes++;
        continue;
      }
      if (this.len === MAX_SERIAL_CHUNK) {
        this.stats.tooLong++;
        this.stats.droppedBytes += this.len + 1;
        this.log.warn(`serial frame longer than ${MAX_SERIAL_CHUNK} encoded bytes dropped`);
        this.len = 0;
        this.discarding = true;
        continue;
      }
      this.buf[this.len++] = b;
    }
    return frames;
  }

  private finishFrame(frames: Buffer[]): void {
    const chunk = this.buf.subarray(0, this.len);
    try {
      frames.push(fromSerial(chunk));
      this.stats.frames++;
    } catch (err) {
      this.stats.droppedBytes += this.len;
      const code = err instanceof ProtocolError ? err.code : 'bad-cobs';
      if (code === 'too-long') this.stats.tooLong++;
      else if (code === 'bad-crc' || code === 'truncated') this.stats.badCrc++;
      else this.stats.badCobs++;
      this.log.debug(() => `serial frame dropped (${code}): ${Buffer.from(chunk).toString('hex')}`);
    }
  }
}
