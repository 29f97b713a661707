/**
 * Log lines, for the cart and the district controller alike: one JSON object a line on standard output (journald
 * keeps them as they are), or a short human line with `--pretty`. Each part of the program logs under its own
 * namespace (`loa:unit:player`, `loa:ctl:ingest`).
 *
 * `Logger` is declared again here because lib/ imports nothing of the project. It is the same four methods as the
 * protocol and hardware layers' loggers (protocol/logger.ts, hardware/logger.ts), so what this factory makes fits
 * wherever those are asked for.
 */
export type LogMessage = string | (() => string);

export interface Logger {
  debug(message: LogMessage, fields?: Record<string, unknown>): void;
  info(message: LogMessage, fields?: Record<string, unknown>): void;
  warn(message: LogMessage, fields?: Record<string, unknown>): void;
  error(message: LogMessage, fields?: Record<string, unknown>): void;
}

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): unknown;
}

/** Makes the logger of one part, named for it (`loa:ctl:ingest`). */
export interface LoggerFactory {
  (namespace: string): Logger;
}

export function createLoggerFactory(options: { out: LogSink; level?: Level; pretty?: boolean; now?: () => number }): LoggerFactory {
  const min = ORDER[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  return (ns) => {
    const log = (level: Level) => (message: LogMessage, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      const msg = typeof message === 'function' ? message() : message;
      const t = new Date(now()).toISOString();
      if (options.pretty) {
        const extra = fields === undefined ? '' : ' ' + JSON.stringify(fields);
        options.out.write(`${t.slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${ns} ${msg}${extra}\n`);
      } else {
        options.out.write(JSON.stringify({ t, level, ns, msg, ...fields }) + '\n');
      }
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  };
}
