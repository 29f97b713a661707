import { describe, it, expect, vi, afterEach } from 'vitest';
import { createLinkedSerialPair } from '../../../hardware/serial/sim-serial-link.js';

describe('createLinkedSerialPair', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the time a slow radio takes: byte rate plus latency', async () => {
    vi.useFakeTimers({ now: 0 });
    const { a, b } = createLinkedSerialPair({ bytesPerSecond: 960, latencyMs: 50 }); // 9600 baud 8N1
    await a.open();
    await b.open();
    const arrivals: number[] = [];
    b.on('data', () => arrivals.push(Date.now()));
    let written = -1;
    void a.write(Buffer.alloc(96)).then(() => (written = Date.now()));
    void a.write(Buffer.alloc(96));
    await vi.advanceTimersByTimeAsync(99);
    expect(written).toBe(-1);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toBe(100); // 96 bytes at 960 B/s
    await vi.advanceTimersByTimeAsync(200);
    expect(arrivals).toEqual([150, 250]); // second chunk queued behind the first, + 50 ms latency each
  });

  it('loses bytes in flight when the cable is pulled', async () => {
    vi.useFakeTimers({ now: 0 });
    const pair = createLinkedSerialPair({ latencyMs: 100 });
    await pair.a.open();
    await pair.b.open();
    await pair.a.write(Buffer.from('in flight'));
    pair.disconnect();
    pair.reconnect();
    await vi.advanceTimersByTimeAsync(500);
    expect(pair.b.received).toEqual([]);
    await pair.a.write(Buffer.from('after'));
    await vi.advanceTimersByTimeAsync(100);
    expect(Buffer.concat(pair.b.received).toString()).toBe('after');
  });

  it('does not deliver to an end that is not open', async () => {
    const pair = createLinkedSerialPair();
    await pair.a.open();
    await pair.a.write(Buffer.from('nobody'));
    await Promise.resolve();
    await pair.b.open();
    expect(pair.b.received).toEqual([]);
  });

  it('rejects bad options and non-Buffer writes, naming them', async () => {
    expect(() => createLinkedSerialPair({ latencyMs: -5 })).toThrow(/latencyMs.*-5/);
    expect(() => createLinkedSerialPair({ bytesPerSecond: 0 })).toThrow(/bytesPerSecond.*0/);
    const { a } = createLinkedSerialPair();
    await a.open();
    await expect(a.write('text' as unknown as Buffer)).rejects.toThrow(/bytes must be a Buffer, got string/);
  });
});
