/**
 * The structure of an upload, checked before sox sees it: sox reads a cut WAV up to where it ends and calls it a
 * short clip (the first 20 kB of a 3.6 s clip became a 0.5 s one), so a damaged file must be refused here, with its
 * reason, rather than stored as a shorter message than the one that was approved.
 *
 * WAV (RIFF): the chunks must lie inside the file, the RIFF size must be the file's, a `fmt ` chunk must describe an
 * encoding the carts' conversion reads (PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, µ-law, also inside
 * WAVE_FORMAT_EXTENSIBLE) and a `data` chunk must hold some sound. MP3: the frames are walked from the first one
 * (after an ID3v2 tag); the last frame must end inside the file, no stretch of non-frame bytes may sit between frames,
 * and a Xing/Info or VBRI header must not count more frames than there are. Both give the length the structure
 * promises, which the importer compares with what sox really decodes (audio.ts).
 *
 * Pure: bytes in, facts out; a refusal is a {@link ContentError} `damaged-audio` or `unsupported-audio`.
 */
import { both, ContentError } from './errors.js';

/** What the structure of an upload says about it. */
export interface AudioLayout {
  /** The length the headers promise, seconds; null when it cannot be known without decoding (free-format MP3). */
  seconds: number | null;
}

const WAVE_FORMATS: Record<number, { name: string; bits: readonly number[] } | undefined> = {
  0x0001: { name: 'PCM', bits: [8, 16, 24, 32] },
  0x0003: { name: 'IEEE float', bits: [32, 64] },
  0x0006: { name: 'A-law', bits: [8] },
  0x0007: { name: 'µ-law', bits: [8] },
};
/** Names of encodings met in the wild that the carts' conversion does not take, for the message. */
const OTHER_FORMATS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MPEG Layer III',
  0x0161: 'Windows Media Audio',
};
const EXTENSIBLE = 0xfffe;
/** A size field left at its placeholder by a writer that never closed the file. */
const UNFILLED = new Set([0, 0xffffffff]);

function seconds(x: number, lang: 'vi' | 'en'): string {
  const text = x.toFixed(x < 10 ? 2 : 1);
  return lang === 'vi' ? text.replace('.', ',') : text;
}

/** `damaged-audio`: the file is cut or its structure is wrong; the fix is the complete original file. */
export function damaged(vi: string, en: string): ContentError {
  return new ContentError('damaged-audio', both(`Tệp âm thanh bị hỏng: ${vi}. Hãy gửi lại tệp gốc đầy đủ`, `the audio file is damaged: ${en}. Upload the complete original file again`));
}

function unsupported(name: string): ContentError {
  return new ContentError(
    'unsupported-audio',
    both(`Tệp WAV dùng kiểu mã hóa ${name}, máy chủ không chuyển đổi được: hãy xuất lại thành WAV PCM 16-bit hoặc MP3`, `the WAV file uses the ${name} encoding, which this server cannot convert: export it again as 16-bit PCM WAV or MP3`),
  );
}

interface Chunk {
  id: string;
  offset: number;
  size: number;
}

