// A cart dialling a broker over TLS the way the tests need it: the outcome, not mqtt.js's retries.
import mqtt from 'mqtt';
import type { ProvisioningBundle } from '../../../controller/app/bundle.js';

export interface Attempt {
  ok: boolean;
  error?: string;
  client?: mqtt.MqttClient;
}

/**
 * Connects as the bundle's cart with `tls` (and the bundle's password, unless `password: false`): ok at the CONNACK,
 * else the error or "closed" (a handshake refused by a Node TLS server ends the connection without a CONNACK, and
 * mqtt.js reports no error then).
 */
export function connectAs(url: string, b: ProvisioningBundle, tls: { ca?: string; cert?: string; key?: string }, o: { password?: boolean } = {}): Promise<Attempt> {
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    clientId: b.unitName,
    username: b.unitName,
    ...(o.password === false ? {} : { password: b.broker.password }),
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...(tls.ca ? { ca: [tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    rejectUnauthorized: true,
  });
  return new Promise((resolve) => {
    const fail = (error: string): void => {
      client.end(true);
      resolve({ ok: false, error });
    };
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (err) => fail(err.message));
    client.once('close', () => fail('closed'));
  });
}
