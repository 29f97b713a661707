/**
 * The bytes of each message of a frame (`type | length | payload`), as received: what the `records` table keeps for
 * audit, byte-identical to what the cart's outbox holds. Call only on a frame whose tag was verified.
 */
import { ByteReader, TAG_LENGTH } from '../../protocol/index.js';

export function splitMessages(frame: Uint8Array): Buffer[] {
  const end = frame.length - TAG_LENGTH;
  const r = new ByteReader(frame, 1, end);
  r.varint('unit');
  r.varint('boot');
  r.varint('seq');
  const out: Buffer[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    r.u8('message type');
    const len = r.varint('message length');
    r.bytes(len, 'message payload');
    out.push(Buffer.from(frame.subarray(start, r.offset)));
  }
  return out;
}