/** Checks a RIFF/WAVE file (its first 12 bytes are `RIFF….WAVE`, see `sniffAudio`). */
export function inspectWav(bytes: Uint8Array): AudioLayout {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffSize = b.readUInt32LE(4);
  const chunks: Chunk[] = [];
  // Bytes after the RIFF chunk are not walked as chunks: the size check below names them.
  const limit = UNFILLED.has(riffSize) ? b.length : Math.min(b.length, riffSize + 8);
  let at = 12;
  while (at < limit) {
    if (at + 8 > limit) throw damaged(`tệp kết thúc giữa phần đầu của một khối, ở byte ${at}`, `the file ends inside a chunk header, at byte ${at}`);
    const chunk = { id: b.toString('latin1', at, at + 4), offset: at + 8, size: b.readUInt32LE(at + 4) };
    const end = chunk.offset + chunk.size;
    if (end > limit) {
      if (end <= b.length) throw riffMismatch(riffSize, b.length);
      if (chunk.id === 'data') throw truncatedData(b, chunks, chunk);
      if (UNFILLED.has(chunk.size)) throw unfilled();
      throw damaged(`khối "${printable(chunk.id)}" khai ${chunk.size} byte nhưng tệp chỉ còn ${b.length - chunk.offset} byte`, `the "${printable(chunk.id)}" chunk declares ${chunk.size} bytes but only ${b.length - chunk.offset} are left in the file`);
    }
    if (chunk.id === 'data' && chunk.size === 0 && UNFILLED.has(riffSize) && end < limit) throw unfilled();
    chunks.push(chunk);
    at = end + (chunk.size % 2); // chunks are padded to an even length (a missing last pad byte is let through)
  }
  if (riffSize + 8 !== b.length && !(riffSize + 8 === b.length + 1 && (chunks[chunks.length - 1]?.size ?? 0) % 2 === 1)) {
    throw riffMismatch(riffSize, b.length);
  }
  const fmt = chunks.find((c) => c.id === 'fmt ');
  if (fmt === undefined) throw damaged('không có khối "fmt " mô tả âm thanh', 'it has no "fmt " chunk describing the sound');
  if (fmt.size < 16) throw damaged(`khối "fmt " chỉ dài ${fmt.size} byte (cần ít nhất 16)`, `its "fmt " chunk is only ${fmt.size} bytes long (16 at least)`);
  let format = b.readUInt16LE(fmt.offset);
  const channels = b.readUInt16LE(fmt.offset + 2);
  const rate = b.readUInt32LE(fmt.offset + 4);
  const blockAlign = b.readUInt16LE(fmt.offset + 12);
  const bits = b.readUInt16LE(fmt.offset + 14);
  if (format === EXTENSIBLE) {
    if (fmt.size < 40) throw damaged(`khối "fmt " kiểu mở rộng chỉ dài ${fmt.size} byte (cần 40)`, `its extensible "fmt " chunk is only ${fmt.size} bytes long (40 needed)`);
    format = b.readUInt16LE(fmt.offset + 24); // the first two bytes of the sub-format GUID are the format code
  }
  const known = WAVE_FORMATS[format];
  if (known === undefined) throw unsupported(OTHER_FORMATS[format] ?? `0x${format.toString(16).padStart(4, '0')}`);
  if (!known.bits.includes(bits)) throw unsupported(`${known.name} ${bits}-bit`);
  if (channels === 0 || rate === 0 || blockAlign !== channels * (bits / 8)) {
    throw damaged(`khối "fmt " không hợp lệ (${channels} kênh, ${rate} Hz, khối mẫu ${blockAlign} byte, ${bits} bit)`, `its "fmt " chunk is inconsistent (${channels} channels, ${rate} Hz, block align ${blockAlign}, ${bits} bits)`);
  }
  const data = chunks.find((c) => c.id === 'data');
  if (data === undefined) throw damaged('không có khối "data" chứa âm thanh', 'it has no "data" chunk holding the sound');
  if (data.size < blockAlign) throw damaged('khối "data" không chứa mẫu âm thanh nào', 'its "data" chunk holds no samples');
  return { seconds: Math.floor(data.size / blockAlign) / rate };
}

function truncatedData(b: Buffer, before: readonly Chunk[], data: Chunk): ContentError {
  if (UNFILLED.has(data.size)) return unfilled();
  const present = b.length - data.offset;
  const fmt = before.find((c) => c.id === 'fmt ' && c.size >= 16);
  const byteRate = fmt === undefined ? 0 : b.readUInt32LE(fmt.offset + 8);
  const length = (lang: 'vi' | 'en'): string =>
    byteRate > 0 ? (lang === 'vi' ? ` (${seconds(present / byteRate, lang)} trên ${seconds(data.size / byteRate, lang)} giây)` : ` (${seconds(present / byteRate, lang)} of ${seconds(data.size / byteRate, lang)} s)`) : '';
  return damaged(
    `tệp WAV bị cắt cụt: khối "data" khai ${data.size} byte nhưng tệp chỉ còn ${present} byte${length('vi')}`,
    `the WAV file is truncated: its data chunk declares ${data.size} bytes but only ${present} are in the file${length('en')}`,
  );
}

