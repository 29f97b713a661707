/**
 * `npm run bench:web`: the officers' console in Debian's Chromium (playwright-core) against a real controller serving
 * dist/web, with 200 registered carts sending real signed frames over MQTT. Prints, failing nothing:
 *
 * 1. the bytes the first load of the console transfers (compressed bodies and headers, from Playwright's request
 *    sizes, MapLibre's worker included; the operator's base map under /map/ left out), beside a baseline: index.html alone (scripts
 *    off: the document and its stylesheet);
 * 2. the time from navigation to the list of every cart drawn (the overview's `loa:fleet-drawn` mark), cold and warm;
 * 3. with every cart sending a fix every 5 s for `--seconds`: the page's long tasks over 100 ms (PerformanceObserver
 *    'longtask') and the latency from a fix published to the page (`loa:live-unit` mark) and to the fleet drawn with
 *    it (the first `loa:fleet-drawn` mark whose `through` reaches the live mark's `seq`: the page draws events in
 *    batches, so the next draw after an event may not include it yet), p50/p95. Both clocks are the machine's: the
 *    page's is calibrated against Node's `Date.now()` first.
 *
 *   node dist/bench/web.js [--carts 200] [--seconds 60] [--every 5]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { validateControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { encodeFrame, unitTopic, type DistrictOrigin } from '../protocol/index.js';
import { hasChromium, launchChromium } from '../tools/chromium.js';
import { connectLikeACart, quantile, sleep } from './util.js';

const WEB_INDEX = fileURLToPath(new URL('../web/index.html', import.meta.url));
const USER = { name: 'bench', password: 'mat-khau-bench-web' };
const VIEWPORT = { width: 1366, height: 768 };
/** Degrees a cart moves north with each fix: the fix's index is read back from the position the page got. */
const STEP = 0.0001;
const COMMUNES = 10;

interface Cart {
  id: string;
  number: number;
  key: Buffer;
  origin: DistrictOrigin;
  client: MqttClient;
  lat: number;
  lon: number;
  seq: number;
  /** Node's Date.now() when fix k was published, by k. */
  sentAt: number[];
}

/** What the page records (set up before any script of the page runs). */
const PAGE_PROBE = `
window.__bench = { longtasks: [], live: [], drawn: [] };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) __bench.longtasks.push([performance.timeOrigin + e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const at = performance.timeOrigin + e.startTime;
    if (e.name === 'loa:live-unit') __bench.live.push([at, e.detail.id, e.detail.position ? e.detail.position.lat : null, e.detail.seq]);
    else if (e.name === 'loa:fleet-drawn') __bench.drawn.push([at, e.detail.units, e.startTime, e.detail.through]);
  }
}).observe({ type: 'mark', buffered: true });
`;

