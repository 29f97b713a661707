/**
 * `npm run bench:energy`: does the cart's energy model (device/energy/) tell the truth? On the power simulator's pure
 * model (hardware/power/sim-model.ts), 30 simulated days per case: {dry, monsoon} × {new, aged battery (70 %
 * capacity, 2 × resistance)} × {lead-acid 40 Ah, LiFePO4 40 Ah} × {volume 40, 70, 100}, seeded. The monitor starts
 * knowing nothing (no memory) and sees only the power board's readings, never the model's truth.
 *
 * The team plays as much as the policy allows (POLICY below; the monitor's SoC is the policy's, and ordinary play
 * also needs `monitor.allows('ordinary')`); after each 45-minute session it rests 15 minutes. Readings every 5 s of
 * simulated time in the main run, every 60 s in the forks (below).
 *
 * Scores:
 *   forecast: at each simulated hour, `minutesLeft` at the case's volume against the truth: a fork (model.clone() and
 *     a monitor restored from memory()) that plays on at that volume, the fork's monitor deciding when ordinary play
 *     stops, until it stops or 24 h. A hit is within ±20 % of the delivered minutes; both ≥ 1440 is a hit; when fewer
 *     than 10 minutes were delivered, a hit is within ±2 minutes (one reading cadence of the fork is 1 min).
 *   cut-off: minutes with the amplifier on while the TRUE SoC is below the policy's cut-off (target 0).
 *   emergency: once a day at a seeded time, a fork plays an emergency clip at the reserve volume for the reserve
 *     minutes (only the policy's cut-off may stop it); it must end with the true SoC at or above the cut-off.
 *   health: the learned capacity at day 30 against the model's true capacity, and the day it came within 10 %.
 *   cost: µs per observe(), per snapshot() of 21 volumes, and the wall time beside the same simulation without a
 *     monitor (the model and the policy alone, on the reading's voltage SoC).
 *
 * The floor of ordinary play (device/energy/monitor.ts) is the cut-off + 2σ of the estimate + the reserve (15 minutes
 * at volume 70) + what the base load will take before a pessimistic sun (the 20 % quantile of the learned days) gives
 * it back, the last two in points of a lower bound of the capacity.
 *
 * Options: --days N (default 30), --case <substring> to run some cases only, --trace to print every checkpoint
 * (true and estimated SoC, floor, forecast and delivered minutes) and every emergency.
 */
import { performance } from 'node:perf_hooks';
import { EnergyMonitor, type EnergyOptions } from '../device/energy/monitor.js';
import { evaluatePolicy, initialPolicyState, LOW_BATTERY_DEFAULTS, validatePolicyConfig, type PolicyConfig, type PolicyState } from '../device/logic/policy.js';
import type { BatteryChemistry, BatterySpec, PowerReading } from '../hardware/power/power.js';
import { SolarBatteryModel } from '../hardware/power/sim-model.js';
import { SeededRandom } from '../hardware/power/sim-weather.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const DAYS = Number(argValue('--days') ?? 30);
const ONLY = argValue('--case');
const TRACE = process.argv.includes('--trace');

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const STEP_MS = 5_000; // main run: a reading every 5 s, as on the cart
const FORK_STEP_MS = 60_000; // forks: every 60 s (17 280 forks of up to a day: 5 s would take too long)
const RESERVE = { minutes: 15, volumePercent: 70 };
const SESSION_REST_MS = 15 * MINUTE;
const SNAPSHOT_REPEAT = 2000;
const VOLUMES_21 = Array.from({ length: 21 }, (_, i) => i * 5);

/** Local midnight (UTC+7) that starts each season's run: mid-January (dry), mid-July (monsoon). */
const SEASON_START: Record<'dry' | 'monsoon', number> = { dry: Date.UTC(2026, 0, 14, 17), monsoon: Date.UTC(2026, 6, 14, 17) };

function policyFor(chemistry: BatteryChemistry): PolicyConfig {
  return validatePolicyConfig({ allowedHours: [{ from: '06:00', to: '21:00' }], maxSessionMinutes: 45, maxDailyMinutes: 600, lowBattery: { chemistry } });
}

interface Case {
  name: string;
  weather: 'dry' | 'monsoon';
  aged: boolean;
  chemistry: BatteryChemistry;
  volume: number;
  seed: number;
}

interface Miss {
  forecast: number;
  delivered: number;
  at: number;
  error: number;
}

