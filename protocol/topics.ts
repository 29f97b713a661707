/**
 * The MQTT topic layout (SPEC.md "MQTT mapping"). Everything works on MQTT 3.1.1: QoS 1, retained messages and a
 * last will are all it uses.
 *
 *   loa/v1/<district>/unit/<unit>/up       cart → district frames (QoS 1)
 *   loa/v1/<district>/unit/<unit>/down     district → cart frames (QoS 1)
 *   loa/v1/<district>/unit/<unit>/status   "online" / "offline", retained; "offline" is the cart's last will
 *   loa/v1/<district>/manifest             the signed manifest announcement, retained
 */
import { ProtocolError } from './errors.js';

export const TOPIC_ROOT = 'loa/v1';
export type UnitChannel = 'up' | 'down' | 'status';
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';

/** District and unit names used in topics: lower-case letters, digits and `-`, 1–32 long. */
export const TOPIC_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

function checkName(what: string, name: string): string {
  if (!TOPIC_NAME.test(name)) {
    throw new ProtocolError('bad-value', `${what} "${name}" may only use a-z, 0-9 and - (1–32, not starting with -)`);
  }
  return name;
}

export function unitTopic(district: string, unit: string, channel: UnitChannel): string {
  return `${TOPIC_ROOT}/${checkName('district', district)}/unit/${checkName('unit', unit)}/${channel}`;
}

export function announceTopic(district: string): string {
  return `${TOPIC_ROOT}/${checkName('district', district)}/manifest`;
}

/** Everything the district controller subscribes to: every cart's up and status. */
export function districtSubscriptions(district: string): string[] {
  const base = `${TOPIC_ROOT}/${checkName('district', district)}/unit/+`;
  return [`${base}/up`, `${base}/status`];
}

export type ParsedTopic =
  | { kind: 'unit'; district: string; unit: string; channel: UnitChannel }
  | { kind: 'announce'; district: string };

/** Undefined for a topic outside the layout. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'loa' || parts[1] !== 'v1') return undefined;
  const district = parts[2];
  if (district === undefined || !TOPIC_NAME.test(district)) return undefined;
  if (parts.length === 4 && parts[3] === 'manifest') return { kind: 'announce', district };
  const [, , , unitWord, unit, channel] = parts;
  if (parts.length !== 6 || unitWord !== 'unit' || unit === undefined || !TOPIC_NAME.test(unit)) return undefined;
  if (channel !== 'up' && channel !== 'down' && channel !== 'status') return undefined;
  return { kind: 'unit', district, unit, channel };
}
