/**
 * The logger the controller writes to: the protocol layer's (protocol/logger.ts), which the controller may import.
 * The composition root hands one in, already named for the file that uses it (`loa:ctl:ingest`); the controller's
 * files import it from here.
 */
export { silentLogger, type Logger, type LogMessage } from '../protocol/logger.js';