interface Result {
  c: Case;
  checkpoints: number;
  hits: number;
  zeroDelivered: number;
  /** Checkpoints where the truth was neither 0 nor a day or more, and the hits among them: the hard part. */
  middle: number;
  middleHits: number;
  worst: Miss | null;
  ampOnBelowCutoffMin: number;
  lowestTrueSocAmpOn: number;
  emergencies: number;
  emergencyOk: number;
  learnedAh: number | null;
  learnedWithin10Day: number | null;
  trueAh: number;
  playedMinPerDay: number;
  observeUs: number;
  snapshotUs: number;
  /** The first snapshot of each hour: it also recomputes the hour's harvest profile. */
  snapshotHourUs: number;
  /** The main run alone (forks excluded), to compare with the baseline. */
  wallMs: number;
  forkMs: number;
  baselineMs: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 101;
  for (const weather of ['dry', 'monsoon'] as const) {
    for (const aged of [false, true]) {
      for (const chemistry of ['lead-acid', 'lifepo4'] as const) {
        for (const volume of [40, 70, 100]) {
          const name = `${weather} ${aged ? 'aged' : 'new'} ${chemistry} v${volume}`;
          out.push({ name, weather, aged, chemistry, volume, seed: seed++ });
        }
      }
    }
  }
  return ONLY === undefined ? out : out.filter((c) => c.name.includes(ONLY));
}

const batteryOf = (chemistry: BatteryChemistry): BatterySpec => ({ chemistry, capacityAh: 40, internalResistanceMilliohm: 20 });

function modelFor(c: Case): SolarBatteryModel {
  return new SolarBatteryModel({
    startMs: SEASON_START[c.weather],
    seed: c.seed,
    battery: batteryOf(c.chemistry),
    agedCapacityFraction: c.aged ? 0.7 : 1,
    agedResistanceFactor: c.aged ? 2 : 1,
    weather: c.weather,
  });
}

/** The team: plays whenever the policy and the reserve allow, rests 15 minutes after a session. */
class Team {
  playing = false;
  sessionStart = 0;
  restUntil = 0;
  playedTodayMs = 0;
  day = -1;
  state: PolicyState = initialPolicyState();

  constructor(readonly policy: PolicyConfig) {}

  /** Decides at `now` whether the amplifier is on for the next step. */
  decide(now: number, soc: number | null, reserveAllows: boolean): boolean {
    const day = Math.floor((now + 7 * HOUR) / DAY);
    if (day !== this.day) {
      this.day = day;
      this.playedTodayMs = 0;
    }
    if (!this.playing && now < this.restUntil) return false;
    const sessionSeconds = this.playing ? (now - this.sessionStart) / 1000 : 0;
    const decision = evaluatePolicy({ now, position: null, socPercent: soc, sessionSeconds, playedTodaySeconds: this.playedTodayMs / 1000 }, this.state, this.policy);
    this.state = decision.state;
    const may = decision.allowed && reserveAllows;
    if (this.playing && !may) {
      this.playing = false;
      if (decision.reasons.some((r) => r.code === 'session-limit')) this.restUntil = now + SESSION_REST_MS;
    } else if (!this.playing && may) {
      this.playing = true;
      this.sessionStart = now;
    }
    return this.playing;
  }
}

function monitorOptions(c: Case): EnergyOptions {
  return { battery: batteryOf(c.chemistry), cutoffPercent: LOW_BATTERY_DEFAULTS[c.chemistry].blockBelowPercent, reserve: RESERVE };
}

/** The truth behind a forecast: play on at `volume` until the fork's own monitor stops ordinary play, or 24 h. */
function delivered(model: SolarBatteryModel, monitor: EnergyMonitor, volume: number): number {
  const start = model.truth.at;
  let t = start;
  for (;;) {
    if (!monitor.allows('ordinary') || t - start >= DAY) return (t - start) / MINUTE;
    model.setLoad({ amplifierOn: true, volumePercent: volume });
    t += FORK_STEP_MS;
    model.advanceTo(t);
    monitor.observe(model.reading(), { amplifierOn: true, volumePercent: volume });
  }
}