interface Probe {
  longtasks: [number, number][];
  /** [time, cart, latitude, seq] */
  live: [number, string, number | null, number][];
  /** [time, carts, page time, through] */
  drawn: [number, number, number, number][];
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

function options(): { carts: number; seconds: number; every: number } {
  const { values } = parseArgs({ options: { carts: { type: 'string', default: '200' }, seconds: { type: 'string', default: '60' }, every: { type: 'string', default: '5' } } });
  const num = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  return { carts: Math.round(num('carts', values.carts)), seconds: num('seconds', values.seconds), every: num('every', values.every) };
}

async function registerCarts(controller: DistrictController, n: number): Promise<(Omit<Cart, 'client'> & { password: string })[]> {
  const registry = controller.registry;
  for (let c = 1; c <= COMMUNES; c++) {
    await registry.addCommune({ id: `xa-${c}`, name: `Xã Thử ${c}` });
    await registry.addTeam({ id: `to-${c}`, commune: `xa-${c}`, name: `Tổ tuyên truyền ${c}` });
  }
  const carts: (Omit<Cart, 'client'> & { password: string })[] = [];
  for (let i = 0; i < n; i++) {
    const c = (i % COMMUNES) + 1;
    const { unit, password } = await registry.addUnit({ id: `xe-${String(i + 1).padStart(3, '0')}`, commune: `xa-${c}`, team: `to-${c}`, profile: 'bench' });
    // Spread over ~20 km around the origin, as a district's carts are.
    const lat = unit.origin.lat + ((i % 20) - 10) * 0.01;
    const lon = unit.origin.lon + (Math.floor(i / 20) - 5) * 0.01;
    carts.push({ id: unit.id, number: unit.number, key: unit.key, origin: unit.origin, lat, lon, seq: 0, sentAt: [], password });
  }
  return carts;
}

/** One live frame (telemetry and a fix), as a cart sends it; fix `k` is `k` steps north of the cart's place. */
function sendFix(cart: Cart, district: string, k: number): void {
  const fix = { type: 'fix' as const, time: Math.floor(Date.now() / 1000), lat: cart.lat + k * STEP, lon: cart.lon, speed: 1.1, course: 0, satellites: 9, quality: 'gps' as const };
  const frame = encodeFrame({ kind: 'unit', unit: cart.number, boot: 1, seq: cart.seq++, messages: [{ type: 'telemetry', soc: 70, batteryMv: 12_300 }, fix] }, cart.key, { origin: cart.origin });
  cart.sentAt[k] = Date.now();
  cart.client.publish(unitTopic(district, cart.id, 'up'), frame, { qos: 0 });
}

/**
 * Bytes of every response the context got (its workers' included: MapLibre's worker script is fetched by the worker),
 * from Playwright's request sizes: the encoded (compressed) body plus the headers. A stream still open (the live
 * stream) has not finished and is not counted.
 */
function countBytes(context: BrowserContext): () => Promise<{ total: number; byPath: Map<string, number> }> {
  const done: Promise<[string, number]>[] = [];
  context.on('requestfinished', (r) => {
    const url = new URL(r.url());
    // A blob: URL (MapLibre 5 starts its worker from one) is made in the page: nothing crosses the network.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const path = url.pathname;
    // A worker's script comes back with a body size of 0: its Content-Length (the compressed body) stands in.
    const sized = async (): Promise<[string, number]> => {
      const [s, res] = await Promise.all([r.sizes(), r.response()]);
      return [path, (s.responseBodySize || Number(res?.headers()['content-length'] ?? 0)) + s.responseHeadersSize];
    };
    done.push(sized());
  });
  return async () => {
    const byPath = new Map<string, number>();
    let total = 0;
    for (const [path, n] of await Promise.all(done)) {
      if (path.startsWith('/map/')) continue;
      byPath.set(path, (byPath.get(path) ?? 0) + n);
      total += n;
    }
    return { total, byPath };
  };
}

async function loggedInContext(browser: Browser, base: string, cookie: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'vi-VN' });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: base }]);
  await context.addInitScript(PAGE_PROBE);
  return context;
}

/** Navigates to the overview and waits for every cart's row; returns the page's own time of the first full draw. */
async function loadOverview(page: Page, base: string, carts: number): Promise<{ drawnMs: number; markersMs: number }> {
  await page.goto(`${base}/`);
  await page.waitForFunction((n) => ((globalThis as unknown as { __bench: Probe }).__bench.drawn.some((d) => d[1] === n)), carts, { timeout: 60_000 });
  const markersMs = await page.waitForFunction(
    (n) => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
      return doc.querySelectorAll('a.cart-marker').length >= n && doc.querySelectorAll('table.units tbody tr').length >= n ? performance.now() : 0;
    },
    carts,
    { timeout: 60_000, polling: 'raf' },
  );
  const drawn = await page.evaluate(() => (globalThis as unknown as { __bench: Probe }).__bench.drawn);
  return { drawnMs: drawn.find((d) => d[1] > 0)![2], markersMs: (await markersMs.jsonValue()) as number };
}

