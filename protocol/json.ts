/**
 * Messages as JSON, for the `loa proto` CLI, logs and test vectors: byte fields become hex strings. `messageFromJson`
 * checks that the fields a type needs are there, so a technician's typo gets a message that names the field.
 */
import { ProtocolError } from './errors.js';
import type { Message, MessageType } from './messages.js';

const REQUIRED: Record<MessageType, readonly string[]> = {
  hello: ['record', 'firmware', 'manifestVersion', 'capabilities', 'bootTime'],
  telemetry: [],
  fix: ['time', 'lat', 'lon', 'speed', 'course', 'satellites', 'quality'],
  play: ['record', 'start', 'clip', 'manifestVersion', 'seconds', 'outcome', 'trigger', 'volume'],
  event: ['record', 'at', 'kind', 'code', 'detail'],
  track: ['record', 'source', 'points'],
  ack: ['ranges'],
  command: ['signed'],
  'command-result': ['record', 'at', 'counter', 'status', 'detail'],
  unknown: ['code', 'payload'],
};

export const MESSAGE_TYPES = Object.keys(REQUIRED) as MessageType[];

export function messageToJson(m: Message): Record<string, unknown> {
  if (m.type === 'command') return { type: m.type, signed: m.signed.toString('hex') };
  if (m.type === 'unknown') return { type: m.type, code: m.code, payload: m.payload.toString('hex') };
  return { ...m };
}

export function messageFromJson(value: unknown): Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('bad-value', 'a message must be a JSON object with a "type"');
  }
  const obj = value as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string' || !(type in REQUIRED)) {
    throw new ProtocolError('bad-value', `message type ${JSON.stringify(type)} is not one of ${MESSAGE_TYPES.join(', ')}`);
  }
  const missing = REQUIRED[type as MessageType].filter((k) => obj[k] === undefined);
  if (missing.length > 0) throw new ProtocolError('bad-value', `${type} message is missing ${missing.join(', ')}`);
  if (type === 'command') return { type, signed: hexField(obj.signed, 'signed') };
  if (type === 'unknown') return { type, code: Number(obj.code), payload: hexField(obj.payload, 'payload') };
  return obj as unknown as Message;
}

export function hexField(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/i.test(v)) throw new ProtocolError('bad-value', `${what} must be hex, got ${JSON.stringify(v)}`);
  return Buffer.from(v, 'hex');
}
