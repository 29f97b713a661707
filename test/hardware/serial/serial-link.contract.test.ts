// Runs the SerialLink contract against the simulated pair and against two real serialport links joined by socat.
import { missing } from '../../support/tools.js';
import { createLinkedSerialPair } from '../../../hardware/serial/sim-serial-link.js';
import { SerialPortLink } from '../../../hardware/serial/serialport-link.js';
import { serialLinkContract } from './serial-link-contract.js';
import { socatPaths, startSocat, type SocatPair } from './socat.js';

serialLinkContract('simulated pair', () => {
  const pair = createLinkedSerialPair();
  return Promise.resolve({
    a: pair.a,
    b: pair.b,
    disconnect: () => Promise.resolve(pair.disconnect()),
    reconnect: () => Promise.resolve(pair.reconnect()),
    dispose: async () => {
      await pair.a.close();
      await pair.b.close();
    },
  });
});

serialLinkContract('simulated pair, rate-limited to 96 kB/s with 20 ms latency', () => {
  const pair = createLinkedSerialPair({ bytesPerSecond: 96_000, latencyMs: 20 });
  return Promise.resolve({
    a: pair.a,
    b: pair.b,
    disconnect: () => Promise.resolve(pair.disconnect()),
    reconnect: () => Promise.resolve(pair.reconnect()),
    dispose: async () => {
      await pair.a.close();
      await pair.b.close();
    },
  });
});

serialLinkContract(
  'real serialport links over a socat pty pair',
  async () => {
    const paths = socatPaths();
    let socat: SocatPair | null = await startSocat(paths);
    const retry = { initialDelayMs: 20, maxDelayMs: 100 };
    // A pty whose other end died can read as endless end-of-file: the path check notices within 50 ms.
    const a = new SerialPortLink({ path: paths.pathA, baudRate: 115200, retry, presenceCheckMs: 50 });
    const b = new SerialPortLink({ path: paths.pathB, baudRate: 115200, retry, presenceCheckMs: 50 });
    return {
      a,
      b,
      disconnect: async () => {
        await socat?.stop();
        socat = null;
      },
      reconnect: async () => {
        socat = await startSocat(paths);
      },
      dispose: async () => {
        await a.close();
        await b.close();
        await socat?.stop();
      },
    };
  },
  missing('socat'),
);
