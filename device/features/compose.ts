/**
 * The cart's composition root: the core (device/cart.ts) and its features, built in one place and in the order
 * they start. The runtime counters first (the gate reads them), the energy monitor and the position before the
 * content (a manifest found in incoming/ may play an emergency clip at once, judged by the gate), the buttons once
 * there is something to answer with, the gate's tick, the upkeep, the simulators' coupling on a simulated cart,
 * and the link last (its hello names the active manifest).
 */
import { Cart, type CartOptions } from '../cart.js';
import { validatePolicyConfig } from '../logic/policy.js';
import type { CueSet } from '../content/cues.js';
import { TeamButtons } from './buttons.js';
import { Content } from './content.js';
import { Energy } from './energy.js';
import type { CartFeature } from './feature.js';
import { BroadcastGate } from './gate.js';
import { Housekeeping } from './housekeeping.js';
import { DistrictLink } from './link.js';
import { PositionTrack } from './position.js';
import { RuntimeCounters } from './runtime.js';
import { SimulatedLoad } from './simulation.js';

export interface ComposeOptions {
  /** The signed spoken cues (device/content/cues.ts); none = presses are not answered aloud. */
  cues?: CueSet | null;
}

export function composeCart(options: CartOptions, extra: ComposeOptions = {}): Cart {
  const cart = new Cart(options);
  const ctx = cart.context;
  const policy = validatePolicyConfig(options.config.policy ?? {});
  const runtime = new RuntimeCounters(ctx);
  const energy = new Energy(ctx, options.config.hardware.powerBoard.battery, policy);
  const position = new PositionTrack(ctx);
  const cues = extra.cues ?? null;
  const content = new Content(ctx, cart, cues);
  const gate = new BroadcastGate(ctx, { policy, runtime, energy, position, content });
  const buttons = new TeamButtons(ctx, energy, cues);
  const link = new DistrictLink(ctx, cart, { runtime, content, energy });
  const sim = options.hardware.sim;
  const features: CartFeature[] = [
    runtime,
    energy,
    position,
    content,
    buttons,
    gate,
    new Housekeeping(ctx),
    ...(sim ? [new SimulatedLoad(ctx, sim, energy)] : []),
    link,
  ];
  cart.attach({ content, energy, gate, link, features });
  return cart;
}
