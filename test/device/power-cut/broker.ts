// An aedes MQTT broker in the test process, on a free loopback port (no authentication: the cart's frames carry
// their own HMAC tag, which the fake district checks).
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface LoopbackBroker {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startLoopbackBroker(): Promise<LoopbackBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the broker has no TCP address');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
