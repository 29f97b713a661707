// Reconnection backoff: the numbers, and what MqttTransport does with them against a broker that hangs up.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backoffDelay, checkBackoff, jitteredDelay } from '../../../device/link/backoff.js';
import { MqttTransport } from '../../../device/link/mqtt-transport.js';
import { DISTRICT, UNIT, until } from './harness.js';

const options = { initialMs: 100, maxMs: 400, factor: 2 };

describe('backoff', () => {
  it('doubles up to the cap; the jitter keeps at least half of it', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options))).toEqual([100, 200, 400, 400, 400]);
    expect(jitteredDelay(2, options, () => 0)).toBe(100);
    expect(jitteredDelay(2, options, () => 1)).toBe(200);
    expect(() => checkBackoff({ ...options, factor: 0.5 }, 'backoff')).toThrow(/backoff.factor must be at least 1, got 0.5/);
    expect(() => checkBackoff({ ...options, maxMs: 50 }, 'backoff')).toThrow(/backoff.maxMs must be at least backoff.initialMs \(100\), got 50/);
  });

  it('MqttTransport waits longer after each failed connection, up to the cap', async () => {
    const attempts: number[] = [];
    const server = createServer((socket: Socket) => {
      attempts.push(Date.now());
      socket.destroy(); // a broker that hangs up before CONNACK
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const t = new MqttTransport({ url: `mqtt://127.0.0.1:${port}`, district: DISTRICT, unit: UNIT.name, backoff: options, random: () => 1 });
    await t.start();
    await until(() => attempts.length >= 5, 'five connection attempts', 5000);
    await t.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const gaps = attempts.slice(1).map((a, i) => a - attempts[i]!);
    // 100, 200, 400, 400 ms between attempts (timer slack allowed), not mqtt.js's fixed period.
    [100, 200, 400, 400].forEach((want, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(want - 10);
      expect(gaps[i]).toBeLessThan(want + 80);
    });
  });
});
