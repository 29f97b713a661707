/**
 * Login throttling, shared by the HTTP login and the embedded broker's CONNECT, with three token buckets per try:
 * the account from that address (charged when the try starts, so that it also bounds tries running at once), the
 * account from anywhere and the address for any account (both charged when the try fails). A try is let through
 * only when all three have a token, and a refused try is charged nothing: a cart that keeps retrying with an old
 * password empties its own bucket, not that of the other carts behind the same mobile network's address, and carts
 * that all reconnect at once from one address after a restart are not held up. Failures may overdraw a bucket (down
 * to minus its burst): a burst of failures run in parallel waits longer.
 *
 * In memory, per process; each kind of bucket keeps at most `maxKeys` keys (the least recently charged go first),
 * and a bucket that has filled up again is forgotten.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../logger.js';

/** `burst` tries at once, then one more every `everyMs`. */
export interface TryRule {
  burst: number;
  everyMs: number;
}

export interface LoginThrottleOptions {
  /** What is guarded, for the log (`HTTP login`, `MQTT CONNECT`). */
  name: string;
  /** One account from one address (default 5, then one a minute). */
  perAccountAddress?: TryRule;
  /**
   * One account from everywhere: a guess spread over many addresses (default 30, then one every 20 s). null: no such
   * limit, where passwords are random and a per-account limit would only let anyone lock an account out.
   */
  perAccount?: TryRule | null;
  /** One address, any account: names tried one after another (default 20, then one every 15 s). */
  perAddress?: TryRule;
  /** Keys kept per kind of bucket (default 10,000). */
  maxKeys?: number;
  /** Milliseconds of a monotonic clock (default `performance.now`). */
  now?: () => number;
  logger?: Logger;
}

/** A try let through: say how it ended, once. */
export interface AllowedAttempt {
  allowed: true;
  /** The password was right: the try is forgotten. */
  succeeded(): void;
  /** The password was wrong (or the name unknown): the try counts against the account and the address. */
  failed(): void;
  /**
   * The password was never checked (no free slot, an error): the token the try took from its account and address is
   * given back, so that carts retrying while the server is busy are not throttled for it.
   */
  unchecked(): void;
}

export type LoginAttempt = AllowedAttempt | { allowed: false; retryAfterSeconds: number };

const DEFAULTS = {
  perAccountAddress: { burst: 5, everyMs: 60_000 },
  perAccount: { burst: 30, everyMs: 20_000 },
  perAddress: { burst: 20, everyMs: 15_000 },
} as const satisfies Record<string, TryRule>;

interface Bucket {
  tokens: number;
  at: number;
  /** The refusal was logged since the bucket was last charged (one line per episode, not per refused try). */
  logged: boolean;
}

class Buckets {
  readonly #map = new Map<string, Bucket>();

  constructor(
    readonly kind: string,
    readonly rule: TryRule,
    readonly maxKeys: number,
  ) {
    if (!Number.isInteger(rule.burst) || rule.burst < 1) throw new RangeError(`${kind}.burst must be a whole number ≥ 1, got ${String(rule.burst)}`);
    if (!(rule.everyMs > 0)) throw new RangeError(`${kind}.everyMs must be > 0, got ${String(rule.everyMs)}`);
  }

  /** The bucket as it is now, refilled; undefined when full (as good as never used). */
  #get(key: string, now: number): Bucket | undefined {
    const b = this.#map.get(key);
    if (!b) return undefined;
    b.tokens = Math.min(this.rule.burst, b.tokens + (now - b.at) / this.rule.everyMs);
    b.at = now;
    if (b.tokens >= this.rule.burst) {
      this.#map.delete(key);
      return undefined;
    }
    return b;
  }

  /** Milliseconds until `key` has a token (0: it has one now). */
  waitMs(key: string, now: number): number {
    const b = this.#get(key, now);
    return !b || b.tokens >= 1 ? 0 : (1 - b.tokens) * this.rule.everyMs;
  }

  /** True the first time a refusal is noted since the bucket was last charged. */
  noteRefusal(key: string, now: number): boolean {
    const b = this.#get(key, now);
    if (!b || b.logged) return false;
    b.logged = true;
    return true;
  }

  /** Takes a token, overdrawing down to minus the burst. */
  take(key: string, now: number): void {
    const b = this.#get(key, now) ?? { tokens: this.rule.burst, at: now, logged: false };
    b.tokens = Math.max(-this.rule.burst, b.tokens - 1);
    b.logged = false;
    // Re-inserted so that the map's order is the order of last use; the least recently used key goes first.
    this.#map.delete(key);
    if (this.#map.size >= this.maxKeys) this.#map.delete(this.#map.keys().next().value!);
    this.#map.set(key, b);
  }

  /** Gives back a token taken by {@link take} (up to the burst). */
  giveBack(key: string, now: number): void {
    const b = this.#get(key, now);
    if (b) b.tokens = Math.min(this.rule.burst, b.tokens + 1);
  }

  forget(key: string): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}

