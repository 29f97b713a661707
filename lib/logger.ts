/**
 * Log lines, for the cart and the district controller alike: one JSON object a line on standard output (journald
 * keeps them as they are, at the priority of an optional `<N>` prefix), or a short human line with `--pretty`. Each
 * part of the program logs under its own namespace (`loa:unit:player`, `loa:ctl:ingest`).
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
/** syslog priorities (sd-daemon(3)): journald reads `<N>` at the start of a line as the line's PRIORITY. */
const SYSLOG: Record<Level, string> = { debug: '<7>', info: '<6>', warn: '<4>', error: '<3>' };

export interface LogSink {
  write(line: string): unknown;
}

/** Makes the logger of one part, named for it (`loa:ctl:ingest`). */
export interface LoggerFactory {
  (namespace: string): Logger;
}

export interface LoggerFactoryOptions {
  out: LogSink;
  level?: Level;
  /** A short human line instead of JSON. */
  pretty?: boolean;
  /**
   * Starts each line with its syslog priority (`<3>` error … `<7>` debug), for standard output connected to the
   * journal: journald takes it off the line (SyslogLevelPrefix=, on by default) and files the line at that
   * priority, so `journalctl -p warning` shows warnings and errors only.
   */
  syslogPrefix?: boolean;
  now?: () => number;
}

export function createLoggerFactory(options: LoggerFactoryOptions): LoggerFactory {
  const min = ORDER[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  return (ns) => {
    const log = (level: Level) => (message: LogMessage, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      const msg = typeof message === 'function' ? message() : message;
      const t = new Date(now()).toISOString();
      const prefix = options.syslogPrefix ? SYSLOG[level] : '';
      if (options.pretty) {
        const extra = fields === undefined ? '' : ' ' + JSON.stringify(fields);
        options.out.write(`${prefix}${t.slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${ns} ${msg}${extra}\n`);
      } else {
        options.out.write(prefix + JSON.stringify({ t, level, ns, msg, ...fields }) + '\n');
      }
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  };
}