function riffMismatch(riffSize: number, length: number): ContentError {
  if (UNFILLED.has(riffSize)) return unfilled();
  return damaged(`phần đầu RIFF khai tệp dài ${riffSize + 8} byte nhưng tệp dài ${length} byte`, `the RIFF header gives a file of ${riffSize + 8} bytes but the file has ${length}`);
}

function unfilled(): ContentError {
  return damaged('phần đầu WAV chưa ghi kích thước (bản ghi chưa được đóng đúng cách)', 'the WAV header sizes were never filled in (a recording that was not closed properly)');
}

const printable = (id: string): string => id.replace(/[^\x20-\x7e]/g, '?');

// MPEG audio frame headers (ISO 11172-3, 13818-3 and the unofficial MPEG 2.5), kbit/s by bitrate index.
const BITRATES: Record<string, readonly number[]> = {
  'v1l1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  'v1l2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  'v1l3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  'v2l1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  'v2l2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, readonly number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Frame {
  /** Bytes, header included; 0 for a free-format frame (its length is not in the header). */
  length: number;
  samples: number;
  rate: number;
  /** Where a Xing/Info header would start, from the frame's first byte. */
  sideInfoEnd: number;
}

/** The frame whose header starts at `at`, or undefined when there is no valid header there. */
function frameAt(b: Buffer, at: number): Frame | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[at + 1]! >> 3) & 3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
  const layer = 4 - ((b[at + 1]! >> 1) & 3); // 1, 2, 3 (4 = reserved)
  const bitrateIndex = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layer === 4 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const padding = (b[at + 2]! >> 1) & 1;
  const mono = b[at + 3]! >> 6 === 3;
  const rate = RATES[version]![rateIndex]!;
  const v1 = version === 3;
  const table = v1 ? `v1l${layer}` : layer === 1 ? 'v2l1' : 'v2l2';
  const kbps = BITRATES[table]![bitrateIndex]!;
  const samples = layer === 1 ? 384 : layer === 3 && !v1 ? 576 : 1152;
  let length = 0;
  if (kbps > 0) length = layer === 1 ? (Math.floor((12 * kbps * 1000) / rate) + padding) * 4 : Math.floor(((samples / 8) * kbps * 1000) / rate) + padding;
  const sideInfoEnd = 4 + (v1 ? (mono ? 17 : 32) : mono ? 9 : 17);
  return { length, samples, rate, sideInfoEnd };
}

/** A frame at `at` followed by another (or by the end of the file): a sync that is not chance. */
function framesAt(b: Buffer, at: number): Frame | undefined {
  const f = frameAt(b, at);
  if (f === undefined || f.length === 0) return f;
  const next = at + f.length;
  return next >= b.length || frameAt(b, next) !== undefined ? f : undefined;
}

/** Where the frames after non-frame bytes at `from` start again, or -1. */
function resync(b: Buffer, from: number): number {
  for (let i = from; i + 4 <= b.length; i++) if (b[i] === 0xff && framesAt(b, i) !== undefined && frameAt(b, i)!.length > 0) return i;
  return -1;
}

/** A tag or padding that may follow the last frame: ID3v1, APEv2, Lyrics3, or zero bytes. */
function isTrailer(b: Buffer, at: number): boolean {
  const head = b.toString('latin1', at, at + 11);
  if (head.startsWith('TAG') || head.startsWith('APETAGEX') || head.startsWith('LYRICSBEGIN') || head.startsWith('ID3')) return true;
  return b.subarray(at).every((x) => x === 0);
}

