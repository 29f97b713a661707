/** Argument checks for the uplink's options: each error names the option and repeats the bad value. */
import { frameOverhead, MAX_FRAME, originProblem, TOPIC_NAME, UNIT_KEY_LENGTH } from '../../protocol/index.js';
import type { UplinkOptions } from './uplink.js';

const MAX_U32 = 0xffff_ffff;

function isCount(n: unknown, min: number, max = MAX_U32): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

export function checkUplinkOptions(o: UplinkOptions): void {
  if (!o.transport || typeof o.transport.send !== 'function') throw new TypeError(`transport must be a LinkTransport, got ${String(o.transport)}`);
  if (!isCount(o.unit?.number, 1)) throw new RangeError(`unit.number must be an integer from 1, got ${String(o.unit?.number)}`);
  if (typeof o.unit.name !== 'string' || !TOPIC_NAME.test(o.unit.name)) {
    throw new RangeError(`unit.name must be 1–32 of a-z 0-9 - (not starting with -), got ${JSON.stringify(o.unit.name)}`);
  }
  if (typeof o.district !== 'string' || !TOPIC_NAME.test(o.district)) {
    throw new RangeError(`district must be 1–32 of a-z 0-9 - (not starting with -), got ${JSON.stringify(o.district)}`);
  }
  if (!Buffer.isBuffer(o.unitKey) || o.unitKey.length !== UNIT_KEY_LENGTH) {
    throw new RangeError(`unitKey must be a Buffer of ${UNIT_KEY_LENGTH} bytes, got ${Buffer.isBuffer(o.unitKey) ? `${o.unitKey.length} bytes` : typeof o.unitKey}`);
  }
  if (!isCount(o.boot, 0)) throw new RangeError(`boot must be an integer from 0 to ${MAX_U32}, got ${String(o.boot)}`);
  if (!Array.isArray(o.districtKeys) || o.districtKeys.length === 0 || o.districtKeys.some((k) => k?.asymmetricKeyType !== 'ed25519')) {
    throw new TypeError('districtKeys must be a non-empty array of pinned Ed25519 public keys (KeyObject)');
  }
  const originBad = originProblem(o.origin);
  if (originBad !== null) throw new RangeError(`origin: ${originBad}`);
  for (const name of ['onCommand', 'recordResult', 'onAnnouncement', 'stamp'] as const) {
    if (typeof o[name] !== 'function') throw new TypeError(`${name} must be a function, got ${typeof o[name]}`);
  }
  if (!o.outbox || typeof o.outbox.pending !== 'function') throw new TypeError(`outbox must be an OutboxSource, got ${String(o.outbox)}`);
  if (!o.state || typeof o.state.loadReplay !== 'function') throw new TypeError(`state must be an UplinkStateStore, got ${String(o.state)}`);
  const least = frameOverhead({ kind: 'unit', unit: o.unit.number, boot: o.boot, seq: MAX_U32 }) + 64;
  if (o.maxFrameBytes !== undefined && !isCount(o.maxFrameBytes, least, MAX_FRAME)) {
    throw new RangeError(`maxFrameBytes must be an integer from ${least} to ${MAX_FRAME}, got ${String(o.maxFrameBytes)}`);
  }
  if (o.livePeriodMs !== undefined && !isCount(o.livePeriodMs, 0)) throw new RangeError(`livePeriodMs must be 0 or a positive integer, got ${String(o.livePeriodMs)}`);
  if (o.maxBacklogInFlight !== undefined && !isCount(o.maxBacklogInFlight, 1, 1000)) {
    throw new RangeError(`maxBacklogInFlight must be an integer from 1 to 1000, got ${String(o.maxBacklogInFlight)}`);
  }
  if (o.outboxPollMs !== undefined && !isCount(o.outboxPollMs, 1)) throw new RangeError(`outboxPollMs must be a positive integer, got ${String(o.outboxPollMs)}`);
}
