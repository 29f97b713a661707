/**
 * The battery and the sun: the power board read every few seconds, a sample stored once a minute, and the energy
 * monitor (device/energy/) fed with what the board measures and what the amplifier did. It gives the gate the state of
 * charge and the emergency reserve, the status and the telemetry the minutes left. What it learned (the charge, the
 * capacity, the days' harvest, the amplifier's draw) is kept in the store, so a restart or a power cut loses little.
 */
import type { BatterySpec } from '../../hardware/power/power.js';
import type { Priority } from '../../protocol/index.js';
import { EnergyMonitor, reserveReason, type EnergySnapshot } from '../energy/monitor.js';
import type { PolicyConfig } from '../logic/policy.js';
import type { CartContext, CartFeature } from './feature.js';

/** The power board is read this often for the status, the monitor and the policy; a sample is stored once a minute. */
const READ_MS = 5000;
const SAMPLE_MS = 60_000;
/** What the monitor learned is written to the store this often, and at stop. */
const SAVE_MS = 10 * 60_000;
/** A snapshot (the forecasts at every volume step) is reused this long. */
const SNAPSHOT_MS = 5000;
/** The volume steps the status shows a forecast for. */
export const FORECAST_VOLUMES: readonly number[] = Array.from({ length: 21 }, (_, i) => i * 5);

export class Energy implements CartFeature {
  readonly name = 'energy';
  readonly #ctx: CartContext;
  readonly #battery: BatterySpec;
  readonly #policy: PolicyConfig;
  #monitor: EnergyMonitor;
  #snapshot: { at: number; volume: number; value: EnergySnapshot } | null = null;

  constructor(ctx: CartContext, battery: BatterySpec, policy: PolicyConfig) {
    this.#ctx = ctx;
    this.#battery = battery;
    this.#policy = policy;
    this.#monitor = new EnergyMonitor(this.#options());
  }

  async start(): Promise<void> {
    const ctx = this.#ctx;
    await this.#restore();
    const p = ctx.options.hardware.power;
    p.on('error', (err) => this.#boardFault(err));
    await p.open().catch((err: unknown) => this.#boardFault(err));
    await this.#read();
    ctx.every(READ_MS, () => this.#read());
    ctx.every(SAMPLE_MS, () => this.#sample());
    ctx.every(SAVE_MS, () => this.#save());
  }

  async stop(): Promise<void> {
    await this.#save();
    await this.#ctx.options.hardware.power.close().catch(() => undefined);
  }

  /** The state of charge the policy judges by: the monitor's estimate, or the board's voltage gauge until it has one. */
  get socPercent(): number | null {
    return this.#monitor.socPercent ?? this.#ctx.live.power?.socPercent ?? null;
  }

  /** Whether a clip of this priority may play now: ordinary and priority clips leave the reserve to emergencies. */
  allows(priority: Priority): boolean {
    return this.#monitor.allows(priority);
  }

  /** A state of charge told from outside (a battery charged on mains or swapped; a simulator's jump). */
  told(percent: number, at: number): void {
    this.#monitor.told(percent, at);
    this.#snapshot = null;
  }

  /** The reason given when the reserve is reached, with the minutes it holds. */
  reserveReason(): { code: string; vi: string; en: string } {
    return reserveReason(this.snapshot());
  }

  /** The forecasts at every volume step and at the player's volume (first), reused for a few seconds. */
  snapshot(): EnergySnapshot {
    // On the power board's time, as the readings the monitor learned from (a simulated board runs faster).
    const now = this.#ctx.live.power?.at ?? this.#ctx.options.clock.now().time;
    const volume = this.#ctx.player.volume;
    const s = this.#snapshot;
    if (s && s.volume === volume && Math.abs(now - s.at) < SNAPSHOT_MS) return s.value;
    const value = this.#monitor.snapshot(now, [volume, ...FORECAST_VOLUMES.filter((v) => v !== volume)]);
    this.#snapshot = { at: now, volume, value };
    return value;
  }

  #options(): ConstructorParameters<typeof EnergyMonitor>[0] {
    return { battery: this.#battery, cutoffPercent: this.#policy.lowBattery.blockBelowPercent, reserve: this.#policy.reserve };
  }

  async #restore(): Promise<void> {
    const memory = await this.#ctx.options.store.getSetting('energyMemory');
    if (memory === undefined) return;
    const { monitor, dropped } = EnergyMonitor.restore(this.#options(), memory);
    this.#monitor = monitor;
    if (dropped !== null) await this.#ctx.event('info', 'energy-memory-dropped', dropped);
  }

  async #save(): Promise<void> {
    await this.#ctx.options.store.setSetting('energyMemory', this.#monitor.memory()).catch((err: unknown) => this.#ctx.fault('store', err));
  }

  async #read(): Promise<void> {
    const { live, player, options } = this.#ctx;
    try {
      const reading = await options.hardware.power.read();
      live.power = reading;
      live.faults.delete('power-board');
      this.#monitor.observe(reading, { amplifierOn: live.relayOn, volumePercent: player.volume });
    } catch (err) {
      this.#boardFault(err);
    }
  }

  #sample(): void {
    const r = this.#ctx.live.power;
    if (!r) return;
    const { batteryMv, batteryMa, solarMv, solarMa } = r;
    this.#ctx.options.store.addPowerSample({ time: this.#ctx.stamp().time, batteryMv, batteryMa, solarMv, solarMa, socPercent: this.socPercent ?? r.socPercent });
  }

  #boardFault(err: unknown): void {
    this.#ctx.live.faults.add('power-board');
    this.#ctx.fault('power board', err);
  }
}
