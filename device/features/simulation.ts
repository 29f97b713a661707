/**
 * On a simulated cart only: the simulated power board is told what the amplifier does (on or off, at which volume),
 * so that its battery drains as a real one would; and a test's jump of the simulated charge is passed to the monitor. A real cart's board measures that itself; this feature is added by
 * the composition (compose.ts) only when the hardware is the simulators.
 */
import type { SimulationControls } from '../hardware.js';
import type { Energy } from './energy.js';
import { TICK_MS, type CartContext, type CartFeature } from './feature.js';

export class SimulatedLoad implements CartFeature {
  readonly name = 'simulated-load';
  readonly #ctx: CartContext;
  readonly #sim: SimulationControls;
  readonly #energy: Energy;

  constructor(ctx: CartContext, sim: SimulationControls, energy: Energy) {
    this.#ctx = ctx;
    this.#sim = sim;
    this.#energy = energy;
  }

  async start(): Promise<void> {
    // A test's jump of the simulated battery reaches the monitor as a technician's word would (Energy.told).
    this.#sim.power.onSocSet = (percent, at) => this.#energy.told(percent, at);
    this.#ctx.every(TICK_MS, () => this.#sim.power.setLoad({ amplifierOn: this.#ctx.live.relayOn, volumePercent: this.#ctx.player.volume }));
  }

  async stop(): Promise<void> {
    this.#sim.power.onSocSet = null;
  }
}
