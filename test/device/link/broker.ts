// An in-process aedes broker on a loopback port, which a test can kill (every socket destroyed, sessions and
// retained messages gone) and start again on the same port.
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export interface TestBroker {
  readonly port: number;
  readonly url: string;
  /** Destroys the socket of a connected client, as a dropped cellular link would (no DISCONNECT). */
  dropClient(id: string): void;
  stop(): Promise<void>;
}

export async function startBroker(port = 0): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const clients = new Map<string, Client>();
  aedes.on('client', (c) => clients.set(c.id, c));
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('broker has no TCP address');
  return {
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    dropClient(id) {
      const c = clients.get(id);
      if (!c) throw new Error(`client ${id} is not connected`);
      c.conn.destroy();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

/** A plain MQTT 3.1.1 client for the test side (district peer, observers). */
export function testClient(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, clientId, clean: false, reconnectPeriod: 50, connectTimeout: 2000 });
}

/** The retained message on `topic` as a fresh subscriber sees it, or undefined. */
export async function retained(url: string, topic: string): Promise<{ payload: string; retain: boolean } | undefined> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    const got = new Promise<{ payload: string; retain: boolean }>((resolve) => {
      client.on('message', (_t, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain }));
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await Promise.race([got, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
  } finally {
    await client.endAsync(true);
  }
}
