// A whole cart in-process on the simulators, composed as device/cart-run.ts composes it (simulation identity and
// signed test tones in incoming/, SQLite store, clip cache, clock, simulated hardware), but with a route and a
// policy of the test's own, no uplink, no control socket and a content sync only when the test builds one, under
// vitest fake timers that the test steps.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { ButtonName } from '../../../hardware/buttons/buttons.js';
import type { TimedRoute } from '../../../hardware/gnss/sim-route.js';
import { silentLogger, type Logger } from '../../../hardware/logger.js';
import type { Cart } from '../../../device/cart.js';
import { composeCart } from '../../../device/features/compose.js';
import { validateCartConfig } from '../../../device/config.js';
import { ClipCache } from '../../../device/content/cache.js';
import { CueSet } from '../../../device/content/cues.js';
import { createHardware, type SimulationControls } from '../../../device/hardware.js';
import { loadIdentity } from '../../../device/identity.js';
import { CartClock } from '../../../device/logic/clock.js';
import { LOCAL_OFFSET_MS } from '../../../device/logic/local-time.js';
import type { LoggerFactory } from '../../../device/logger.js';
import { ensureSimulationSetup } from '../../../device/sim/sim-content.js';
import { CartStore } from '../../../device/store/index.js';
import type { ContentSync } from '../../../device/sync/sync.js';

/** The scripted day, 10/03/2026; `local(7, 0)` is 07:00 in Asia/Ho_Chi_Minh (UTC+7). */
export function local(h: number, m: number, s = 0, ms = 0): number {
  return Date.UTC(2026, 2, 10, h, m, s, ms) - LOCAL_OFFSET_MS;
}

/** Local `HH:MM:SS` of a Unix-seconds stamp, for readable assertions. */
export function hms(unixS: number): string {
  return new Date(unixS * 1000 + LOCAL_OFFSET_MS).toISOString().slice(11, 19);
}

/** Faked: Date, performance, setTimeout, setInterval. Not setImmediate / nextTick: real file reads must finish. */
export function useDayTimers(start: number): void {
  vi.useFakeTimers({ now: start, toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
}

const realSetTimeout = globalThis.setTimeout;
const FILE_WORK = new Set(['FSReqPromise', 'FSReqCallback', 'CloseReq', 'FileHandleCloseReq']);

/**
 * Lets real work finish before fake time moves on: promise continuations, file reads (the clip hash check, the
 * simulated player reading a WAV header) and SQLite writes. The cart acts on a button only after writing to its
 * store, so fake time must not run while such a write is pending, however slow the disk. `barrier` resolves once
 * the store's queued work is done.
 */
export async function settle(barrier: () => Promise<unknown> = () => Promise.resolve()): Promise<void> {
  for (let round = 0; round < 500; round++) {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    await barrier();
    const busy = process.getActiveResourcesInfo().some((r) => FILE_WORK.has(r));
    if (!busy && round >= 1) return;
    await new Promise((resolve) => realSetTimeout(resolve, 1));
  }
}

/** Runs fake time up to `target` (ms since the epoch) in steps of at most `stepMs`, settling after each. */
export async function runUntil(target: number, stepMs: number, barrier?: () => Promise<unknown>): Promise<void> {
  await settle(barrier);
  for (let now = Date.now(); now < target; now = Date.now()) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, target - now));
    await settle(barrier);
  }
}

export interface LogLine {
  ns: string;
  level: 'warn' | 'error';
  msg: string;
}

/** What happened to the relay and the player, in the order it happened (both emit synchronously). */
export type Happening = { at: number; relay: boolean } | { at: number; state: string; clip: string | null };

export interface DayCart {
  dataDir: string;
  cart: Cart;
  store: CartStore;
  sim: SimulationControls;
  /** Relay changes and player states, interleaved in the order they happened. */
  happenings: Happening[];
  /** Warnings and errors the cart logged. */
  logged: LogLine[];
  /** Presses a button at the current fake time; resolves once released (the caller must run time meanwhile). */
  press(name: ButtonName, ms: number): Promise<void>;
  /** `runUntil` that also waits for the cart's store between steps. */
  runUntil(target: number, stepMs: number): Promise<void>;
}

