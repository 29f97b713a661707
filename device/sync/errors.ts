/**
 * Why a content sync step failed. Every failure becomes one event record (SPEC.md event kinds) and the sync's
 * `lastError`; `retry` says whether trying again later may help (the controller went away, the disk was full) or
 * whether the content itself was refused (bad signature, wrong hash), which only a new manifest or a `syncNow()`
 * retries.
 */
import type { EventKind } from '../../protocol/index.js';
import type { ControllerTlsCode } from '../tls.js';

/** The event kinds a sync records. */
export type SyncEventKind = Extract<EventKind, 'rejected-signature' | 'rejected-clip' | 'manifest' | 'storage' | 'link'>;

/**
 * Codes of the sync's own failures (a refused manifest keeps the protocol's code: `bad-signature`, `unknown-key`,
 * `expired`, `rollback`, `bad-value`, …).
 */
export type SyncErrorCode =
  | 'unreachable' // no connection to the controller
  | 'controller-gone' // the connection broke during a transfer
  | 'timeout' // no connection, or no byte, within the timeout
  | ControllerTlsCode // a TLS handshake with the controller failed (its certificate, or ours): ../tls.ts
  | 'http-status' // the controller answered something else than 200 / 206
  | 'manifest-size' // the manifest's bytes are not the announced size
  | 'manifest-hash' // the manifest's bytes do not have the announced SHA-256
  | 'manifest-version' // the fetched manifest is not the announced version
  | 'clip-oversized' // the controller sent more bytes than the manifest's size
  | 'clip-truncated' // the controller ended the clip before its size
  | 'clip-hash' // the clip's bytes do not have the manifest's SHA-256
  | 'clip-size' // the clip file is not the manifest's size
  | 'disk-space' // the clip does not fit on the disk with the margin
  | 'disk-full' // the disk filled up while writing
  | 'storage'; // another file-system error

export class SyncError extends Error {
  constructor(
    readonly kind: SyncEventKind,
    readonly code: SyncErrorCode | string,
    message: string,
    /** True when the same step may succeed later (link, disk); false when the content was refused. */
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

/** Codes of a manifest whose bytes are not a valid signed object of a pinned key. */
const SIGNATURE_CODES = new Set(['bad-signature', 'unknown-key', 'truncated', 'bad-kind', 'bad-version', 'too-long']);

/** The event kind of a manifest refused by the clip cache, from its code. */
export function manifestRefusalKind(code: string): SyncEventKind {
  return SIGNATURE_CODES.has(code) ? 'rejected-signature' : 'manifest';
}

/** A file-system error while writing content: a full disk is told apart (the partial file is kept). */
export function storageError(err: unknown, what: string): SyncError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new SyncError('storage', 'disk-full', `the disk filled up while writing ${what}: free some space (old records, logs); the download resumes where it stopped`, true);
  }
  return new SyncError('storage', 'storage', `writing ${what} failed: ${err instanceof Error ? err.message : String(err)}`, true);
}
