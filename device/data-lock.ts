/**
 * One `loa unit run` per data folder: a lock file, `loa.lock`, naming the process that holds the folder.
 *
 * - Taking it is atomic: the content (PID, the process's start time, the boot it belongs to, a random nonce) is
 *   written whole to a temporary file, flushed, then `link()`ed to `loa.lock`, which fails if the name exists. A
 *   reader never sees a half-written lock.
 * - A lock is stale when its process is gone (`process.kill(pid, 0)` says ESRCH, or /proc shows a zombie), when the
 *   PID now belongs to another process (its start time in /proc differs: PID reuse), or when it was written before
 *   the last boot (a power cut, the usual end of a cart's day). A SIGKILLed holder therefore never leaves it stuck.
 * - A stale lock is taken over without a race between two starters: the lock is renamed away to a name of our own;
 *   only one rename of that file can succeed, and the mover checks it moved the very bytes it judged stale. If it
 *   moved a fresh lock instead (another starter won meanwhile), it links it back and looks again. (Only a third
 *   starter in the two system calls between that rename and that link could still slip in.)
 * - Released only by its holder, and only if the file still holds its own nonce.
 *
 * Without /proc (not Linux) the PID alone is checked.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Text } from './text.js';

export const LOCK_FILE = 'loa.lock';

interface LockContent {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22); null without /proc. */
  start: string | null;
  /** /proc/sys/kernel/random/boot_id when the lock was taken; null without /proc. */
  boot: string | null;
  nonce: string;
}

/** Another live process holds the data folder. */
export class DataLockedError extends Error {
  readonly code = 'LOA_DATA_LOCKED';
  readonly text: Text;
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    const text = {
      vi: `thư mục dữ liệu ${dataDir} đang được một "loa unit run" khác dùng (PID ${pid}): dừng tiến trình đó trước, hoặc chạy với --data thư mục khác`,
      en: `the data folder ${dataDir} is in use by another "loa unit run" (PID ${pid}): stop that one first, or run this one with another --data folder`,
    };
    super(text.en);
    this.name = 'DataLockedError';
    this.text = text;
  }
}

/** What a process looks like from here: gone, or alive with its start time when it can be read. */
type Probe = { alive: false } | { alive: true; start: string | null };

async function procStat(pid: number | 'self'): Promise<{ state: string; start: string } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

async function bootId(): Promise<string | null> {
  return readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
}

async function probe(pid: number): Promise<Probe> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
  }
  const stat = await procStat(pid);
  if (stat === null) return { alive: true, start: null }; // no /proc, or hidden from us (hidepid)
  if (stat.state === 'Z' || stat.state === 'X') return { alive: false }; // killed, not yet reaped by its parent
  return { alive: true, start: stat.start };
}

function parse(raw: string): LockContent | null {
  try {
    const v = JSON.parse(raw) as Partial<LockContent>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.nonce !== 'string') return null;
    return { pid: v.pid, start: typeof v.start === 'string' ? v.start : null, boot: typeof v.boot === 'string' ? v.boot : null, nonce: v.nonce };
  } catch {
    return null;
  }
}

/** The PID still holding `raw`, or null when the lock is stale (or unreadable, which only a hand edit makes). */
async function holder(raw: string, currentBoot: string | null): Promise<number | null> {
  const c = parse(raw);
  if (c === null) return null;
  if (c.boot !== null && currentBoot !== null && c.boot !== currentBoot) return null;
  const p = await probe(c.pid);
  if (!p.alive) return null;
  if (c.start !== null && p.start !== null && c.start !== p.start) return null; // the PID was reused
  return c.pid;
}

const readOrNull = (path: string): Promise<string | null> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });

export class DataLock {
  private constructor(
    readonly path: string,
    private readonly raw: string,
  ) {}

  /** Takes the lock of `dataDir`, or throws a {@link DataLockedError} naming the PID that holds it. */
  static async acquire(dataDir: string): Promise<DataLock> {
    const path = join(dataDir, LOCK_FILE);
    const boot = await bootId();
    const content: LockContent = { pid: process.pid, start: (await procStat('self'))?.start ?? null, boot, nonce: randomBytes(12).toString('hex') };
    const raw = JSON.stringify(content) + '\n';
    const temp = join(dataDir, `.${LOCK_FILE}.${content.nonce}.tmp`);
    const file = await open(temp, 'wx', 0o644);
    try {
      await file.writeFile(raw);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      // A handful of rounds: each one either takes the lock, refuses, or removes a stale lock for the next round.
      for (let round = 0; round < 8; round++) {
        try {
          await link(temp, path);
          return new DataLock(path, raw);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const seen = await readOrNull(path);
        if (seen === null) continue; // released meanwhile
        const pid = await holder(seen, boot);
        if (pid !== null) throw new DataLockedError(dataDir, pid);
        await removeStale(path, seen, `${path}.${content.nonce}.stale`);
      }
      throw new Error(`could not take the lock ${path}: it keeps changing; is something else starting carts on this folder?`);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** Gives the folder back; does nothing if the file is no longer ours (removed or taken over by hand). */
  async release(): Promise<void> {
    if ((await readOrNull(this.path)) === this.raw) await unlink(this.path).catch(() => undefined);
  }
}

/** Removes the stale lock `seen` from `path`, never a fresh one another starter put there meanwhile. */
async function removeStale(path: string, seen: string, aside: string): Promise<void> {
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another starter moved it first
    throw err;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== seen) {
      // We moved a lock taken after we looked: put it back (unless yet another one is there now) and look again.
      await link(aside, path).catch(() => undefined);
    }
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}
