/**
 * Raw MQTT 3.1.1 packets, byte for byte (MQTT 3.1.1 §2–3), for the tests and benchmarks that talk to a broker below
 * any client library: a flood of QoS 0 publishes, a CONNECT of a chosen size.
 */

/** The remaining-length varint of the fixed header (§2.2.3). */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.push((n % 128) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its 16-bit length (§1.5.3). */
export function mqttString(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** A CONNECT with user name and password, clean session, keep-alive 60 s. */
export function connectPacket(clientId: string, user: string, password: string): Buffer {
  const body = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0xc2, 0, 60]), mqttString(clientId), mqttString(user), mqttString(password)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** A PUBLISH at QoS 0 (no packet id): the topic, then the payload. */
export function publishPacket(topic: Buffer, payload: Buffer): Buffer {
  const body = 2 + topic.length + payload.length;
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body), Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
}
