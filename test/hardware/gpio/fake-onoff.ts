// A fake of onoff's `Gpio` class that implements the same `GpioConstructor` / `GpioPin` interfaces as the real one,
// over a fake board whose line levels tests read and drive. A fresh board per test: no module-level state.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  BinaryValue,
  GpioConstructor,
  GpioDirection,
  GpioEdge,
  GpioOptions,
  GpioPin,
  GpioValueCallback,
} from '../../../hardware/gpio/gpio.js';

interface Line {
  direction: 'in' | 'out';
  edge: GpioEdge;
  value: BinaryValue;
  exported: boolean;
  watchers: GpioValueCallback[];
}

export class FakeBoard {
  readonly lines = new Map<number, Line>();
  /** Every raw write, in order: sysfs number and value. */
  readonly writes: { gpio: number; value: BinaryValue; sync: boolean }[] = [];
  /** The levels inputs have before anything drives them (pull-ups: 1). */
  idle: BinaryValue = 1;

  line(gpio: number): Line {
    const line = this.lines.get(gpio);
    if (!line) throw new Error(`fake board: GPIO ${gpio} was never exported (exported: ${[...this.lines.keys()].join(', ')})`);
    return line;
  }

  level(gpio: number): BinaryValue {
    return this.line(gpio).value;
  }

  /** Drives an input line, notifying watchers as the kernel's edge detection would. */
  drive(gpio: number, value: BinaryValue): void {
    const line = this.line(gpio);
    if (line.direction !== 'in') throw new Error(`fake board: GPIO ${gpio} is an output`);
    if (line.value === value) return;
    line.value = value;
    const fires = line.edge === 'both' || (line.edge === 'rising' && value === 1) || (line.edge === 'falling' && value === 0);
    if (fires) for (const w of [...line.watchers]) w(null, value);
  }
}

/** A `Gpio` class bound to `board`, typed as onoff's so it cannot drift from the interface the drivers use. */
export function fakeOnoff(board: FakeBoard, accessible = true): GpioConstructor {
  class FakeGpio implements GpioPin {
    static readonly accessible = accessible;
    readonly #gpio: number;

    constructor(gpio: number, direction: GpioDirection, edge: GpioEdge = 'none', _options: GpioOptions = {}) {
      this.#gpio = gpio;
      const existing = board.lines.get(gpio);
      const value: BinaryValue = direction === 'high' ? 1 : direction === 'low' ? 0 : (existing?.value ?? board.idle);
      board.lines.set(gpio, {
        direction: direction === 'in' ? 'in' : 'out',
        edge,
        value,
        exported: true,
        watchers: [],
      });
    }

    #line(): Line {
      const line = board.line(this.#gpio);
      if (!line.exported) throw new Error(`fake board: GPIO ${this.#gpio} used after unexport()`);
      return line;
    }

    async read(): Promise<BinaryValue> {
      return this.readSync();
    }

    readSync(): BinaryValue {
      return this.#line().value;
    }

    async write(value: BinaryValue): Promise<void> {
      this.#write(value, false);
    }

    writeSync(value: BinaryValue): void {
      this.#write(value, true);
    }

    #write(value: BinaryValue, sync: boolean): void {
      const line = this.#line();
      if (line.direction !== 'out') throw new Error(`fake board: write to input GPIO ${this.#gpio}`);
      line.value = value;
      board.writes.push({ gpio: this.#gpio, value, sync });
    }

    watch(callback: GpioValueCallback): void {
      this.#line().watchers.push(callback);
    }

    unwatch(callback?: GpioValueCallback): void {
      const line = this.#line();
      line.watchers = callback ? line.watchers.filter((w) => w !== callback) : [];
    }

    unexport(): void {
      const line = this.#line();
      line.watchers = [];
      line.exported = false;
    }
  }
  return FakeGpio;
}

/** Writes a fake /sys/class/gpio with the given chips into a temp dir and returns its path. */
export function fakeSysfs(chips: { base: number; label: string; ngpio?: number }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'loa-sysfs-'));
  for (const chip of chips) {
    const dir = join(root, `gpiochip${chip.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'base'), `${chip.base}\n`);
    writeFileSync(join(dir, 'label'), `${chip.label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${chip.ngpio ?? 54}\n`);
  }
  writeFileSync(join(root, 'export'), '');
  return root;
}