/** An emergency clip at the reserve volume for the reserve minutes; only the policy's cut-off may stop it. */
function emergencyHolds(model: SolarBatteryModel, monitor: EnergyMonitor, policy: PolicyConfig, cutoff: number): boolean {
  const start = model.truth.at;
  let state: PolicyState = { lowBattery: false };
  for (let t = start; t < start + RESERVE.minutes * MINUTE; ) {
    const soc = monitor.socPercent;
    state = evaluatePolicy({ now: t, position: null, socPercent: soc, sessionSeconds: 0, playedTodaySeconds: 0 }, state, { ...policy, allowedHours: [{ from: '00:00', to: '24:00' }] }).state;
    if (state.lowBattery || !monitor.allows('emergency')) {
      if (TRACE) console.log(`  stopped by the cut-off after ${((t - start) / MINUTE).toFixed(1)} min: est ${soc?.toFixed(2)} true ${model.truth.socPercent.toFixed(2)}`);
      return false;
    }
    model.setLoad({ amplifierOn: true, volumePercent: RESERVE.volumePercent });
    t += STEP_MS;
    model.advanceTo(t);
    monitor.observe(model.reading(), { amplifierOn: true, volumePercent: RESERVE.volumePercent });
    if (model.truth.socPercent < cutoff) return false;
  }
  return true;
}

function isHit(forecast: number, deliveredMin: number): boolean {
  if (forecast >= 1440 && deliveredMin >= 1440) return true;
  if (deliveredMin < 10) return Math.abs(forecast - deliveredMin) <= 2;
  return Math.abs(forecast - deliveredMin) <= 0.2 * deliveredMin;
}

function runCase(c: Case): Result {
  const policy = policyFor(c.chemistry);
  const cutoff = policy.lowBattery.blockBelowPercent;
  const model = modelFor(c);
  const monitor = new EnergyMonitor(monitorOptions(c));
  const team = new Team(policy);
  // The emergency times from a stream of their own (the model has its own streams).
  const emergencies = new SeededRandom(c.seed * 7919);
  const rnd = (): number => emergencies.next();
  const start = model.truth.at;
  const end = start + DAYS * DAY;
  const r: Result = {
    c,
    checkpoints: 0,
    hits: 0,
    zeroDelivered: 0,
    middle: 0,
    middleHits: 0,
    worst: null,
    ampOnBelowCutoffMin: 0,
    lowestTrueSocAmpOn: 100,
    emergencies: 0,
    emergencyOk: 0,
    learnedAh: null,
    learnedWithin10Day: null,
    trueAh: model.truth.capacityAh,
    playedMinPerDay: 0,
    observeUs: 0,
    snapshotUs: 0,
    snapshotHourUs: 0,
    wallMs: 0,
    forkMs: 0,
    baselineMs: 0,
  };
  let observeMs = 0;
  let observes = 0;
  let snapshotMs = 0;
  let snapshots = 0;
  let playedMs = 0;
  let forkMs = 0;
  let emergencyAt = start + rnd() * DAY;
  const wall = performance.now();
  let reading: PowerReading = model.reading();
  for (let t = start; t < end; t += STEP_MS) {
    if ((t - start) % HOUR === 0 && t > start) {
      const s0 = performance.now();
      const snap = monitor.snapshot(t, VOLUMES_21);
      snapshotMs += performance.now() - s0;
      snapshots++;
      const forecast = snap.forecasts[c.volume / 5]!.minutesLeft;
      const f0 = performance.now();
      const truth = forecast === null ? null : delivered(model.clone(), new EnergyMonitor(monitorOptions(c), monitor.memory()), c.volume);
      if (forecast !== null && truth !== null) score(r, forecast, truth, t - start);
      forkMs += performance.now() - f0;
      if (TRACE) {
        const tr = model.truth;
        console.log(`${when(t - start)} true ${tr.socPercent.toFixed(1)} est ${snap.socPercent?.toFixed(1)} floor ${snap.reserveFloorPercent?.toFixed(1)} cap ${snap.health?.capacityAh ?? '-'} f ${forecast} delivered ${truth?.toFixed(0)} nosun ${snap.forecasts[c.volume / 5]!.minutesLeftNoSun} days ${snap.harvestDays} ${tr.dayKind} on ${team.playing} ${JSON.stringify(((e) => ({ a: e.anchor, in: e.inAh.toFixed(1), out: e.outAh.toFixed(1), eff: e.efficiency.toFixed(2), n: e.capacitySamples, sig: e.sigma.toFixed(1), r: e.resistanceMilliohm.toFixed(0) }))(monitor.memory().estimator))}`);
      }

    }
    if (t >= emergencyAt) {
      r.emergencies++;
      const f0 = performance.now();
      const ok = emergencyHolds(model.clone(), new EnergyMonitor(monitorOptions(c), monitor.memory()), policy, cutoff);
      if (ok) r.emergencyOk++;
      if (TRACE) console.log(`emergency ${when(t - start)} ${ok ? 'ok' : 'FAILED'}: true ${model.truth.socPercent.toFixed(2)} est ${monitor.socPercent?.toFixed(2)} floor ${monitor.snapshot(t, []).reserveFloorPercent?.toFixed(2)}`);
      forkMs += performance.now() - f0;
      emergencyAt = start + (Math.floor((t - start) / DAY) + 1 + rnd()) * DAY;
    }
    const on = team.decide(t, monitor.socPercent, monitor.allows('ordinary'));
    model.setLoad({ amplifierOn: on, volumePercent: c.volume });
    model.advanceTo(t + STEP_MS);
    reading = model.reading();
    const o0 = performance.now();
    monitor.observe(reading, { amplifierOn: on, volumePercent: c.volume });
    observeMs += performance.now() - o0;
    observes++;
    if (on) {
      team.playedTodayMs += STEP_MS;
      playedMs += STEP_MS;
      const trueSoc = model.truth.socPercent;
      r.lowestTrueSocAmpOn = Math.min(r.lowestTrueSocAmpOn, trueSoc);
      if (trueSoc < cutoff) r.ampOnBelowCutoffMin += STEP_MS / MINUTE;
    }
    if ((t - start) % HOUR !== 0) continue;
    const learned = monitor.snapshot(t, []).health;
    if (r.learnedWithin10Day === null && learned !== null && Math.abs(learned.capacityAh - r.trueAh) <= 0.1 * r.trueAh) r.learnedWithin10Day = (t - start) / DAY;
    if (r.learnedWithin10Day !== null && learned !== null && Math.abs(learned.capacityAh - r.trueAh) > 0.1 * r.trueAh) r.learnedWithin10Day = null;
  }
  r.wallMs = performance.now() - wall - forkMs;
  r.forkMs = forkMs;
  r.learnedAh = monitor.snapshot(end, []).health?.capacityAh ?? null;
  r.playedMinPerDay = playedMs / MINUTE / DAYS;
  r.observeUs = (observeMs * 1000) / observes;
  r.snapshotHourUs = (snapshotMs * 1000) / Math.max(1, snapshots);
  // As the cart calls it: every few seconds, the harvest profile cached for the hour.
  const s0 = performance.now();
  for (let i = 0; i < SNAPSHOT_REPEAT; i++) monitor.snapshot(end - 60_000 + i, VOLUMES_21);
  r.snapshotUs = ((performance.now() - s0) * 1000) / SNAPSHOT_REPEAT;
  r.baselineMs = baseline(c);
  return r;
}