export interface DayCartOptions {
  /** The `policy` section of the cart's configuration. */
  policy: unknown;
  route: TimedRoute;
  /** The `player` section (timing, initial volume). */
  player?: Record<string, number>;
  /** An existing data folder (a restart, or an identity of the test's own); default a new temp folder. */
  dataDir?: string;
  boot?: number;
  /** Builds the cart's content sync, as cart-run.ts does when the identity names a controller; default none. */
  sync?: (parts: { cart: Cart; cache: ClipCache; dataDir: string }) => ContentSync;
  /**
   * Whether the OS says the system clock is synchronised (default true, as cart-run.ts says for `--sim`). False is a
   * Pi with no network time: the cart's clock is then `unknown` until a GNSS fix, or `estimated` from the last good
   * time persisted in the store.
   */
  systemClockSynchronised?: boolean;
  /**
   * How far the system clock the cart reads is off the test's time, ms (default 0): a Pi without a real-time clock
   * boots at 1970, or at whatever fake-hwclock restored. The simulators (sun, GNSS, audio) keep the test's time.
   */
  wallClockOffsetMs?: number;
  /** The GNSS receiver's time to its first fix after the start, ms (default 0): no-fix epochs until then. */
  gnssFirstFixAfterMs?: number;
  /** Spoken cues from the data folder's content/cues/ and incoming/cues.tar, as cart-run.ts opens them (default none). */
  cues?: boolean;
}

function recordingLogger(logged: LogLine[]): LoggerFactory {
  return (ns: string): Logger => ({
    ...silentLogger,
    warn: (m) => void logged.push({ ns, level: 'warn', msg: typeof m === 'function' ? m() : m }),
    error: (m) => void logged.push({ ns, level: 'error', msg: typeof m === 'function' ? m() : m }),
  });
}

/** Builds and starts a cart at the current fake time, as runCart does with `--sim`. */
export async function startDayCart(o: DayCartOptions): Promise<DayCart> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'loa-day-'));
  const logged: LogLine[] = [];
  const logger = recordingLogger(logged);
  const config = validateCartConfig({ player: o.player ?? {}, policy: o.policy }, { simulate: true });
  await ensureSimulationSetup(dataDir, Date.now());
  const identity = await loadIdentity(dataDir);
  if (identity === null) throw new Error(`no identity in ${dataDir} after the simulation setup`);
  const store = await CartStore.open({ path: join(dataDir, 'cart.db'), maxUnacked: config.storage.maxUnacked, logger: logger('loa:unit:store') });
  // As cart-run.ts: the last good time persisted before this start anchors the clock.
  const lastGood = await store.getSetting('lastGoodTime');
  const offset = o.wallClockOffsetMs ?? 0;
  const synchronised = o.systemClockSynchronised ?? true;
  const clock = new CartClock({
    wallNow: () => Date.now() + offset,
    monotonicNow: () => performance.now(),
    systemSynchronised: () => synchronised,
    ...(lastGood ? { lastKnownGood: lastGood.time * 1000 } : {}),
  });
  const cache = new ClipCache({
    dir: join(dataDir, 'content'),
    district: identity.district,
    districtKeys: () => identity.districtKeys,
    now: () => Math.floor(clock.now().time / 1000),
    logger: logger('loa:unit:content'),
  });
  await cache.open();
  const hardware = await createHardware(config.hardware, { logger, route: o.route, seed: 1 });
  const sim = hardware.sim;
  if (sim === null) throw new Error('createHardware gave real hardware for a simulated configuration');
  const sync = o.sync;
  const cues = o.cues ? new CueSet({ dir: join(dataDir, 'content'), district: identity.district, districtKeys: () => identity.districtKeys, logger: logger('loa:unit:cues') }) : null;
  const options = { identity, config, hardware, store, cache, clock, boot: o.boot ?? 1, uplink: null, logger, firmware: 'day-test' };
  const cart = composeCart({ ...options, sync: sync ? (c) => sync({ cart: c, cache, dataDir }) : null }, { cues });
  const happenings: Happening[] = [];
  sim.relay.events.on('changed', (c) => happenings.push({ at: Date.now(), relay: c.on }));
  cart.player.on('state', (s) => happenings.push({ at: Date.now(), state: s.name, clip: s.clip }));
  const firstFix = o.gnssFirstFixAfterMs ?? 0;
  if (firstFix > 0) {
    // A cold receiver: its epochs have no fix (and so give the cart no time) until the first fix.
    sim.gnss.loseFix();
    setTimeout(() => sim.gnss.regainFix(), firstFix);
  }
  await cart.start();
  // Any store call queues behind the work already queued; a closed store has nothing left to wait for.
  const barrier = () => store.depth().catch(() => undefined);
  return {
    dataDir,
    cart,
    store,
    sim,
    happenings,
    logged,
    press: (name, ms) => sim.buttons.press(name, ms),
    runUntil: (target, stepMs) => runUntil(target, stepMs, barrier),
  };
}

/**
 * Stops a cart that a failed test left half-way, for an afterEach: a stop waits for the session to end, so fake time
 * runs meanwhile. Then real timers again.
 */
export async function stopLeftover(d: DayCart | null): Promise<void> {
  if (d) {
    const stopped = d.cart.stop();
    for (let i = 0; i < 50 && d.cart.player.state !== 'idle' && d.cart.player.state !== 'blocked'; i++) await vi.advanceTimersByTimeAsync(100);
    await stopped;
  }
  vi.useRealTimers();
}