async function main(): Promise<void> {
  const o = options();
  if (!hasChromium() || !existsSync(WEB_INDEX)) {
    console.log(`bench:web needs Debian's chromium (apt-get install chromium) and dist/web (npm run build): ${!hasChromium() ? 'no /usr/bin/chromium' : `no ${WEB_INDEX}`}. Nothing measured.`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-web-'));
  const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
  const controller = new DistrictController({ config });
  let browser: Browser | undefined;
  const carts: Cart[] = [];
  try {
    await controller.start();
    const base = controller.httpUrl;
    const district = config.district.id;
    await controller.users.add({ name: USER.name, role: 'viewer', password: USER.password });
    console.log(`Loa console bench — ${o.carts} carts, a fix from each every ${o.every} s for ${o.seconds} s; Chromium ${VIEWPORT.width}×${VIEWPORT.height}`);
    const specs = await registerCarts(controller, o.carts);
    for (const s of specs) {
      const client = await connectLikeACart(controller.brokerUrl, s);
      carts.push({ ...s, client });
    }
    for (const c of carts) sendFix(c, district, 0);
    await sleep(2000);

    const login = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: USER.name, password: USER.password }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    if (login.status !== 200 || cookie === '') throw new Error(`login for the bench failed: ${login.status} ${await login.text()}`);
    browser = await launchChromium();

    // 1. Bytes: index.html alone (scripts off), then the console's first load with a cold cache.
    const bare = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled: false });
    const bareBytes = countBytes(bare);
    await (await bare.newPage()).goto(`${base}/`, { waitUntil: 'networkidle' });
    const baseline = await bareBytes();
    await bare.close();

    const context = await loggedInContext(browser, base, cookie);
    const page = await context.newPage();
    const consoleBytes = countBytes(context);
    const cold = await loadOverview(page, base, o.carts);
    await sleep(1000);
    const first = await consoleBytes();
    console.log('\n1. Bytes transferred (compressed bodies + headers; the base map under /map/ left out)');
    console.log(`   index.html alone (scripts off): ${kb(baseline.total)} in ${baseline.byPath.size} responses`);
    console.log(`   console, first load to ${o.carts} carts drawn: ${kb(first.total)} in ${first.byPath.size} paths (the live stream, still open, not counted)`);
    for (const [path, n] of [...first.byPath].sort((a, b) => b[1] - a[1])) console.log(`     ${kb(n).padStart(11)}  ${path}`);

    // 2. Time to the fleet drawn, cold (above) and warm (the same context again: scripts from the cache).
    const warmPage = await context.newPage();
    const warm = await loadOverview(warmPage, base, o.carts);
    await warmPage.close();
    console.log(`\n2. Navigation → list of ${o.carts} carts drawn: cold ${ms(cold.drawnMs)}, warm ${ms(warm.drawnMs)}; → every row and marker on screen: cold ${ms(cold.markersMs)}, warm ${ms(warm.markersMs)}`);

    // 3. Live: every cart a fix every `every` s, staggered.
    const skew = await page.evaluate(() => Date.now() - (performance.timeOrigin + performance.now()));
    const startedAt = Date.now();
    const tickMs = (o.every * 1000) / carts.length;
    let k = 1;
    let sent = 0;
    while (Date.now() - startedAt < o.seconds * 1000) {
      const round = Date.now();
      for (const [i, c] of carts.entries()) {
        sendFix(c, district, k);
        sent++;
        const wait = round + tickMs * (i + 1) - Date.now();
        if (wait > 0) await sleep(wait);
      }
      k++;
    }
    await sleep(3000);
    const probe = await page.evaluate(() => (globalThis as unknown as { __bench: Probe }).__bench);
    const inWindow = (t: number): boolean => t + skew >= startedAt;
    const longTasks = probe.longtasks.filter(([t, d]) => inWindow(t) && d > 100);
    const byId = new Map(carts.map((c) => [c.id, c]));
    const drawn = probe.drawn.filter(([t]) => inWindow(t));
    const toPage: number[] = [];
    const toScreen: number[] = [];
    let d = 0;
    for (const [t, id, lat, seq] of probe.live.filter(([t]) => inWindow(t)).sort((a, b) => a[0] - b[0])) {
      const cart = byId.get(id);
      if (!cart || lat === null) continue;
      const sentAt = cart.sentAt[Math.round((lat - cart.lat) / STEP)];
      if (sentAt === undefined || sentAt < startedAt) continue;
      const at = t + skew;
      toPage.push(at - sentAt);
      // Marks come in time order and `through` never goes back: the first draw at or after this event that includes it.
      while (d < drawn.length && (drawn[d]![0] + skew < at || drawn[d]![3] < seq)) d++;
      if (d < drawn.length) toScreen.push(drawn[d]![0] + skew - sentAt);
    }
    console.log(`\n3. Live, ${o.seconds} s: ${sent} fixes published (${(sent / o.seconds).toFixed(1)}/s), ${toPage.length} reached the page, ${drawn.length} redraws`);
    console.log(`   long tasks > 100 ms: ${longTasks.length}${longTasks.length ? ` (longest ${ms(Math.max(...longTasks.map((x) => x[1])))}, ${ms(longTasks.reduce((s, x) => s + x[1], 0))} in all)` : ''}; over 50 ms: ${probe.longtasks.filter(([t]) => inWindow(t)).length}`);
    if (toPage.length > 0) {
      console.log(`   fix → page (live event):    p50 ${ms(quantile(toPage, 0.5))}, p95 ${ms(quantile(toPage, 0.95))}, max ${ms(Math.max(...toPage))}`);
      console.log(`   fix → drawn (map and list): p50 ${ms(quantile(toScreen, 0.5))}, p95 ${ms(quantile(toScreen, 0.95))}, max ${ms(Math.max(...toScreen))}`);
    }
    await context.close();
  } finally {
    await browser?.close();
    for (const c of carts) await c.client.endAsync(true);
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
