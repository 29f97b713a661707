/**
 * The receiver a vector file is read with (SPEC.md §8), built only from the real decoder in protocol/: the generator
 * runs it to record what a `reject-*` vector is refused with, and the tests run it to check that the decoder still
 * answers what the committed files say.
 */
import {
  checkCommand,
  checkManifest,
  checkReplay,
  decodeFrame,
  Deframer,
  fromSerial,
  isProtocolError,
  openSigned,
  ProtocolError,
  publicKeyFromRaw,
  type Frame,
  type OpenedObject,
  type ProtocolErrorCode,
  type ReplayState,
  type ReplayVerdict,
} from '../protocol/index.js';
import { readFixContext, type VectorFields } from './vector-format.js';

/** What the receiver refused a vector's input with: the ProtocolError code (protocol/errors.ts), and for a replay the verdict. */
export interface Refusal {
  error: ProtocolErrorCode;
  verdict?: ReplayVerdict;
  message: string;
}

/** Refusal thrown by a check that answers with a verdict instead of an error (the replay window). */
class Replayed extends Error {
  constructor(readonly verdict: ReplayVerdict) {
    super(`replay: ${verdict}`);
  }
}

/**
 * Reads a vector's input the way a receiver does: `serial` (a byte stream off a serial link), or `hex` with
 * `unit-key` (a tagged frame, then the replay window when `replay-state` is given), or `hex` with
 * `district-public-key` (a signed object, then the cart's checks when `receiver` is given). Null when accepted.
 */
export function refusal(v: VectorFields): Refusal | null {
  try {
    if (v.serial !== undefined) receiveSerial(Buffer.from(v.serial, 'hex'));
    else if (v['unit-key'] !== undefined) receiveFrame(v);
    else if (v['district-public-key'] !== undefined) receiveSigned(v);
    else throw new Error('a vector to receive has `serial`, or `hex` with `unit-key` or `district-public-key`');
    return null;
  } catch (err) {
    if (err instanceof Replayed) return { error: 'replay', verdict: err.verdict, message: err.message };
    if (isProtocolError(err)) return { error: err.code, message: err.message };
    throw err;
  }
}

/** The frames a serial stream carries, and how many chunks the deframer dropped. */
export function deframe(stream: Uint8Array): { frames: Buffer[]; dropped: Deframer['stats'] } {
  const deframer = new Deframer();
  const frames = deframer.push(stream);
  return { frames, dropped: deframer.stats };
}

/**
 * A stream that yields no frame is refused: each chunk is read with fromSerial for the code it fails with (COBS,
 * length, CRC); a chunk fromSerial would take but the deframer dropped is one too long to be kept (`too-long`).
 */
function receiveSerial(stream: Buffer): void {
  const { frames, dropped } = deframe(stream);
  if (frames.length > 0) return;
  for (const chunk of chunks(stream)) fromSerial(chunk);
  throw new ProtocolError('too-long', `the deframer dropped ${dropped.tooLong} chunk(s) too long to keep, unread`);
}

function chunks(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= stream.length; i++) {
    if (i === stream.length || stream[i] === 0) {
      if (i > start) out.push(stream.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** The frame as our decoder reads it, then the replay window when the vector states the receiver's state. */
export function receiveFrame(v: VectorFields): Frame {
  const frame = decodeFrame(Buffer.from(v.hex!, 'hex'), Buffer.from(v['unit-key']!, 'hex'), readFixContext(v));
  if (v['replay-state'] !== undefined) {
    const { verdict } = checkReplay(JSON.parse(v['replay-state']) as ReplayState, frame.boot, frame.seq);
    if (verdict !== 'new') throw new Replayed(verdict);
  }
  return frame;
}

/** The object verified under the stated key, then what a cart checks before it obeys (`receiver`). */
export function receiveSigned(v: VectorFields): OpenedObject {
  const opened = openSigned(Buffer.from(v.hex!, 'hex'), [publicKeyFromRaw(Buffer.from(v['district-public-key']!, 'hex'))]);
  if (v.receiver === undefined) return opened;
  const cart = JSON.parse(v.receiver) as Record<string, unknown>;
  const { body } = opened;
  if (body.type === 'command') checkCommand(body.command, cart as Parameters<typeof checkCommand>[1]);
  else if (body.type === 'manifest') checkManifest(body.manifest, cart as Parameters<typeof checkManifest>[1]);
  return opened;
}
