// The real driver over the real firmata-io and johnny-five, talking to an emulated StandardFirmata Uno: in memory,
// and over a socat pty pair through a real serialport 13 SerialPort.
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { FirmataConnection } from '../../../hardware/power/firmata-connection.js';
import { FirmataPowerBoard } from '../../../hardware/power/firmata-power.js';
import { FirmataRelay } from '../../../hardware/power/firmata-relay.js';
import { currentSensorChannel, dividerChannel, PowerBoardError, type PowerCalibration } from '../../../hardware/power/power.js';
import { estimateSoc } from '../../../hardware/power/soc.js';
import { missing } from '../../support/tools.js';
import { startSocat } from '../serial/socat.js';
import { DeviceTransport, FirmataDevice } from './firmata-device.js';

const calibration: PowerCalibration = {
  batteryVoltage: dividerChannel('A0', 30_000, 10_000), // 4:1, 0–20 V
  batteryCurrent: currentSensorChannel('A1', 100, 2500), // ACS712-20A
  solarVoltage: dividerChannel('A2', 30_000, 10_000),
  solarCurrent: currentSensorChannel('A3', 185, 2500), // ACS712-5A
};
const battery = { chemistry: 'lead-acid' as const, capacityAh: 40, internalResistanceMilliohm: 20 };

/** Raw 10-bit ADC value for a pin voltage on a 5 V reference. */
const raw = (pinMv: number): number => Math.round((pinMv / 5000) * 1023);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function memoryConnection(device: FirmataDevice, readyTimeoutMs = 5000): FirmataConnection {
  return new FirmataConnection({ path: '/dev/ttyUSB0', readyTimeoutMs, openTransport: () => new DeviceTransport(device) });
}

