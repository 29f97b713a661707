import { describe, it, expect, afterEach } from 'vitest';
import { once } from 'node:events';
import { unlink } from 'node:fs/promises';
import { missing } from '../../support/tools.js';
import { startSocat } from './socat.js';
import { SerialPortMock } from 'serialport';

// serialport's own handle on @serialport/binding-mock (typed, and the same instance serialport uses).
const MockBinding = SerialPortMock.binding;
import { backoffDelay, ReconnectingPort, SerialPortError } from '../../../hardware/serial/reconnecting-port.js';
import type { Logger, LogMessage } from '../../../hardware/logger.js';

function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: LogMessage) =>
    lines.push(`${level} ${typeof message === 'function' ? message() : message}`);
  return { lines, logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } };
}

describe('ReconnectingPort', () => {
  afterEach(() => MockBinding.reset());

  it('backs off exponentially up to the cap', () => {
    const retry = { initialDelayMs: 250, maxDelayMs: 5000, factor: 2, maxAttempts: Infinity };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(n, retry))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('retries an absent port, logs the first failure as a warning, and opens when it appears', async () => {
    const { logger, lines } = memoryLogger();
    const port = new ReconnectingPort({
      path: '/dev/ttyRADIO',
      baudRate: 19200,
      binding: MockBinding,
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      logger,
    });
    await port.open();
    expect(port.isOpen).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    MockBinding.createPort('/dev/ttyRADIO', { echo: true });
    await new Promise<void>((resolve) => port.once('open', resolve));
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn Cannot open \/dev\/ttyRADIO .*Attempt 1; retrying in 5 ms/);
    expect(lines.some((l) => /^info \/dev\/ttyRADIO is back after \d+ failed attempt/.test(l))).toBe(true);

    const echoed = new Promise<Buffer>((resolve) => port.once('data', resolve));
    await port.write(Buffer.from([1, 2, 3]));
    expect(await echoed).toEqual(Buffer.from([1, 2, 3]));
    await port.close();
    await expect(port.write(Buffer.from([4]))).rejects.toBeInstanceOf(SerialPortError);
  });

  it('stops retrying on close()', async () => {
    const port = new ReconnectingPort({ path: '/dev/late', baudRate: 9600, binding: MockBinding, retry: { initialDelayMs: 5 } });
    await port.open();
    await port.close();
    MockBinding.createPort('/dev/late');
    let opened = false;
    port.on('open', () => (opened = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(opened).toBe(false);
  });

  it('rejects bad options, naming them and repeating the value', () => {
    expect(() => new ReconnectingPort({ path: '/dev/x', baudRate: 96.5 })).toThrow(/baudRate.*96\.5/);
    expect(() => new ReconnectingPort({ path: '/dev/x', baudRate: 9600, retry: { maxDelayMs: -1 } })).toThrow(
      /retry\.maxDelayMs.*-1/,
    );
    expect(() => new ReconnectingPort({ path: '/dev/x', baudRate: 9600, retry: { factor: 0.5 } })).toThrow(/retry\.factor.*0\.5/);
  });

  it.skipIf(missing('socat'))('treats a device path that disappears as an unplug (pty hang-ups can go unreported)', async () => {
    const socat = await startSocat();
    const port = new ReconnectingPort({ path: socat.pathA, baudRate: 9600, presenceCheckMs: 30, retry: { initialDelayMs: 10 } });
    try {
      await port.open();
      expect(port.isOpen).toBe(true);
      const closed = once(port, 'close');
      await unlink(socat.pathA); // the port itself still works: only the path is gone
      const [reason] = (await closed) as [Error];
      expect(reason.message).toBe('the device path disappeared');
      expect(port.isOpen).toBe(false);
    } finally {
      await port.close();
      await socat.stop();
    }
  });
});