function score(r: Result, forecast: number, deliveredMin: number, at: number): void {
  r.checkpoints++;
  if (deliveredMin === 0) r.zeroDelivered++;
  const hit = isHit(forecast, deliveredMin);
  if (hit) r.hits++;
  if (deliveredMin > 0 && deliveredMin < 1440) {
    r.middle++;
    if (hit) r.middleHits++;
  }
  const error = Math.abs(forecast - deliveredMin) / Math.max(10, deliveredMin);
  if (r.worst === null || error > r.worst.error) r.worst = { forecast, delivered: deliveredMin, at, error };
}

/** The same 30 days with no monitor: the model and the team on the reading's voltage SoC. */
function baseline(c: Case): number {
  const policy = policyFor(c.chemistry);
  const model = modelFor(c);
  const team = new Team(policy);
  const start = model.truth.at;
  const wall = performance.now();
  let soc: number | null = null;
  for (let t = start; t < start + DAYS * DAY; t += STEP_MS) {
    const on = team.decide(t, soc, true);
    model.setLoad({ amplifierOn: on, volumePercent: c.volume });
    model.advanceTo(t + STEP_MS);
    soc = model.reading().socPercent;
  }
  return performance.now() - wall;
}

/** Learned capacities at the end against the truth: within ±10 %, unknown (no confident anchor pair), wrong. */
function healthLine(results: Result[]): string {
  const within = results.filter((r) => r.learnedAh !== null && Math.abs(r.learnedAh - r.trueAh) <= 0.1 * r.trueAh).length;
  const unknown = results.filter((r) => r.learnedAh === null).length;
  return `${within}/${results.length} within ±10 % of the true capacity, ${unknown} unknown, ${results.length - within - unknown} wrong by more`;
}

