/** Loa protocol v1: bytes in, values out. No I/O. */
export * from './errors.js';
export * from './bytes.js';
export * from './messages.js';
export * from './codec.js';
export * from './frame.js';
export * from './acks.js';
export * from './replay.js';
export * from './signed.js';
export * from './signed-bodies.js';
export * from './serial.js';
export * from './topics.js';
export * from './json.js';
export * from './bundle.js';
export * from './origin.js';
export type { Logger, LogMessage } from './logger.js';
export * from './release.js';
