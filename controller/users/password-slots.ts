/**
 * A limit on password checks running at once. scrypt runs on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), where the controller's SQLite queries and file reads also run: a flood of
 * login tries would otherwise hold every thread and an ordinary API call would wait seconds (2.1 s measured). One
 * instance is shared by the HTTP login and the embedded broker.
 *
 * Checks that wait are served in turns by client address (one of each address's in turn, the addresses in the order
 * they came), so that a cart or a person behind a quiet address waits for one check of each busy address, not for
 * every guess queued before it. A check is refused at once ({@link PasswordChecksBusy}) when `maxWaiting` already
 * wait, or `maxWaitingPerAddress` from its address.
 */

export interface PasswordSlotsOptions {
  /** Checks at once (default 2: half the default thread pool). */
  size?: number;
  /** Checks that may wait for a slot (default 64). */
  maxWaiting?: number;
  /** Checks from one address that may wait (default 8). */
  maxWaitingPerAddress?: number;
}

/** Refused because too many password checks are already waiting: try again in a moment. */
export class PasswordChecksBusy extends Error {
  readonly code = 'busy';

  constructor(what: string) {
    super(`too many password checks are waiting (${what})`);
    this.name = 'PasswordChecksBusy';
  }
}

export class PasswordSlots {
  readonly #size: number;
  readonly #maxWaiting: number;
  readonly #maxPerAddress: number;
  /** Waiting checks by address; the map's order is the order of turns. */
  readonly #waiting = new Map<string, (() => void)[]>();
  #waitingCount = 0;
  #running = 0;

  constructor(options: PasswordSlotsOptions = {}) {
    this.#size = options.size ?? 2;
    this.#maxWaiting = options.maxWaiting ?? 64;
    this.#maxPerAddress = options.maxWaitingPerAddress ?? 8;
    for (const [name, v, min] of [['size', this.#size, 1], ['maxWaiting', this.#maxWaiting, 0], ['maxWaitingPerAddress', this.#maxPerAddress, 0]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${String(v)}`);
    }
  }

  /** Checks running now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Runs `check` when a slot is free, in `address`'s turn (see addressKey() in login-throttle.ts); throws
   * {@link PasswordChecksBusy} at once when too many wait.
   */
  async run<T>(check: () => Promise<T>, address = ''): Promise<T> {
    if (this.#running >= this.#size) {
      const queue = this.#waiting.get(address) ?? [];
      if (this.#waitingCount >= this.#maxWaiting) throw new PasswordChecksBusy(`${this.#waitingCount} in all`);
      if (queue.length >= this.#maxPerAddress) throw new PasswordChecksBusy(`${queue.length} from ${address || 'one address'}`);
      // The slot is handed over by the check that ends (running is not decreased then), so nobody can jump the queue.
      await new Promise<void>((resolve) => {
        queue.push(resolve);
        this.#waiting.set(address, queue);
        this.#waitingCount++;
      });
    } else this.#running++;
    try {
      return await check();
    } finally {
      this.#next();
    }
  }

  /** Hands the slot to the first waiting check of the address whose turn it is, or frees it. */
  #next(): void {
    const turn = this.#waiting.entries().next();
    if (turn.done) {
      this.#running--;
      return;
    }
    const [address, queue] = turn.value;
    const wake = queue.shift()!;
    this.#waitingCount--;
    // The address goes to the back of the line, or leaves it.
    this.#waiting.delete(address);
    if (queue.length > 0) this.#waiting.set(address, queue);
    wake();
  }
}
