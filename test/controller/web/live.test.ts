// GET /api/live on a running controller: the `units` snapshot, then a `unit` event shortly after a real cart frame
// (MQTT, through the ingest) is committed, items shaped as GET /api/units; keep-alives; the stream ends with its
// session; caps per session and in all (503).
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFleet } from '../../../controller/api/live.js';
import { registerLiveRoute } from '../../../controller/api/live.js';
import { HttpServer } from '../../../controller/http/server.js';
import { addCart, TestCart } from '../app/harness.js';
import { ask, cookieOf, expectSecurityHeaders, PASSWORD, startConsole, type ConsoleRig } from './harness.js';

interface Sse {
  status: number;
  res: IncomingMessage;
  /** Events and comments so far, in order. */
  items: { event?: string; data?: any; comment?: string }[];
  /** Waits for the next item matching `want` after those already taken. */
  next(want: (i: Sse['items'][number]) => boolean, what: string, ms?: number): Promise<Sse['items'][number]>;
  ended: Promise<void>;
  close(): void;
}

function openSse(base: string, headers: Record<string, string>): Promise<Sse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/live', headers, agent: false }, (res) => {
      const items: Sse['items'] = [];
      let taken = 0;
      let buffer = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const item: Sse['items'][number] = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) item.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) item.event = line.slice(7);
            else if (line.startsWith('data: ')) item.data = JSON.parse(line.slice(6));
          }
          items.push(item);
        }
        for (const w of waiters) w();
      });
      const ended = new Promise<void>((done) => res.on('close', done));
      resolve({
        status: res.statusCode ?? 0,
        res,
        items,
        ended,
        close: () => req.destroy(),
        next: (want, what, ms = 3000) =>
          new Promise((found, fail) => {
            const look = (): void => {
              while (taken < items.length) {
                const item = items[taken++]!;
                if (want(item)) {
                  waiters.delete(look);
                  clearTimeout(timer);
                  return found(item);
                }
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              fail(new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(items)}`));
            }, ms);
            waiters.add(look);
            look();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/live', () => {
  let rig: ConsoleRig;
  let base: string;
  let cart: TestCart | undefined;
  let cookie: string;

  beforeAll(async () => {
    rig = await startConsole();
    base = rig.controller.httpUrl;
    await rig.controller.users.add({ name: 'xem', role: 'viewer', password: PASSWORD });
    await rig.controller.users.add({ name: 'nop', role: 'submitter', password: PASSWORD });
    cookie = cookieOf(await ask(base, '/api/session', { method: 'POST', body: { user: 'xem', password: PASSWORD } }));
  });

  afterAll(async () => {
    await cart?.close();
    await rig.close();
  });

  it('sends the units, then a unit event within a second of a cart frame’s commit, as GET /api/units shows it', async () => {
    const creds = await addCart({ controller: rig.controller } as never);
    const sse = await openSse(base, { Cookie: cookie });
    expect(sse.status).toBe(200);
    expect(sse.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sse.res.headers['cache-control']).toBe('no-cache');
    const first = await sse.next((i) => i.event !== undefined, 'the snapshot');
    expect(first.event).toBe('units');
    expect(first.data.units).toHaveLength(1);
    expect(first.data.units[0]).toMatchObject({ id: 'dan-luc-01', online: false, battery: { mv: null } });

    cart = await TestCart.connect(rig.controller.brokerUrl, creds);
    let committedAt = 0;
    rig.controller.ingest.on('committed', () => (committedAt ||= performance.now()));
    await cart.send([{ type: 'telemetry', batteryMv: 12_480, soc: 77, state: { amplifierOn: true, relayOn: true, player: 'playing' }, volume: 55 }]);
    const update = await sse.next((i) => i.event === 'unit' && i.data.battery.mv === 12_480, 'the unit event with the battery');
    const latency = performance.now() - committedAt;
    expect(latency).toBeLessThan(1000);
    const listed = await ask(base, '/api/units', { headers: { Cookie: cookie } });
    expect(update.data).toEqual({ ...listed.json.units[0], lastSeen: update.data.lastSeen });
    expect(update.data).toMatchObject({ id: 'dan-luc-01', battery: { mv: 12_480, soc: 77 }, playerState: 'playing', volume: 55 });
    sse.close();
    await sse.ended;
  });

  it('refuses a session without a role that reads units (403) and none at all (401)', async () => {
    const nop = cookieOf(await ask(base, '/api/session', { method: 'POST', body: { user: 'nop', password: PASSWORD } }));
    const forbidden = await ask(base, '/api/live', { headers: { Cookie: nop } });
    expect(forbidden.status).toBe(403);
    expectSecurityHeaders(forbidden, expect);
    expect((await ask(base, '/api/live')).status).toBe(401);
  });

  it('opens at most 4 streams per session (503 beyond), and frees a place when one closes', async () => {
    const streams = await Promise.all(Array.from({ length: 4 }, () => openSse(base, { Cookie: cookie })));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const fifth = await ask(base, '/api/live', { headers: { Cookie: cookie } });
    expect(fifth.status).toBe(503);
    expect(fifth.json.code).toBe('too-many-streams');
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(0);
    // Another session still gets one.
    const other = cookieOf(await ask(base, '/api/session', { method: 'POST', body: { user: 'xem', password: PASSWORD } }));
    const elsewhere = await openSse(base, { Cookie: other });
    expect(elsewhere.status).toBe(200);
    streams[0]!.close();
    await streams[0]!.ended;
    await new Promise((r) => setTimeout(r, 50));
    const again = await openSse(base, { Cookie: cookie });
    expect(again.status).toBe(200);
    for (const s of [...streams.slice(1), elsewhere, again]) s.close();
  });
});

describe('LiveFleet', () => {
  let rig: ConsoleRig;
  let server: HttpServer;
  let live: LiveFleet;
  const tokens: string[] = [];

  beforeAll(async () => {
    rig = await startConsole();
    await rig.controller.users.add({ name: 'xem', role: 'viewer', password: PASSWORD });
    for (let i = 0; i < 3; i++) tokens.push((await rig.controller.users.login('xem', PASSWORD)).token);
    live = new LiveFleet({
      units: { db: rig.controller.db, registry: rig.controller.registry, staleAfterSeconds: 900 },
      ingest: rig.controller.ingest,
      sessions: rig.controller.users,
      maxStreams: 2,
      keepAliveMs: 100,
    });
    server = new HttpServer({ port: 0 });
    registerLiveRoute(server, rig.controller.users, live);
    await live.start();
    await server.start();
  });

  afterAll(async () => {
    await server.stop();
    await live.stop();
    await rig.close();
  });

  it('caps the streams in all (503), sends keep-alives, and ends a stream when its session ends', async () => {
    const a = await openSse(server.url, { Authorization: `Bearer ${tokens[0]!}` });
    const b = await openSse(server.url, { Authorization: `Bearer ${tokens[1]!}` });
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await ask(server.url, '/api/live', { headers: { Authorization: `Bearer ${tokens[2]!}` } });
    expect(c.status).toBe(503);
    expect(live.streams).toBe(2);
    await a.next((i) => i.comment === 'keep-alive', 'a keep-alive');
    await rig.controller.users.logout(tokens[0]!);
    await a.ended;
    await new Promise((r) => setTimeout(r, 50));
    expect(live.streams).toBe(1);
    b.close();
    await b.ended;
    await new Promise((r) => setTimeout(r, 50));
    expect(live.streams).toBe(0);
  });
});
