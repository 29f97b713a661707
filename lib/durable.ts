/**
 * Files that survive a power cut at any instant (DESIGN.md): a file is written whole to a temporary name in the same
 * folder, flushed to the disk, renamed over the old one, and the folder is flushed so the rename itself is on the
 * disk. A reader sees the old file or the new one, never half of either. Used by the cart and the controller.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, open, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * The one durable write: `fill` puts the whole content into a temporary file beside `path`, which is flushed,
 * renamed over `path`, and the folder flushed. On any failure the temporary file is removed and `path` untouched.
 */
async function replaceDurably(path: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempName(path);
  try {
    await fill(temp);
    await moveDurably(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * The end of a durable write, for a file whose name is known only once it is written (a content hash): flushes the
 * finished file `temp`, renames it over `path` (in the same folder) and flushes the folder. On failure `temp` is
 * left for the caller to remove.
 */
export async function moveDurably(temp: string, path: string): Promise<void> {
  const file = await open(temp, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncFolder(dirname(path));
}

/** Writes `data` to `path` so that after a power cut the file holds either its old or its new content. */
export async function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a file path, got ${JSON.stringify(path)}`);
  await replaceDurably(path, (temp) => writeFile(temp, data, { flag: 'wx', mode }));
}

/** Copies `source` to `path` with the same guarantee as {@link writeFileDurably}. */
export async function copyFileDurably(source: string, path: string): Promise<void> {
  await replaceDurably(path, (temp) => copyFile(source, temp));
}

/** Writes a NEW file (refused if `path` exists) and flushes it; the caller flushes the folder once all are written. */
export async function writeNewFileSynced(path: string, data: Uint8Array, mode = 0o644): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (a rename, a new file) to the disk. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file's bytes, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
