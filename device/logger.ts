/**
 * The cart's logs: one JSON object a line on standard output (journald keeps them as they are), or a short human
 * line with `--pretty`. Each part of the program logs under its own namespace (`loa:unit:player`). The factory is
 * lib/logger.ts, shared with the controller; the cart's files import it from here.
 */
export { createLoggerFactory, type Level, type LogSink, type LoggerFactory } from '../lib/logger.js';
