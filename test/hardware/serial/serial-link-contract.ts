// The SerialLink contract: the same cases for every implementation (the simulated pair, a real socat pty pair).
import { describe, it, expect, afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { SerialLink } from '../../../hardware/serial/serial-link.js';
import { nextEvent } from '../../support/wait.js';

/** Two linked ends and a way to pull and replug the cable between them. */
export interface LinkPairHarness {
  a: SerialLink;
  b: SerialLink;
  disconnect(): Promise<void>;
  reconnect(): Promise<void>;
  dispose(): Promise<void>;
}

/** Collects what a link receives until `length` bytes have come (or the timeout passes). */
export async function receive(link: SerialLink, length: number, timeoutMs = 5000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => {
      link.off('data', onData);
      reject(new Error(`received ${total} of ${length} bytes in ${timeoutMs} ms`));
    }, timeoutMs);
    function onData(bytes: Buffer): void {
      chunks.push(bytes);
      total += bytes.length;
      if (total >= length) {
        clearTimeout(timer);
        link.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    }
    link.on('data', onData);
  });
}

export function serialLinkContract(name: string, makePair: () => Promise<LinkPairHarness>, skip = false): void {
  describe.skipIf(skip)(`SerialLink contract: ${name}`, () => {
    let pair: LinkPairHarness | null = null;
    afterEach(async () => {
      await pair?.dispose();
      pair = null;
    });

    async function openPair(): Promise<LinkPairHarness> {
      pair = await makePair();
      await Promise.all([pair.a.open(), pair.b.open()]);
      expect(pair.a.isOpen && pair.b.isOpen).toBe(true);
      return pair;
    }

    it('carries bytes both ways, in order, all 256 byte values', async () => {
      const { a, b } = await openPair();
      const toB = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(2000)]);
      const toA = randomBytes(1500);
      const atB = receive(b, toB.length);
      const atA = receive(a, toA.length);
      await Promise.all([a.write(toB.subarray(0, 1000)), b.write(toA)]);
      await a.write(toB.subarray(1000));
      expect((await atB).equals(toB)).toBe(true);
      expect((await atA).equals(toA)).toBe(true);
    });

    it('rejects a write before open with SERIAL_NOT_OPEN', async () => {
      pair = await makePair();
      await expect(pair.a.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'SERIAL_NOT_OPEN' });
    });

    it('survives a disconnection: close with a reason, writes refused, then open again and bytes flow', async () => {
      const { a, b } = await openPair();
      const closedA = nextEvent(a, 'close');
      const closedB = nextEvent(b, 'close');
      await pair!.disconnect();
      const [[reasonA], [reasonB]] = await Promise.all([closedA, closedB]);
      expect(reasonA).toBeInstanceOf(Error);
      expect(reasonB).toBeInstanceOf(Error);
      expect(a.isOpen).toBe(false);
      await expect(a.write(Buffer.from('lost'))).rejects.toMatchObject({ code: 'SERIAL_NOT_OPEN' });

      const openedA = nextEvent(a, 'open');
      const openedB = nextEvent(b, 'open');
      await pair!.reconnect();
      await Promise.all([openedA, openedB]);
      const message = Buffer.from('back again\n');
      const atB = receive(b, message.length);
      await a.write(message);
      expect((await atB).equals(message)).toBe(true);
      const reply = Buffer.from([0, 1, 2, 0xff]);
      const atA = receive(a, reply.length);
      await b.write(reply);
      expect((await atA).equals(reply)).toBe(true);
    });

    it('close() ends the link with a null reason and refuses writes', async () => {
      const { a } = await openPair();
      const closed = nextEvent(a, 'close');
      await a.close();
      expect((await closed)[0]).toBeNull();
      expect(a.isOpen).toBe(false);
      await expect(a.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'SERIAL_NOT_OPEN' });
    });
  });
}
