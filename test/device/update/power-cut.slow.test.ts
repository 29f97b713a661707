// Power cuts during updates over the air: the compiled cart under the supervisor stand-in is told, again and again,
// to install the next of three real releases (0.2.0 → 0.3.0 → 0.4.0 → 0.2.0 by a signed rollback order → …), and is
// killed with SIGKILL at a random moment (seeded) after each command: aimed at a phase chosen at random (the download,
// slowed to ~1 s; the unpacking; the switch; the first start) with a random delay into it, or at any time. After every cut the supervisor starts it again, and
// the cart must come back on a complete version (verifyInstalledRelease) that passes its health check (no trial left,
// its hello acknowledged by the district). The counts of cuts per phase and of outcomes are printed.
//
// Slow (minutes): `npx vitest run --config vitest.package.config.ts test/device/update/power-cut.slow.test.ts`.
// LOA_OTA_CUTS (default 100) and LOA_OTA_SEED choose the run.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentVersion, readState, releaseArch } from '../../../device/update/releases.js';
import { INSTALLED_MANIFEST, verifyInstalledRelease } from '../../../device/update/unpack.js';
import { compareVersions, parseReleaseManifest, privateKeyFromSeed } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import type { IdentityJson } from '../../../device/identity.js';
import { dataDirWithIdentity } from '../../support/identity.js';
import { Supervisor } from '../../support/supervisor.js';
import { missing } from '../../support/tools.js';
import { until } from '../../support/wait.js';
import { startBroker, type TestBroker } from '../link/broker.js';
import { seededRandom } from '../power-cut/daemon.js';
import { UpdateDistrict } from './district.js';
import { cannotRun, LOA_JS, realRelease, releasesRoot } from './real-releases.js';
import { newReleaseKey, startReleaseServer, type ReleaseServer } from './release-server.js';

const CUTS = Number(process.env.LOA_OTA_CUTS ?? 100);
const SEED = Number(process.env.LOA_OTA_SEED ?? Math.floor(Math.random() * 2 ** 31));
const VERSIONS = ['0.2.0', '0.3.0', '0.4.0'];
const PACKAGED = '0.1.0';
const reason = cannotRun();
if (reason) console.warn(`[skip] over-the-air power-cut test: ${reason}`);
const arch = releaseArch(process.arch) ?? 'amd64';

type Phase = 'download' | 'unpack' | 'switch' | 'first-start' | 'after';
type Aim = Exclude<Phase, 'after'> | 'anytime';
const AIMS: Aim[] = ['download', 'unpack', 'switch', 'first-start', 'anytime'];
/** How far into each phase a cut may fall, ms: about each phase's length here. */
const AIM_SPREAD_MS: Record<Exclude<Aim, 'anytime'>, number> = { download: 900, unpack: 150, switch: 700, 'first-start': 1500 };

