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
