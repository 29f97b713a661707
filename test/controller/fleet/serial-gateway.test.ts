// The serial gateway on a real serialport link: a socat pty pair, the gateway on one end, a cart on the other
// speaking the protocol's serial framing.
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { decodeFrame, Deframer, encodeFrame, toSerial } from '../../../protocol/index.js';
import { FleetIngest } from '../../../controller/fleet/ingest.js';
import { SerialGateway } from '../../../controller/fleet/serial-gateway.js';
import { missing } from '../../support/tools.js';
import { startSocat, type SocatPair } from '../../hardware/serial/socat.js';
import { count, counter, DISTRICT, makeFleet, play, until, type Fleet } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(missing('socat'))('SerialGateway over a socat pty pair', () => {
  it('feeds framed cart frames into the ingest and writes the acks back on the same line', async () => {
    const fleet: Fleet = await makeFleet();
    cleanups.push(() => fleet.close());
    const socat: SocatPair = await startSocat();
    cleanups.push(() => socat.stop());
    const ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: DISTRICT, framer: fleet.framer });
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const gateway = new SerialGateway({ path: socat.pathA, baudRate: 115_200, ingest, retryMs: 50 });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    expect(gateway.isOpen).toBe(true);

    const cart = new SerialPort({ path: socat.pathB, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => cart.open((err) => (err ? reject(err) : resolve())));
    cleanups.push(() => new Promise<void>((resolve) => cart.close(() => resolve())));
    const deframer = new Deframer();
    const acked: number[] = [];
    const unit = fleet.carts.c.unit;
    cart.on('data', (chunk: Buffer) => {
      for (const bytes of deframer.push(chunk)) {
        for (const m of decodeFrame(bytes, unit.key).messages) if (m.type === 'ack') for (const [f, l] of m.ranges) for (let n = f; n <= l; n++) acked.push(n);
      }
    });
    const frame = (seq: number, records: number[]) =>
      toSerial(encodeFrame({ kind: 'unit', unit: unit.number, boot: 1, seq, messages: records.map((r) => play(r)) }, unit.key));
    cart.write(Buffer.concat([Buffer.from([0x42, 0x17, 0x00]), frame(0, [1, 2, 3]), frame(1, [4, 5])]));
    await until(() => acked.length === 5, 'five records acked over the line');
    expect(acked.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    expect(await count(fleet.db, 'SELECT count(*) AS n FROM plays WHERE unit_id = ?', [unit.id])).toBe(5);
    expect(gateway.stats()).toMatchObject({ frames: 2, badCobs: 1 });
    await ingest.flush();
    expect(await counter(fleet.db, 'frames')).toBe(2);
  });
});