describe.skipIf(reason !== null || missing('socat'))('power cuts during updates over the air', () => {
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
    for (const version of VERSIONS) server.releases.set(`${version}/${arch}`, await realRelease({ version, arch, key: key.key }));
    // About a second for each download, so that cuts fall inside it too.
    server.bytesPerSecond = server.releases.get(`0.2.0/${arch}`)!.payload.length;
    dataDir = await dataDirWithIdentity('loa-ota-cut-', {
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
      env: { LOA_RELEASES: releases, LOA_UPDATE_HEALTH_SECONDS: '20', LOA_UPDATE_BYTES_PER_DAY: String(1e10) },
      restartMs: 100,
      watchdogMs: 10_000,
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

  const phaseAtCut = (): Promise<Phase> => phaseNow();

  /** What the update is doing (or was, when the cart died), read from the disk. */
  async function phaseNow(): Promise<Phase> {
    const state = await readState(releases);
    if (state.trial !== null) return state.trial.attempts === 0 ? 'switch' : 'first-start';
    if ((await readdir(join(releases, 'staging')).catch(() => [])).length > 0) return 'unpack';
    for (const d of await readdir(join(releases, 'downloads')).catch(() => [])) {
      for (const f of await readdir(join(releases, 'downloads', d)).catch(() => [])) {
        const s = await stat(join(releases, 'downloads', d, f)).catch(() => null);
        if (s !== null && Date.now() - s.mtimeMs < 1000) return 'download';
      }
    }
    return 'after';
  }

  /**
   * Waits for the moment to cut: a random delay into the phase aimed at, once the disk shows it has begun (the
   * unpacking takes a fraction of a second here, and uniform delays alone would seldom fall into it), or a random
   * delay from the command for 'anytime'. A phase not seen within 8 s is cut at once.
   */
  async function untilAimed(aim: Aim, random: () => number): Promise<void> {
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    if (aim === 'anytime') return sleep(random() * 4500);
    const started = await until(async () => (await phaseNow()) === aim, aim, 8000, 5).then(() => true, () => false);
    if (started) await sleep(random() * AIM_SPREAD_MS[aim]);
  }

  /** The cart is back: READY, no trial left, and a hello of the running version acknowledged since `hellos`. */
  async function backAndHealthy(hellos: number, what: string): Promise<string> {
    let running = PACKAGED;
    await until(
      async () => {
        const start = supervisor.starts.at(-1);
        if (!supervisor.running || start?.ready !== true) return false;
        if ((await readState(releases)).trial !== null) return false;
        running = (await currentVersion(releases)) ?? PACKAGED;
        return district.hellos.slice(hellos).includes(running) && district.hellos.at(-1) === running;
      },
      what,
      60_000,
      50,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message} (seed ${SEED})\nevents: ${district.events.slice(-10).join(' | ')}\nhellos: ${district.hellos.slice(-10).join(', ')}\n${supervisor.output}`);
    });
    if (running !== PACKAGED) {
      const dir = join(releases, running);
      await verifyInstalledRelease(dir, parseReleaseManifest(JSON.parse(await readFile(join(dir, INSTALLED_MANIFEST), 'utf8'))));
    }
    return running;
  }

  it(`always comes back on a complete, healthy version (${CUTS} cuts)`, async () => {
    const random = seededRandom(SEED);
    const phases: Record<Phase, number> = { download: 0, unpack: 0, switch: 0, 'first-start': 0, after: 0 };
    const outcomes: Record<string, number> = {};
    let running = await backAndHealthy(0, 'the first start');
    for (let cut = 0; cut < CUTS; cut++) {
      const target = VERSIONS[(VERSIONS.indexOf(running) + 1) % VERSIONS.length]!;
      const hellos = district.hellos.length;
      await district.sendUpdate(target, compareVersions(target, running) < 0);
      await untilAimed(AIMS[Math.floor(random() * AIMS.length)]!, random);
      const pid = supervisor.pid;
      supervisor.cut();
      await until(() => supervisor.pid !== pid || !supervisor.running, 'the cut', 5000, 5);
      const phase = await phaseAtCut();
      phases[phase]++;
      const before = running;
      running = await backAndHealthy(hellos, `back after cut ${cut + 1} (${phase})`);
      const outcome = running === target ? 'on the new version' : running === before ? 'on the old version' : `on ${running}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const state = await readState(releases);
    console.log(`[ota power cuts] seed ${SEED}: ${CUTS} cuts; by phase ${JSON.stringify(phases)}; outcomes ${JSON.stringify(outcomes)}; starts ${supervisor.starts.length}; rollbacks ${district.events.filter((e) => e.startsWith('rolled-back')).length}; last failure ${JSON.stringify(state.lastFailure)}`);
    expect(phases.download + phases.unpack + phases.switch + phases['first-start']).toBeGreaterThan(CUTS / 2);
    // At most three releases are kept (current, the one to go back to, the one asked for); a staging folder a cut
    // left is removed by the next unpacking.
    expect((await readdir(releases)).filter((n) => /^\d+\.\d+\.\d+$/u.test(n)).length).toBeLessThanOrEqual(3);
  }, 3_600_000);
});
