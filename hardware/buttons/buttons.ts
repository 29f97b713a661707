/**
 * The team's hardware buttons. Four have fixed names (`playPause`, `next`, `volumeUp`, `volumeDown`); configuration
 * may add any other name. Contacts bounce: every driver debounces, and reports a short press when the button is let
 * go, a long press once while it is still held past the long threshold.
 */
import type { EventEmitter } from 'node:events';

export const STANDARD_BUTTONS = ['playPause', 'next', 'volumeUp', 'volumeDown'] as const;
export type StandardButton = (typeof STANDARD_BUTTONS)[number];
/** A standard name or one from configuration. */
export type ButtonName = StandardButton | (string & {});

export interface ButtonsEvents {
  /** A short press, reported on release: held less than the long threshold. */
  press: [event: { name: ButtonName; durationMs: number }];
  /** Fired once, while the button is still held, when the hold reaches the long threshold. */
  longpress: [event: { name: ButtonName; heldMs: number }];
  /** The button was let go (after a short or a long press). */
  release: [event: { name: ButtonName; durationMs: number; long: boolean }];
}

export interface Buttons extends EventEmitter<ButtonsEvents> {
  /** The configured button names. */
  readonly names: readonly ButtonName[];
  /** Starts watching the inputs. */
  open(): Promise<void>;
  /** The debounced state of one button. Throws `UnknownButtonError` for a name that is not configured. */
  isPressed(name: ButtonName): boolean;
  /** Stops watching and releases the inputs; pending timers are cleared. */
  close(): Promise<void>;
}

/** Timing shared by every driver. */
export interface ButtonTiming {
  /** A level must stay this long to count (ms). Default 30. */
  debounceMs?: number;
  /** A hold this long is a long press (ms). Default 1500. */
  longPressMs?: number;
}

export const DEFAULT_DEBOUNCE_MS = 30;
export const DEFAULT_LONG_PRESS_MS = 1500;

export class UnknownButtonError extends Error {
  readonly code = 'UNKNOWN_BUTTON';
  constructor(
    readonly button: string,
    known: readonly string[],
  ) {
    super(`No button named ${JSON.stringify(button)} is configured; the buttons are: ${known.join(', ')}.`);
    this.name = 'UnknownButtonError';
  }
}
