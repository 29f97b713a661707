/**
 * The amplifier relay. Off is the safe state: a driver switches it off when it opens, when it closes, and (the real
 * one) on every exit path of the process.
 *
 * `on()` and `off()` are the relay's own verbs, so its events live on a separate `events` emitter instead of the
 * relay being an EventEmitter itself (whose `on`/`off` they would shadow).
 */
import type { EventEmitter } from 'node:events';

export interface RelayEvents {
  /** The relay was switched; `on` is the new state, `at` a `Date.now()` time. */
  changed: [change: { on: boolean; at: number }];
}

export interface Relay {
  /** `changed` after every switch that changed the state. */
  readonly events: EventEmitter<RelayEvents>;
  /** Takes the output and switches it off. */
  open(): Promise<void>;
  /** Switches the amplifier on. Rejects with `RelayNotOpenError` before `open()`. */
  on(): Promise<void>;
  /** Switches the amplifier off. Rejects with `RelayNotOpenError` before `open()`. */
  off(): Promise<void>;
  /** Reads the output back (the pin level, not a remembered flag) and reports whether the amplifier is on. */
  isOn(): Promise<boolean>;
  /** Switches off and releases the output. Safe to call twice. */
  close(): Promise<void>;
}

export class RelayNotOpenError extends Error {
  readonly code = 'RELAY_NOT_OPEN';
  constructor(action: string) {
    super(`The amplifier relay is not open: call open() before ${action}().`);
    this.name = 'RelayNotOpenError';
  }
}
