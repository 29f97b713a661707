// The embedded broker under attack, over raw TCP sockets: packet sizes refused from the fixed header (before and
// after login), connections per address, throttled password guessing, and equal cost for unknown and wrong names.
// Attackers connect from 127.0.0.2 and up (Linux routes all of 127/8 to loopback), honest carts from 127.0.0.1.
import { createConnection, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, MAX_PACKET, MAX_PACKET_BEFORE_LOGIN } from '../../../controller/broker/embedded-broker.js';
import { unitTopic } from '../../../protocol/index.js';
import { CONTROLLER, DISTRICT, makeFleet, sleep, TestCart, type Fleet } from '../fleet/harness.js';
import { connectPacket, publishPacket } from '../../../tools/mqtt-packets.js';

let fleet: Fleet;
let broker: EmbeddedBroker;
let warnings: string[];
const sockets: Socket[] = [];

beforeEach(async () => {
  fleet = await makeFleet();
  warnings = [];
  const logger = { debug() {}, info() {}, warn: (m: unknown) => warnings.push(String(m)), error() {} };
  broker = new EmbeddedBroker({ district: DISTRICT, port: 0, units: fleet.registry, controller: CONTROLLER, logger });
  await broker.start();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await broker.stop();
  await fleet.close();
});

function open(from = '127.0.0.2'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port: broker.port, host: '127.0.0.1', localAddress: from });
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** 'closed' when the peer closes `s` within `ms`, else 'open'. */
function closedWithin(s: Socket, ms: number): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve('closed');
    const timer = setTimeout(() => resolve('open'), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

/** One CONNECT from `from`: the CONNACK return code ('closed' if the broker hung up first) and how long it took. */
async function tryConnect(user: string, password: string, from: string, clientId = user): Promise<{ rc: number | 'closed'; ms: number }> {
  const s = await open(from);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (rc: number | 'closed'): void => {
      s.destroy();
      resolve({ rc, ms: performance.now() - t0 });
    };
    s.once('data', (d: Buffer) => done(d[0] === 0x20 ? d[3]! : -1));
    s.once('close', () => done('closed'));
    s.write(connectPacket(clientId, user, password));
  });
}

/** Writes `total` bytes in 256 KiB chunks, waiting for drain, until done or the socket closes; returns bytes written. */
async function flood(s: Socket, total: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 0x41);
  let sent = 0;
  s.on('error', () => {});
  while (sent < total && !s.destroyed) {
    sent += chunk.length;
    if (!s.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = (): void => {
          s.off('drain', go);
          s.off('close', go);
          resolve();
        };
        s.on('drain', go);
        s.on('close', go);
      });
    }
  }
  return sent;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('packet sizes', () => {
  it('closes a CONNECT declaring 268 MB from its fixed header, and holds none of what follows', async () => {
    const s = await open();
    const before = process.memoryUsage();
    // 0x10 CONNECT, remaining length 0xFF 0xFF 0xFF 0x7F = 268,435,455 bytes.
    s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    expect(await closedWithin(s, 1000), 'the broker closes the socket at once').toBe('closed');
    // Whatever a client still pushes at the closed socket is not kept.
    const s2 = await open();
    s2.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await flood(s2, 32 * 1024 * 1024);
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * 1024 * 1024);
    expect(warnings.some((w) => /not logged in .* type 1 declaring/.test(w)), warnings.join('\n')).toBe(true);
  });

  it(`closes a CONNECT over ${MAX_PACKET_BEFORE_LOGIN} bytes, and lets a normal cart in`, async () => {
    const s = await open();
    const big = connectPacket('x'.repeat(600), 'dan-luc-01', 'password');
    expect(big.length).toBeGreaterThan(MAX_PACKET_BEFORE_LOGIN + 3);
    s.write(big.subarray(0, 3)); // the fixed header alone
    expect(await closedWithin(s, 1000)).toBe('closed');
    const a = await TestCart.connect(broker.url, fleet.carts.a);
    await a.close();
  });

  it('closes a logged-in cart that publishes 100 KB, and passes a frame of MAX_FRAME bytes', async () => {
    const a = await TestCart.connect(broker.url, fleet.carts.a);
    const up = unitTopic(DISTRICT, a.unit.id, 'up');
    await a.client.publishAsync(up, Buffer.alloc(MAX_PACKET - up.length - 4), { qos: 1 });
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    a.client.publish(up, Buffer.alloc(100_000), { qos: 0 });
    await expect(Promise.race([closed.then(() => 'closed'), sleep(2000).then(() => 'open')])).resolves.toBe('closed');
    await a.close();
    expect(warnings.some((w) => /logged-in client .* type 3 declaring/.test(w)), warnings.join('\n')).toBe(true);
  });

  it('passes packets split across TCP segments and several packets in one segment', async () => {
    const s = await open('127.0.0.1');
    const acks: Buffer[] = [];
    s.on('data', (d: Buffer) => acks.push(d));
    const connect = connectPacket(fleet.carts.a.unit.id, fleet.carts.a.unit.id, fleet.carts.a.password);
    // Byte by byte through the fixed header.
    for (let i = 0; i < connect.length; i++) s.write(connect.subarray(i, i + 1));
    await expect.poll(() => Buffer.concat(acks).subarray(0, 4).toString('hex'), { timeout: 5000 }).toBe('20020000');
    // Two PINGREQs (C0 00) in one write.
    s.write(Buffer.from([0xc0, 0, 0xc0, 0]));
    await expect.poll(() => Buffer.concat(acks).subarray(4).toString('hex')).toBe('d000d000');
  });
});

