/**
 * A typed door to johnny-five and firmata-io, which ship no types. Only what Loa uses is declared; everything else
 * of those packages stays out of reach. firmata-io is loaded from johnny-five's own location, where the project's
 * `overrides` install it under the name `firmata`, so both always agree on the same copy.
 */
import { createRequire } from 'node:module';

/** The byte stream firmata-io talks over: a serialport 13 `SerialPort` fits, so does a test double. */
export interface FirmataTransport {
  on(event: 'open' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  write(data: Buffer, callback?: (error?: Error | null) => void): unknown;
  close(callback?: (error?: Error | null) => void): void;
  /** Waits until what was written has gone out (serialport has it); used before closing. */
  drain?(callback: (error?: Error | null) => void): void;
  readonly isOpen: boolean;
}

export interface FirmataIoEvents {
  connect: [];
  ready: [];
  error: [error: Error];
  close: [];
  disconnect: [];
}

/** A firmata-io `Firmata` instance (an IO plugin for johnny-five). */
export interface FirmataIo {
  readonly isReady: boolean;
  readonly analogPins: number[];
  readonly RESOLUTION: { ADC: number | null };
  readonly firmware: { name?: string; version?: { major: number; minor: number } };
  readonly MODES: { readonly INPUT: number; readonly OUTPUT: number; readonly ANALOG: number };
  pinMode(pin: number, mode: number): void;
  on<K extends keyof FirmataIoEvents>(event: K, listener: (...args: FirmataIoEvents[K]) => void): this;
  removeAllListeners(event?: keyof FirmataIoEvents): this;
}

export interface FirmataOptions {
  /** How long firmata-io waits for the board's own version report before asking for it (default 5000 ms). */
  reportVersionTimeout?: number;
  samplingInterval?: number;
}

export type FirmataConstructor = new (transport: FirmataTransport, options?: FirmataOptions) => FirmataIo;

export interface J5BoardOptions {
  io: FirmataIo;
  repl: false;
  debug: false;
  sigint: false;
  /** johnny-five's own connect-to-ready timeout, ms. */
  timeout?: number;
}

export interface J5BoardEvents {
  ready: [];
  connect: [];
  error: [error: Error];
  fail: [event: { message?: string }];
  close: [];
  disconnect: [];
}

export interface J5Board {
  readonly isReady: boolean;
  readonly io: FirmataIo;
  /** johnny-five's connect-to-ready timer, cleared by it on ready; cleared by us when we give up. */
  timer: ReturnType<typeof setTimeout> | null;
  on<K extends keyof J5BoardEvents>(event: K, listener: (...args: J5BoardEvents[K]) => void): this;
  removeListener<K extends keyof J5BoardEvents>(event: K, listener: (...args: J5BoardEvents[K]) => void): this;
}

export interface J5SensorOptions {
  board: J5Board;
  /** `"A0"`…`"A7"`. */
  pin: string;
  /** How often `data` is emitted (median of the samples since the last), ms. */
  freq?: number;
}

export interface J5Sensor {
  /** The last raw ADC value, or null before the first report. */
  readonly value: number | null;
  on(event: 'data', listener: (value: number) => void): this;
  disable(): this;
}

export interface J5RelayOptions {
  board: J5Board;
  pin: number | string;
  /** "NO": HIGH closes the contact; "NC": LOW closes it (an active-low relay module). */
  type: 'NO' | 'NC';
}

/** johnny-five speaks of the contact: `close()` closes it (load on), `open()` opens it (load off). */
export interface J5Relay {
  readonly isClosed: boolean;
  close(): this;
  open(): this;
}

export interface JohnnyFive {
  Board: new (options: J5BoardOptions) => J5Board;
  Sensor: new (options: J5SensorOptions) => J5Sensor;
  Relay: new (options: J5RelayOptions) => J5Relay;
}

const requireHere = createRequire(import.meta.url);

/** Loads johnny-five (CommonJS) with the types above. */
export function loadJohnnyFive(): JohnnyFive {
  return requireHere('johnny-five') as JohnnyFive;
}

/** Loads firmata-io's `Firmata` class, the one johnny-five resolves (its `firmata` dependency, overridden). */
export function loadFirmata(): FirmataConstructor {
  const requireFromJ5 = createRequire(requireHere.resolve('johnny-five'));
  const bindTransport = requireFromJ5('firmata') as { Firmata?: FirmataConstructor };
  if (typeof bindTransport.Firmata !== 'function') {
    throw new Error('The "firmata" package beside johnny-five is not firmata-io: reinstall with `npm ci`.');
  }
  return bindTransport.Firmata;
}
