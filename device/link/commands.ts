/**
 * The cart's side of a district command (SPEC.md 0x08): verify the Ed25519 signature against the pinned keys,
 * check unit, expiry and counter, obey, remember the counter, and record a `command-result` whatever happened.
 * Each refusal is reported with the reason, so the uplink can count it.
 */
import {
  checkCommand,
  isProtocolError,
  MAX_DETAIL,
  openSigned,
  readCommandHead,
  readSigned,
  type Command,
  type CommandResult,
  type CommandStatus,
  type Stamp,
} from '../../protocol/index.js';
import type { KeyObject } from 'node:crypto';
import { clipUtf8 } from '../../lib/utf8.js';
import type { UplinkStateStore } from './outbox-source.js';

/** What the cart does with a command it may obey. It may throw: that is recorded as `failed`. */
export type CommandHandler = (cmd: Command) => Promise<{ status: CommandStatus; detail: string }>;
/** Stores a command result as a durable record (another part numbers it and appends it to the outbox). */
export type ResultRecorder = (r: Omit<CommandResult, 'record'>) => Promise<void>;

export interface CommandGateOptions {
  unitNumber: number;
  districtKeys: readonly KeyObject[];
  state: UplinkStateStore;
  onCommand: CommandHandler;
  recordResult: ResultRecorder;
  stamp: () => Stamp;
}

export interface CommandOutcome {
  /** The counter the command claims (0 when it could not be read). */
  counter: number;
  status: CommandStatus;
  detail: string;
  /** Why it was not obeyed; undefined when `onCommand` ran. */
  refusal?: CommandRefusal;
}

/** The statuses of a command that was not obeyed. */
export type CommandRefusal = 'bad-signature' | 'expired' | 'replay' | 'unknown-action' | 'refused';

/** A command-result's `detail`, cut to the protocol's limit (SPEC.md 0x09, in UTF-8 bytes). */
export function clipDetail(text: string): string {
  return clipUtf8(text, MAX_DETAIL);
}

export class CommandGate {
  readonly #o: CommandGateOptions;
  #lastCounter = 0;

  constructor(options: CommandGateOptions) {
    this.#o = options;
  }

  /** Loads the last obeyed counter; call before the first `handle`. */
  async load(): Promise<void> {
    this.#lastCounter = await this.#o.state.loadLastCommandCounter();
  }

  #cart(): { unit: number; now: number; lastCounter: number } {
    return { unit: this.#o.unitNumber, now: this.#o.stamp().time, lastCounter: this.#lastCounter };
  }

  /** Handles one signed command object; resolves once its result is recorded. */
  async handle(signed: Buffer): Promise<CommandOutcome> {
    const outcome = await this.#decide(signed);
    await this.#o.recordResult({
      type: 'command-result',
      at: this.#o.stamp(),
      counter: outcome.counter,
      status: outcome.status,
      detail: clipDetail(outcome.detail),
    });
    return outcome;
  }

  async #decide(signed: Buffer): Promise<CommandOutcome> {
    let command: Command;
    try {
      const opened = openSigned(signed, this.#o.districtKeys);
      if (opened.body.type !== 'command') {
        return refused(0, 'refused', `a signed ${opened.body.type} came where a command was expected`);
      }
      command = opened.body.command;
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      if (error.code === 'unknown-action') return unknownAction(signed, error.message, this.#cart());
      const status = error.code === 'unknown-key' || error.code === 'bad-signature' ? 'bad-signature' : 'refused';
      return refused(claimedCounter(signed), status, `${error.code}: ${error.message}`);
    }
    try {
      checkCommand(command, this.#cart());
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      const status = error.code === 'expired' ? 'expired' : error.code === 'replay' ? 'replay' : 'refused';
      return refused(command.counter, status, error.message);
    }
    let result: { status: CommandStatus; detail: string };
    try {
      result = await this.#o.onCommand(command);
    } catch (error) {
      result = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    // Obeyed (or tried): never again, even if the same command comes back in a new frame.
    this.#lastCounter = command.counter;
    await this.#o.state.saveLastCommandCounter(command.counter);
    return { counter: command.counter, status: result.status, detail: result.detail };
  }
}

/**
 * A command with a verified signature whose action this cart does not know (a newer district): answered
 * `unknown-action` with its counter, if it is for this cart, in time and new; not obeyed, so the last obeyed
 * counter stays where it was (SPEC.md §5).
 */
function unknownAction(signed: Buffer, message: string, cart: { unit: number; now: number; lastCounter: number }): CommandOutcome {
  const head = readCommandHead(signed);
  try {
    checkCommand(head, cart);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    const status = error.code === 'expired' ? 'expired' : error.code === 'replay' ? 'replay' : 'refused';
    return refused(head.counter, status, error.message);
  }
  return refused(head.counter, 'unknown-action', message);
}

function refused(counter: number, status: CommandRefusal, detail: string): CommandOutcome {
  return { counter, status, detail, refusal: status };
}

/** The counter an unverified command claims, for the result only; 0 when unreadable. */
function claimedCounter(signed: Buffer): number {
  try {
    const body = readSigned(signed).body;
    return body.type === 'command' ? body.command.counter : 0;
  } catch {
    return 0;
  }
}
