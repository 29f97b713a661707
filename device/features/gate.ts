/**
 * The broadcast gate: may this clip play now, and if not, why. The policy (hours, session and daily limits, quiet
 * zones, the low-battery cut-off: device/logic/policy.ts), the emergency reserve (only emergency clips may use it),
 * a clock without trusted time and an empty playlist. Every tick it stops a session the gate no longer allows,
 * lifts a block that no longer holds, and applies a quiet zone's volume cap.
 */
import type { Text } from '../text.js';
import { evaluatePolicy, initialPolicyState, type BlockCode, type PolicyConfig, type PolicyState } from '../logic/policy.js';
import { NOTHING_TO_PLAY, type Gate, type PlayableClip } from '../player/player.js';
import type { Content } from './content.js';
import type { Energy } from './energy.js';
import { TICK_MS, type CartContext, type CartFeature } from './feature.js';
import type { PositionTrack } from './position.js';
import type { RuntimeCounters } from './runtime.js';

/**
 * The refusal while the clock has no trusted time (source `unknown`: no network, no real-time clock, no GNSS fix
 * yet, nothing persisted): the allowed hours and the day's total cannot be judged on a wall clock that may read 1970.
 */
export const TIME_UNKNOWN = {
  code: 'time-unknown',
  vi: 'Chưa biết giờ: chờ tín hiệu GNSS (đưa xe ra chỗ thoáng, thấy bầu trời) hoặc kết nối mạng, để giữ đúng giờ phát',
  en: 'The time is not known yet: waiting for a GNSS fix (move the cart into the open, under the sky) or the network, to keep the broadcast hours',
} as const;

/** The policy's reasons read off the clock: meaningless while the time is unknown (TIME_UNKNOWN says why instead). */
const CLOCK_REASONS: ReadonlySet<BlockCode> = new Set(['outside-hours', 'daily-limit']);

export type Refusal = { code: string } & Text;

export interface GateParts {
  policy: PolicyConfig;
  runtime: RuntimeCounters;
  energy: Energy;
  position: PositionTrack;
  content: Content;
}

export class BroadcastGate implements CartFeature {
  readonly name = 'gate';
  readonly #ctx: CartContext;
  readonly #p: GateParts;
  #state: PolicyState = initialPolicyState();
  /** Why a play is refused now, in both languages, for the status. */
  #refusals: Refusal[] = [];

  constructor(ctx: CartContext, parts: GateParts) {
    this.#ctx = ctx;
    this.#p = parts;
  }

  get refusals(): readonly Refusal[] {
    return this.#refusals;
  }

  async start(): Promise<void> {
    this.#ctx.every(TICK_MS, () => this.#tick());
  }

  async stop(): Promise<void> {}

  /** The gate for `clip` (null: the next ordinary one); the refusals are kept for the status. */
  gate(clip: PlayableClip | null): Gate {
    const ctx = this.#ctx;
    const { policy, runtime, energy, position, content } = this.#p;
    const { time: now, source } = ctx.options.clock.now();
    const decision = evaluatePolicy(
      { now, position: position.here, socPercent: energy.socPercent, sessionSeconds: runtime.sessionSeconds(), playedTodaySeconds: runtime.playedTodaySeconds(now) },
      this.#state,
      policy,
    );
    this.#state = decision.state;
    ctx.live.decision = decision;
    if (decision.state.lowBattery) ctx.live.faults.add('low-battery');
    else ctx.live.faults.delete('low-battery');
    // No trusted time yet: refused, rather than judging the hours on a wall clock that may say 1970 or last night.
    // Nothing approved to play: refused too. Both before the relay is touched, and said so, like a policy refusal.
    const known = source !== 'unknown';
    const refusals: Refusal[] = known ? [] : [TIME_UNKNOWN];
    for (const r of decision.reasons) if (known || !CLOCK_REASONS.has(r.code)) refusals.push({ code: r.code, ...r.detail });
    // Below the cut-off the low-battery reason says it all; above it, the reserve is for emergency clips alone.
    if (!decision.state.lowBattery && !energy.allows(clip?.priority ?? 'ordinary')) refusals.push(energy.reserveReason());
    if (content.playlist.length === 0) refusals.push(NOTHING_TO_PLAY);
    this.#refusals = refusals;
    return { allowed: refusals.length === 0, reasons: refusals.map((r) => ({ code: r.code, text: r.vi })), volumeCap: decision.volumeCap };
  }

  async #tick(): Promise<void> {
    const player = this.#ctx.player;
    const gate = this.gate(player.upcoming);
    const busy = player.state === 'warming' || player.state === 'playing' || player.state === 'paused';
    if (!gate.allowed && busy) player.block(gate.reasons);
    else if (gate.allowed && player.state === 'blocked') player.unblock();
    else if (busy) await player.applyCap(gate.volumeCap);
  }
}