describe('publish rate of a logged-in cart', () => {
  /** A raw connection logged in as cart a, with a CONNACK read. */
  async function loggedInCart(): Promise<Socket> {
    const s = await open('127.0.0.1');
    const first = new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.write(connectPacket(fleet.carts.a.unit.id, fleet.carts.a.unit.id, fleet.carts.a.password));
    expect((await first).subarray(0, 4).toString('hex')).toBe('20020000');
    return s;
  }
  const publish = (): Buffer => publishPacket(Buffer.from(unitTopic(DISTRICT, fleet.carts.a.unit.id, 'up')), Buffer.alloc(40));

  it('closes a cart that floods PUBLISHes, at once, and says so; a cart within the rate stays', async () => {
    const flood = await loggedInCart();
    const burst = Buffer.concat(Array.from({ length: 5000 }, publish));
    const t0 = performance.now();
    flood.write(burst);
    expect(await closedWithin(flood, 2000)).toBe('closed');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(warnings.filter((w) => /PUBLISHes faster than 200\/s \(burst 2000\)/.test(w))).toHaveLength(1);
    // Within the rate: 100 publishes, ten a second apart in blocks, stay connected.
    const calm = await loggedInCart();
    for (let i = 0; i < 10; i++) {
      calm.write(Buffer.concat(Array.from({ length: 10 }, publish)));
      await sleep(20);
    }
    expect(await closedWithin(calm, 300)).toBe('open');
  });

  it('does not limit the controller\'s own connection', async () => {
    const s = await open('127.0.0.1');
    const first = new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.write(connectPacket('loa-controller-test', CONTROLLER.username, CONTROLLER.password));
    expect((await first).subarray(0, 4).toString('hex')).toBe('20020000');
    s.write(Buffer.concat(Array.from({ length: 5000 }, () => publishPacket(Buffer.from(unitTopic(DISTRICT, fleet.carts.a.unit.id, 'down')), Buffer.alloc(40)))));
    expect(await closedWithin(s, 500)).toBe('open');
  });
});

describe('connections per address', () => {
  it('refuses the 21st connection from one address, not one from another address', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => open('127.0.0.3')));
    const extra = await open('127.0.0.3');
    expect(await closedWithin(extra, 1000)).toBe('closed');
    const other = await open('127.0.0.4');
    expect(await closedWithin(other, 200)).toBe('open');
    expect(held.every((s) => !s.destroyed)).toBe(true);
    expect(warnings.filter((w) => /127\.0\.0\.3 already holds 20 connections/.test(w))).toHaveLength(1);
  });

  it('does not limit this machine (127.0.0.1): the controller and the demo carts connect from it', async () => {
    const local = await Promise.all(Array.from({ length: 25 }, () => open('127.0.0.1')));
    expect(await closedWithin(local[24]!, 200)).toBe('open');
  });
});

describe('password guessing', () => {
  it('costs the same for an unknown name as for a wrong password', async () => {
    const cart = fleet.carts.a.unit.id;
    await tryConnect('khong-co', 'wrong-password', '127.0.0.5'); // the first unknown name makes the decoy hash
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      unknown.push((await tryConnect(`khong-co-${i}`, 'wrong-password', '127.0.0.6')).ms);
      wrong.push((await tryConnect(cart, 'wrong-password', '127.0.0.7')).ms);
    }
    const ratio = median(wrong) / median(unknown);
    expect(ratio, `unknown ${unknown.map((t) => t.toFixed(1)).join(', ')} ms; wrong ${wrong.map((t) => t.toFixed(1)).join(', ')} ms`).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });

  it('refuses guesses with CONNACK 3 once throttled, at once, and still lets the real cart in quickly', async () => {
    const cart = fleet.carts.a;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => tryConnect(cart.unit.id, `guess-${i}`, '127.0.0.8')));
    const codes = answers.map((a) => a.rc);
    expect(codes.filter((c) => c === 4)).toHaveLength(5);
    expect(codes.filter((c) => c === 3)).toHaveLength(7);
    const throttled = await tryConnect(cart.unit.id, 'one-more-guess', '127.0.0.8');
    expect(throttled.rc).toBe(3);
    expect(throttled.ms).toBeLessThan(20); // no scrypt
    expect(warnings.filter((w) => w.includes('too many failed tries'))).toHaveLength(1);
    // Another flood going on while the real cart connects from its own address.
    const more = Array.from({ length: 8 }, (_, i) => tryConnect(`khong-co-${i}`, 'guess', '127.0.0.9'));
    const t0 = performance.now();
    const a = await TestCart.connect(broker.url, cart);
    const ms = performance.now() - t0;
    await a.close();
    await Promise.all(more);
    expect(ms).toBeLessThan(1500);
  });

  it("lets a cart in whose name was guessed at from many addresses (its name is in its topics: no lock-out)", async () => {
    const cart = fleet.carts.a;
    const guesses = [];
    for (let a = 10; a < 18; a++) for (let i = 0; i < 6; i++) guesses.push(tryConnect(cart.unit.id, `guess-${i}`, `127.0.0.${a}`));
    const codes = (await Promise.all(guesses)).map((g) => g.rc);
    expect(codes.filter((c) => c === 4)).toHaveLength(40);
    const a = await TestCart.connect(broker.url, cart);
    await a.close();
  });
});
