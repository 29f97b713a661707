// Over the air, end to end: the compiled cart (`node dist/cli/loa.js unit run --sim`, the packaged 0.1.0) under a
// supervisor playing systemd's part, a district over a real MQTT broker that acknowledges hellos and sends signed
// `update` commands, and real releases served over HTTP. 0.2.0 is installed, runs on trial and is kept once its
// hello is acknowledged; 0.2.1-crash crashes at every start and is rolled back ('crash-loop'); 0.2.2-unhealthy starts
// but never reaches the district and is rolled back ('health-timeout'); 0.2.3-hang hangs after READY, is killed by the
// supervisor's watchdog at each start and rolled back too. Every step is reported to the district.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentVersion, readState, releaseArch } from '../../../device/update/releases.js';
import { privateKeyFromSeed } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import { dataDirWithIdentity } from '../../support/identity.js';
import { Supervisor } from '../../support/supervisor.js';
import { missing } from '../../support/tools.js';
import { until } from '../../support/wait.js';
import { startBroker, type TestBroker } from '../link/broker.js';
import { UpdateDistrict } from './district.js';
import { cannotRun, crashAtStart, hangsAfterReady, LOA_JS, neverConnects, realRelease, releasesRoot } from './real-releases.js';
import { newReleaseKey, startReleaseServer, type ReleaseServer } from './release-server.js';
import type { IdentityJson } from '../../../device/identity.js';
import { readFile } from 'node:fs/promises';

const reason = cannotRun();
if (reason) console.warn(`[skip] over-the-air test: ${reason}`);
const arch = releaseArch(process.arch) ?? 'amd64';
const HEALTH_SECONDS = 6;

