/** The real drivers of a cart on a Raspberry Pi, loaded by hardware.ts only when the configuration asks for them. */
import { AplayPlayer } from '../hardware/audio/aplay-player.js';
import type { HardwareConfig } from '../hardware/board/config.js';
import { GpioButtons } from '../hardware/buttons/gpio-buttons.js';
import { SerialGnss } from '../hardware/gnss/serial-gnss.js';
import { FirmataConnection } from '../hardware/power/firmata-connection.js';
import { FirmataPowerBoard } from '../hardware/power/firmata-power.js';
import { GpioRelay } from '../hardware/relay/gpio-relay.js';
import { AmixerVolume } from '../hardware/volume/amixer-volume.js';
import type { CartHardware } from './hardware.js';
import type { LoggerFactory } from './logger.js';

export function createRealHardware(
  config: HardwareConfig,
  log: LoggerFactory,
  timing: { debounceMs: number; longPressMs: number },
  pins: Record<string, number>,
): CartHardware {
  const battery = config.powerBoard.battery;
  const connection = new FirmataConnection({ path: config.powerBoard.path, baudRate: config.powerBoard.baudRate, readyTimeoutMs: config.powerBoard.readyTimeoutMs, logger: log('loa:hw:firmata') });
  return {
    relay: new GpioRelay({ pin: config.relay.pin, activeLow: config.relay.activeLow, logger: log('loa:hw:relay') }),
    statusLed: config.statusLed.pin === null ? null : new GpioRelay({ pin: config.statusLed.pin, activeLow: false, name: 'status LED', logger: log('loa:hw:led') }),
    buttons: new GpioButtons({ ...timing, pins, activeLow: config.buttons.activeLow, logger: log('loa:hw:buttons') }),
    audio: new AplayPlayer({ device: config.audio.device, binary: config.audio.aplayPath, logger: log('loa:hw:audio') }),
    volume: new AmixerVolume({ max: config.volume.maxPercent, control: config.volume.control, ...(config.volume.card ? { card: config.volume.card } : {}), logger: log('loa:hw:volume') }),
    gnss: new SerialGnss({ path: config.gnss.path, baudRate: config.gnss.baudRate, logger: log('loa:hw:gnss') }),
    power: new FirmataPowerBoard({ connection, calibration: config.powerBoard.calibration, battery, vrefMv: config.powerBoard.vrefMv, logger: log('loa:hw:power') }),
    sim: null,
  };
}