export class LoginThrottle {
  readonly #name: string;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #pair: Buckets;
  readonly #account: Buckets | undefined;
  readonly #address: Buckets;

  constructor(options: LoginThrottleOptions) {
    const maxKeys = options.maxKeys ?? 10_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a whole number ≥ 1, got ${String(maxKeys)}`);
    this.#name = options.name;
    this.#now = options.now ?? (() => performance.now());
    this.#log = options.logger ?? silentLogger;
    this.#pair = new Buckets('perAccountAddress', options.perAccountAddress ?? DEFAULTS.perAccountAddress, maxKeys);
    this.#account = options.perAccount === null ? undefined : new Buckets('perAccount', options.perAccount ?? DEFAULTS.perAccount, maxKeys);
    this.#address = new Buckets('perAddress', options.perAddress ?? DEFAULTS.perAddress, maxKeys);
  }

  /** Buckets held in memory, all kinds together. */
  get size(): number {
    return this.#pair.size + (this.#account?.size ?? 0) + this.#address.size;
  }

  /**
   * One login try of `account` from `address` (a client address as the socket gives it; see {@link addressKey}).
   * When allowed, check the password and say how it ended; when not, answer "too many tries" at once, without
   * checking the password.
   */
  attempt(account: string, address: string | undefined): LoginAttempt {
    const now = this.#now();
    const from = addressKey(address);
    // A name is whatever the client sent: a long one is kept as its hash, so that the keys stay small.
    const name = account.length <= 64 ? account : `#${createHash('sha256').update(account).digest('base64url')}`;
    const pairKey = `${name}\n${from}`;
    const keys: [Buckets, string][] = [[this.#pair, pairKey], [this.#address, from]];
    if (this.#account) keys.push([this.#account, name]);
    const waits = keys.map(([b, k]) => b.waitMs(k, now));
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      keys.forEach(([b, k], i) => {
        if (waits[i]! > 0 && b.noteRefusal(k, now)) {
          this.#log.warn(`${this.#name}: too many failed tries (${b.kind}: account ${shown(account)} from ${from}); refused for ${retryAfterSeconds} s`);
        }
      });
      return { allowed: false, retryAfterSeconds };
    }
    this.#pair.take(pairKey, now);
    let settled = false;
    const settle = (how: 'succeeded' | 'failed' | 'unchecked'): void => {
      if (settled) return;
      settled = true;
      if (how === 'succeeded') return this.#pair.forget(pairKey);
      const later = this.#now();
      if (how === 'unchecked') return this.#pair.giveBack(pairKey, later);
      this.#account?.take(name, later);
      this.#address.take(from, later);
    };
    return { allowed: true, succeeded: () => settle('succeeded'), failed: () => settle('failed'), unchecked: () => settle('unchecked') };
  }
}

/**
 * The key of a client address: IPv4-mapped IPv6 as plain IPv4, and IPv6 by its /64 (one host usually owns a whole
 * /64, and would otherwise have 2^64 addresses to try from).
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return '(unknown)';
  const plain = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1]!;
  if (!isIPv6(plain)) return plain;
  const [head = '', tail] = plain.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** An account name as the log shows it: JSON, at most 40 characters of it (a name is whatever the client sent). */
function shown(account: string): string {
  const text = JSON.stringify(account.length > 40 ? account.slice(0, 40) : account);
  return account.length > 40 ? `${text}…` : text;
}
