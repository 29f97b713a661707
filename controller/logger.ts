/**
 * The logger the controller writes to: the same four methods as the hardware layer's logger (hardware/logger.ts),
 * declared again here because the controller may not import hardware/. The composition root hands one in, already
 * named for the file that uses it (`loa:ctl:ingest`). A message may be a function so that costly text (hex dumps)
 * is only built when it is logged.
 */
export type LogMessage = string | (() => string);

export interface Logger {
  debug(message: LogMessage, fields?: Record<string, unknown>): void;
  info(message: LogMessage, fields?: Record<string, unknown>): void;
  warn(message: LogMessage, fields?: Record<string, unknown>): void;
  error(message: LogMessage, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default when none is given. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
