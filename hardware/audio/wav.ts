/**
 * Just enough WAV: read a RIFF/WAVE header (format, rate, channels, duration) and write a PCM test tone.
 * Chunks other than `fmt ` and `data` (LIST, fact…) are skipped; a file that is not RIFF/WAVE is rejected with a
 * `NotWavError` before it ever reaches aplay (which would otherwise play any file as raw noise).
 */
import { open, rename, unlink } from 'node:fs/promises';

export interface WavInfo {
  /** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible… */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Bytes of sound data (as stored: a truncated file counts what is there). */
  dataBytes: number;
  durationMs: number;
}

export class NotWavError extends Error {
  readonly code = 'NOT_WAV';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file} is not a playable WAV file (${reason}). Convert it to 16-bit PCM WAV, e.g. with sox.`);
    this.name = 'NotWavError';
  }
}

/** How much of the file the parser reads: the header and any chunks before `data` must fit. */
const HEAD_BYTES = 64 * 1024;

/**
 * Parses the header from the first bytes of a file. `fileSize` (the real size on disk) caps `dataBytes` when the
 * header claims more than the file holds (streams written without a final size say 0xFFFFFFFF).
 */
export function parseWavHeader(head: Buffer, fileSize: number, name = 'the file'): WavInfo {
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    throw new NotWavError(name, 'no RIFF/WAVE header');
  }
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationMs'> | undefined;
  let offset = 12;
  while (offset + 8 <= head.length) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > head.length) throw new NotWavError(name, 'short fmt chunk');
      fmt = {
        format: head.readUInt16LE(body),
        channels: head.readUInt16LE(body + 2),
        sampleRate: head.readUInt32LE(body + 4),
        blockAlign: head.readUInt16LE(body + 12),
        bitsPerSample: head.readUInt16LE(body + 14),
      };
      if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.blockAlign === 0) {
        throw new NotWavError(name, 'fmt chunk has zero channels, rate or block size');
      }
    } else if (id === 'data') {
      if (!fmt) throw new NotWavError(name, 'data chunk before fmt chunk');
      const dataBytes = Math.min(size, Math.max(0, fileSize - body));
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      return { ...fmt, dataBytes, durationMs: (frames / fmt.sampleRate) * 1000 };
    }
    offset = body + size + (size % 2); // chunks are padded to an even length
  }
  throw new NotWavError(name, fmt ? 'no data chunk' : 'no fmt chunk');
}

/** Reads the header of a WAV file. Rejects with `NotWavError` for other files, and the fs error for a missing one. */
export async function readWavInfo(file: string): Promise<WavInfo> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return parseWavHeader(head.subarray(0, bytesRead), size, file);
  } finally {
    await handle.close();
  }
}

export interface ToneOptions {
  /** Hz; default 440. */
  frequency?: number;
  /** Samples per second; default 16000. */
  sampleRate?: number;
  /** Length in seconds. */
  seconds: number;
  /** 0..1 of full scale; default 0.5. */
  amplitude?: number;
  /** Default 1. The same tone on every channel. */
  channels?: number;
}

/** A 16-bit PCM WAV holding a sine tone. */
export function encodeToneWav(options: ToneOptions): Buffer {
  const { frequency = 440, sampleRate = 16000, seconds, amplitude = 0.5, channels = 1 } = options;
  const check = (name: string, value: number, ok: boolean) => {
    if (!Number.isFinite(value) || !ok) throw new RangeError(`${name} is out of range, got ${value}`);
  };
  check('seconds', seconds, seconds >= 0 && seconds <= 3600);
  check('sampleRate', sampleRate, Number.isInteger(sampleRate) && sampleRate >= 1000 && sampleRate <= 192000);
  check('frequency', frequency, frequency > 0 && frequency < sampleRate / 2);
  check('amplitude', amplitude, amplitude >= 0 && amplitude <= 1);
  check('channels', channels, Number.isInteger(channels) && channels >= 1 && channels <= 8);
  const frames = Math.round(seconds * sampleRate);
  const blockAlign = 2 * channels;
  const dataBytes = frames * blockAlign;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * blockAlign, 28);
  buf.writeUInt16LE(blockAlign, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  const scale = amplitude * 32767;
  for (let i = 0; i < frames; i++) {
    const sample = Math.round(scale * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
    for (let c = 0; c < channels; c++) buf.writeInt16LE(sample, 44 + i * blockAlign + c * 2);
  }
  return buf;
}

/** Writes a tone WAV durably: temp file, fsync, rename. */
export async function writeToneWav(file: string, options: ToneOptions): Promise<WavInfo> {
  const bytes = encodeToneWav(options);
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(temp, file);
  return parseWavHeader(bytes.subarray(0, 44), bytes.length, file);
}
