// The real GNSS driver: over serialport's MockBinding (injected), and over a real pty pair made by socat, fed
// with real receiver captures.
import { describe, it, expect, afterEach } from 'vitest';
import { open, type FileHandle } from 'node:fs/promises';
import { SerialPortMock } from 'serialport';

// serialport's own handle on @serialport/binding-mock (typed, and the same instance serialport uses).
const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;
import { SerialGnss } from '../../../hardware/gnss/serial-gnss.js';
import type { GnssFix } from '../../../hardware/gnss/gnss.js';
import type { SerialBinding } from '../../../hardware/serial/reconnecting-port.js';
import { missing } from '../../support/tools.js';
import { nextEvent, until } from '../../support/wait.js';
import { socatPaths, startSocat, type SocatPair } from '../serial/socat.js';
import { receiverBytes } from './capture-files.js';

/** MockBinding, keeping hold of each port it opens so the test can make the "receiver" talk. */
function recordingMockBinding(): { binding: SerialBinding; opened: MockPortBinding[] } {
  const opened: MockPortBinding[] = [];
  return {
    opened,
    binding: {
      list: () => MockBinding.list(),
      open: async (options) => {
        const port = await MockBinding.open(options);
        opened.push(port);
        return port;
      },
    },
  };
}

describe('SerialGnss over MockBinding', () => {
  afterEach(() => MockBinding.reset());

  it('retries with backoff while the receiver is absent, then connects and gives fixes from a capture', async () => {
    const { binding, opened } = recordingMockBinding();
    const gnss = new SerialGnss({
      path: '/dev/ttyGNSS',
      baudRate: 9600,
      binding,
      retry: { initialDelayMs: 10, maxDelayMs: 40 },
      epochIdleMs: 20,
    });
    const errors: Error[] = [];
    const fixes: GnssFix[] = [];
    gnss.on('error', (e) => errors.push(e));
    gnss.on('fix', (f) => fixes.push(f));
    await gnss.open(); // absent: resolves, retries in the background
    expect(errors[0]).toMatchObject({ code: 'SERIAL_OPEN_FAILED' });
    expect(errors[0]?.message).toMatch(/\/dev\/ttyGNSS.*check the cable/);
    await until(() => errors.length >= 3, 'three open failures', 5000);

    const connected = nextEvent(gnss, 'connected');
    MockBinding.createPort('/dev/ttyGNSS');
    await connected;
    opened[0]?.emitData(receiverBytes('mt3339'));
    await until(() => fixes.length === 30, '30 fixes', 5000);
    expect(fixes[0]).toMatchObject({ quality: 'dgps', time: new Date('2015-04-13T20:26:40.000Z') });
    expect(gnss.lastFix).toBe(fixes[29]);
    expect(gnss.stats()).toMatchObject({ fixes: 30, badChecksum: 0, connects: 1, disconnects: 0 });
    await gnss.close();
  });

  it('gives up after maxAttempts with SERIAL_GAVE_UP', async () => {
    const { binding } = recordingMockBinding();
    const gnss = new SerialGnss({ path: '/dev/none', binding, retry: { initialDelayMs: 5, maxAttempts: 3 } });
    const errors: Error[] = [];
    gnss.on('error', (e) => errors.push(e));
    await gnss.open();
    await until(() => errors.some((e) => (e as { code?: string }).code === 'SERIAL_GAVE_UP'), 'SERIAL_GAVE_UP', 5000);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['SERIAL_OPEN_FAILED', 'SERIAL_OPEN_FAILED', 'SERIAL_GAVE_UP']);
    await gnss.close();
  });

  it('rejects bad options, naming them', () => {
    expect(() => new SerialGnss({ path: '' })).toThrow(/path.*""/);
    expect(() => new SerialGnss({ path: '/dev/x', baudRate: -1 })).toThrow(/baudRate.*-1/);
    expect(() => new SerialGnss({ path: '/dev/x', epochIdleMs: 0 })).toThrow(/epochIdleMs.*0/);
  });
});

describe.skipIf(missing('socat'))('SerialGnss over a real pty pair (socat)', () => {
  let socat: SocatPair | null = null;
  let gnss: SerialGnss | null = null;
  afterEach(async () => {
    await gnss?.close();
    await socat?.stop();
  });

  /** Writes a capture into the receiver's end of the cable, in 64-byte pieces like a UART would deliver it. */
  async function transmit(path: string, bytes: Buffer): Promise<void> {
    const handle: FileHandle = await open(path, 'r+');
    try {
      for (let i = 0; i < bytes.length; i += 64) await handle.write(bytes.subarray(i, i + 64));
    } finally {
      await handle.close();
    }
  }

  it('reads fixes from a capture, reports the unplug, reconnects to a new socat and reads fixes again', async () => {
    const paths = socatPaths();
    socat = await startSocat(paths);
    gnss = new SerialGnss({ path: paths.pathA, baudRate: 9600, retry: { initialDelayMs: 20, maxDelayMs: 100 }, presenceCheckMs: 50, epochIdleMs: 50 });
    const fixes: GnssFix[] = [];
    const events: string[] = [];
    gnss.on('fix', (f) => fixes.push(f));
    gnss.on('connected', () => events.push('connected'));
    gnss.on('disconnected', () => events.push('disconnected'));
    gnss.on('error', () => {}); // open failures while socat is away are expected here
    await gnss.open();

    await transmit(paths.pathB, receiverBytes('mt3339'));
    await until(() => fixes.length === 30, '30 fixes', 5000);
    expect(fixes.at(-1)?.time?.toISOString()).toBe('2015-04-13T20:27:09.000Z');

    const disconnected = nextEvent(gnss, 'disconnected');
    await socat.stop();
    socat = null;
    await disconnected;

    const connected = nextEvent(gnss, 'connected');
    socat = await startSocat(paths);
    await connected;
    await transmit(paths.pathB, receiverBytes('bu353s4'));
    await until(() => fixes.length === 30 + 25, '25 more fixes', 5000);
    expect(fixes[30]?.latitude).toBeLessThan(0); // Hamilton, New Zealand
    expect(events).toEqual(['connected', 'disconnected', 'connected']);
    expect(gnss.stats()).toMatchObject({ connects: 2, disconnects: 1, fixes: 55, badChecksum: 0 });
  });
});
