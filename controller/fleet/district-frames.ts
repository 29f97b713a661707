/**
 * Frames the district sends to one cart (SPEC.md 2 and 2.1): kind `district`, this controller start's boot counter,
 * and a seq counted per unit from 0 at every start. Acks and commands share these counters, so one instance must
 * serve the whole controller. The boot counter lives in a small file raised (durably) once per start.
 */
import { readFile } from 'node:fs/promises';
import { writeFileDurably } from '../../lib/durable.js';
import { encodeFrame, MAX_VARINT, type Message } from '../../protocol/index.js';

/** Reads the boot counter in `path` (0 when the file does not exist), raises it by one, saves it, returns it. */
export async function raiseBootCounter(path: string): Promise<number> {
  let previous = 0;
  try {
    const text = (await readFile(path, 'utf8')).trim();
    previous = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(previous)) throw new Error(`${path}: the boot counter file holds ${JSON.stringify(text)}, not a number; fix or remove it`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const boot = previous + 1;
  if (boot > MAX_VARINT) throw new RangeError(`boot counter ${boot} is over ${MAX_VARINT}`);
  await writeFileDurably(path, `${boot}\n`);
  return boot;
}

/** The key material a district frame needs. */
export interface FrameTarget {
  number: number;
  key: Buffer;
}

export class DistrictFramer {
  readonly boot: number;
  readonly #seq = new Map<number, number>();

  /** `boot`: this start's counter, already raised and saved (see {@link raiseBootCounter}). */
  constructor(options: { boot: number }) {
    if (!Number.isInteger(options.boot) || options.boot < 1 || options.boot > MAX_VARINT) {
      throw new RangeError(`boot must be a whole number 1…${MAX_VARINT}, got ${String(options.boot)}`);
    }
    this.boot = options.boot;
  }

  /** A tagged district frame for `unit` carrying `messages`, with the unit's next seq. */
  frame(unit: FrameTarget, messages: Message[]): Buffer {
    const seq = this.#seq.get(unit.number) ?? 0;
    this.#seq.set(unit.number, seq + 1);
    return encodeFrame({ kind: 'district', unit: unit.number, boot: this.boot, seq, messages }, unit.key);
  }
}
