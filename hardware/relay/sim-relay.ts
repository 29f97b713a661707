/** A relay that only remembers: for `npm start`, the demo and tests. `history` records every switch. */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import { RelayNotOpenError, type Relay, type RelayEvents } from './relay.js';

export interface SimulatedRelayOptions {
  /** Clock for `history`; default `Date.now`. */
  now?: () => number;
  /** What the output drives, for the log messages. Default 'amplifier'. */
  name?: string;
  logger?: Logger;
}

export class SimulatedRelay implements Relay {
  readonly events = new EventEmitter<RelayEvents>();
  /** Test control: every level written, with its time, including the OFF written by `open()` and `close()`. */
  readonly history: { at: number; on: boolean }[] = [];
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #name: string;
  #open = false;
  /** The simulated pin level: what `isOn()` reads back. */
  #level = false;

  constructor(options: SimulatedRelayOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
    this.#name = options.name ?? 'amplifier';
  }

  /** Test control: true between `open()` and `close()`. */
  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    if (this.#open) return;
    this.#open = true;
    this.#write(false);
  }

  on(): Promise<void> {
    return this.#set(true, 'on');
  }

  off(): Promise<void> {
    return this.#set(false, 'off');
  }

  async isOn(): Promise<boolean> {
    if (!this.#open) throw new RelayNotOpenError('isOn');
    return this.#level;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#write(false);
    this.#open = false;
  }

  async #set(on: boolean, action: string): Promise<void> {
    if (!this.#open) throw new RelayNotOpenError(action);
    this.#write(on);
  }

  #write(on: boolean): void {
    const changed = this.#level !== on;
    this.#level = on;
    const at = this.#now();
    this.history.push({ at, on });
    if (changed) {
      // Debug, not info, as the real relay: an output switched often (the LED blinks) would flood the log.
      this.#logger.debug(`simulated ${this.#name} ${on ? 'on' : 'off'}`);
      this.events.emit('changed', { on, at });
    }
  }
}
