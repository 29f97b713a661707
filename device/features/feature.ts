/**
 * The cart is a small core (the player, its play checkpoints, the relay and the event wiring: device/cart.ts) and
 * features around it that start and stop: the runtime counters, the energy forecast, the position and track, the
 * content, the broadcast gate, the buttons, the link, the housekeeping, and on a simulated cart the coupling of the
 * simulators. compose.ts builds them, in one place; the core starts them in that order and stops them in reverse.
 */
import type { Logger } from '../../hardware/logger.js';
import type { EventKind, Stamp } from '../../protocol/index.js';
import type { CartOptions } from '../cart.js';
import type { LiveState } from '../cart-live.js';
import type { Player } from '../player/player.js';
import type { CartStore } from '../store/index.js';

export interface CartFeature {
  /** For the log, when the feature fails to start or stop. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the core lends its features: the parts built by the caller, the player, and the ways to record and fail. */
export interface CartContext {
  readonly options: CartOptions;
  readonly player: Player;
  readonly live: LiveState;
  /** Records kept and not yet acknowledged by the district (for the status and the telemetry). */
  readonly outbox: { depth: number };
  stamp(): Stamp;
  /** The monotonic clock durations are measured on (the simulators' faster one on a simulated cart), ms. */
  elapsedNow(): number;
  /** Keeps durable records (and deletes the play checkpoint they end, in the same transaction) and sends them. */
  record(records: Parameters<CartStore['appendDurable']>[0], checkpoint?: string): Promise<void>;
  event(kind: EventKind, code: string, detail: string): Promise<void>;
  /** A failure that does not stop the cart: logged, and the last one kept for the status. */
  fault(where: string, err: unknown): void;
  /** Periodic work, stopped with the cart; a round that fails is logged and the next one runs anyway. */
  every(ms: number, work: () => Promise<void> | void): void;
  /** Work after a delay, cancelled with the cart. */
  after(ms: number, work: () => Promise<void> | void): void;
  logger(namespace: string): Logger;
}

/** How often the cart looks at the policy, the runtime counters and the relay, ms. */
export const TICK_MS = 1000;
