/**
 * Activity photos, stored like clips: once per content, `<photosDir>/<sha256>.<jpg|png|webp>`, written durably (a
 * synced temporary file, then a hard link to the final name and a synced folder). A photo is recognised by its first
 * bytes, never by its name or the type a browser declared: a text file named .jpg is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFolder, writeNewFileSynced } from '../../lib/durable.js';
import { both } from '../content/errors.js';
import { BoardError } from './errors.js';
import { MAX_PHOTO_BYTES } from './types.js';

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp';

const EXTENSION: Record<PhotoType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** A photo read from a file and checked, ready to be stored. */
export interface PhotoBytes {
  bytes: Buffer;
  type: PhotoType;
  sha256: string;
}

/** The type of an image by its signature: JPEG (FF D8 FF), PNG (89 'PNG' CR LF 1A LF), WebP ('RIFF' size 'WEBP'). */
export function photoType(head: Uint8Array): PhotoType | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** Where the photo with this SHA-256 and type is kept. */
export function photoPath(photosDir: string, sha256: string, type: string): string {
  const ext = EXTENSION[type as PhotoType];
  if (!/^[0-9a-f]{64}$/.test(sha256) || ext === undefined) throw new RangeError(`not a stored photo: ${sha256} ${type}`);
  return join(photosDir, `${sha256}.${ext}`);
}

const tooLarge = (file: string, size: number): BoardError =>
  new BoardError(
    'photo-too-large',
    both(`Ảnh ${file} nặng ${size} byte, vượt giới hạn ${MAX_PHOTO_BYTES} byte: thu nhỏ ảnh rồi gửi lại`, `photo ${file} is ${size} bytes, over the ${MAX_PHOTO_BYTES}-byte limit: resize it and send it again`),
  );

/**
 * Reads and checks a photo file: the size first (from the open file, before anything is read), then its first bytes,
 * then the whole of it. `photo-too-large`, `not-photo`, or `bad-field` when it is not a readable file.
 */
export async function readPhoto(file: string): Promise<PhotoBytes> {
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new BoardError('bad-field', both(`Không đọc được tệp ảnh ${file} (${err.code ?? err.message}): kiểm tra đường dẫn`, `cannot read the photo file ${file} (${err.code ?? err.message}): check the path`));
  });
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new BoardError('bad-field', both(`${file} không phải một tệp ảnh`, `${file} is not a file`));
    if (s.size > MAX_PHOTO_BYTES) throw tooLarge(file, s.size);
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const type = photoType(head.subarray(0, bytesRead));
    if (type === undefined) {
      throw new BoardError('not-photo', both(`Tệp ${file} không phải ảnh JPEG, PNG hay WebP: chọn một tệp ảnh`, `${file} is not a JPEG, PNG or WebP image: choose a photo file`));
    }
    const bytes = await handle.readFile();
    // It may have grown since the size was checked (still being written): the limit holds for what was read.
    if (bytes.length > MAX_PHOTO_BYTES) throw tooLarge(file, bytes.length);
    return { bytes, type, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Stores a photo once per content and returns its path. A file already under that name is kept as it is (never
 * overwritten): the same bytes dedupe; different bytes mean the store is damaged, which a person must look at.
 */
export async function storePhoto(photosDir: string, photo: PhotoBytes): Promise<string> {
  const path = photoPath(photosDir, photo.sha256, photo.type);
  if (await sameContent(path, photo.sha256)) return path;
  const temp = join(photosDir, `.photo-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFileSynced(temp, photo.bytes, 0o600);
    // A hard link makes the final name appear whole, and unlike rename it refuses to replace a file already there.
    await link(temp, path).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST' || !(await sameContent(path, photo.sha256))) throw err;
    });
    await syncFolder(photosDir);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return path;
}

/** True when `path` exists with this SHA-256; false when it does not exist; throws when it exists with other bytes. */
async function sameContent(path: string, sha256: string): Promise<boolean> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (bytes === undefined) return false;
  if (createHash('sha256').update(bytes).digest('hex') === sha256) return true;
  throw new Error(`${path} does not hold the bytes its name says (a damaged photo store): move it aside, then add the photo again`);
}
