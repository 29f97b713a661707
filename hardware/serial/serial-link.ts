// The serial link capability: opaque bytes to and from a radio modem or a technician's USB cable. Framing (COBS,
// CRC) is the protocol layer's business; a link only carries bytes, in order, while it is up.
// Backends: serialport-link.ts (a real port, reconnecting) and sim-serial-link.ts (two linked simulated ends).
import type { EventEmitter } from 'node:events';

export type SerialErrorCode = 'SERIAL_OPEN_FAILED' | 'SERIAL_NOT_OPEN' | 'SERIAL_WRITE_FAILED' | 'SERIAL_GAVE_UP';

/** A serial port problem a technician can act on; `code` is stable for translation. */
export class SerialPortError extends Error {
  override readonly name = 'SerialPortError';
  constructor(
    readonly code: SerialErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SerialLinkEventMap {
  /** Bytes received, in order, in chunks of any size. */
  data: [bytes: Buffer];
  /** The link is up (after `open()`, and again after each reconnection). */
  open: [];
  /** The link is down: `reason` is null after `close()`, else why it dropped (the link then reconnects by itself). */
  close: [reason: Error | null];
  /**
   * A problem the link recovers from (failed reopen, port error). Emitted only when someone listens, so an
   * unattended cart does not crash on it; always logged.
   */
  error: [error: Error];
}

/**
 * A byte link over a serial line.
 *
 * - `open()` starts it; it resolves once the first attempt to open is over (a device that is absent is retried in
 *   the background; `open` tells when the link is up).
 * - `write(bytes)` resolves when the bytes have been handed to the line. It rejects with a `SerialPortError` of code
 *   `SERIAL_NOT_OPEN` while the link is down: bytes are never queued across a disconnection.
 * - Bytes in flight when the link drops may be lost; the protocol above must cope (retries, acknowledgements).
 * - `close()` stops it and its reconnection; no event follows once it has resolved.
 */
export interface SerialLink extends EventEmitter<SerialLinkEventMap> {
  open(): Promise<void>;
  close(): Promise<void>;
  write(bytes: Buffer): Promise<void>;
  readonly isOpen: boolean;
}
