// A small Arduino Uno running StandardFirmata, emulated at the byte level, to test the real firmata-io + johnny-five
// path: it answers REPORT_VERSION, QUERY_FIRMWARE, CAPABILITY_QUERY and ANALOG_MAPPING_QUERY, honours REPORT_ANALOG
// by sending ANALOG_MESSAGEs at the sampling interval, and records PIN_MODE and DIGITAL_MESSAGE writes.
import { EventEmitter } from 'node:events';
import type { FirmataTransport } from '../../../hardware/power/johnny-five.js';

const REPORT_VERSION = 0xf9;
const START_SYSEX = 0xf0;
const END_SYSEX = 0xf7;
const QUERY_FIRMWARE = 0x79;
const CAPABILITY_QUERY = 0x6b;
const CAPABILITY_RESPONSE = 0x6c;
const ANALOG_MAPPING_QUERY = 0x69;
const ANALOG_MAPPING_RESPONSE = 0x6a;
const SAMPLING_INTERVAL = 0x7a;
const PIN_MODE = 0xf4;
const SET_DIGITAL_PIN_VALUE = 0xf5;
const REPORT_ANALOG = 0xc0;
const REPORT_DIGITAL = 0xd0;
const DIGITAL_MESSAGE = 0x90;
const ANALOG_MESSAGE = 0xe0;

const PIN_COUNT = 20; // Uno: D0–D13, A0–A5 = 14–19
const FIRST_ANALOG = 14;

export interface FirmataDeviceOptions {
  /** Never answers anything (a board without StandardFirmata). */
  silent?: boolean;
  /** Sampling interval until the host sets one, ms. */
  samplingMs?: number;
}

export class FirmataDevice {
  /** Raw 10-bit values per analog channel (0–5). */
  readonly analog = [0, 0, 0, 0, 0, 0];
  readonly pinModes = new Map<number, number>();
  readonly digital = new Map<number, number>();
  readonly received: number[] = [];
  #reporting = new Set<number>();

  /** Analog channels the host asked to be reported. */
  get reportingChannels(): number[] {
    return [...this.#reporting].sort();
  }
  #samplingMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #buffer: number[] = [];
  #send: ((bytes: Buffer) => void) | undefined;
  readonly #silent: boolean;

  constructor(options: FirmataDeviceOptions = {}) {
    this.#silent = options.silent ?? false;
    this.#samplingMs = options.samplingMs ?? 19;
  }

  /** Connects the device to a wire; like a real Uno after its reset, it announces its version and firmware. */
  start(send: (bytes: Buffer) => void): void {
    this.#send = send;
    if (this.#silent) return;
    this.#version();
    this.#firmware();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#send = undefined;
  }

  /** Bytes from the host. */
  receive(bytes: Buffer): void {
    for (const byte of bytes) {
      this.received.push(byte);
      if (this.#silent) continue;
      this.#buffer.push(byte);
      this.#parse();
    }
  }

  #parse(): void {
    const b = this.#buffer;
    const first = b[0]!;
    if (first === START_SYSEX) {
      if (b[b.length - 1] === END_SYSEX) {
        this.#sysex(b.slice(1, -1));
        b.length = 0;
      }
      return;
    }
    if (first === REPORT_VERSION) {
      this.#version();
      b.length = 0;
      return;
    }
    const command = first < 0xf0 ? first & 0xf0 : first;
    const needs = command === REPORT_ANALOG || command === REPORT_DIGITAL ? 2 : 3;
    if (command !== PIN_MODE && command !== SET_DIGITAL_PIN_VALUE && command !== DIGITAL_MESSAGE && command !== ANALOG_MESSAGE && needs === 3) {
      b.length = 0; // not understood: drop, like a resynchronising parser
      return;
    }
    if (b.length < needs) return;
    if (command === REPORT_ANALOG) {
      if (b[1]) this.#reporting.add(first & 0x0f);
      else this.#reporting.delete(first & 0x0f);
      this.#schedule();
    } else if (command === PIN_MODE) {
      this.pinModes.set(b[1]!, b[2]!);
    } else if (command === SET_DIGITAL_PIN_VALUE) {
      this.digital.set(b[1]!, b[2]!);
    } else if (command === DIGITAL_MESSAGE) {
      const port = first & 0x0f;
      const value = b[1]! | (b[2]! << 7);
      for (let i = 0; i < 8; i++) this.digital.set(port * 8 + i, (value >> i) & 1);
    }
    b.length = 0;
  }

  #sysex(body: number[]): void {
    switch (body[0]) {
      case QUERY_FIRMWARE:
        this.#firmware();
        break;
      case CAPABILITY_QUERY: {
        const out = [START_SYSEX, CAPABILITY_RESPONSE];
        for (let pin = 0; pin < PIN_COUNT; pin++) {
          if (pin >= 2) out.push(0x00, 1, 0x01, 1, 0x0b, 1); // INPUT, OUTPUT, PULLUP
          if (pin >= FIRST_ANALOG) out.push(0x02, 10); // ANALOG, 10 bits
          out.push(0x7f);
        }
        out.push(END_SYSEX);
        this.#write(out);
        break;
      }
      case ANALOG_MAPPING_QUERY: {
        const out = [START_SYSEX, ANALOG_MAPPING_RESPONSE];
        for (let pin = 0; pin < PIN_COUNT; pin++) out.push(pin >= FIRST_ANALOG ? pin - FIRST_ANALOG : 0x7f);
        out.push(END_SYSEX);
        this.#write(out);
        break;
      }
      case SAMPLING_INTERVAL:
        this.#samplingMs = Math.max(1, (body[1] ?? 19) | ((body[2] ?? 0) << 7));
        this.#schedule();
        break;
      default:
        break;
    }
  }

  #schedule(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#reporting.size === 0 || !this.#send) return;
    this.#timer = setInterval(() => {
      for (const channel of this.#reporting) {
        const value = this.analog[channel] ?? 0;
        this.#write([ANALOG_MESSAGE | channel, value & 0x7f, (value >> 7) & 0x7f]);
      }
    }, this.#samplingMs);
  }

  #version(): void {
    this.#write([REPORT_VERSION, 2, 5]);
  }

  #firmware(): void {
    const name = Buffer.from('StandardFirmata.ino');
    const out = [START_SYSEX, QUERY_FIRMWARE, 2, 5];
    for (const byte of name) out.push(byte & 0x7f, (byte >> 7) & 0x7f);
    out.push(END_SYSEX);
    this.#write(out);
  }

  #write(bytes: number[]): void {
    this.#send?.(Buffer.from(bytes));
  }
}

/** An in-memory serial port joined to a {@link FirmataDevice}. */
export class DeviceTransport extends EventEmitter implements FirmataTransport {
  isOpen = false;
  constructor(readonly device: FirmataDevice) {
    super();
    setImmediate(() => {
      this.isOpen = true;
      this.emit('open');
      device.start((bytes) => setImmediate(() => this.isOpen && this.emit('data', bytes)));
    });
  }

  write(data: Buffer, callback?: (error?: Error | null) => void): boolean {
    const copy = Buffer.from(data);
    setImmediate(() => {
      this.device.receive(copy);
      callback?.(null);
    });
    return true;
  }

  drain(callback: (error?: Error | null) => void): void {
    setImmediate(() => callback(null));
  }

  close(callback?: (error?: Error | null) => void): void {
    this.isOpen = false;
    this.device.stop();
    setImmediate(() => {
      this.emit('close');
      callback?.(null);
    });
  }
}
