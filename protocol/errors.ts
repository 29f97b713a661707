/**
 * Every way a frame or a signed object can be refused. Decoding never throws anything but a `ProtocolError`, so a
 * caller can count refusals by `code` and a fuzzer can tell a refusal from a bug.
 */
export type ProtocolErrorCode =
  | 'truncated' // the bytes end before the layout says they should
  | 'bad-version' // a protocol version this code does not speak
  | 'bad-kind' // a frame kind that does not belong here
  | 'bad-value' // a field holds a value outside its range
  | 'bad-tag' // the HMAC tag does not match the unit's key
  | 'bad-crc' // the serial CRC-16 does not match
  | 'bad-cobs' // the serial COBS encoding is broken
  | 'too-long' // over the maximum length
  | 'bad-signature' // the Ed25519 signature does not verify
  | 'unknown-key' // signed by a key this receiver does not trust
  | 'expired' // past its expiry time
  | 'unknown-action' // a command, its signature verified, whose action this code does not know
  | 'replay' // a frame counter already seen, or too old for the window
  | 'rollback'; // older than what the receiver already has

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
