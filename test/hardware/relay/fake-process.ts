// A stand-in for `process`, so the exit guard's handlers can be seen and fired.
import { EventEmitter } from 'node:events';
import type { GuardedProcess } from '../../../hardware/relay/exit-guard.js';

export class FakeProcess extends EventEmitter implements GuardedProcess {
  readonly pid = 4242;
  /** The signals the guard re-raised with `kill(pid, signal)`. */
  readonly kills: NodeJS.Signals[] = [];
  kill(_pid: number, signal: NodeJS.Signals): boolean {
    this.kills.push(signal);
    return true;
  }
}
