// One `loa unit run` per data folder, with real processes: a second run is refused naming the holder's PID and the
// first keeps its control socket; a SIGKILLed holder leaves nothing stuck; a lock whose PID was reused, or that was
// taken before the last boot, is stale; starters racing for one folder get it exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest } from '../../device/control.js';
import { DataLock, DataLockedError, LOCK_FILE } from '../../device/data-lock.js';
import { until } from '../support/wait.js';

const root = join(import.meta.dirname, '..', '..');
const loaBin = join(root, 'dist', 'cli', 'loa.js');
const lockJs = join(root, 'dist', 'device', 'data-lock.js');
const built = existsSync(loaBin) && existsSync(lockJs);
if (!built) console.warn('[skip] dist/ is not built (npm test builds it first): the data-folder lock tests with real processes are skipped.');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOA_LANG: 'en' } });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** A process that takes the lock of `dir`, says "got <pid>" or "held <pid>", and keeps it for `holdMs`. */
function locker(dir: string, holdMs: number): Run {
  const script = `
    const { DataLock, DataLockedError } = await import(${JSON.stringify(lockJs)});
    try {
      const lock = await DataLock.acquire(${JSON.stringify(dir)});
      console.log('got ' + process.pid);
      setTimeout(() => lock.release().then(() => process.exit(0)), ${holdMs});
    } catch (err) {
      if (!(err instanceof DataLockedError)) throw err;
      console.log('held ' + err.pid);
    }`;
  return start(['--input-type=module', '-e', script]);
}

const cartAnswers = async (dir: string): Promise<boolean> =>
  controlRequest(join(dir, 'control.sock'), { cmd: 'status' }, 2000).then(
    (a) => a.ok,
    () => false,
  );

describe.skipIf(!built)('the data folder lock', () => {
  it('refuses a second "loa unit run" naming the PID of the first, which keeps running and answering; a SIGKILLed first leaves nothing stuck', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    const first = start([loaBin, 'unit', 'run', '--sim', '--data', dir]);
    await until(() => cartAnswers(dir), 'the first cart to answer', 30_000, 100);

    const second = start([loaBin, 'unit', 'run', '--sim', '--data', dir]);
    const code = await second.exited;
    expect(code).not.toBe(0);
    const said = second.out().trim().split('\n');
    expect(said, second.out()).toHaveLength(1);
    expect(said[0]).toContain(`PID ${first.child.pid}`);
    // The first still owns its control socket: status reaches it.
    expect(await cartAnswers(dir)).toBe(true);
    expect(first.child.exitCode).toBeNull();

    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // left behind by the killed cart…
    const third = start([loaBin, 'unit', 'run', '--sim', '--data', dir]);
    await until(() => cartAnswers(dir), 'the third cart to start over the stale lock', 30_000, 100); // …and taken over
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // released on a clean stop
  }, 90_000);

  it('refuses while the holder lives, and takes over once it was SIGKILLed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    const holder = locker(dir, 60_000);
    await until(() => holder.out().includes('got'), 'the holder', 10_000, 20);
    await expect(DataLock.acquire(dir)).rejects.toSatisfy((e) => e instanceof DataLockedError && e.pid === holder.child.pid);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const lock = await DataLock.acquire(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 30_000);

  it('treats a lock as stale when its PID now belongs to another process, or when it was taken before this boot', async () => {
    const self = JSON.parse(readFileSync(join(dirOf(await DataLock.acquire(mkdtempSync(join(tmpdir(), 'loa-lock-')))), LOCK_FILE), 'utf8')) as { start: string | null; boot: string | null };
    if (self.start === null) return; // no /proc here: only the PID can be checked
    // A live PID (ours) with another start time: the PID was reused.
    const reused = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    writeFileSync(join(reused, LOCK_FILE), JSON.stringify({ pid: process.pid, start: String(Number(self.start) - 1), boot: self.boot, nonce: 'old' }));
    await (await DataLock.acquire(reused)).release();
    // A live PID from before the last boot.
    const rebooted = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    writeFileSync(join(rebooted, LOCK_FILE), JSON.stringify({ pid: process.pid, start: self.start, boot: 'another-boot', nonce: 'old' }));
    await (await DataLock.acquire(rebooted)).release();
    // The same PID, start time and boot: held (a second cart in this very process).
    const held = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    const lock = await DataLock.acquire(held);
    await expect(DataLock.acquire(held)).rejects.toBeInstanceOf(DataLockedError);
    await lock.release();
  });

  it('gives a folder to exactly one of several starters racing for it, over a stale lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-lock-'));
    // A stale lock: a process that is gone.
    const gone = locker(dir, 60_000);
    await until(() => gone.out().includes('got'), 'the first holder', 10_000, 20);
    gone.child.kill('SIGKILL');
    await gone.exited;
    const racers = Array.from({ length: 6 }, () => locker(dir, 3000));
    await Promise.all(racers.map((r) => until(() => /got|held/.test(r.out()), 'an answer', 20_000, 20)));
    const winners = racers.filter((r) => r.out().startsWith('got'));
    expect(winners).toHaveLength(1);
    for (const r of racers) if (r !== winners[0]) expect(r.out().trim()).toBe(`held ${winners[0]!.child.pid}`);
  }, 40_000);
});

const dirOf = (lock: DataLock): string => join(lock.path, '..');
