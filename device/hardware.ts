/**
 * Builds the cart's hardware from its configuration, once, in one place: the real drivers on a Raspberry Pi, or the
 * simulators (`simulate: true`, `loa unit run --sim`). The real drivers (johnny-five, serialport, onoff) are loaded
 * only when they are used: a simulated cart does not pay their memory. Nothing else in the cart knows which it has — except the
 * simulation controls, which only a simulated set exposes (for `loa unit press` and the demo).
 */
import type { AudioPlayer } from '../hardware/audio/audio.js';
import { SimulatedAudioPlayer } from '../hardware/audio/sim-player.js';
import type { HardwareConfig } from '../hardware/board/config.js';
import type { Buttons } from '../hardware/buttons/buttons.js';
import { SimulatedButtons } from '../hardware/buttons/sim-buttons.js';
import type { GnssReceiver } from '../hardware/gnss/gnss.js';
import { SimGnss } from '../hardware/gnss/sim-gnss.js';
import type { SimRoute } from '../hardware/gnss/sim-route.js';
import type { PowerBoard } from '../hardware/power/power.js';
import { SimPowerBoard } from '../hardware/power/sim-power.js';
import type { Relay } from '../hardware/relay/relay.js';
import { SimulatedRelay } from '../hardware/relay/sim-relay.js';
import { SimulatedVolume } from '../hardware/volume/sim-volume.js';
import type { Volume } from '../hardware/volume/volume.js';
import type { LoggerFactory } from './logger.js';

export interface SimulationControls {
  buttons: SimulatedButtons;
  gnss: SimGnss;
  power: SimPowerBoard;
  relay: SimulatedRelay;
  audio: SimulatedAudioPlayer;
}

export interface CartHardware {
  relay: Relay;
  /** The team's status LED (an on/off output like the relay), or null when none is fitted. */
  statusLed: Relay | null;
  buttons: Buttons;
  audio: AudioPlayer;
  volume: Volume;
  gnss: GnssReceiver;
  power: PowerBoard;
  /** Present only on the simulators. */
  sim: SimulationControls | null;
}

export interface HardwareOptions {
  logger: LoggerFactory;
  /** Simulated time for the simulators (the demo runs it fast); default Date.now. */
  now?: () => number;
  /** How much faster than real time the simulators run (audio, GNSS route). Default 1. */
  speed?: number;
  /** The route the simulated GNSS replays. */
  route?: SimRoute;
  /** Seed of the simulated weather. */
  seed?: number;
}

/** Button names in configuration → the names the cart listens to. */
function buttonPins(c: HardwareConfig): Record<string, number> {
  const pins: Record<string, number> = { playPause: c.buttons.play, next: c.buttons.next, volumeUp: c.buttons.volumeUp, volumeDown: c.buttons.volumeDown };
  if (c.buttons.extra !== null) pins.extra = c.buttons.extra;
  return pins;
}

export async function createHardware(config: HardwareConfig, options: HardwareOptions): Promise<CartHardware> {
  const log = options.logger;
  const timing = { debounceMs: config.buttons.debounceMs, longPressMs: config.buttons.longPressMs };
  const battery = config.powerBoard.battery;
  if (config.simulate) {
    const now = options.now ?? Date.now;
    const sim: SimulationControls = {
      relay: new SimulatedRelay({ now, logger: log('loa:hw:relay') }),
      buttons: new SimulatedButtons({ ...timing, names: Object.keys(buttonPins(config)) }),
      audio: new SimulatedAudioPlayer({ speed: options.speed ?? 1, logger: log('loa:hw:audio') }),
      gnss: new SimGnss({ ...(options.route ? { route: options.route } : {}), speedFactor: options.speed ?? 1, logger: log('loa:hw:gnss') }),
      power: new SimPowerBoard({ now, battery, seed: options.seed ?? 1, logger: log('loa:hw:power') }),
    };
    const statusLed = config.statusLed.pin === null ? null : new SimulatedRelay({ now, name: 'status LED', logger: log('loa:hw:led') });
    return { ...sim, statusLed, volume: new SimulatedVolume({ max: config.volume.maxPercent, logger: log('loa:hw:volume') }), sim };
  }
  const { createRealHardware } = await import('./hardware-real.js');
  return createRealHardware(config, log, timing, buttonPins(config));
}
