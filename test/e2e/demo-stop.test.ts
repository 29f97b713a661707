// `npm start` as a person runs it: `loa demo` in a terminal, its live table in Vietnamese, and Ctrl-C — a SIGINT to
// the whole foreground process group, the carts included — ends everything within 3 s.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/wait.js';

const loaBin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'loa.js');
const built = existsSync(loaBin);
if (!built) console.warn('[skip] dist/ is not built (npm test builds it first): the demo Ctrl-C test is skipped.');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!built)('the demo in a terminal', () => {
  it('shows the carts’ states in Vietnamese, and Ctrl-C ends it, carts and all, within 3 s', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'loa-demo-stop-')), 'demo');
    // detached: its own process group, as a terminal gives the foreground job; LOA_LANG unset: the default language.
    const env = { ...process.env };
    delete env.LOA_LANG;
    const demo = spawn(process.execPath, [loaBin, 'demo', '--carts', '2', '--speed', '60', '--data', data], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    demo.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    demo.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    try {
      await until(() => out.includes('Ctrl-C'), 'the demo to start', 60_000, 50);
      const carts = [...out.matchAll(/^(\S+-01)\s/gm)].map((m) => m[1]);
      // Two rounds of the live table (every 5 s).
      await until(() => (out.match(/tin cuối/g) ?? []).length >= 4, 'two live tables', 30_000, 100);
      const rows = out.split('\n').filter((l) => l.includes('tin cuối'));
      for (const row of rows) expect(row).toMatch(/^\S+-01\s+(nghỉ|đang khởi động âm ly|đang phát|tạm dừng|đang tắt âm ly|bị chặn|dừng)\s/);
      expect(rows.join('\n')).not.toMatch(/\b(idle|playing|warming|cooling|paused|blocked)\b/);

      const cartPids = await cartProcesses(demo.pid!);
      expect(cartPids.length, `cart processes of ${carts.join(', ')}`).toBe(2);
      const sent = performance.now();
      process.kill(-demo.pid!, 'SIGINT'); // what Ctrl-C does
      const code = await exited;
      const took = performance.now() - sent;
      console.log(`Ctrl-C → exit: ${Math.round(took)} ms`);
      expect(code).toBe(0);
      expect(out).toContain('Đã dừng');
      expect(took).toBeLessThan(3000);
      for (const pid of cartPids) expect(alive(pid), `cart process ${pid}`).toBe(false);
    } finally {
      if (demo.exitCode === null) process.kill(-demo.pid!, 'SIGKILL');
    }
  }, 120_000);
});

/** The PIDs of the `loa unit run` children of `parent` (from /proc; empty where there is none). */
async function cartProcesses(parent: number): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (ppid === parent && cmd.includes('unit\0run')) pids.push(Number(name));
  }
  return pids;
}
