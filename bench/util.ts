/** Small helpers the benchmark scripts share. */
import type { ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Signals a child and waits until it has exited (at once when it already has). */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

/** The q-quantile (0–1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Connects as a cart does: a CONNECT refused because too many password checks are waiting (CONNACK 3, the broker's
 * bound on them) is tried again a moment later. `extra` adds client options (a last will).
 */
export async function connectLikeACart(url: string, cart: { id: string; password: string }, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mqtt.connectAsync(url, { protocolVersion: 4, clientId: cart.id, username: cart.id, password: cart.password, reconnectPeriod: 0, ...extra });
    } catch (err) {
      if ((err as { code?: number }).code !== 3 || attempt >= 50) throw err;
      await sleep(100 + Math.random() * 200);
    }
  }
}

/**
 * Latencies in bounded memory: 1 ms buckets below 100 ms, then buckets 1 % wide (a quantile is the top of its
 * bucket), whatever the number of samples. Plain data, so that it crosses a process boundary as JSON.
 */
export interface Histogram {
  counts: number[];
  n: number;
  max: number;
}

const LINEAR_MS = 100;
const STEP = Math.log(1.01);

export const histogram = (): Histogram => ({ counts: [], n: 0, max: 0 });

export function record(h: Histogram, ms: number): void {
  const i = ms < LINEAR_MS ? Math.floor(ms) : LINEAR_MS + Math.floor(Math.log(ms / LINEAR_MS) / STEP);
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.n++;
  h.max = Math.max(h.max, ms);
}

/** Adds `from`'s samples to `into`, and returns `into`. */
export function merge(into: Histogram, from: Histogram): Histogram {
  from.counts.forEach((c, i) => (into.counts[i] = (into.counts[i] ?? 0) + (c ?? 0)));
  into.n += from.n;
  into.max = Math.max(into.max, from.max);
  return into;
}

/** The q-quantile (0–1) of a histogram, nearest rank, as the upper bound of its bucket. */
export function histogramQuantile(h: Histogram, q: number): number {
  const rank = Math.max(1, Math.ceil(q * h.n));
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i] ?? 0;
    if (seen >= rank) return Math.min(h.max, i < LINEAR_MS ? i + 1 : LINEAR_MS * Math.exp((i - LINEAR_MS + 1) * STEP));
  }
  return h.max;
}