const when = (ms: number): string => `d${Math.floor(ms / DAY) + 1} ${String(Math.floor((ms % DAY) / HOUR)).padStart(2, '0')}:00`;
const pct = (n: number, d: number): string => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`);

function print(results: Result[], wallMs: number): void {
  console.log(`\n## bench:energy: ${results.length} cases × ${DAYS} simulated days (readings every 5 s; forecast forks every 60 s)\n`);
  console.log('| case | checkpoints | hits | zero | hits where 0 < delivered < 1440 | worst miss (forecast vs delivered, when) | amp on below cut-off | lowest true SoC, amp on | emergency | capacity learned / true (±10 % from day) | played min/day | observe µs | snapshot(21) µs, repeated / first of the hour |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const w = r.worst === null ? '–' : `${r.worst.forecast} vs ${r.worst.delivered.toFixed(0)} min (${when(r.worst.at)} local)`;
    const cap = `${r.learnedAh?.toFixed(1) ?? '–'} / ${r.trueAh.toFixed(1)} Ah (${r.learnedWithin10Day === null ? 'never' : `d${Math.ceil(r.learnedWithin10Day)}`})`;
    console.log(
      `| ${r.c.name} | ${r.checkpoints} | ${pct(r.hits, r.checkpoints)} | ${r.zeroDelivered} | ${pct(r.middleHits, r.middle)} of ${r.middle} | ${w} | ${r.ampOnBelowCutoffMin.toFixed(1)} min | ${r.lowestTrueSocAmpOn.toFixed(1)} % | ${r.emergencyOk}/${r.emergencies} | ${cap} | ${r.playedMinPerDay.toFixed(0)} | ${r.observeUs.toFixed(2)} | ${r.snapshotUs.toFixed(0)} / ${r.snapshotHourUs.toFixed(0)} |`,
    );
  }
  const sum = (f: (r: Result) => number): number => results.reduce((a, r) => a + f(r), 0);
  const checkpoints = sum((r) => r.checkpoints);
  const hits = sum((r) => r.hits);
  const worst = results.filter((r) => r.worst !== null).sort((a, b) => b.worst!.error - a.worst!.error)[0];
  console.log('\nTotals');
  console.log(`- forecast: ${hits}/${checkpoints} checkpoints within ±20 % = ${pct(hits, checkpoints)} (target ≥ 90 %); ${sum((r) => r.zeroDelivered)} of them with 0 min delivered (reserve reached); where 0 < delivered < 1440: ${sum((r) => r.middleHits)}/${sum((r) => r.middle)} = ${pct(sum((r) => r.middleHits), sum((r) => r.middle))}`);
  if (worst) console.log(`- worst miss: ${worst.c.name}: forecast ${worst.worst!.forecast} min, delivered ${worst.worst!.delivered.toFixed(0)} min (${when(worst.worst!.at)} local)`);
  console.log(`- amplifier on below the cut-off (true SoC): ${sum((r) => r.ampOnBelowCutoffMin).toFixed(1)} min in all (target 0); lowest true SoC with the amp on: ${Math.min(...results.map((r) => r.lowestTrueSocAmpOn)).toFixed(1)} %`);
  console.log(`- emergency clips that had their reserve: ${sum((r) => r.emergencyOk)}/${sum((r) => r.emergencies)}`);
  console.log(`- health at day ${DAYS}: ${healthLine(results.filter((r) => !r.c.aged))} for the new batteries; ${healthLine(results.filter((r) => r.c.aged))} for the aged ones`);
  console.log(
    `- cost: observe() ${(sum((r) => r.observeUs) / results.length).toFixed(2)} µs mean (timed one by one, with performance.now()); snapshot(21 volumes) ${(sum((r) => r.snapshotUs) / results.length).toFixed(0)} µs mean when repeated (${SNAPSHOT_REPEAT} calls per case, worst case ${Math.max(...results.map((r) => r.snapshotUs)).toFixed(0)} µs), ${(sum((r) => r.snapshotHourUs) / results.length).toFixed(0)} µs mean for the first of each hour (worst case ${Math.max(...results.map((r) => r.snapshotHourUs)).toFixed(0)} µs)`,
  );
  console.log(`- wall: ${(wallMs / 1000).toFixed(1)} s in all; the main runs with the monitor ${(sum((r) => r.wallMs) / 1000).toFixed(1)} s against ${(sum((r) => r.baselineMs) / 1000).toFixed(1)} s for the same runs without one (the model and the policy alone); the scoring forks ${(sum((r) => r.forkMs) / 1000).toFixed(1)} s`);
}

const wall = performance.now();
const results: Result[] = [];
for (const c of cases()) {
  const r = runCase(c);
  results.push(r);
  process.stderr.write(`${c.name}: ${pct(r.hits, r.checkpoints)} in ${((r.wallMs + r.forkMs) / 1000).toFixed(1)} s\n`);
}
print(results, performance.now() - wall);
