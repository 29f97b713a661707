/**
 * Switches the amplifier off on every exit path the process can see: normal end and `process.exit()` (`exit`),
 * SIGTERM and SIGINT, an uncaught exception and an unhandled rejection (both reach `uncaughtExceptionMonitor`, which
 * runs before Node's own crash handling without changing it, so the process still prints the error and exits 1).
 *
 * Handlers are registered once per process object, only while at least one switch-off is held, and removed when the
 * last one is released. Switch-offs run synchronously (`writeSync`): nothing asynchronous runs on these paths.
 * A signal that only Loa listens to is re-raised after the switch-off, so the process ends by that signal (exit
 * status 128 + n) as it would have without the guard; when the application has its own handler for the signal, it
 * decides how to end. When the application keeps running after an uncaught exception (its own
 * `uncaughtException` handler), the amplifier stays off: the relay's `isOn()` reads the pin and says so.
 */
import { silentLogger, type Logger } from '../logger.js';

/** The part of `process` the guard uses; tests hand in a fake. */
export interface GuardedProcess {
  readonly pid: number;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  on(event: 'uncaughtExceptionMonitor', listener: (error: Error, origin: string) => void): unknown;
  off(event: 'exit', listener: (code: number) => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'uncaughtExceptionMonitor', listener: (error: Error, origin: string) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

/** A synchronous action that puts an output in its safe state. */
export type SwitchOff = () => void;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export class ExitGuard {
  readonly #proc: GuardedProcess;
  readonly #logger: Logger;
  readonly #actions = new Set<SwitchOff>();
  #installed = false;

  readonly #onExit = (): void => this.switchAllOff('exit');
  readonly #onMonitor = (_error: Error, origin: string): void => this.switchAllOff(origin);
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.switchAllOff(signal);
    // Our listener stopped Node's default "end on signal"; give it back when nobody else handles the signal.
    if (this.#proc.listenerCount(signal) === 1) {
      this.#uninstall();
      this.#proc.kill(this.#proc.pid, signal);
    }
  };

  constructor(proc: GuardedProcess, logger: Logger = silentLogger) {
    this.#proc = proc;
    this.#logger = logger;
  }

  /** Holds `action` until the returned release function is called; installs the process handlers on first use. */
  hold(action: SwitchOff): () => void {
    this.#actions.add(action);
    if (!this.#installed) this.#install();
    return () => {
      this.#actions.delete(action);
      if (this.#actions.size === 0) this.#uninstall();
    };
  }

  /** How many switch-offs are held (for diagnostics). */
  get size(): number {
    return this.#actions.size;
  }

  /** True while the process handlers are registered. */
  get installed(): boolean {
    return this.#installed;
  }

  /** Runs every held switch-off now; one that throws does not stop the others. */
  switchAllOff(reason: string): void {
    for (const action of this.#actions) {
      try {
        action();
      } catch (err) {
        this.#logger.error(() => `switch-off on ${reason} failed: ${String(err)}`);
      }
    }
  }

  #install(): void {
    this.#proc.on('exit', this.#onExit);
    this.#proc.on('uncaughtExceptionMonitor', this.#onMonitor);
    for (const s of SIGNALS) this.#proc.on(s, this.#onSignal);
    this.#installed = true;
  }

  #uninstall(): void {
    if (!this.#installed) return;
    this.#proc.off('exit', this.#onExit);
    this.#proc.off('uncaughtExceptionMonitor', this.#onMonitor);
    for (const s of SIGNALS) this.#proc.off(s, this.#onSignal);
    this.#installed = false;
  }
}

const guards = new WeakMap<GuardedProcess, ExitGuard>();

/**
 * The one guard of a process object (by default the real `process`): every relay of the process shares it, so the
 * handlers are never registered twice.
 */
export function exitGuardFor(proc: GuardedProcess = process, logger: Logger = silentLogger): ExitGuard {
  let guard = guards.get(proc);
  if (!guard) {
    guard = new ExitGuard(proc, logger);
    guards.set(proc, guard);
  }
  return guard;
}
