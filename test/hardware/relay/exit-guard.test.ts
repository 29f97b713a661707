import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitGuard, exitGuardFor } from '../../../hardware/relay/exit-guard.js';
import { FakeProcess } from './fake-process.js';

const HANDLED = ['exit', 'SIGTERM', 'SIGINT', 'uncaughtExceptionMonitor'] as const;

describe('ExitGuard (fake process)', () => {
  it('registers its handlers once for many holds, and removes them with the last release', () => {
    const proc = new FakeProcess();
    const guard = new ExitGuard(proc);
    const releaseA = guard.hold(() => {});
    const releaseB = guard.hold(() => {});
    for (const e of HANDLED) expect(proc.listenerCount(e)).toBe(1);
    expect(proc.listenerCount('unhandledRejection')).toBe(0); // a listener there would stop the crash
    releaseA();
    expect(guard.installed).toBe(true);
    releaseB();
    for (const e of HANDLED) expect(proc.listenerCount(e)).toBe(0);
  });

  it('is one guard per process object', () => {
    const proc = new FakeProcess();
    expect(exitGuardFor(proc)).toBe(exitGuardFor(proc));
    expect(exitGuardFor(proc)).not.toBe(exitGuardFor(new FakeProcess()));
  });

  it('re-raises a signal that only it listens to, after switching off', () => {
    const proc = new FakeProcess();
    const order: string[] = [];
    new ExitGuard(proc).hold(() => order.push('off'));
    proc.emit('SIGTERM', 'SIGTERM');
    expect(order).toEqual(['off']);
    expect(proc.kills).toEqual(['SIGTERM']);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('leaves the ending to the application when it handles the signal too', () => {
    const proc = new FakeProcess();
    const order: string[] = [];
    proc.on('SIGINT', () => order.push('app'));
    new ExitGuard(proc).hold(() => order.push('off'));
    proc.emit('SIGINT', 'SIGINT');
    expect(order).toEqual(['app', 'off']);
    expect(proc.kills).toEqual([]);
  });

  it('runs every switch-off even when one throws', () => {
    const proc = new FakeProcess();
    const guard = new ExitGuard(proc);
    const done: string[] = [];
    guard.hold(() => {
      throw new Error('pin gone');
    });
    guard.hold(() => done.push('b'));
    proc.emit('uncaughtExceptionMonitor', new Error('x'), 'uncaughtException');
    expect(done).toEqual(['b']);
  });
});

// The real process: the guard is compiled to JavaScript into a temp dir and run in a child Node process that holds
// two switch-offs (each prints a line synchronously), then ends in each of the ways a process can end.
describe('ExitGuard (real child processes)', () => {
  let script = '';

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-guard-'));
    mkdirSync(join(dir, 'relay'));
    const compile = (from: string, to: string) => {
      const source = readFileSync(resolve(import.meta.dirname, '../../../hardware', from), 'utf8');
      const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(join(dir, to), out.outputText);
    };
    compile('relay/exit-guard.ts', 'relay/exit-guard.js');
    compile('logger.ts', 'logger.js');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    script = join(dir, 'child.js');
    writeFileSync(
      script,
      `import { writeSync } from 'node:fs';
import { exitGuardFor } from './relay/exit-guard.js';
const count = () => ['exit', 'SIGTERM', 'SIGINT', 'uncaughtExceptionMonitor'].map((e) => process.listenerCount(e));
const before = count();
exitGuardFor().hold(() => writeSync(1, 'OFF-A\\n'));
exitGuardFor().hold(() => writeSync(1, 'OFF-B\\n'));
writeSync(1, 'ADDED ' + count().map((n, i) => n - before[i]).join(',') + '\\n');
writeSync(1, 'READY\\n');
const mode = process.argv[2];
if (mode === 'exit3') process.exit(3);
if (mode === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
if (mode === 'reject') void Promise.reject(new Error('nope'));
if (mode === 'wait') setInterval(() => {}, 1000);
`,
    );
  });

  function run(mode: string, signal?: NodeJS.Signals) {
    return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((done) => {
      const child = spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (signal && out.includes('READY') && !child.killed) child.kill(signal);
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code, sig) => done({ code, signal: sig, out, err }));
    });
  }

  const offs = (out: string) => ({ a: out.split('OFF-A').length - 1, b: out.split('OFF-B').length - 1 });

  it('registers each handler once however many relays hold it', async () => {
    const r = await run('normal');
    expect(r.out).toContain('ADDED 1,1,1,1');
  });

  it.each([
    ['normal end', 'normal', undefined, 0, null],
    ['process.exit(3)', 'exit3', undefined, 3, null],
    ['SIGTERM', 'wait', 'SIGTERM', null, 'SIGTERM'],
    ['SIGINT', 'wait', 'SIGINT', null, 'SIGINT'],
  ] as const)('switches off on %s and ends as it would have', async (_name, mode, signal, code, endSignal) => {
    const r = await run(mode, signal);
    expect({ code: r.code, signal: r.signal }).toEqual({ code, signal: endSignal });
    expect(offs(r.out)).toEqual({ a: 1, b: 1 });
  });

  it.each([
    ['an uncaught exception', 'throw', /boom/],
    ['an unhandled rejection', 'reject', /nope/],
  ] as const)('switches off on %s and still crashes with code 1 and the error printed', async (_name, mode, message) => {
    const r = await run(mode);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(offs(r.out).a).toBeGreaterThanOrEqual(1);
    expect(offs(r.out).b).toBeGreaterThanOrEqual(1);
  });
});
