/**
 * The demo's data folder. The demo starts afresh each time, so it clears its folder first — but it deletes only a
 * folder it made itself: it leaves a marker file in every folder it creates or adopts empty, refuses a non-empty
 * folder without the marker (`--data data` or `--data /var/lib/loa` holds a real district), and clears only what
 * carries the marker.
 */
import { lstat, mkdir, readdir, rm, stat as statOf, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../io.js';

export const DEMO_MARKER = '.loa-demo';

const MARKER_TEXT = 'This folder was made by `loa demo`, which deletes everything in it when it starts again.\n';

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );

/**
 * Makes `root` an empty demo folder holding only the marker: creates it when missing, adopts it when empty, clears
 * it when it carries the marker. Anything else is refused with a UsageError (exit code 2) that says what to do.
 */
export async function prepareDemoFolder(root: string, lang: 'vi' | 'en'): Promise<void> {
  const refuse = (vi: string, en: string): never => {
    throw new UsageError(lang === 'en' ? en : vi);
  };
  const stat = await statOf(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (stat !== null && !stat.isDirectory()) {
    refuse(`${root} không phải thư mục: hãy chọn một thư mục trống hoặc chưa có cho demo (--data THƯ_MỤC)`, `${root} is not a folder: give the demo an empty or new folder (--data DIR)`);
  }
  const marker = join(root, DEMO_MARKER);
  if (stat !== null) {
    const entries = await readdir(root);
    const ours = entries.includes(DEMO_MARKER) && (await lstat(marker)).isFile();
    if (entries.length > 0 && !ours) {
      refuse(
        `${root} đã có dữ liệu mà demo không tạo ra, và demo không xoá thứ nó không tạo: hãy chọn một thư mục trống hoặc chưa có (--data THƯ_MỤC)`,
        `${root} holds files the demo did not make, and the demo deletes nothing it did not make: give it an empty or new folder (--data DIR)`,
      );
    }
    for (const e of entries) if (e !== DEMO_MARKER) await rm(join(root, e), { recursive: true, force: true });
  }
  await mkdir(root, { recursive: true });
  if (!(await exists(marker))) await writeFile(marker, MARKER_TEXT);
}
