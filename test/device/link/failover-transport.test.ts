// FailoverTransport: sends on the primary while it is up, on the fallback otherwise; up while either is up.
import { describe, expect, it } from 'vitest';
import { FailoverTransport } from '../../../device/link/failover-transport.js';
import { LinkDownError } from '../../../device/link/transport.js';
import { createLinkedSerialPair } from '../../../hardware/serial/sim-serial-link.js';
import { SerialTransport } from '../../../device/link/serial-transport.js';
import { MemoryTransport } from './memory-transport.js';
import { makeUplink, until } from './harness.js';
import { playRecord } from './memory-store.js';
import { serialDistrict } from './serial-district.js';

describe('FailoverTransport', () => {
  it('prefers the primary, falls back, and reports up/down for the pair', async () => {
    const primary = new MemoryTransport(false);
    const fallback = new MemoryTransport(false);
    const t = new FailoverTransport({ primary, fallback });
    const events: string[] = [];
    t.on('up', () => events.push('up'));
    t.on('down', () => events.push('down'));
    const frames: Buffer[] = [];
    t.on('frame', (b) => frames.push(b));
    await t.start();
    await expect(t.send(Buffer.from('x'))).rejects.toBeInstanceOf(LinkDownError);
    fallback.setUp(true);
    await t.send(Buffer.from('a'));
    primary.setUp(true);
    await t.send(Buffer.from('b'));
    primary.setUp(false);
    await t.send(Buffer.from('c'));
    fallback.setUp(false);
    expect(primary.sent.map(String)).toEqual(['b']);
    expect(fallback.sent.map(String)).toEqual(['a', 'c']);
    expect(events).toEqual(['up', 'down']);
    primary.deliver(Buffer.from('p'));
    fallback.deliver(Buffer.from('f'));
    expect(frames.map(String)).toEqual(['p', 'f']);
    await t.stop();
  });

  it('sends the frame on the fallback when the primary drops under it', async () => {
    const primary = new MemoryTransport();
    const fallback = new MemoryTransport();
    primary.onSend = () => {
      throw new LinkDownError('dropped');
    };
    const t = new FailoverTransport({ primary, fallback });
    await t.start();
    await t.send(Buffer.from('z'));
    expect(fallback.sent.map(String)).toEqual(['z']);
  });

  it('carries the uplink over the serial fallback while the primary is down', async () => {
    const pair = createLinkedSerialPair();
    await pair.b.open();
    const peer = serialDistrict(pair.b);
    const primary = new MemoryTransport(false);
    const h = makeUplink(new FailoverTransport({ primary, fallback: new SerialTransport({ link: pair.a }) }));
    h.outbox.add(playRecord, 100);
    await h.uplink.start();
    await until(async () => (await h.outbox.depth()) === 0, 'the backlog over serial');
    expect(primary.sent).toHaveLength(0);
    expect(peer.district.firstSeen).toHaveLength(100);
    await h.uplink.stop();
    await pair.b.close();
  });
});
