// Waiting in tests that run on real time: poll a condition with a deadline, sleep, take the next event.
import type { EventEmitter } from 'node:events';

/** Waits until `check` is true, polling every `intervalMs` (5 ms unless given); fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for one event. Unlike `events.once`, a failed reconnection attempt (an `error` event while the device is
 * still away, as on a loaded machine where socat is slow to come back) does not end the wait.
 */
export function nextEvent(emitter: Pick<EventEmitter, 'once'>, name: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args)));
}
