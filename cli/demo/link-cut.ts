/**
 * A TCP relay between one demo cart and the broker that can "lose the link" for a while, like a cellular outage in
 * a village: open connections are cut and new ones refused until the link comes back. Loopback only.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class LinkCut {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  #down = false;
  #port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.#port;
  }

  get down(): boolean {
    return this.#down;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      if (this.#down) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** The link goes away: every connection is cut and new ones refused. */
  cut(): void {
    this.#down = true;
    for (const s of this.#sockets) s.destroy();
  }

  restore(): void {
    this.#down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
