/**
 * Who may publish and subscribe where (SPEC.md "MQTT mapping"), shared by the embedded broker and the Mosquitto ACL:
 * a unit publishes only its own `up` (never retained) and `status` (retained allowed, and only "online" or
 * "offline": a retained status is what every later subscriber reads first), and subscribes only to its
 * own `down` and the district announcement, without wildcards; the controller's account may do anything under the
 * district's topics. Nobody else gets in.
 */
import { announceTopic, STATUS_OFFLINE, STATUS_ONLINE, unitTopic } from '../../protocol/index.js';

/** Who a broker connection is. */
export type BrokerIdentity = { kind: 'unit'; id: string } | { kind: 'controller' };

/** The controller's MQTT user name by default: `_` cannot appear in a unit name, so no unit can take it. */
export const CONTROLLER_USER = 'loa_controller';

export function districtPrefix(district: string): string {
  return `${announceTopic(district).slice(0, -'manifest'.length)}`;
}

/** True for the two payloads a unit's `status` topic carries (SPEC.md "MQTT mapping"), byte for byte. */
export function isStatusPayload(payload: Buffer | string): boolean {
  const text = typeof payload === 'string' ? payload : payload.length <= STATUS_OFFLINE.length ? payload.toString('utf8') : '';
  return text === STATUS_ONLINE || text === STATUS_OFFLINE;
}

export function mayPublish(who: BrokerIdentity, district: string, topic: string, retain: boolean, payload: Buffer | string): boolean {
  if (who.kind === 'controller') return topic.startsWith(districtPrefix(district)) && !/[+#]/.test(topic);
  if (topic === unitTopic(district, who.id, 'up')) return !retain;
  return topic === unitTopic(district, who.id, 'status') && isStatusPayload(payload);
}

export function maySubscribe(who: BrokerIdentity, district: string, filter: string): boolean {
  if (who.kind === 'controller') return filter.startsWith(districtPrefix(district));
  return filter === unitTopic(district, who.id, 'down') || filter === announceTopic(district);
}

