// Every PowerBoard implementation through the same contract.
import { FirmataConnection } from '../../../hardware/power/firmata-connection.js';
import { FirmataPowerBoard } from '../../../hardware/power/firmata-power.js';
import { currentSensorChannel, dividerChannel } from '../../../hardware/power/power.js';
import { SimPowerBoard } from '../../../hardware/power/sim-power.js';
import { DeviceTransport, FirmataDevice } from './firmata-device.js';
import { powerBoardContract } from './power-contract.js';

powerBoardContract('SimPowerBoard', () => {
  let t = Date.UTC(2026, 5, 1, 3, 0, 0); // 10:00 in Thanh Hóa
  const board = new SimPowerBoard({ now: () => t, seed: 42 });
  return {
    board,
    tick: async () => {
      t += 15 * 60_000;
    },
  };
});

powerBoardContract('FirmataPowerBoard (emulated StandardFirmata Uno)', () => {
  const device = new FirmataDevice();
  device.analog[0] = Math.round((12_500 / 4 / 5000) * 1023);
  device.analog[1] = 512;
  device.analog[2] = Math.round((19_000 / 5.7 / 5000) * 1023);
  device.analog[3] = 700;
  const connection = new FirmataConnection({ path: '/dev/ttyUSB0', openTransport: () => new DeviceTransport(device) });
  const board = new FirmataPowerBoard({
    connection,
    calibration: {
      batteryVoltage: dividerChannel('A0', 30_000, 10_000),
      batteryCurrent: currentSensorChannel('A1', 100, 2500),
      solarVoltage: dividerChannel('A2', 47_000, 10_000),
      solarCurrent: currentSensorChannel('A3', 185, 2500),
    },
    battery: { chemistry: 'lifepo4', capacityAh: 50, internalResistanceMilliohm: 10 },
  });
  return { board, tick: () => new Promise((resolve) => setTimeout(resolve, 20)) };
});
