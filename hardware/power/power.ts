/**
 * The power board capability: what the cart knows about its battery and its solar panel. The real driver reads an
 * Arduino running StandardFirmata through johnny-five (`firmata-power.ts`); the simulator models a solar day
 * (`sim-power.ts`). Both implement {@link PowerBoard}.
 */
import type { EventEmitter } from 'node:events';

/** Battery chemistries the state-of-charge estimator knows (`soc.ts`). */
export type BatteryChemistry = 'lead-acid' | 'lifepo4';
export const batteryChemistries: readonly BatteryChemistry[] = ['lead-acid', 'lifepo4'];

/** One reading of the power board. */
export interface PowerReading {
  /** Battery terminal voltage, millivolts. */
  batteryMv: number;
  /** Battery current, milliamps: positive while charging, negative while discharging. */
  batteryMa: number;
  /** Solar panel voltage, millivolts. */
  solarMv: number;
  /** Solar panel current, milliamps (0 or more). */
  solarMa: number;
  /** Estimated state of charge, 0–100 %, from `soc.ts` (an estimate: see its accuracy notes). */
  socPercent: number;
  chemistry: BatteryChemistry;
  /** When the reading was taken, ms since the epoch (from the board's clock function). */
  at: number;
}

/**
 * How one analog channel becomes a quantity: the ADC pin's voltage in mV is multiplied by `scale` and `offset` is
 * added. A voltage divider of ratio k is `{ scale: k, offset: 0 }`; a current sensor giving S mV per A around a zero
 * of Z mV is `{ scale: 1000 / S, offset: -Z * 1000 / S }` (see {@link dividerChannel} and {@link currentSensorChannel}).
 */
export interface ChannelCalibration {
  /** Arduino analog pin, `"A0"`…`"A7"`. */
  pin: string;
  scale: number;
  offset: number;
}

/** The four channels of a power board. */
export interface PowerCalibration {
  batteryVoltage: ChannelCalibration;
  batteryCurrent: ChannelCalibration;
  solarVoltage: ChannelCalibration;
  solarCurrent: ChannelCalibration;
}

/** The battery the estimator needs to know about. */
export interface BatterySpec {
  chemistry: BatteryChemistry;
  /** Nominal capacity, ampere-hours. */
  capacityAh: number;
  /** Internal resistance, milliohms, used to correct the voltage for the load current. */
  internalResistanceMilliohm: number;
}

/** Calibration of a divider `rTop` (to the battery) over `rBottom` (to ground), both in the same unit. */
export function dividerChannel(pin: string, rTop: number, rBottom: number): ChannelCalibration {
  if (!(rTop >= 0) || !(rBottom > 0)) {
    throw new RangeError(`dividerChannel: rTop and rBottom must be positive, got rTop=${rTop}, rBottom=${rBottom}`);
  }
  return { pin, scale: (rTop + rBottom) / rBottom, offset: 0 };
}

/**
 * Calibration of a Hall current sensor such as the ACS712 (185 mV/A for the 5 A part, 100 for 20 A, 66 for 30 A),
 * whose output sits at `zeroMv` (2500 mV on a 5 V supply) at no current. The result is in mA.
 */
export function currentSensorChannel(pin: string, mvPerAmp: number, zeroMv: number): ChannelCalibration {
  if (!(mvPerAmp !== 0 && Number.isFinite(mvPerAmp))) {
    throw new RangeError(`currentSensorChannel: mvPerAmp must be a non-zero number, got ${mvPerAmp}`);
  }
  const scale = 1000 / mvPerAmp;
  return { pin, scale, offset: -zeroMv * scale };
}

/** Applies a calibration to an ADC pin voltage. */
export function applyCalibration(pinMv: number, channel: ChannelCalibration): number {
  return pinMv * channel.scale + channel.offset;
}

export interface PowerBoardEvents {
  /** Every successful `read()`. */
  reading: [reading: PowerReading];
  /** A failure after `open()` (the serial link went away, the board reset). */
  error: [error: PowerBoardError];
}

/**
 * A battery and solar monitor. `open()` must resolve before `read()`; `close()` is safe to call twice and releases
 * the port. Events are emitted on the object itself.
 */
export interface PowerBoard extends EventEmitter<PowerBoardEvents> {
  /** Connects to the board; rejects with a {@link PowerBoardError} that says what to check. */
  open(): Promise<void>;
  /** Takes one reading (and emits it as `reading`). Rejects when the board is not open. */
  read(): Promise<PowerReading>;
  /** Disconnects. Never rejects because the board was already closed. */
  close(): Promise<void>;
}

export type PowerBoardErrorCode = 'LOA_POWER_NOT_READY' | 'LOA_POWER_NOT_OPEN' | 'LOA_POWER_NO_DATA' | 'LOA_POWER_IO';

/** A failure of the power board; `code` is stable for the CLI to translate. */
export class PowerBoardError extends Error {
  override readonly name = 'PowerBoardError';
  constructor(
    readonly code: PowerBoardErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
