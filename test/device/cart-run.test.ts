// The cart program in-process on the simulators: an empty data folder becomes a working cart that verifies and
// plays its own signed test playlist, records every play, answers on its control socket, and refuses to run a
// simulation identity without --sim.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartStartError, runCart } from '../../device/cart-run.js';
import type { CartStatus } from '../../device/cart-status.js';
import { controlRequest } from '../../device/control.js';
import { dataDirWithIdentity } from '../support/identity.js';
import { createLoggerFactory } from '../../device/logger.js';
import { CartStore } from '../../device/store/index.js';
import { sleep, until } from '../support/wait.js';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import { Aedes } from 'aedes';
import { districtTls } from '../support/district-tls.js';
import { clipC, entry, manifest, signed } from './sync/fixtures.js';
import { TEST_DISTRICT_PUBLIC } from '../../tools/vector-cases.js';

const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

describe('loa unit run --sim', () => {
  it('plays its own signed test playlist, records the plays, and stops with the relay off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loa-cart-'));
    // Allowed all day, so the test does not depend on the hour it runs at (the hours have their own tests).
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ policy: { allowedHours: [{ from: '00:00', to: '24:00' }] } }));
    const running = await runCart({ dataDir, simulate: true, speed: 40, logger: quiet, configFile });
    try {
      const status = async () => ((await controlRequest(running.controlPath, { cmd: 'status' })) as { ok: true; result: Record<string, unknown> }).result;
      expect(await status()).toMatchObject({ unit: 'sim-01', state: 'idle', relay: false, manifest: { version: 1, clips: 3 } });
      await controlRequest(running.controlPath, { cmd: 'press', button: 'play', long: false });
      await until(async () => (await status()).state === 'playing', 'playing', 10_000, 50);
      expect((await status()).relay).toBe(true);
      await sleep(1500);
    } finally {
      await running.stop();
    }
    const store = await CartStore.open({ path: join(dataDir, 'cart.db') });
    const events = await store.eventsSince(0);
    const plays = await store.playsSince(0);
    const runtime = await store.runtimeCounters();
    await store.close();
    expect(events.map((e) => e.code)).toContain('activated');
    expect(events.filter((e) => e.kind === 'button')).toHaveLength(1);
    expect(plays[0]).toMatchObject({ manifestVersion: 1, trigger: 'button' });
    expect(plays.some((p) => p.outcome === 'completed')).toBe(true);
    // The runtime counters run on the same (sped-up) clock as the plays' lengths: the amplifier was on for at least
    // as long as the clips played (it is on for the warm-up and the tail too), and never longer than the cart ran.
    const played = plays.reduce((sum, p) => sum + p.seconds, 0);
    expect(played).toBeGreaterThan(20);
    expect(runtime.amplifierS).toBeGreaterThanOrEqual(Math.floor(played) - 1);
    expect(runtime.amplifierS).toBeLessThanOrEqual(runtime.uptimeS);
  });

  it('runs on the board its identity names, and answers a wrong button in both languages with a code', async () => {
    const dataDir = await provisionedForPiZero();
    const running = await runCart({ dataDir, simulate: true, logger: quiet });
    try {
      expect(running.config.hardware.profile).toBe('pi-zero-2w');
      expect(await controlRequest(running.controlPath, { cmd: 'press', button: 'banana', long: false })).toMatchObject({
        ok: false,
        code: 'unknown-button',
        text: { vi: 'không có nút "banana" (play, next, vol-up, vol-down, stop)', en: 'no button "banana" (play, next, vol-up, vol-down, stop)' },
      });
    } finally {
      await running.stop();
    }
  });

  it('with no approved clip, a press of play leaves the relay alone and the status, the LED and the district say why', async () => {
    const dataDir = await provisionedForPiZero();
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ policy: { allowedHours: [{ from: '00:00', to: '24:00' }] } }));
    const log: string[] = [];
    const logger = createLoggerFactory({ out: { write: (l: string) => log.push(l) > 0 }, level: 'debug' });
    const running = await runCart({ dataDir, simulate: true, logger, configFile });
    try {
      const status = async () => ((await controlRequest(running.controlPath, { cmd: 'status' })) as { ok: true; result: CartStatus }).result;
      await controlRequest(running.controlPath, { cmd: 'press', button: 'play', long: false });
      await until(async () => (await status()).state === 'blocked', 'blocked', 10_000, 50);
      await sleep(2500); // the cart's ticks do not lift the block while there is still nothing to play
      const s = await status();
      expect(s.state).toBe('blocked');
      expect(s.relay).toBe(false);
      expect(s.blocked).toEqual([{ code: 'no-approved-clip', vi: expect.stringMatching(/^Chưa có bản tin được duyệt/), en: expect.stringMatching(/^No approved clip yet/) }]);
      expect(s.led).toBe('■·■·■·■·■·······'); // 5 flashes
    } finally {
      await running.stop();
    }
    expect(log.join('')).not.toMatch(/simulated amplifier on|player warming/);
    const store = await CartStore.open({ path: join(dataDir, 'cart.db') });
    const events = await store.eventsSince(0);
    await store.close();
    expect(events.filter((e) => e.kind === 'block').map((e) => e.code)).toEqual(['no-approved-clip']);
  });

  it("passes its bundle's TLS on: the MQTT link and the content sync pin the district CA and present the cart certificate", async () => {
    const t = await districtTls('tls-01');
    const seen: string[] = [];
    const peer = (socket: TLSSocket): string => String(socket.getPeerCertificate().subject?.CN);
    const tlsOptions = { ...t.server, ca: t.ca.certPem, requestCert: true, rejectUnauthorized: true };
    const aedes = await Aedes.createBroker();
    const mqtts = createTlsServer(tlsOptions, (socket) => {
      seen.push(`mqtt ${peer(socket)}`);
      aedes.handle(socket);
    });
    const https = createHttpsServer(tlsOptions, (req, res) => {
      seen.push(`https ${peer(req.socket as TLSSocket)} ${req.url}`);
      if (req.url === `/content/clips/${entry('c', clipC).sha256}`) res.end(clipC);
      else res.writeHead(404).end();
    });
    await Promise.all([mqtts, https].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    const port = (server: { address(): unknown }): number => (server.address() as { port: number }).port;
    const dataDir = await dataDirWithIdentity('loa-cart-', {
      district: 'trieu-son',
      unitName: 'tls-01',
      districtKeys: [TEST_DISTRICT_PUBLIC],
      broker: { url: `mqtts://127.0.0.1:${port(mqtts)}`, username: 'tls-01', password: 'p' },
      contentUrl: `https://127.0.0.1:${port(https)}`,
      tls: { ca: t.ca.certPem, cert: t.unit.cert, key: t.unit.key },
    });
    // A manifest left pending by the last run: the sync resumes it at start, downloading its clip.
    const now = Math.floor(Date.now() / 1000);
    mkdirSync(join(dataDir, 'content', 'partial'), { recursive: true });
    writeFileSync(join(dataDir, 'content', 'partial', 'pending.manifest'), signed(manifest(1, { c: clipC }, { issued: now - 60, expires: now + 86_400 })));
    const running = await runCart({ dataDir, simulate: true, logger: quiet });
    try {
      await until(() => seen.includes('mqtt tls-01') && seen.some((s) => s.startsWith('https tls-01 /content/clips/')), 'the cart to dial both over TLS', 10_000, 50);
    } finally {
      await running.stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      https.closeAllConnections();
      await Promise.all([mqtts, https].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await t.remove();
    }
  });

  it('refuses a simulation identity without --sim, and an unprovisioned cart, saying what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loa-cart-'));
    await expect(runCart({ dataDir, simulate: false, logger: quiet })).rejects.toThrow(/provision the cart first/);
    const sim = await runCart({ dataDir, simulate: true, logger: quiet });
    await sim.stop();
    await expect(runCart({ dataDir, simulate: false, logger: quiet })).rejects.toSatisfy(
      (e) => e instanceof CartStartError && e.code === 'simulation-identity',
    );
  });
});

/** A data folder provisioned (with a simulation identity) for a Pi Zero 2 W, which has received nothing yet. */
const provisionedForPiZero = (): Promise<string> => dataDirWithIdentity('loa-cart-', { unitName: 'zero-01', profile: 'pi-zero-2w' });