/** Frames counted by a Xing/Info or VBRI header in the frame at `at`, or undefined without one. */
function headerFrames(b: Buffer, at: number, f: Frame): number | undefined {
  const xing = at + f.sideInfoEnd;
  const tag = b.toString('latin1', xing, xing + 4);
  if ((tag === 'Xing' || tag === 'Info') && xing + 12 <= b.length && (b.readUInt32BE(xing + 4) & 1) === 1) return b.readUInt32BE(xing + 8);
  const vbri = at + 36;
  if (b.toString('latin1', vbri, vbri + 4) === 'VBRI' && vbri + 18 <= b.length) return b.readUInt32BE(vbri + 14);
  return undefined;
}

/** Checks an MP3 file (it starts with an ID3v2 tag or a frame sync, see `sniffAudio`). */
export function inspectMp3(bytes: Uint8Array): AudioLayout {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (b.toString('latin1', at, at + 3) === 'ID3' && at + 10 <= b.length) {
    const size = ((b[at + 6]! & 0x7f) << 21) | ((b[at + 7]! & 0x7f) << 14) | ((b[at + 8]! & 0x7f) << 7) | (b[at + 9]! & 0x7f);
    at += 10 + size + ((b[at + 5]! & 0x10) !== 0 ? 10 : 0);
  }
  if (at >= b.length) throw damaged('tệp MP3 chỉ có thẻ ID3, không có âm thanh', 'the MP3 file holds an ID3 tag and no sound');
  const first = framesAt(b, at) !== undefined ? at : resync(b, at);
  if (first < 0) throw damaged('không tìm thấy khung MP3 nào', 'no MP3 frame was found in it');
  const head = frameAt(b, first)!;
  if (head.length === 0) return { seconds: null }; // free format: only decoding can tell its length
  const promised = headerFrames(b, first, head);
  let frames = 0;
  at = first;
  while (at < b.length) {
    const f = frameAt(b, at);
    if (f === undefined || f.length === 0) {
      if (isTrailer(b, at)) break;
      const again = resync(b, at + 1);
      if (again < 0) break; // unknown bytes after the last frame, not between frames: let sox judge them
      throw damaged(`có ${again - at} byte không phải âm thanh MP3 giữa các khung, từ byte ${at}`, `${again - at} bytes that are not MP3 frames lie between its frames, from byte ${at}`);
    }
    if (at + f.length > b.length) {
      const have = (frames * head.samples) / head.rate;
      throw damaged(
        `tệp MP3 bị cắt cụt: khung cuối cần ${f.length} byte nhưng tệp chỉ còn ${b.length - at} byte (còn ${seconds(have, 'vi')} giây âm thanh)`,
        `the MP3 file is truncated: its last frame needs ${f.length} bytes but only ${b.length - at} are left (${seconds(have, 'en')} s of sound remain)`,
      );
    }
    frames++;
    at += f.length;
  }
  const audioFrames = promised === undefined ? frames : frames - 1; // the Xing/Info/VBRI frame holds no sound
  if (promised !== undefined && promised > audioFrames) {
    const s = (n: number, lang: 'vi' | 'en'): string => seconds((n * head.samples) / head.rate, lang);
    throw damaged(
      `tệp MP3 bị cắt cụt: phần đầu khai ${promised} khung (${s(promised, 'vi')} giây) nhưng tệp chỉ có ${audioFrames} (${s(audioFrames, 'vi')} giây)`,
      `the MP3 file is truncated: its header counts ${promised} frames (${s(promised, 'en')} s) but the file has ${audioFrames} (${s(audioFrames, 'en')} s)`,
    );
  }
  if (audioFrames <= 0) throw damaged('tệp MP3 không có khung âm thanh nào', 'the MP3 file holds no audio frame');
  return { seconds: (audioFrames * head.samples) / head.rate };
}