describe('FirmataPowerBoard over firmata-io and johnny-five (emulated Uno in memory)', () => {
  it('turns analog reads into calibrated mV, mA and a state of charge', async () => {
    const device = new FirmataDevice();
    device.analog[0] = raw(12_400 / 4); // battery 12.4 V
    device.analog[1] = raw(2500 - 100 * 1.5); // 1.5 A discharging
    device.analog[2] = raw(18_000 / 4); // panel 18 V
    device.analog[3] = raw(2500 + 185 * 2); // panel 2 A
    const board = new FirmataPowerBoard({ connection: memoryConnection(device), calibration, battery, now: () => 1_000 });
    cleanups.push(() => board.close());
    await board.open();
    const seen: number[] = [];
    board.on('reading', (r) => seen.push(r.batteryMv));
    const reading = await board.read();

    // One ADC step is 4.89 mV at the pin: 19.6 mV at the battery, 48.9 mA on the 20 A sensor.
    expect(Math.abs(reading.batteryMv - 12_400)).toBeLessThan(20);
    expect(Math.abs(reading.batteryMa - -1500)).toBeLessThan(50);
    expect(Math.abs(reading.solarMv - 18_000)).toBeLessThan(20);
    expect(Math.abs(reading.solarMa - 2000)).toBeLessThan(30);
    expect(reading.chemistry).toBe('lead-acid');
    expect(reading.at).toBe(1_000);
    const expected = estimateSoc({ chemistry: 'lead-acid', batteryMv: reading.batteryMv, batteryMa: reading.batteryMa, internalResistanceMilliohm: 20 });
    expect(Math.abs(reading.socPercent - expected)).toBeLessThan(1);
    expect(reading.socPercent).toBeGreaterThan(45);
    expect(reading.socPercent).toBeLessThan(65);
    expect(seen).toEqual([reading.batteryMv]);
    // johnny-five's Sensors asked over the wire for channels A0–A3 to be reported.
    expect(device.reportingChannels).toEqual([0, 1, 2, 3]);
  });

  it('follows a change of the analog values', async () => {
    const device = new FirmataDevice();
    device.analog[0] = raw(12_000 / 4);
    device.analog[1] = raw(2500);
    const board = new FirmataPowerBoard({ connection: memoryConnection(device), calibration, battery, sampleEveryMs: 25 });
    cleanups.push(() => board.close());
    await board.open();
    const low = await board.read();
    device.analog[0] = raw(12_700 / 4);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const high = await board.read();
    expect(high.batteryMv - low.batteryMv).toBeGreaterThan(600);
    expect(high.socPercent).toBeGreaterThan(low.socPercent);
  });

  it('fails with a clear error when the board never gets ready, and releases the port', async () => {
    const device = new FirmataDevice({ silent: true });
    let transport: DeviceTransport | undefined;
    const connection = new FirmataConnection({
      path: '/dev/ttyACM0',
      readyTimeoutMs: 300,
      openTransport: () => (transport = new DeviceTransport(device)),
    });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    const started = Date.now();
    const error = await board.open().then(() => undefined, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(PowerBoardError);
    const e = error as PowerBoardError;
    expect(e.code).toBe('LOA_POWER_NOT_READY');
    expect(e.message).toContain('/dev/ttyACM0');
    expect(e.message).toContain('StandardFirmata');
    expect(e.message).toContain('57600');
    expect(transport?.isOpen).toBe(false);
    // firmata-io asked for the version itself when none came.
    expect(device.received).toContain(0xf9);
  });

  it('reports a port that cannot be opened, naming it', async () => {
    const connection = new FirmataConnection({ path: '/dev/does-not-exist-loa', readyTimeoutMs: 3000 });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    const error = await board.open().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PowerBoardError);
    expect((error as PowerBoardError).code).toBe('LOA_POWER_NOT_READY');
    expect((error as PowerBoardError).message).toContain('/dev/does-not-exist-loa');
  });

  it('opens once when open() is called twice at the same time, and close() lets the port go', async () => {
    const device = new FirmataDevice();
    const transports: DeviceTransport[] = [];
    const connection = new FirmataConnection({ path: '/dev/ttyUSB0', openTransport: () => transports[transports.push(new DeviceTransport(device)) - 1]! });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    await Promise.all([board.open(), board.open()]);
    expect(transports).toHaveLength(1);
    await board.close();
    expect(transports[0]!.isOpen).toBe(false);
  });

  it('reports a link lost after open as an error event that says what to check', async () => {
    const device = new FirmataDevice();
    let transport: DeviceTransport | undefined;
    const connection = new FirmataConnection({ path: '/dev/ttyUSB0', openTransport: () => (transport = new DeviceTransport(device)) });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    cleanups.push(() => board.close());
    await board.open();
    const lost = new Promise<PowerBoardError>((resolve) => board.once('error', resolve));
    transport!.close(); // the USB cable is pulled
    const error = await lost;
    expect(error.code).toBe('LOA_POWER_IO');
    expect(error.message).toContain('/dev/ttyUSB0');
    expect(error.message).toContain('USB cable');
  });

  it('shares one connection between the power board and an Arduino relay', async () => {
    const device = new FirmataDevice();
    let opened = 0;
    const connection = new FirmataConnection({
      path: '/dev/ttyUSB0',
      openTransport: () => {
        opened++;
        return new DeviceTransport(device);
      },
    });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    const relay = new FirmataRelay({ connection, pin: 7, activeLow: true });
    await Promise.all([board.open(), relay.open()]);
    expect(opened).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(device.pinModes.get(7)).toBe(0x01); // OUTPUT
    expect(relay.isOn()).toBe(false);
    expect(device.digital.get(7)).toBe(1); // active low: off is HIGH
    await relay.on();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(relay.isOn()).toBe(true);
    expect(device.digital.get(7)).toBe(0);
    await board.close();
    await relay.close(); // switches off before the port closes
    expect(device.digital.get(7)).toBe(1);
    expect(relay.isOn()).toBe(false);
  });
});

describe('FirmataPowerBoard over a real serial port (socat pty pair)', () => {
  it.skipIf(missing('socat'))('reads the emulated Uno through serialport 13', async () => {
    const socat = await startSocat();
    cleanups.push(() => socat.stop());
    const { pathA: host, pathB: uno } = socat;

    const device = new FirmataDevice();
    device.analog[0] = raw(12_650 / 4);
    device.analog[1] = raw(2500 + 100 * 3); // charging 3 A
    const unoPort = new SerialPort({ path: uno, baudRate: 57_600 });
    await new Promise<void>((resolve, reject) => unoPort.on('open', resolve).on('error', reject));
    unoPort.on('data', (data: Buffer) => device.receive(data));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          device.stop();
          if (unoPort.isOpen) unoPort.close(() => resolve());
          else resolve();
        }),
    );

    const connection = new FirmataConnection({ path: host, readyTimeoutMs: 5000 });
    const board = new FirmataPowerBoard({ connection, calibration, battery });
    cleanups.push(() => board.close());
    const opening = board.open();
    device.start((bytes) => unoPort.write(bytes));
    await opening;
    const reading = await board.read();
    expect(Math.abs(reading.batteryMv - 12_650)).toBeLessThan(20);
    expect(Math.abs(reading.batteryMa - 3000)).toBeLessThan(50);
    // Charging raises the terminal above the resting voltage: the estimate corrects for it.
    expect(reading.socPercent).toBeLessThan(estimateSoc({ chemistry: 'lead-acid', batteryMv: reading.batteryMv }));
  });
});