describe.skipIf(reason !== null || missing('socat'))('a cart updated over the air, under a supervisor', () => {
  let broker: TestBroker;
  let server: ReleaseServer;
  let district: UpdateDistrict;
  let supervisor: Supervisor;
  let root: string;
  let releases: string;
  let dataDir: string;

  beforeAll(async () => {
    const key = newReleaseKey();
    broker = await startBroker();
    server = await startReleaseServer();
    ({ root, releases } = await releasesRoot());
    const [good, crash, unhealthy, hang] = await Promise.all([
      realRelease({ version: '0.2.0', arch, key: key.key }),
      realRelease({ version: '0.2.1-crash', arch, key: key.key, patch: crashAtStart }),
      realRelease({ version: '0.2.2-unhealthy', arch, key: key.key, patch: neverConnects }),
      realRelease({ version: '0.2.3-hang', arch, key: key.key, patch: hangsAfterReady }),
    ]);
    server.releases.set(`0.2.3-hang/${arch}`, hang);
    server.releases.set(`0.2.0/${arch}`, good);
    server.releases.set(`0.2.1-crash/${arch}`, crash);
    server.releases.set(`0.2.2-unhealthy/${arch}`, unhealthy);
    dataDir = await dataDirWithIdentity('loa-ota-cart-', {
      districtKeys: [TEST_DISTRICT_PUBLIC],
      broker: { url: broker.url, username: 'sim-01', password: 'x' },
      contentUrl: server.url,
      releaseKeys: [key.publicHex],
    } as Partial<IdentityJson>);
    const identity = JSON.parse(await readFile(join(dataDir, 'identity.json'), 'utf8')) as { unitKey: string };
    district = new UpdateDistrict({ url: broker.url, district: 'sim', unitName: 'sim-01', unitNumber: 1, unitKey: Buffer.from(identity.unitKey, 'hex'), districtKey: privateKeyFromSeed(TEST_DISTRICT_SEED) });
    await district.start();
    supervisor = new Supervisor({
      command: [process.execPath, LOA_JS, 'unit', 'run', '--sim', '--data', dataDir],
      env: { LOA_RELEASES: releases, LOA_UPDATE_HEALTH_SECONDS: String(HEALTH_SECONDS), LOA_UPDATE_MAX_ATTEMPTS: '3', LOA_LOG_LEVEL: 'warn' },
      restartMs: 200,
      watchdogMs: 3000,
    });
    await supervisor.start();
  }, 120_000);

  afterAll(async () => {
    await supervisor?.stop();
    await district?.stop();
    await broker?.stop();
    await server?.close();
    for (const d of [root, dataDir]) if (d) await rm(d, { recursive: true, force: true });
  });

  const eventually = (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) =>
    until(check, what, ms, 50).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nevents: ${district.events.join(' | ')}\nhellos: ${district.hellos.join(', ')}\nstarts: ${JSON.stringify(supervisor.starts.map((s) => s.exit))}\n${supervisor.output}`);
    });

  it('installs 0.2.0, which passes its health check and is kept', async () => {
    await eventually(() => district.hellos.includes('0.1.0'), 'the packaged 0.1.0 says hello');
    await district.sendUpdate('0.2.0');
    await eventually(() => district.events.includes('healthy 0.2.0'), '0.2.0 healthy');
    expect(district.results).toContain('ok downloading 0.2.0');
    expect(district.events.slice(0, 2)).toEqual(['installed 0.2.0', 'healthy 0.2.0']);
    expect(district.hellos.at(-1)).toBe('0.2.0');
    expect(await currentVersion(releases)).toBe('0.2.0');
    expect((await readState(releases)).trial).toBeNull();
  }, 60_000);

  it('rolls 0.2.1-crash back to 0.2.0 after its crash loop, and says so', async () => {
    const before = supervisor.starts.length;
    await district.sendUpdate('0.2.1-crash');
    await eventually(() => district.events.some((e) => e.startsWith('rolled-back 0.2.1-crash: crash-loop')), '0.2.1-crash rolled back');
    expect(district.events).toContain('installed 0.2.1-crash');
    const crashed = supervisor.starts.slice(before).filter((s) => s.exit !== null && s.exit.code === 1 && !s.ready);
    expect(crashed).toHaveLength(3);
    expect(await currentVersion(releases)).toBe('0.2.0');
    expect((await readState(releases)).lastFailure).toMatchObject({ version: '0.2.1-crash', reason: 'crash-loop' });
    await eventually(() => district.hellos.at(-1) === '0.2.0', '0.2.0 back');
  }, 60_000);

  it('rolls 0.2.2-unhealthy back to 0.2.0 once its health check times out, and says so', async () => {
    await district.sendUpdate('0.2.2-unhealthy');
    await eventually(() => district.events.some((e) => e.startsWith('rolled-back 0.2.2-unhealthy: health-timeout')), '0.2.2-unhealthy rolled back', HEALTH_SECONDS * 1000 + 30_000);
    expect(district.events).toContain('installed 0.2.2-unhealthy');
    // It never reached the district itself: its hello, kept in the outbox, was delivered by 0.2.0 once it was back,
    // after it; and 0.2.0's own hello is the last.
    expect(district.hellos.at(-1)).toBe('0.2.0');
    expect(await currentVersion(releases)).toBe('0.2.0');
    expect((await readState(releases)).trial).toBeNull();
  }, 60_000);

  it('rolls 0.2.3-hang back after the watchdog killed it at each start', async () => {
    const before = supervisor.starts.length;
    await district.sendUpdate('0.2.3-hang');
    await eventually(() => district.events.some((e) => e.startsWith('rolled-back 0.2.3-hang: crash-loop')), '0.2.3-hang rolled back', 60_000);
    const killed = supervisor.starts.slice(before).filter((s) => s.exit?.by === 'watchdog');
    expect(killed).toHaveLength(3);
    expect(await currentVersion(releases)).toBe('0.2.0');
    await eventually(() => district.hellos.at(-1) === '0.2.0', '0.2.0 back');
  }, 90_000);

  it('refuses a release older than the one running, with an event', async () => {
    await district.sendUpdate('0.2.0');
    await eventually(() => district.events.some((e) => e.startsWith('refused 0.2.0: not-newer')), 'the refusal');
  }, 30_000);
});
