/** What the real and the simulated buttons share: names, one `PressDetector` per button, and the events. */
import { EventEmitter } from 'node:events';
import { UnknownButtonError, type ButtonName, type ButtonTiming, type Buttons, type ButtonsEvents } from './buttons.js';
import { PressDetector, checkTiming } from './press-detector.js';

export abstract class BaseButtons extends EventEmitter<ButtonsEvents> implements Buttons {
  readonly names: readonly ButtonName[];
  protected readonly timing: Required<ButtonTiming>;
  readonly #detectors = new Map<ButtonName, PressDetector>();

  constructor(names: readonly ButtonName[], timing: ButtonTiming, now: () => number = Date.now) {
    super();
    const checked = checkTiming(timing);
    this.timing = checked;
    if (names.length === 0) throw new RangeError('buttons: at least one button must be configured, got none');
    for (const name of names) {
      if (typeof name !== 'string' || name === '') {
        throw new RangeError(`button names must be non-empty strings, got ${JSON.stringify(name)}`);
      }
      this.#detectors.set(
        name,
        new PressDetector(
          checked,
          {
            press: (durationMs) => this.emit('press', { name, durationMs }),
            longpress: (heldMs) => this.emit('longpress', { name, heldMs }),
            release: (durationMs, long) => this.emit('release', { name, durationMs, long }),
          },
          now,
        ),
      );
    }
    this.names = [...this.#detectors.keys()];
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;

  isPressed(name: ButtonName): boolean {
    return this.detector(name).pressed;
  }

  /** The detector of one button; throws `UnknownButtonError` for a name that is not configured. */
  protected detector(name: ButtonName): PressDetector {
    const d = this.#detectors.get(name);
    if (!d) throw new UnknownButtonError(name, this.names);
    return d;
  }

  /** Clears every pending timer. */
  protected disposeAll(): void {
    for (const d of this.#detectors.values()) d.dispose();
  }
}
