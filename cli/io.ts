import { pick, type Lang } from './i18n.js';

/** What a CLI command reads and writes, so that tests can run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

/** The level of a running program's log lines: `LOA_LOG_LEVEL=debug` shows everything, otherwise info and above. */
export function logLevelFrom(env: NodeJS.ProcessEnv): 'debug' | 'info' {
  return env.LOA_LOG_LEVEL === 'debug' ? 'debug' : 'info';
}

/** A command group: `loa <group> ...`. Returns the exit code. */
export type CommandGroup = (argv: string[], io: CliIo) => Promise<number>;

/** A usage mistake the person at the keyboard can fix; printed as one line, exit code 2. */
export class UsageError extends Error {
  readonly code = 'LOA_USAGE';
}

/**
 * Prints a configuration's problems the way a technician can fix them; exit code 2. The cart's and the controller's
 * ConfigError are separate classes (the import rules keep them apart) with the same `problems`.
 */
export function printConfigProblems(io: CliIo, lang: Lang, problems: readonly { path: string; message: string }[]): number {
  io.stderr.write(pick(lang, { vi: 'Cấu hình không hợp lệ, sửa các mục sau rồi chạy lại:', en: 'The configuration is not valid; fix these and run again:' }) + '\n');
  for (const p of problems) io.stderr.write(`  ${p.path}: ${p.message}\n`);
  return 2;
}

/** Resolves at the first SIGINT (Ctrl-C) or SIGTERM (systemd stop), then listens for neither. */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
